import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import type { Logger } from 'pino'
import { type Snapshot, shortChecksum } from '../snapshot/index.ts'
import { resolveReferences } from '../source/index.ts'
import type { AppliedConfig, ChangeEvent, UnresolvedEvent } from './events.ts'

export interface ApplierHooks {
  change(event: ChangeEvent): void
  unresolved(event: UnresolvedEvent): void
  /** The local files the applied configuration read through file(): to be watched. */
  dependencies(paths: readonly string[]): void
  /**
   * A watched file's settled content, so resolution never reads one caught
   * mid-rewrite; undefined for a file not watched (yet), which is read from disk.
   */
  settledContent(path: string): string | undefined
}

/**
 * Turns heads into the application's configuration. The head is what the node
 * holds and serves; "applied" is what it last resolved and handed over. They
 * part when a reference cannot be resolved here (a missing variable): the
 * application keeps running the last applied configuration while the head is
 * still passed on to peers.
 */
export class Applier {
  readonly #env: Readonly<Record<string, string | undefined>>
  readonly #hooks: ApplierHooks
  readonly #log: Logger
  #applied: AppliedConfig | undefined
  #head: Snapshot | undefined
  #unresolved: UnresolvedEvent | undefined

  constructor(env: Readonly<Record<string, string | undefined>>, hooks: ApplierHooks, log: Logger) {
    this.#env = env
    this.#hooks = hooks
    this.#log = log
  }

  get applied(): AppliedConfig | undefined {
    return this.#applied
  }

  get unresolved(): UnresolvedEvent | undefined {
    return this.#unresolved
  }

  /** Resolves and applies `snapshot`; `startedAt` is when the node first learnt of it. */
  apply(snapshot: Snapshot, cause: ChangeEvent['cause'], startedAt: number): void {
    this.#head = snapshot
    this.#resolveAndApply(snapshot, cause, startedAt)
  }

  /**
   * A file() dependency may have changed: resolve the head again, with no new
   * cluster version. Emits `change` only when the result differs from what
   * the application runs.
   */
  reapply(): void {
    const head = this.#head
    if (head === undefined) return
    this.#resolveAndApply(head, 'dependency', Date.now())
  }

  #resolveAndApply(snapshot: Snapshot, cause: ChangeEvent['cause'], startedAt: number): void {
    const previousChecksum = this.#applied?.checksum
    let resolved: ReturnType<typeof resolveReferences>
    try {
      resolved = resolveReferences(snapshot.tree, {
        env: this.#env,
        readFile: (path) => this.#hooks.settledContent(path) ?? readFileSync(path, 'utf8'),
      })
    } catch (err) {
      this.#unresolved = { checksum: snapshot.checksum, message: (err as Error).message }
      this.#log.error(
        { checksum: shortChecksum(snapshot.checksum), reason: this.#unresolved.message },
        'head cannot be resolved here; keeping the last applied configuration',
      )
      this.#hooks.unresolved(this.#unresolved)
      return
    }
    this.#unresolved = undefined
    const unchanged =
      cause === 'dependency' &&
      this.#applied?.checksum === snapshot.checksum &&
      isDeepStrictEqual(this.#applied.config, resolved.effective)
    if (unchanged) return
    const now = Date.now()
    this.#applied = Object.freeze({
      checksum: snapshot.checksum,
      vector: snapshot.vector,
      origin: snapshot.origin,
      config: resolved.effective,
      appliedAt: now,
    })
    this.#hooks.dependencies(resolved.files)
    this.#hooks.change({ ...this.#applied, cause, previousChecksum, tookMs: now - startedAt })
  }
}
