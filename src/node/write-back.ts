import type { Logger } from 'pino'
import type { EngineEvent } from '../engine/types.ts'
import { checksumOf, type Snapshot, shortChecksum } from '../snapshot/index.ts'
import { normalizeText } from '../source/index.ts'
import { replaceFileUnless } from '../store/index.ts'

/** How many of its own latest writes the writer remembers as safe to overwrite. */
const REMEMBERED_WRITES = 16

/** The engine events a write-back ends in: written, or failed (and whether to stop trying). */
type WriteBackOutcome = Extract<EngineEvent, { type: 'written-back' | 'write-back-failed' }>

/**
 * Carries out the engine's write-back actions on the source file, one at a
 * time in the order issued, so the file ends on the last one.
 *
 * A write never replaces content the engine has not seen: if the file
 * changed since the engine last knew what it held, that is someone's save
 * not yet read (the watcher waits for the file to settle, then parses), and
 * overwriting it would lose the edit without a trace. It is left for the
 * watcher to report; made without seeing the head, it becomes an edit
 * concurrent with it, reported as such. The file is looked at just before
 * the rename; a save landing between that look and the rename is still
 * overwritten.
 */
export class WriteBack {
  readonly #path: string
  readonly #log: Logger
  readonly #report: (outcome: WriteBackOutcome) => Promise<void>
  /** Write-backs, one at a time in the order issued. */
  #writes: Promise<void> = Promise.resolve()
  /** Checksums lately written here: content this writer may overwrite. */
  readonly #written: string[] = []

  constructor(path: string, log: Logger, report: (outcome: WriteBackOutcome) => Promise<void>) {
    this.#path = path
    this.#log = log
    this.#report = report
  }

  /**
   * Queues a write of `snapshot`'s text. `known` is the checksum the engine
   * last knew the file to hold, when the write was issued.
   */
  write(snapshot: Snapshot, known: string | undefined): void {
    this.#writes = this.#writes
      .then(() => this.#writeNow(snapshot, known))
      .catch((err: unknown) => this.#log.error({ err: String(err) }, 'write-back failed'))
  }

  /** Resolves once every queued write has finished. */
  drain(): Promise<void> {
    return this.#writes
  }

  async #writeNow(snapshot: Snapshot, known: string | undefined): Promise<void> {
    const checksum = snapshot.checksum
    const path = this.#path
    let found: string | undefined
    const unseen = (current: Buffer | undefined) => {
      if (current === undefined || known === undefined) return false
      found = checksumOf(normalizeText(current.toString('utf8')))
      return found !== known && found !== checksum && !this.#written.includes(found)
    }
    let replaced: boolean
    try {
      replaced = await replaceFileUnless(path, snapshot.text, unseen)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      const readOnly = code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
      this.#log.warn(
        { path, code, disabled: readOnly },
        readOnly
          ? 'source file is read-only; write-back turned off'
          : 'could not write the head back to the source file',
      )
      await this.#report({ type: 'write-back-failed', checksum, disable: readOnly })
      return
    }
    if (!replaced) {
      this.#log.info(
        { path, checksum: shortChecksum(checksum), found: shortChecksum(found ?? '') },
        'source file changed since it was last read; not overwriting it with the head',
      )
      await this.#report({ type: 'write-back-failed', checksum, disable: false })
      return
    }
    this.#written.push(checksum)
    if (this.#written.length > REMEMBERED_WRITES) this.#written.shift()
    // The engine writes back only when the file holds something older than the head.
    this.#log.info(
      { path, checksum: shortChecksum(checksum) },
      'source file was behind the head; wrote the head back',
    )
    await this.#report({ type: 'written-back', checksum })
  }
}
