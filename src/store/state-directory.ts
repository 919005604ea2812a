import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { SignatureVerifier, SnapshotLimits } from '../snapshot/snapshot.ts'
import { acquireLock } from './lock.ts'
import { loadOrCreateNodeKey, type NodeKey } from './node-key.ts'
import { type ReadStateResult, readState, type StoredState, writeState } from './state-file.ts'

/**
 * A node's state directory:
 *
 *   node.key   the Ed25519 key behind its peer id (owner-only)
 *   state      head snapshot and file version, replaced atomically together
 *   lock       pid of the process using the directory
 *
 * Saves are serialised and coalesced: while one write is in progress only
 * the newest pending state is kept, so a burst of head changes costs at most
 * two writes and the file always ends with the latest state.
 */
export class StateDirectory {
  readonly path: string
  readonly #limits: SnapshotLimits
  readonly #release: () => Promise<void>
  #writing: Promise<void> = Promise.resolve()
  #pending: StoredState | undefined
  #closed = false

  private constructor(path: string, limits: SnapshotLimits, release: () => Promise<void>) {
    this.path = path
    this.#limits = limits
    this.#release = release
  }

  static async open(path: string, limits: SnapshotLimits): Promise<StateDirectory> {
    await mkdir(path, { recursive: true, mode: 0o700 })
    const release = await acquireLock(join(path, 'lock'))
    return new StateDirectory(path, limits, release)
  }

  loadOrCreateKey(): Promise<NodeKey> {
    return loadOrCreateNodeKey(join(this.path, 'node.key'))
  }

  /** The stored state; a head that fails `verifier`'s checks counts as corrupt. */
  load(verifier?: SignatureVerifier): Promise<ReadStateResult> {
    return readState(join(this.path, 'state'), this.#limits, verifier)
  }

  /** Resolves once `state` (or a newer one) is on disk. */
  save(state: StoredState): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`state directory ${this.path} is closed`))
    const queued = this.#pending !== undefined
    this.#pending = state
    if (!queued) {
      // A failed write must not stop later ones: each starts after the last settles.
      this.#writing = this.#writing
        .catch(() => undefined)
        .then(() => {
          const latest = this.#pending
          this.#pending = undefined
          return latest === undefined ? undefined : writeState(join(this.path, 'state'), latest)
        })
    }
    return this.#writing
  }

  /** Waits for pending saves, then releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#writing.catch(() => undefined)
    await this.#release()
  }
}
