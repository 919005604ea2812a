import { checksumOf, type Snapshot } from '../snapshot/index.ts'
import type { ConfigTree } from '../source/types.ts'
import { FileTracker } from './file-tracker.ts'
import type { ApplyCause, EngineAction, FileVersion } from './types.ts'

/** Valid content of the source file, as the source layer hands it over. */
export interface SourceContent {
  text: string
  tree: ConfigTree
}

/** What the file side needs from the engine. */
export interface FileHost {
  head(): Snapshot | undefined
  /** Engine wall clock, ms. */
  now(): number
  /** Appends a persist of the engine's current state. */
  persist(actions: EngineAction[]): void
  /** Publishes `source` as a local edit built on `base`. */
  edit(source: SourceContent, base: FileVersion | undefined, actions: EngineAction[]): void
}

/** A failed write-back is tried again after this, doubling while it keeps failing. */
const WRITE_RETRY_MS = 1000
const MAX_WRITE_RETRY_MS = 60_000

/**
 * The engine's side of the source file: what the watcher's reports mean
 * (an edit, the echo of a write-back, a stale read), and when the head is
 * written back. FileTracker keeps the bookkeeping; this decides.
 *
 * Write-back never overwrites what a person may have just saved: not while
 * the file is known to be invalid (an edit in progress), and not while a
 * held report may be such a save (see #held). A write that fails otherwise
 * is tried again later.
 */
export class SourceFile {
  readonly #host: FileHost
  readonly #tracker: FileTracker
  #writeBack: boolean
  /**
   * The last report from the watcher while write-backs were still pending
   * after it (a stale read, or the echo of the write issued at `after`). If a
   * write issued later than that landed and never echoes, this report was
   * read after it: someone saved this text over what was written, an edit.
   */
  #held: { source: SourceContent; after: number } | undefined
  /** The watcher last reported a file that does not parse or validate. */
  #invalid = false
  /** When to try writing the head back again after a failed write, and the wait after that. */
  #retry = { at: Number.POSITIVE_INFINITY, delayMs: WRITE_RETRY_MS }

  constructor(
    host: FileHost,
    restored: FileVersion | undefined,
    options: { writeBack: boolean; echoWindowMs: number },
  ) {
    this.#host = host
    this.#tracker = new FileTracker(restored, options.echoWindowMs)
    this.#writeBack = options.writeBack
  }

  /** The version the file holds, as far as this node knows (what is persisted). */
  get version(): FileVersion | undefined {
    return this.#tracker.version
  }

  /** What a local edit reported now builds on. */
  get base(): FileVersion | undefined {
    return this.#tracker.base
  }

