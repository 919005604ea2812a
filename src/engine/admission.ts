import {
  type Snapshot,
  type SnapshotHeader,
  stampAhead,
  verifyHeaderSignature,
  verifySnapshot,
} from '../snapshot/index.ts'
import type { EngineComponents } from './types.ts'

/** Why a fetched snapshot cannot be taken, and whether the content itself is to blame. */
export interface SnapshotProblem {
  readonly reason: string
  /** The content is at fault: no peer can ever serve this checksum acceptably. */
  readonly permanent: boolean
}

/** Limits on a received clock stamp: how far past `nowMs`, this node's clock, it may be. */
export interface ClockLimit {
  readonly nowMs: number
  readonly maxAheadMs: number
}

/**
 * Why an announced header cannot be considered: a signature that is not its
 * origin's, or a stamp too far ahead to witness. Undefined when it can.
 */
export function headerProblem(
  header: SnapshotHeader,
  components: Pick<EngineComponents, 'verifier'>,
  clock: ClockLimit,
): string | undefined {
  try {
    verifyHeaderSignature(header, components.verifier)
  } catch (err) {
    return String(err)
  }
  return stampAhead(header.stamp, clock.nowMs, clock.maxAheadMs)
}

/**
 * Why a fetched snapshot cannot be used. Integrity failures blame the peer
 * that sent it (temporary: another may send it intact); so does a stamp too
 * far ahead of this node's clock (`clock`), which is refused only until this
 * clock catches up. Validation failures blame the content (permanent: the
 * same checksum is never fetched again).
 */
export function snapshotProblem(
  snapshot: Snapshot,
  components: Pick<EngineComponents, 'verifier' | 'validate'>,
  clock: ClockLimit,
): SnapshotProblem | undefined {
  try {
    verifySnapshot(snapshot, components.verifier)
  } catch (err) {
    return { reason: (err as Error).message, permanent: false }
  }
  const ahead = stampAhead(snapshot.stamp, clock.nowMs, clock.maxAheadMs)
  if (ahead !== undefined) return { reason: ahead, permanent: false }
  const errors = (components.validate?.(snapshot.tree) ?? []).filter(
    (issue) => issue.severity === 'error',
  )
  if (errors.length === 0) return undefined
  const listed = errors.map((issue) => `${issue.path}: ${issue.message}`).join('; ')
  return { reason: `invalid configuration: ${listed}`, permanent: true }
}

/**
 * Checksums this node can never take (invalid content, or over its own size
 * limit), remembered so they are never fetched again. Bounded, oldest
 * forgotten first: a hostile peer can sign any number of invalid versions,
 * and a forgotten one costs at most one more fetch.
 */
export class RefusedVersions {
  readonly #capacity: number
  readonly #checksums = new Set<string>()

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  has(checksum: string): boolean {
    return this.#checksums.has(checksum)
  }

  /** Remembers `checksum`; false when it was already refused. */
  add(checksum: string): boolean {
    if (this.#checksums.has(checksum)) return false
    if (this.#checksums.size >= this.#capacity) {
      const oldest = this.#checksums.values().next().value
      if (oldest !== undefined) this.#checksums.delete(oldest)
    }
    this.#checksums.add(checksum)
    return true
  }
}
