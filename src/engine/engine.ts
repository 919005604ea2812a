import {
  beats,
  buildSnapshot,
  checksumOf,
  EMPTY_VECTOR,
  genesisStamp,
  HybridClock,
  headerOf,
  type Snapshot,
  type SnapshotHeader,
  treeProblem,
  withEntry,
} from '../snapshot/index.ts'
import { type ClockLimit, headerProblem, RefusedVersions, snapshotProblem } from './admission.ts'
import { ConflictLog } from './conflict-log.ts'
import { FetchPlanner } from './fetch-planner.ts'
import { type SourceContent as Source, SourceFile } from './source-file.ts'
import type {
  ApplyCause,
  EngineAction,
  EngineComponents,
  EngineEvent,
  EngineInit,
  EngineState,
  EngineStatus,
  FileVersion,
} from './types.ts'

/** What each EngineInit option is when not given. */
export const ENGINE_DEFAULTS: Required<EngineInit> = Object.freeze({
  announceIntervalMs: 5000,
  announceJitter: 0.2,
  fetchTimeoutMs: 5000,
  fetchRetryMs: 1000,
  catchUpAnnounceMs: 200,
  maxRememberedConflicts: 1024,
  writeBack: true,
  writeBackEchoMs: 10_000,
  maxClockAheadMs: 86_400_000,
})

/** Versions refused for good that are remembered (see RefusedVersions). */
const MAX_REFUSED = 1024

/**
 * The sync state machine of one node. It has no I/O of its own: it takes
 * events (the file changed, a peer announced, a fetch returned, time passed)
 * and returns the actions the driver must carry out, in order. Clock,
 * randomness, keys and validation are injected, so the same engine runs under
 * libp2p and under the deterministic simulator.
 *
 * Invariants:
 * - the head only moves forward under the winner rule (order.ts);
 * - nothing becomes the head before its checksum, tree digest and origin
 *   signature are verified and its tree validated;
 * - every head change is persisted before it is applied or announced.
 */
export class SyncEngine {
  readonly #init: Required<EngineInit>
  readonly #components: EngineComponents
  readonly #self: string
  readonly #clock: HybridClock
  readonly #planner = new FetchPlanner()
  readonly #conflicts: ConflictLog
  /** Checksums this node can never take (invalid content, over its own size limit). */
  readonly #refused = new RefusedVersions(MAX_REFUSED)
  readonly #file: SourceFile
  #head: Snapshot | undefined
  /**
   * The highest count of this node's own edits known here. A node whose edit
   * lost a conflict holds a head without it; counting from the head alone
   * would give its next edit the same count, two edits under one name.
   */
  #ownEdits: number
  #nextAnnounceAt = Number.POSITIVE_INFINITY
  #started = false

