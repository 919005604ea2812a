import { compareHeaders, compareVectors, type SnapshotHeader } from '../snapshot/index.ts'
import type { ConflictReport } from './types.ts'

/**
 * Detects conflicts between two versions and remembers which pairs were
 * already reported, so each is reported once per node however often the two
 * are announced. Memory is bounded: past `capacity` pairs the oldest are
 * forgotten (a very old pair could then be reported a second time).
 */
export class ConflictLog {
  readonly #capacity: number
  readonly #reported = new Set<string>()

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  get size(): number {
    return this.#reported.size
  }

  /**
   * A report when `a` and `b` conflict and the pair is new: different content
   * and vectors that are concurrent, or equal (two versions that each claim to
   * be the same one). Equal checksums never conflict: same text, same
   * configuration.
   */
  check(a: SnapshotHeader, b: SnapshotHeader): ConflictReport | undefined {
    if (a.checksum === b.checksum) return undefined
    const causality = compareVectors(a.vector, b.vector)
    if (causality === 'before' || causality === 'after') return undefined
    const key = [versionKey(a), versionKey(b)].sort().join('|')
    if (this.#reported.has(key)) return undefined
    this.#remember(key)
    const [winner, loser] = compareHeaders(a, b) > 0 ? [a, b] : [b, a]
    return {
      kind: causality === 'equal' ? 'equal-vectors' : 'concurrent',
      winner,
      loser,
    }
  }

  #remember(key: string): void {
    if (this.#reported.size >= this.#capacity) {
      const oldest = this.#reported.values().next().value
      if (oldest !== undefined) this.#reported.delete(oldest)
    }
    this.#reported.add(key)
  }
}

/** A version is identified by its stamp (unique per origin) and checksum. */
function versionKey(header: SnapshotHeader): string {
  const { wallMs, counter, node } = header.stamp
  return `${node}/${wallMs}/${counter}/${header.checksum}`
}
