import { type Snapshot, verifySnapshot } from '../snapshot/index.ts'
import type { EngineComponents } from './types.ts'

/** Why a fetched snapshot cannot be taken, and whether the content itself is to blame. */
export interface SnapshotProblem {
  readonly reason: string
  /** The content is at fault: no peer can ever serve this checksum acceptably. */
  readonly permanent: boolean
}

/**
 * Why a fetched snapshot cannot be used. Integrity failures blame the peer
 * that sent it (temporary: another may send it intact); validation failures
 * blame the content (permanent: the same checksum is never fetched again).
 */
export function snapshotProblem(
  snapshot: Snapshot,
  components: Pick<EngineComponents, 'verifier' | 'validate'>,
): SnapshotProblem | undefined {
  try {
    verifySnapshot(snapshot, components.verifier)
  } catch (err) {
    return { reason: (err as Error).message, permanent: false }
  }
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
