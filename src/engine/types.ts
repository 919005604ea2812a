import type { SignatureVerifier, Signer, Snapshot, SnapshotHeader } from '../snapshot/index.ts'
import type { VersionVector } from '../snapshot/version-vector.ts'
import type { ConfigTree, ValidationIssue } from '../source/types.ts'

/**
 * The version the source file last held: its checksum, and the vector that
 * version had. A local edit is made on top of it, which is how a stale file
 * (one that missed peer versions) turns into a reported conflict instead of
 * silently discarding what it missed.
 */
export interface FileVersion {
  readonly checksum: string
  readonly vector: VersionVector
}

/** What the engine needs persisted to resume after a restart. */
export interface EngineState {
  readonly head: Snapshot | undefined
  readonly file: FileVersion | undefined
  /**
   * The highest count of this node's own edits. An edit that lost a conflict
   * is in neither the head nor the file's version; without this a restarted
   * node would give its next edit the same count, two edits under one name.
   * Optional: a state without it resumes from the head and file counts.
   */
  readonly ownEdits?: number
}

/** Injected collaborators: everything that is time, chance, crypto or policy. */
export interface EngineComponents {
  /** Wall clock in milliseconds. The simulator skews and freezes it. */
  now(): number
  /** Uniform in [0, 1). Only used for timer jitter. */
  random(): number
  signer: Signer
  verifier: SignatureVerifier
  /** Checks a tree received from a peer; errors refuse it. Defaults to accepting all. */
  validate?(tree: ConfigTree): ValidationIssue[]
}

export interface EngineInit {
  /**
   * Period of anti-entropy announcements. Each period is jittered by
   * ±announceJitter so that nodes started together do not announce in step.
   * @default 5000
   */
  announceIntervalMs?: number
  /** @default 0.2 */
  announceJitter?: number
  /** A fetch not answered in this time is abandoned and another announcer tried. @default 5000 */
  fetchTimeoutMs?: number
  /** How long a peer that failed a fetch is skipped for that snapshot. @default 1000 */
  fetchRetryMs?: number
  /**
   * After hearing a peer announce a head older than ours, announce ours within
   * this time rather than waiting for the period, so stragglers catch up fast.
   * @default 200
   */
  catchUpAnnounceMs?: number
  /** Conflict reports remembered, so each is reported once. @default 1024 */
  maxRememberedConflicts?: number
  /**
   * Write a peer's snapshot back to the source file, so that the next edit of
   * the file starts from the head. Turned off for read-only sources.
   * @default true
   */
  writeBack?: boolean
  /**
   * Longest the file watcher may take to report one of this node's own
   * write-backs (its settle time plus parsing). A report of the written text
   * within this time is the echo of the write; after it, the same text saved
   * again is an edit. Too short, and a slow echo is published as an edit of
   * an old version; too long, and a save of exactly the written text soon
   * after is taken for the echo.
   * @default 10000
   */
  writeBackEchoMs?: number
  /**
   * Largest lead of a received clock stamp over this node's own clock. The
   * clock witnesses every stamp it accepts (that is what lets an edit made
   * after seeing a version beat it), so one stamp from a clock set a year
   * ahead would drag every node's clock, and every later edit, a year ahead
   * with it. Versions stamped further ahead are refused, with the lead, until
   * this node's clock catches up. It must exceed the worst honest skew
   * between two nodes. Bounding the lead is the hybrid logical clock's own
   * premise (Kulkarni et al. assume a bound on clock offset).
   * @default 86400000 (one day)
   */
  maxClockAheadMs?: number
}

/** Inputs of the engine. */
export type EngineEvent =
  /** The source file holds this valid content (at start, or after a change). */
  | { type: 'source'; text: string; tree: ConfigTree }
  /**
   * The file changed but holds nothing usable (it does not parse or
   * validate, or it is missing). The head stays; the engine only learns that
   * the file no longer holds what was last reported, so it does not mistake
   * an earlier report for the file's current content.
   */
  | { type: 'source-unusable'; reason: 'invalid' | 'missing' }
  /** A peer says it holds `head` (gossip, or its answer to a head request). */
  | { type: 'announcement'; from: string; head: SnapshotHeader }
  /** A fetch we asked for returned a snapshot (decoded, not yet verified). */
  | { type: 'fetched'; from: string; snapshot: Snapshot }
  | {
      type: 'fetch-failed'
      from: string
      checksum: string
      reason: string
      /**
       * No peer can ever deliver this checksum to this node (it is over this
       * node's own maxSnapshotBytes): it is refused once, like invalid content,
       * instead of being retried from every provider for ever. Absent: a
       * failure of this peer only (busy, gone, timed out).
       */
      permanent?: boolean
    }
  /** A write-back action completed: the file now holds that snapshot's text. */
  | { type: 'written-back'; checksum: string }
  /** A write-back failed; `disable` turns write-back off (a read-only source). */
  | { type: 'write-back-failed'; checksum: string; disable: boolean }
  | { type: 'peer-connected'; peer: string }
  | { type: 'peer-disconnected'; peer: string }
  /** Time has passed; the engine checks its timers. */
  | { type: 'tick' }

export type ApplyCause = 'genesis' | 'restore' | 'local-edit' | 'peer'

export interface ConflictReport {
  /** 'concurrent': neither vector dominates. 'equal-vectors': same vector, different content. */
  readonly kind: 'concurrent' | 'equal-vectors'
  readonly winner: SnapshotHeader
  readonly loser: SnapshotHeader
}

/** Outputs of the engine, carried out by the driver in order. */
export type EngineAction =
  /** Durably record head and file version before anything is said about them. */
  | { type: 'persist'; state: EngineState }
  /** The head's content changed: resolve it and hand it to the application. */
  | { type: 'apply'; snapshot: Snapshot; previous: SnapshotHeader | undefined; cause: ApplyCause }
  /** The head changed only in its metadata (same checksum): nothing to re-apply. */
  | { type: 'settle'; head: SnapshotHeader; previous: SnapshotHeader }
  | { type: 'announce'; head: SnapshotHeader }
  | { type: 'request-head'; peer: string }
  | { type: 'fetch'; peer: string; checksum: string }
  /** Write the head's text to the source file, so the next edit starts from it. */
  | { type: 'write-back'; snapshot: Snapshot }
  | { type: 'conflict'; report: ConflictReport }
  /** A snapshot from a peer was refused (bad integrity, invalid tree). */
  | { type: 'refuse'; from: string; checksum: string; reason: string }

export interface EngineStatus {
  readonly node: string
  readonly head: SnapshotHeader | undefined
  readonly file: FileVersion | undefined
  /** The best snapshot heard of that beats the head and is not yet fetched. */
  readonly wanted: SnapshotHeader | undefined
  readonly fetching: { peer: string; checksum: string } | undefined
  readonly conflicts: number
}
