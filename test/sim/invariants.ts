import type { ConflictReport, EngineAction } from '../../src/engine/types.ts'
import { compareHeaders } from '../../src/snapshot/order.ts'
import { type SnapshotHeader, verifySnapshot } from '../../src/snapshot/snapshot.ts'
import { compareVectors } from '../../src/snapshot/version-vector.ts'
import { validate } from './content.ts'
import type { SimCrypto } from './crypto.ts'
import type { EngineInput, Observer } from './peer.ts'
import type { SimNode } from './sim-node.ts'
import type { VirtualClock } from './virtual-clock.ts'

/** One broken invariant: which, on which node, at which schedule step and virtual time. */
export interface Violation {
  readonly invariant: InvariantName
  readonly node: string
  /** Index of the last schedule step carried out (-1: before the first). */
  readonly step: number
  readonly atMs: number
  readonly message: string
}

export type InvariantName =
  | 'convergence'
  | 'head-monotonic'
  | 'valid-apply'
  | 'never-without-config'
  | 'edit-beats-seen'
  | 'conflict-reported'
  | 'conflict-once'
  | 'conflict-sound'
  | 'old-file-adopts-head'
  | 'persist-first'
  | 'file-matches-head'
  | 'no-phantom-edit'
  | 'no-swallowed-edit'
  | 'own-count-unique'
  | 'bounded-clock'
  | 'engine-threw'
  | 'no-busy-loop'

export function formatViolation(v: Violation, epochMs: number): string {
  const at = `step ${v.step}, t=${v.atMs - epochMs} ms`
  return `[${v.invariant}] node ${v.node} at ${at}: ${v.message}`
}

/** A version as the engine's conflict log names it: stamp and checksum. */
export function versionKey(header: SnapshotHeader): string {
  const { wallMs, counter, node } = header.stamp
  return `${node}/${wallMs}/${counter}/${header.checksum.slice(0, 8)}`
}

function pairKey(a: SnapshotHeader, b: SnapshotHeader): string {
  return [versionKey(a), versionKey(b)].sort().join('|')
}

/** Different content whose vectors do not order them: what must be reported. */
export function isConflict(a: SnapshotHeader, b: SnapshotHeader): boolean {
  if (a.checksum === b.checksum) return false
  const causality = compareVectors(a.vector, b.vector)
  return causality === 'concurrent' || causality === 'equal'
}

export interface InvariantStats {
  conflicts: { concurrent: number; 'equal-vectors': number }
  refusals: number
  applies: number
  settles: number
}

/** What an identity (one state directory's lifetime) has been through. */
interface Identity {
  maxHead: SnapshotHeader | undefined
  hadConfig: boolean
  /** The highest count of its own edits it has published. */
  ownEdits: number
}

/**
 * Checks the engine's promises on every call of every node. Most checks are
 * local to one call (monotonic head, persist first, valid apply, conflicts);
 * convergence and the file check run at the end of a schedule (see
 * simulate.ts and convergence.ts).
 */
export class Invariants implements Observer {
  readonly violations: Violation[] = []
  readonly stats: InvariantStats = {
    conflicts: { concurrent: 0, 'equal-vectors': 0 },
    refusals: 0,
    applies: 0,
    settles: 0,
  }
  readonly #clock: VirtualClock
  readonly #crypto: SimCrypto
  readonly #badIds: ReadonlySet<string>
  readonly #identities = new Map<string, Identity>()
  /** Conflict pairs reported, per node slot and incarnation. */
  readonly #reported = new Map<string, Set<string>>()
  /**
   * Per node incarnation: a saved change not yet taken as an edit. The engine
   * may take a change that looks like a stale read as an edit later, once the
   * echo it was waiting for is overdue (EngineInit.writeBackEchoMs).
   */
  readonly #unseenEdits = new Map<string, { text: string; since: number; step: number }>()
  readonly #echoWindowMs: number
  readonly #maxClockAheadMs: number
  /** Called after every engine call with the node whose head may have changed. */
  onHeadChange: (node: SimNode) => void = () => undefined
  step = -1

  constructor(
    clock: VirtualClock,
    crypto: SimCrypto,
    badIds: ReadonlySet<string>,
    limits: { echoWindowMs: number; maxClockAheadMs: number },
  ) {
    this.#clock = clock
    this.#crypto = crypto
    this.#badIds = badIds
    this.#echoWindowMs = limits.echoWindowMs
    this.#maxClockAheadMs = limits.maxClockAheadMs
  }

