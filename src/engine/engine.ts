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
  verifyHeaderSignature,
  verifySnapshot,
  withEntry,
} from '../snapshot/index.ts'
import type { ConfigTree } from '../source/types.ts'
import { ConflictLog } from './conflict-log.ts'
import { FetchPlanner } from './fetch-planner.ts'
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

const DEFAULTS: Required<EngineInit> = Object.freeze({
  announceIntervalMs: 5000,
  announceJitter: 0.2,
  fetchTimeoutMs: 5000,
  fetchRetryMs: 1000,
  catchUpAnnounceMs: 200,
  maxRememberedConflicts: 1024,
  writeBack: true,
})

const MAX_PENDING_ECHOES = 16

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
  /** Checksums whose content failed validation: never fetched again. */
  readonly #refused = new Set<string>()
  /**
   * Write-backs not yet seen coming back through the file watcher, oldest
   * first. The watcher reports our own writes like any other change; without
   * this list a late echo of an earlier write-back would look like a local
   * edit of old text and revert the head.
   */
  readonly #writeBackEchoes: FileVersion[] = []
  #writeBack: boolean
  #head: Snapshot | undefined
  #file: FileVersion | undefined
  #nextAnnounceAt = Number.POSITIVE_INFINITY
  #started = false

  constructor(init: EngineInit, components: EngineComponents, restored?: EngineState) {
    this.#init = { ...DEFAULTS, ...init }
    this.#components = components
    this.#self = components.signer.id
    this.#clock = new HybridClock(this.#self, components.now)
    this.#conflicts = new ConflictLog(this.#init.maxRememberedConflicts)
    this.#writeBack = this.#init.writeBack
    this.#head = restored?.head
    this.#file = restored?.file
    if (this.#head !== undefined) this.#clock.witness(this.#head.stamp)
  }

  get head(): Snapshot | undefined {
    return this.#head
  }

  get state(): EngineState {
    return { head: this.#head, file: this.#file }
  }

  status(): EngineStatus {
    return {
      node: this.#self,
      head: this.#head === undefined ? undefined : headerOf(this.#head),
      file: this.#file,
      wanted: this.#planner.wanted,
      fetching: this.#planner.inFlight,
      conflicts: this.#conflicts.size,
    }
  }

  /** When the driver should next send a `tick`, as a wall-clock time. */
  nextWakeAt(): number {
    return Math.min(this.#nextAnnounceAt, this.#planner.nextWakeAt())
  }

  /**
   * Starts from the restored state and the file's current content (undefined
   * when the file is missing or invalid). See docs/DESIGN.md "Where versions
   * come from" for the cases.
   */
  start(source?: { text: string; tree: ConfigTree }): EngineAction[] {
    if (this.#started) return []
    this.#started = true
    this.#scheduleAnnounce()
    const actions: EngineAction[] = []
    if (this.#head === undefined) {
      if (source !== undefined) this.#adopt(this.#genesis(source), 'genesis', actions)
      return actions
    }
    const restored = this.#head
    if (source === undefined || !this.#isLocalEdit(checksumOf(source.text))) {
      if (source !== undefined) this.#noteFileHolds(checksumOf(source.text), actions)
      actions.push({ type: 'apply', snapshot: restored, previous: undefined, cause: 'restore' })
      actions.push({ type: 'announce', head: headerOf(restored) })
      return actions
    }
    this.#localEdit(source, actions)
    return actions
  }

  handle(event: EngineEvent): EngineAction[] {
    const actions: EngineAction[] = []
    switch (event.type) {
      case 'source':
        this.#onSource(event, actions)
        break
      case 'announcement':
        this.#onAnnouncement(event.from, event.head, actions)
        break
      case 'fetched':
        this.#onFetched(event.from, event.snapshot, actions)
        break
      case 'fetch-failed':
        this.#planner.fail(event.from, event.checksum, this.#now() + this.#init.fetchRetryMs)
        break
      case 'written-back':
        this.#onWrittenBack(event.checksum, actions)
        break
      case 'write-back-failed':
        this.#onWriteBackFailed(event.checksum, event.disable)
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

  #onSource(source: { text: string; tree: ConfigTree }, actions: EngineAction[]): void {
    if (this.#head === undefined) {
      this.#adopt(this.#genesis(source), 'genesis', actions)
      return
    }
    const checksum = checksumOf(source.text)
    if (this.#consumeEcho(checksum, actions)) return
    if (this.#isLocalEdit(checksum)) this.#localEdit(source, actions)
    else this.#noteFileHolds(checksum, actions)
  }

  /** The watcher saw one of our write-backs: the file holds that version, no edit. */
  #consumeEcho(checksum: string, actions: EngineAction[]): boolean {
    const index = this.#writeBackEchoes.findIndex((version) => version.checksum === checksum)
    if (index < 0) return false
    const [version] = this.#writeBackEchoes.splice(0, index + 1).slice(-1)
    this.#setFile(version!, actions)
    return true
  }

  #onWrittenBack(checksum: string, actions: EngineAction[]): void {
    const version = this.#writeBackEchoes.find((pending) => pending.checksum === checksum)
    if (version !== undefined) this.#setFile(version, actions)
  }

  #onWriteBackFailed(checksum: string, disable: boolean): void {
    const index = this.#writeBackEchoes.findIndex((pending) => pending.checksum === checksum)
    if (index >= 0) this.#writeBackEchoes.splice(index, 1)
    if (disable) this.#writeBack = false
  }

  #setFile(version: FileVersion, actions: EngineAction[]): void {
    const file = this.#file
    if (file?.checksum === version.checksum && file.vector === version.vector) return
    this.#file = version
    actions.push({ type: 'persist', state: this.state })
  }

  /** New content that is neither the head nor what the file was last seen holding. */
  #isLocalEdit(checksum: string): boolean {
    return checksum !== this.#head?.checksum && checksum !== this.#file?.checksum
  }

  /** The file holds `checksum` again; when that is the head, later edits build on the head. */
  #noteFileHolds(checksum: string, actions: EngineAction[]): void {
    const head = this.#head
    if (head === undefined || checksum !== head.checksum) return
    this.#setFile({ checksum: head.checksum, vector: head.vector }, actions)
  }

  /**
   * A local edit builds on the version the file last held (its base): that
   * base's vector with this node's entry incremented. When the file held the
   * head this dominates the head; when the file was stale it is concurrent
   * with the head, which is reported. Its stamp is a clock tick, so it wins
   * either way: it was made after everything this node has seen.
   */
  #localEdit(source: { text: string; tree: ConfigTree }, actions: EngineAction[]): void {
    const base = this.#file?.vector ?? EMPTY_VECTOR
    const ownCount = Math.max(base[this.#self] ?? 0, this.#head?.vector[this.#self] ?? 0)
    const snapshot = buildSnapshot(
      {
        text: source.text,
        tree: source.tree,
        vector: withEntry(base, this.#self, ownCount + 1),
        stamp: this.#clock.tick(),
      },
      this.#components.signer,
    )
    this.#reportConflict(snapshot, this.#head, actions)
    this.#adopt(snapshot, 'local-edit', actions)
  }

  #genesis(source: { text: string; tree: ConfigTree }): Snapshot {
    const draft = { ...source, vector: EMPTY_VECTOR, stamp: genesisStamp(this.#self) }
    return buildSnapshot(draft, this.#components.signer)
  }

  #onAnnouncement(from: string, header: SnapshotHeader, actions: EngineAction[]): void {
    try {
      verifyHeaderSignature(header, this.#components.verifier)
    } catch (err) {
      actions.push({ type: 'refuse', from, checksum: header.checksum, reason: String(err) })
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
    if (this.#file?.checksum === settled.checksum) {
      this.#file = { checksum: settled.checksum, vector: settled.vector }
    }
    this.#dropWantedIfReached()
    actions.push({ type: 'persist', state: this.state })
    actions.push({ type: 'settle', head: headerOf(settled), previous: headerOf(head) })
    actions.push({ type: 'announce', head: headerOf(settled) })
    return true
  }

  #onFetched(from: string, snapshot: Snapshot, actions: EngineAction[]): void {
    this.#planner.settle(from, snapshot.checksum)
    const problem = this.#problemWith(snapshot)
    if (problem !== undefined) {
      actions.push({ type: 'refuse', from, checksum: snapshot.checksum, reason: problem.reason })
      if (problem.permanent) this.#refused.add(snapshot.checksum)
      else this.#planner.fail(from, snapshot.checksum, this.#now() + this.#init.fetchRetryMs)
      this.#planner.dropUnless((wanted) => !this.#refused.has(wanted.checksum))
      return
    }
    this.#clock.witness(snapshot.stamp)
    const head = this.#head
    if (head !== undefined && !beats(snapshot, head)) return
    this.#reportConflict(snapshot, head, actions)
    this.#adopt(snapshot, 'peer', actions)
    const wanted = this.#planner.wanted
    if (wanted !== undefined) this.#trySettle(wanted, actions)
  }

  /**
   * Why a fetched snapshot cannot be used. Integrity failures blame the peer
   * that sent it (temporary: another may send it intact); validation failures
   * blame the content (permanent: the same checksum is never fetched again).
   */
  #problemWith(snapshot: Snapshot): { reason: string; permanent: boolean } | undefined {
    try {
      verifySnapshot(snapshot, this.#components.verifier)
    } catch (err) {
      return { reason: (err as Error).message, permanent: false }
    }
    const errors = (this.#components.validate?.(snapshot.tree) ?? []).filter(
      (issue) => issue.severity === 'error',
    )
    if (errors.length === 0) return undefined
    const listed = errors.map((issue) => `${issue.path}: ${issue.message}`).join('; ')
    return { reason: `invalid configuration: ${listed}`, permanent: true }
  }

  /** Makes `snapshot` the head: persist, apply, write back, announce, in that order. */
  #adopt(snapshot: Snapshot, cause: ApplyCause, actions: EngineAction[]): void {
    const previous = this.#head
    this.#head = snapshot
    const version = { checksum: snapshot.checksum, vector: snapshot.vector }
    if (cause !== 'peer' || this.#file?.checksum === snapshot.checksum) this.#file = version
    this.#dropWantedIfReached()
    actions.push({ type: 'persist', state: this.state })
    const previousHeader = previous === undefined ? undefined : headerOf(previous)
    if (previous?.checksum === snapshot.checksum) {
      actions.push({ type: 'settle', head: headerOf(snapshot), previous: previousHeader! })
    } else {
      actions.push({ type: 'apply', snapshot, previous: previousHeader, cause })
    }
    if (cause === 'peer' && this.#writeBack && this.#file?.checksum !== snapshot.checksum) {
      this.#writeBackEchoes.push(version)
      // Bounded: a watcher that never reports would otherwise grow it forever.
      if (this.#writeBackEchoes.length > MAX_PENDING_ECHOES) this.#writeBackEchoes.shift()
      actions.push({ type: 'write-back', snapshot })
    }
    actions.push({ type: 'announce', head: headerOf(snapshot) })
  }

  #dropWantedIfReached(): void {
    const head = this.#head
    if (head !== undefined) this.#planner.dropUnless((wanted) => beats(wanted, head))
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
    const expired = this.#planner.expired(now)
    if (expired !== undefined) {
      this.#planner.fail(expired.peer, expired.checksum, now + this.#init.fetchRetryMs)
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

  #now(): number {
    return this.#components.now()
  }
}
