/**
 * Version vectors.
 *
 * Contract: an entry `vector[node] = n` means "this version includes the
 * first n edits made on `node`". Entries absent from a vector count as 0, so
 * `{}` (genesis) is below every vector with an edit in it. Vectors are never
 * mutated; every operation returns a new frozen object.
 *
 * compare(a, b) answers:
 *   'equal'      every entry equal;
 *   'before'     a <= b everywhere and a < b somewhere (b dominates a);
 *   'after'      the mirror of before (a dominates b);
 *   'concurrent' each is greater somewhere: the two edits did not see each
 *                other, which is what a conflict report is about.
 *
 * Vectors only classify causality; they never pick a winner. The total order
 * that picks the head is in order.ts, and agrees with compare() wherever
 * compare() is not 'concurrent'.
 */
export type VersionVector = Readonly<Record<string, number>>

export type Causality = 'equal' | 'before' | 'after' | 'concurrent'

export const EMPTY_VECTOR: VersionVector = Object.freeze({})

export function compareVectors(a: VersionVector, b: VersionVector): Causality {
  let aAhead = false
  let bAhead = false
  for (const node of unionOfNodes(a, b)) {
    const av = a[node] ?? 0
    const bv = b[node] ?? 0
    if (av > bv) aAhead = true
    else if (bv > av) bAhead = true
    if (aAhead && bAhead) return 'concurrent'
  }
  if (aAhead) return 'after'
  if (bAhead) return 'before'
  return 'equal'
}

/** True when `a` has seen everything `b` has and something more. */
export function dominates(a: VersionVector, b: VersionVector): boolean {
  return compareVectors(a, b) === 'after'
}

/** The entry-wise maximum: a version that has seen both. */
export function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  const merged: Record<string, number> = {}
  for (const node of unionOfNodes(a, b)) merged[node] = Math.max(a[node] ?? 0, b[node] ?? 0)
  return freezeSorted(merged)
}

/** `vector` with `node`'s entry set to `count`, which must not move it backwards. */
export function withEntry(vector: VersionVector, node: string, count: number): VersionVector {
  if (!Number.isSafeInteger(count) || count < (vector[node] ?? 0)) {
    throw new RangeError(
      `version vector entry for ${node} cannot move from ${vector[node]} to ${count}`,
    )
  }
  return freezeSorted({ ...vector, [node]: count })
}

/** Sum of all entries: the number of edits a version has seen. Handy in logs. */
export function vectorSize(vector: VersionVector): number {
  let total = 0
  for (const node in vector) total += vector[node] ?? 0
  return total
}

/** A short human form for logs: `{a1b2:3, c3d4:1}` with ids cut to their last 6 characters. */
export function formatVector(vector: VersionVector): string {
  const parts = Object.keys(vector).map((node) => `${node.slice(-6)}:${vector[node]}`)
  return `{${parts.join(', ')}}`
}

/**
 * Checks that a value received from outside is a version vector: a plain
 * object of at most `maxEntries` non-empty string keys to non-negative safe
 * integers. Returns a reason when it is not.
 */
export function vectorProblem(value: unknown, maxEntries: number): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not an object'
  const keys = Object.keys(value)
  if (keys.length > maxEntries) return `${keys.length} entries, more than ${maxEntries}`
  for (const key of keys) {
    const count = (value as Record<string, unknown>)[key]
    if (key.length === 0 || key.length > 128) return `entry name of length ${key.length}`
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      return `entry ${key} is not a non-negative integer`
    }
  }
  return undefined
}

/** Keys in sorted order so that equal vectors encode to equal bytes. */
function freezeSorted(entries: Record<string, number>): VersionVector {
  const sorted: Record<string, number> = {}
  for (const node of Object.keys(entries).sort()) {
    if ((entries[node] ?? 0) > 0) sorted[node] = entries[node] as number
  }
  return Object.freeze(sorted)
}

function unionOfNodes(a: VersionVector, b: VersionVector): Set<string> {
  return new Set([...Object.keys(a), ...Object.keys(b)])
}

export function normalizeVector(vector: Record<string, number>): VersionVector {
  return freezeSorted(vector)
}