  fail(invariant: InvariantName, node: string, message: string): void {
    // One report per invariant and node is enough to act on; more only slows shrinking down.
    if (this.violations.some((v) => v.invariant === invariant && v.node === node)) return
    this.violations.push({ invariant, node, step: this.step, atMs: this.#clock.now, message })
  }

  identity(id: string): Identity {
    let identity = this.#identities.get(id)
    if (identity === undefined) {
      identity = { maxHead: undefined, hadConfig: false, ownEdits: 0 }
      this.#identities.set(id, identity)
    }
    return identity
  }

  called(
    node: SimNode,
    input: EngineInput,
    before: SnapshotHeader | undefined,
    actions: readonly EngineAction[],
  ): void {
    if (input.type === 'start') this.#reported.set(incarnationKey(node), new Set())
    const identity = this.identity(node.id)
    this.#checkLocalEdits(node, identity, actions)
    this.#checkConflictReports(node, actions)
    this.#checkConflictsSeen(node, input, before, actions)
    this.#checkHead(node, identity, input, actions)
    this.#checkReading(node, input, actions)
    if (before !== node.engine?.head) this.onHeadChange(node)
  }

  carrying(node: SimNode, action: EngineAction): void {
    switch (action.type) {
      case 'apply':
        this.stats.applies++
        this.#checkPersisted(node, action.snapshot, 'apply')
        this.#checkValid(node, action.snapshot)
        this.#checkStampLead(node, action.snapshot)
        return
      case 'settle':
        this.stats.settles++
        this.#checkPersisted(node, action.head, 'settle')
        this.#checkStampLead(node, action.head)
        return
      case 'announce':
        this.#checkPersisted(node, action.head, 'announce')
        return
      case 'write-back':
        this.#checkPersisted(node, action.snapshot, 'write-back')
        return
      case 'refuse':
        this.stats.refusals++
        return
      default:
        return
    }
  }

  /** No head is stamped further ahead of its node's own clock than the engine's limit. */
  #checkStampLead(node: SimNode, head: SnapshotHeader): void {
    const lead = head.stamp.wallMs - node.wallNow()
    if (lead > this.#maxClockAheadMs) {
      this.fail('bounded-clock', node.id, `head ${versionKey(head)} is stamped ${lead} ms ahead`)
    }
  }

  threw(node: SimNode, input: EngineInput, err: unknown): void {
    this.fail('engine-threw', node.id, `${input.type}: ${(err as Error)?.stack ?? String(err)}`)
  }

  busy(node: SimNode): void {
    this.fail('no-busy-loop', node.id, 'asked to be ticked at the same instant 100 times')
  }

  /** An edit made after seeing a version beats it, whatever the clocks say. */
  #checkLocalEdits(node: SimNode, identity: Identity, actions: readonly EngineAction[]): void {
    for (const action of actions) {
      if (action.type !== 'apply' || action.cause !== 'local-edit') continue
      // A version vector names an edit by its origin's count: never two edits under one name.
      const own = action.snapshot.vector[node.id] ?? 0
      if (own <= identity.ownEdits) {
        this.fail(
          'own-count-unique',
          node.id,
          `edit count ${own} reused (had reached ${identity.ownEdits})`,
        )
      }
      identity.ownEdits = Math.max(identity.ownEdits, own)
      const seen = identity.maxHead
      if (seen !== undefined && compareHeaders(action.snapshot, seen) <= 0) {
        this.fail(
          'edit-beats-seen',
          node.id,
          `local edit ${versionKey(action.snapshot)} does not beat ${versionKey(seen)}, which this node held`,
        )
      }
    }
  }