  /** The earliest time this side needs a tick (an echo to give up on, a write to retry). */
  nextWakeAt(): number {
    return Math.min(this.#tracker.lapsesAt() ?? Number.POSITIVE_INFINITY, this.#retry.at)
  }

  /** New content that is neither the head nor what the file was last seen holding. */
  isEdit(checksum: string): boolean {
    return checksum !== this.#host.head()?.checksum && checksum !== this.#tracker.version?.checksum
  }

  /** The watcher reported valid content (the head is defined). */
  reported(source: SourceContent, actions: EngineAction[]): void {
    this.#invalid = false
    const checksum = checksumOf(source.text)
    this.#checkLapsed(actions)
    const held = this.#held
    this.#held = undefined
    const echoed = this.#tracker.echo(checksum)
    if (echoed !== undefined) {
      this.#holds(echoed.version, actions)
      if (this.#tracker.writing) this.#held = { source, after: echoed.at }
      this.sync(actions)
      return
    }
    if (this.#tracker.isStaleRead(checksum)) {
      // Most likely read before a write-back landed and reported after: the file's past.
      // The same text reported again keeps what explained it the first time.
      const same = held !== undefined && checksumOf(held.source.text) === checksum
      this.#held = { source, after: same ? held.after : Number.NEGATIVE_INFINITY }
      return
    }
    if (this.isEdit(checksum)) {
      this.#host.edit(source, this.#tracker.base, actions)
      return
    }
    this.noteHolds(checksum, actions)
    this.sync(actions)
  }

  /** The file changed to something unusable: a report of its own, with nothing to take. */
  unusable(reason: 'invalid' | 'missing', actions: EngineAction[]): void {
    this.#checkLapsed(actions)
    this.#held = undefined
    this.#invalid = reason === 'invalid'
  }

  writtenBack(checksum: string, actions: EngineAction[]): void {
    this.#retry = { at: Number.POSITIVE_INFINITY, delayMs: WRITE_RETRY_MS }
    // Recorded at once (not at the echo) so that a crash before the echo does
    // not leave the state saying the file holds what it no longer holds.
    const version = this.#tracker.writtenBack(checksum)
    if (version !== undefined && this.#tracker.written(this.#withHeadVector(version))) {
      this.#host.persist(actions)
    }
  }

  /**
   * A write that failed for a reason other than a read-only file (the file
   * changed under it, a full disk) is tried again later, backing off while
   * it keeps failing; the watcher's report of the change may come first.
   */
  writeFailed(checksum: string, disable: boolean): void {
    this.#tracker.writeFailed(checksum)
    if (disable) {
      this.#writeBack = false
      return
    }
    const delayMs = this.#retry.delayMs
    this.#retry = {
      at: this.#host.now() + delayMs,
      delayMs: Math.min(delayMs * 2, MAX_WRITE_RETRY_MS),
    }
  }

  tick(actions: EngineAction[]): void {
    this.#checkLapsed(actions)
    if (this.#host.now() >= this.#retry.at) {
      this.#retry = { ...this.#retry, at: Number.POSITIVE_INFINITY }
      this.sync(actions)
    }
  }

  /** `snapshot` is becoming the head: record what that says of the file, before the persist. */
  adopting(snapshot: Snapshot, cause: ApplyCause): void {
    const version = { checksum: snapshot.checksum, vector: snapshot.vector }
    // A genesis or local edit is the file's content; a peer's version only
    // refines the metadata of content the file already holds.
    if (cause !== 'peer') this.#tracker.reported(version)
    else this.#tracker.revise(version)
  }

  /** After a peer's snapshot became the head: write it to the file, when allowed. */
  adopted(snapshot: Snapshot, cause: ApplyCause, actions: EngineAction[]): void {
    const behind = this.#tracker.version?.checksum !== snapshot.checksum
    if (cause === 'peer' && behind && this.#mayWrite()) this.#write(snapshot, actions)
  }

  /** Same content, better metadata (a settled twin). */
  revise(version: FileVersion): void {
    this.#tracker.revise(version)
  }

  /** The file holds `checksum` again; when that is the head, later edits build on the head. */
  noteHolds(checksum: string, actions: EngineAction[]): void {
    const head = this.#host.head()
    if (head !== undefined && checksum === head.checksum) {
      this.#holds({ checksum, vector: head.vector }, actions)
    }
  }

  /**
   * A file known to hold something older than the head, with no write under
   * way, gets the head written: a late echo or a stale file (a crash before
   * a write-back landed) would otherwise leave the next edit building on an
   * old version.
   */
  sync(actions: EngineAction[]): void {
    const head = this.#host.head()
    const file = this.#tracker.version
    if (head === undefined || file === undefined || this.#tracker.writing) return
    if (file.checksum !== head.checksum && this.#mayWrite()) this.#write(head, actions)
  }

  /**
   * Pending write-backs whose echo never came lapse. If a report is held, it
   * was in fact read after the lapsed write landed: someone saved that text
   * over what was written (a restore), an edit made on the written version.
   * If the write never landed, the file still holds what was last reported.
   */
  #checkLapsed(actions: EngineAction[]): void {
    const lapsed = this.#tracker.lapse(this.#host.now())
    if (lapsed === undefined) return
    const held = this.#held
    const overwritten = lapsed.landed
    if (held !== undefined && overwritten !== undefined && overwritten.at > held.after) {
      this.#held = undefined
      const checksum = checksumOf(held.source.text)
      if (checksum !== this.#host.head()?.checksum) {
        this.#host.edit(held.source, overwritten.version, actions)
        return
      }
      this.noteHolds(checksum, actions)
    } else if (lapsed.unlanded && this.#tracker.backToReported()) {
      this.#host.persist(actions)
    }
    if (!this.#tracker.writing) this.#held = undefined
    this.sync(actions)
  }

  /** The watcher reported the file holding `version`. */
  #holds(version: FileVersion, actions: EngineAction[]): void {
    if (this.#tracker.reported(this.#withHeadVector(version))) this.#host.persist(actions)
  }

  /** The head's metadata wins when the content is the head's: it is the best known twin. */
  #withHeadVector(version: FileVersion): FileVersion {
    const head = this.#host.head()
    if (head === undefined || head.checksum !== version.checksum) return version
    return { checksum: head.checksum, vector: head.vector }
  }

  /**
   * Whether the head may be written now: write-back on, the file not left
   * invalid by a person mid-edit, and no held report that may be a person's
   * save over a pending write (it waits until the echo comes or lapses).
   */
  #mayWrite(): boolean {
    const held = this.#held
    const undecided = held !== undefined && this.#tracker.pendingAfter(held.after)
    return this.#writeBack && !this.#invalid && !undecided
  }

  #write(snapshot: Snapshot, actions: EngineAction[]): void {
    this.#tracker.wrote({ checksum: snapshot.checksum, vector: snapshot.vector }, this.#host.now())
    actions.push({ type: 'write-back', snapshot })
  }
}