  constructor(init: EngineInit, components: EngineComponents, restored?: EngineState) {
    this.#init = { ...ENGINE_DEFAULTS, ...init }
    this.#components = components
    this.#self = components.signer.id
    this.#clock = new HybridClock(this.#self, components.now)
    this.#conflicts = new ConflictLog(this.#init.maxRememberedConflicts)
    this.#head = restored?.head
    const host = {
      head: () => this.#head,
      now: () => this.#now(),
      persist: (actions: EngineAction[]) => actions.push({ type: 'persist', state: this.state }),
      edit: (source: Source, base: FileVersion | undefined, actions: EngineAction[]) =>
        this.#localEdit(source, base, actions),
    }
    const { writeBack, writeBackEchoMs: echoWindowMs } = this.#init
    this.#file = new SourceFile(host, restored?.file, { writeBack, echoWindowMs })
    this.#ownEdits = Math.max(
      restored?.ownEdits ?? 0,
      restored?.head?.vector[this.#self] ?? 0,
      restored?.file?.vector[this.#self] ?? 0,
    )
    if (this.#head !== undefined) this.#clock.witness(this.#head.stamp)
  }

  get head(): Snapshot | undefined {
    return this.#head
  }

  get state(): EngineState {
    return { head: this.#head, file: this.#file.version, ownEdits: this.#ownEdits }
  }

  status(): EngineStatus {
    return {
      node: this.#self,
      head: this.#head === undefined ? undefined : headerOf(this.#head),
      file: this.#file.version,
      wanted: this.#planner.wanted,
      fetching: this.#planner.inFlight,
      conflicts: this.#conflicts.size,
    }
  }

  /** When the driver should next send a `tick`, as a wall-clock time. */
  nextWakeAt(): number {
    return Math.min(this.#nextAnnounceAt, this.#planner.nextWakeAt(), this.#file.nextWakeAt())
  }

  /**
   * Starts from the restored state and the file's current content (undefined
   * when the file is missing or invalid). See docs/DESIGN.md "Where versions
   * come from" for the cases.
   */
  start(source?: Source): EngineAction[] {
    if (this.#started) return []
    this.#started = true
    this.#scheduleAnnounce()
    const actions: EngineAction[] = []
    const usable = this.#usable(source, actions)
    if (this.#head === undefined) {
      if (usable !== undefined) this.#adopt(this.#genesis(usable), 'genesis', actions)
      return actions
    }
    const restored = this.#head
    const checksum = usable === undefined ? undefined : checksumOf(usable.text)
    if (usable !== undefined && checksum !== undefined && this.#file.isEdit(checksum)) {
      this.#localEdit(usable, this.#file.base, actions)
      return actions
    }
    if (checksum !== undefined) this.#file.noteHolds(checksum, actions)
    actions.push({ type: 'apply', snapshot: restored, previous: undefined, cause: 'restore' })
    actions.push({ type: 'announce', head: headerOf(restored) })
    // The head was persisted but its write-back never landed (a crash in between).
    if (checksum !== undefined) this.#file.sync(actions)
    return actions
  }

  handle(event: EngineEvent): EngineAction[] {
    const actions: EngineAction[] = []
    switch (event.type) {
      case 'source':
        this.#onSource(event, actions)
        break
      case 'source-unusable':
        this.#file.unusable(event.reason, actions)
        break
      case 'announcement':
        this.#onAnnouncement(event.from, event.head, actions)
        break
      case 'fetched':
        this.#onFetched(event.from, event.snapshot, actions)
        break
      case 'fetch-failed':
        this.#planner.fail(event.from, event.checksum, this.#now() + this.#init.fetchRetryMs)
        if (event.permanent === true)
          this.#refuseForGood(event.from, event.checksum, event.reason, actions)
        break
      case 'written-back':
        this.#file.writtenBack(event.checksum, actions)
        break
      case 'write-back-failed':
        this.#file.writeFailed(event.checksum, event.disable)
        break
      case 'peer-connected':
        actions.push({ type: 'request-head', peer: event.peer })
        break
      case 'peer-disconnected':
        this.#planner.removePeer(event.peer)
        break
      case 'tick':
        this.#onTick(actions)
        break
    }
    this.#startFetch(actions)
    return actions
  }

  /**
   * A local tree that could not travel intact (a reserved key, a value that
   * is not JSON data) is refused here: every peer would refuse the snapshot,
   * and this node would hold a head nobody can take. The source layer should
   * have refused it already, with the line.
   */
  #usable(source: Source | undefined, actions: EngineAction[]): Source | undefined {
    if (source === undefined) return undefined
    const problem = treeProblem(source.tree)
    if (problem === undefined) return source
    const checksum = checksumOf(source.text)
    actions.push({ type: 'refuse', from: this.#self, checksum, reason: `local tree: ${problem}` })
    return undefined
  }

  #onSource(source: Source, actions: EngineAction[]): void {
    const usable = this.#usable(source, actions)
    if (usable === undefined) return
    if (this.#head === undefined) this.#adopt(this.#genesis(usable), 'genesis', actions)
    else this.#file.reported(usable, actions)
  }

  /**
   * A local edit builds on the version the file last held (its base): that
   * base's vector with this node's entry incremented. When the file held the
   * head this dominates the head; when the file was stale it is concurrent
   * with the head, which is reported. Its stamp is a clock tick, so it wins
   * either way: it was made after everything this node has seen.
   */
  #localEdit(source: Source, on: FileVersion | undefined, actions: EngineAction[]): void {
    const base = on?.vector ?? EMPTY_VECTOR
    const self = this.#self
    this.#ownEdits = Math.max(base[self] ?? 0, this.#head?.vector[self] ?? 0, this.#ownEdits) + 1
    const snapshot = buildSnapshot(
      {
        text: source.text,
        tree: source.tree,
        vector: withEntry(base, self, this.#ownEdits),
        stamp: this.#clock.tick(),
      },
      this.#components.signer,
    )
    this.#reportConflict(snapshot, this.#head, actions)
    this.#adopt(snapshot, 'local-edit', actions)
  }

  #genesis(source: Source): Snapshot {
    const draft = { ...source, vector: EMPTY_VECTOR, stamp: genesisStamp(this.#self) }
    return buildSnapshot(draft, this.#components.signer)
  }

  #onAnnouncement(from: string, header: SnapshotHeader, actions: EngineAction[]): void {
    const problem = headerProblem(header, this.#components, this.#clockLimit())
    if (problem !== undefined) {
      actions.push({ type: 'refuse', from, checksum: header.checksum, reason: problem })
      return
    }
    this.#clock.witness(header.stamp)
    const head = this.#head
    this.#reportConflict(header, head, actions)
    const wanted = this.#planner.wanted
    if (wanted !== undefined) this.#reportConflict(header, wanted, actions)
    if (head !== undefined && !beats(header, head)) {
      if (beats(head, header)) this.#announceSoon()
      return
    }
    if (this.#trySettle(header, actions) || this.#refused.has(header.checksum)) return
    this.#planner.offer(header, from)
  }

  /**
   * Same content, better metadata: adopt the header without fetching or
   * re-applying. Every pod of a deployment reading one updated ConfigMap makes
   * such a twin; the nodes settle on one by the winner rule, silently.
   */
  #trySettle(header: SnapshotHeader, actions: EngineAction[]): boolean {
    const head = this.#head
    if (head === undefined || header.checksum !== head.checksum) return false
    if (header.treeDigest !== head.treeDigest || !beats(header, head)) return false
    const settled: Snapshot = Object.freeze({ ...head, ...headerOf(header) })
    this.#head = settled
    this.#file.revise({ checksum: settled.checksum, vector: settled.vector })
    this.#dropWantedIfReached()
    actions.push({ type: 'persist', state: this.state })
    actions.push({ type: 'settle', head: headerOf(settled), previous: headerOf(head) })
    actions.push({ type: 'announce', head: headerOf(settled) })
    return true
  }

  #onFetched(from: string, snapshot: Snapshot, actions: EngineAction[]): void {
    this.#planner.settle(from, snapshot.checksum)
    const retryAt = this.#now() + this.#init.fetchRetryMs
    const problem = snapshotProblem(snapshot, this.#components, this.#clockLimit())
    if (problem?.permanent === true) {
      this.#refuseForGood(from, snapshot.checksum, problem.reason, actions)
      return
    }
    if (problem !== undefined) {
      actions.push({ type: 'refuse', from, checksum: snapshot.checksum, reason: problem.reason })
      this.#planner.bench(from, retryAt)
      return
    }
    this.#planner.served(from)
    this.#clock.witness(snapshot.stamp)
    const head = this.#head
    // Reported whether or not it wins: this node now holds both versions.
    this.#reportConflict(snapshot, head, actions)
    if (head !== undefined && !beats(snapshot, head)) {
      // The head moved past it meanwhile, or the peer served a lesser twin: not again at once.
      this.#planner.fail(from, snapshot.checksum, retryAt)
      return
    }
    this.#adopt(snapshot, 'peer', actions)
    const twin = this.#planner.candidate(snapshot.checksum)
    if (twin !== undefined) this.#trySettle(twin, actions)
  }

  /** A version this node can never take: refused once, never fetched again. */
  #refuseForGood(from: string, checksum: string, reason: string, actions: EngineAction[]): void {
    if (!this.#refused.add(checksum)) return
    actions.push({ type: 'refuse', from, checksum, reason })
    this.#planner.dropUnless((offered) => !this.#refused.has(offered.checksum))
  }

  /** Makes `snapshot` the head: persist, apply, write back, announce, in that order. */
  #adopt(snapshot: Snapshot, cause: ApplyCause, actions: EngineAction[]): void {
    const previous = this.#head
    this.#head = snapshot
    this.#file.adopting(snapshot, cause)
    this.#dropWantedIfReached()
    actions.push({ type: 'persist', state: this.state })
    const previousHeader = previous === undefined ? undefined : headerOf(previous)
    if (previous?.checksum === snapshot.checksum) {
      actions.push({ type: 'settle', head: headerOf(snapshot), previous: previousHeader! })
    } else {
      actions.push({ type: 'apply', snapshot, previous: previousHeader, cause })
    }
    this.#file.adopted(snapshot, cause, actions)
    actions.push({ type: 'announce', head: headerOf(snapshot) })
  }

  #dropWantedIfReached(): void {
    const head = this.#head
    if (head !== undefined) this.#planner.dropUnless((offered) => beats(offered, head))
  }

  #reportConflict(
    candidate: SnapshotHeader,
    other: SnapshotHeader | undefined,
    actions: EngineAction[],
  ): void {
    if (other === undefined) return
    const report = this.#conflicts.check(candidate, other)
    if (report !== undefined) actions.push({ type: 'conflict', report })
  }

  #onTick(actions: EngineAction[]): void {
    const now = this.#now()
    this.#file.tick(actions)
    const expired = this.#planner.expired(now)
    if (expired !== undefined) {
      // A peer that does not answer is asked for nothing else meanwhile.
      this.#planner.fail(expired.peer, expired.checksum, now + this.#init.fetchRetryMs)
      this.#planner.bench(expired.peer, now + this.#init.fetchRetryMs)
    }
    if (now >= this.#nextAnnounceAt) {
      this.#scheduleAnnounce()
      if (this.#head !== undefined) actions.push({ type: 'announce', head: headerOf(this.#head) })
    }
  }

  #startFetch(actions: EngineAction[]): void {
    const next = this.#planner.next(this.#now(), this.#init.fetchTimeoutMs)
    if (next !== undefined) actions.push({ type: 'fetch', ...next })
  }

  /**
   * Anti-entropy period, jittered by ±announceJitter: nodes started together
   * would otherwise announce in lockstep, and a node that missed a message
   * catches up within one period whatever the timing.
   */
  #scheduleAnnounce(): void {
    const { announceIntervalMs, announceJitter } = this.#init
    const jitter = (this.#components.random() * 2 - 1) * announceJitter
    this.#nextAnnounceAt = this.#now() + Math.round(announceIntervalMs * (1 + jitter))
  }

  /** A peer announced an older head: answer within catchUpAnnounceMs, not a whole period. */
  #announceSoon(): void {
    this.#nextAnnounceAt = Math.min(
      this.#nextAnnounceAt,
      this.#now() + this.#init.catchUpAnnounceMs,
    )
  }

  /** How far ahead of this node's clock a received stamp may be. */
  #clockLimit(): ClockLimit {
    return { nowMs: this.#now(), maxAheadMs: this.#init.maxClockAheadMs }
  }

  #now(): number {
    return this.#components.now()
  }
}