  /** Every report is a real conflict, named the right way round, and new on this node. */
  #checkConflictReports(node: SimNode, actions: readonly EngineAction[]): void {
    const reported = this.#reportedOn(node)
    for (const action of actions) {
      if (action.type !== 'conflict') continue
      const report = action.report
      this.stats.conflicts[report.kind]++
      const problem = unsoundReport(report)
      if (problem !== undefined) this.fail('conflict-sound', node.id, problem)
      const key = pairKey(report.winner, report.loser)
      if (reported.has(key)) this.fail('conflict-once', node.id, `reported twice: ${key}`)
      reported.add(key)
    }
  }

  /**
   * A node that holds one version and meets a conflicting one (a peer's
   * announcement or snapshot, or its own stale-file edit) reports the pair.
   * Versions from misbehaving peers are left out: they are refused anyway.
   */
  #checkConflictsSeen(
    node: SimNode,
    input: EngineInput,
    before: SnapshotHeader | undefined,
    actions: readonly EngineAction[],
  ): void {
    const met: SnapshotHeader[] = []
    if (input.type === 'announcement' && !this.#badIds.has(input.from)) met.push(input.head)
    if (input.type === 'fetched' && !this.#badIds.has(input.from)) met.push(input.snapshot)
    for (const action of actions) {
      if (action.type === 'apply' && action.cause === 'local-edit') met.push(action.snapshot)
    }
    if (before === undefined) return
    const reported = this.#reportedOn(node)
    for (const other of met) {
      if (isConflict(before, other) && !reported.has(pairKey(before, other))) {
        const pair = `${versionKey(before)} and ${versionKey(other)}`
        this.fail(
          'conflict-reported',
          node.id,
          `held ${pair.replace(' and ', ', met ')} unreported`,
        )
      }
    }
  }

  /** The head only moves forward, and a node that has had a configuration keeps one. */
  #checkHead(
    node: SimNode,
    identity: Identity,
    input: EngineInput,
    actions: readonly EngineAction[],
  ): void {
    const head = node.engine?.head
    if (head === undefined) {
      if (identity.hadConfig)
        this.fail('never-without-config', node.id, `no head after ${input.type}`)
      return
    }
    if (input.type === 'start' && !actions.some((action) => action.type === 'apply')) {
      this.fail('never-without-config', node.id, 'started with a head but applied nothing')
    }
    const max = identity.maxHead
    if (max !== undefined && compareHeaders(head, max) < 0) {
      this.fail(
        'head-monotonic',
        node.id,
        `head went back from ${versionKey(max)} to ${versionKey(head)} on ${input.type}`,
      )
      return
    }
    identity.maxHead = head
    identity.hadConfig = true
  }

  /**
   * The file contract: a text this node wrote back itself is never published
   * as a local edit (a phantom edit: an old version re-issued as new), and a
   * text a person changed is never dropped (it becomes an edit, or already
   * is the head).
   */
  #checkReading(node: SimNode, input: EngineInput, actions: readonly EngineAction[]): void {
    const edit = actions.some((action) => action.type === 'apply' && action.cause === 'local-edit')
    if (input.type === 'tick' && edit && node.lastReading?.byEngine === true) {
      // An edit published late (a write-back's echo never came) from the last report.
      this.fail('no-phantom-edit', node.id, 'published its own write-back as a local edit on tick')
    }
    this.#checkUnseen(node, actions)
    const reading = node.reading
    if (input.type === 'source-unusable' && reading !== undefined && !reading.byEngine) {
      // An invalid save by a person supersedes an earlier save the engine had not taken.
      this.#unseenEdits.delete(incarnationKey(node))
    }
    if (reading === undefined || (input.type !== 'source' && input.type !== 'start')) return
    const text = input.type === 'source' ? input.text : node.fileText
    if (edit && reading.byEngine) {
      this.fail(
        'no-phantom-edit',
        node.id,
        `published its own write-back as a local edit on ${input.type}`,
      )
    }
    const key = incarnationKey(node)
    if (text !== undefined && !edit && reading.userChange && node.engine?.head?.text !== text) {
      this.#unseenEdits.set(key, { text, since: this.#clock.now, step: this.step })
    } else if (!reading.byEngine) {
      // A later save by a person supersedes an earlier one the engine had not taken yet.
      this.#unseenEdits.delete(key)
    }
  }

  /** A saved change not taken at once must be taken (or be the head) within the echo window. */
  #checkUnseen(node: SimNode, actions: readonly EngineAction[]): void {
    const key = incarnationKey(node)
    const unseen = this.#unseenEdits.get(key)
    if (unseen === undefined) return
    const taken = actions.some(
      (action) =>
        action.type === 'apply' &&
        action.cause === 'local-edit' &&
        action.snapshot.text === unseen.text,
    )
    if (taken || node.engine?.head?.text === unseen.text) {
      this.#unseenEdits.delete(key)
    } else if (this.#clock.now > unseen.since + this.#echoWindowMs + 1000) {
      this.#unseenEdits.delete(key)
      this.fail(
        'no-swallowed-edit',
        node.id,
        `a change saved at step ${unseen.step} was never taken as an edit`,
      )
    }
  }

  /** At the end of a run: a saved change still waiting must have run out of time. */
  finish(nodes: readonly SimNode[]): void {
    for (const node of nodes) if (node.up) this.#checkUnseen(node, [])
  }

  /** Nothing is applied, settled, announced or written back before the disk holds it. */
  #checkPersisted(node: SimNode, header: SnapshotHeader, what: string): void {
    const persisted = node.state?.head
    if (persisted === undefined || compareHeaders(persisted, header) !== 0) {
      const onDisk = persisted === undefined ? 'nothing' : versionKey(persisted)
      this.fail(
        'persist-first',
        node.id,
        `${what} of ${versionKey(header)} while the disk holds ${onDisk}`,
      )
    }
  }

  #checkValid(node: SimNode, snapshot: Parameters<typeof verifySnapshot>[0]): void {
    try {
      verifySnapshot(snapshot, this.#crypto.verifier)
    } catch (err) {
      this.fail(
        'valid-apply',
        node.id,
        `applied ${versionKey(snapshot)}: ${(err as Error).message}`,
      )
      return
    }
    const issues = validate(snapshot.tree)
    if (issues.length > 0) {
      this.fail('valid-apply', node.id, `applied ${versionKey(snapshot)}, which fails validation`)
    }
  }

  #reportedOn(node: SimNode): Set<string> {
    const key = incarnationKey(node)
    let reported = this.#reported.get(key)
    if (reported === undefined) {
      reported = new Set()
      this.#reported.set(key, reported)
    }
    return reported
  }
}

function incarnationKey(node: SimNode): string {
  return `${node.slot}#${node.incarnation}`
}

function unsoundReport(report: ConflictReport): string | undefined {
  const { winner, loser, kind } = report
  const pair = `${versionKey(winner)} over ${versionKey(loser)}`
  if (!isConflict(winner, loser)) return `${pair} reported, but the vectors order them`
  if (compareHeaders(winner, loser) <= 0) return `${pair}: the winner does not win`
  const equal = compareVectors(winner.vector, loser.vector) === 'equal'
  if (equal !== (kind === 'equal-vectors')) return `${pair} reported as ${kind}`
  return undefined
}
