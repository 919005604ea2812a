import type { ApplyCause, ConflictReport } from '../engine/types.ts'
import type { VersionVector } from '../snapshot/version-vector.ts'
import type { ConfigTree, ValidationIssue } from '../source/types.ts'

/** The configuration the application runs: the applied head, resolved on this node. */
export interface AppliedConfig {
  readonly checksum: string
  readonly vector: VersionVector
  readonly origin: string
  /** The head's tree with env(), var. and file() references resolved locally. */
  readonly config: ConfigTree
  /** Wall-clock time it was applied, in ms since the epoch. */
  readonly appliedAt: number
}

export interface ChangeEvent extends AppliedConfig {
  readonly cause: ApplyCause | 'dependency'
  readonly previousChecksum: string | undefined
  /** Time from learning of the version (edit read, fetch started) to applying it. */
  readonly tookMs: number
}

/** The source file was refused: it does not parse, validate or fit the limits. */
export interface InvalidEvent {
  readonly path: string
  readonly message: string
  readonly line?: number
  readonly column?: number
  /** The key of the first problem, as a dotted path (`limits.max_bytes`), when there is one. */
  readonly key?: string
  readonly issues?: readonly ValidationIssue[]
}

/** The head could not be resolved here; the node keeps its last applied configuration. */
export interface UnresolvedEvent {
  readonly checksum: string
  readonly message: string
}

/** Event names of a node, in one place (payloads carry ids, checksums and sizes, never values). */
export const NodeEvent = Object.freeze({
  change: 'change',
  conflict: 'conflict',
  invalid: 'invalid',
  unresolved: 'unresolved',
  sourceMissing: 'source:missing',
  peerJoin: 'peer:join',
  peerLeave: 'peer:leave',
} as const)

export interface ConfigMeshEvents {
  change: [ChangeEvent]
  conflict: [ConflictReport]
  invalid: [InvalidEvent]
  unresolved: [UnresolvedEvent]
  'source:missing': [{ path: string }]
  'peer:join': [{ peer: string }]
  'peer:leave': [{ peer: string }]
}
