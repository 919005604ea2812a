import { compareStamps } from './clock.ts'
import type { SnapshotHeader } from './snapshot.ts'

/**
 * The winner rule: of two snapshots, the one with the larger
 * (stamp, origin, checksum) wins.
 *
 * It is a total order, so every node that has seen the same snapshots picks
 * the same head. Because hybrid-logical-clock stamps grow along causality,
 * it agrees with the version vectors wherever they are ordered: a version
 * made after seeing another always has the larger stamp. Only concurrent
 * edits are decided by wall time, and those are reported as conflicts.
 *
 * Returns a negative number when `a` loses to `b`, 0 for the same version,
 * positive when `a` wins.
 */
export function compareHeaders(a: SnapshotHeader, b: SnapshotHeader): number {
  const byStamp = compareStamps(a.stamp, b.stamp)
  if (byStamp !== 0) return byStamp
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1
  if (a.checksum !== b.checksum) return a.checksum < b.checksum ? -1 : 1
  return 0
}

/** True when `candidate` beats `current` under the winner rule. */
export function beats(candidate: SnapshotHeader, current: SnapshotHeader): boolean {
  return compareHeaders(candidate, current) > 0
}
