import { SyncEngine } from '../../src/engine/engine.ts'
import type { EngineInit } from '../../src/engine/types.ts'
import { compareHeaders } from '../../src/snapshot/order.ts'
import type { SnapshotHeader } from '../../src/snapshot/snapshot.ts'
import { BadPeer } from './bad-peer.ts'
import { INVALID_TEXT, poolText, readSource } from './content.ts'
import { bestHead, ConvergenceTracker, convergenceBoundMs, ENGINE_DEFAULTS } from './convergence.ts'
import { type CryptoKind, simCrypto } from './crypto.ts'
import { type InvariantStats, Invariants, type Violation, versionKey } from './invariants.ts'
import { Network, type NetworkStats } from './network.ts'
import type { Directory, SimPeer } from './peer.ts'
import { Prng } from './prng.ts'
import {
  type BadPeerKind,
  describeStep,
  type Schedule,
  type Step,
  type StepKind,
} from './schedule-types.ts'
import { SimNode } from './sim-node.ts'
import { observers, tracer } from './trace.ts'
import { VirtualClock } from './virtual-clock.ts'

/** Virtual time starts at a realistic wall-clock value, so an hour of negative skew stays positive. */
export const EPOCH_MS = 1_700_000_000_000

export interface SimulationOptions {
  /** @default 'hmac' (see crypto.ts for why) */
  crypto?: CryptoKind
  /** Engine options for every node; the bound is derived from them. */
  engine?: EngineInit
  /**
   * The engine class every node runs. Only tests set it, to a deliberately
   * broken subclass that proves an invariant or the shrinker can fail.
   * @default SyncEngine
   */
  Engine?: typeof SyncEngine
  /** Receives one line per engine call and per step, for reading a failure by eye. */
  trace?: (line: string) => void
}

export interface SimulationResult {
  readonly seed: number
  readonly violations: readonly Violation[]
  /** Steps carried out, by kind (steps that found nothing to do are not counted). */
  readonly faults: Partial<Record<StepKind, number>>
  readonly network: NetworkStats
  readonly stats: InvariantStats
  /** Virtual ms from the heal to agreement; undefined when the nodes did not agree. */
  readonly convergedInMs: number | undefined
  readonly boundMs: number
}

/** A process slot with nothing running yet (a bad peer before its step). */
const OFFLINE: SimPeer = Object.freeze({
  slot: -1,
  id: '',
  receiveAnnouncement: () => undefined,
  answerHead: () => undefined,
  serveFetch: () => undefined,
})

/** Runs one schedule to the end of its convergence bound and returns what the invariants saw. */
export function simulate(schedule: Schedule, options: SimulationOptions = {}): SimulationResult {
  const run = new Run(schedule, options)
  return run.execute()
}

class Run {
  readonly #schedule: Schedule
  readonly #init: EngineInit
  readonly #clock = new VirtualClock(EPOCH_MS)
  readonly #rng: Prng
  readonly #network: Network
  readonly #crypto
  readonly #invariants: Invariants
  readonly #peers: SimPeer[]
  readonly #nodes: SimNode[]
  readonly #convergence: ConvergenceTracker
  readonly #faults: Partial<Record<StepKind, number>> = {}
  readonly #trace: (line: string) => void
  /** Late joiners, and the best head the cluster held when each joined. */
  readonly #joins = new Map<SimNode, { id: string; clusterHead: SnapshotHeader | undefined }>()

  constructor(schedule: Schedule, options: SimulationOptions) {
    this.#schedule = schedule
    this.#trace = options.trace ?? (() => undefined)
    this.#init = { ...ENGINE_DEFAULTS, ...options.engine }
    this.#rng = new Prng(schedule.seed)
    const slots = schedule.nodes.length + schedule.badPeers
    this.#network = new Network(this.#clock, this.#rng.fork('network'), schedule.network, slots)
    this.#crypto = simCrypto(options.crypto ?? 'hmac')
    const badIds = new Set<string>()
    for (let slot = schedule.nodes.length; slot < slots; slot++) badIds.add(`b${slot}`)
    this.#invariants = new Invariants(this.#clock, this.#crypto, badIds, {
      echoWindowMs: this.#init.writeBackEchoMs ?? ENGINE_DEFAULTS.writeBackEchoMs,
      maxClockAheadMs: this.#init.maxClockAheadMs ?? ENGINE_DEFAULTS.maxClockAheadMs,
    })
    this.#peers = new Array(slots).fill(OFFLINE)
    const world = {
      clock: this.#clock,
      network: this.#network,
      crypto: this.#crypto,
      init: this.#init,
      Engine: options.Engine ?? SyncEngine,
      observer:
        options.trace === undefined
          ? this.#invariants
          : observers(this.#invariants, tracer(this.#clock, EPOCH_MS, options.trace)),
      directory: this.#directory(),
    }
    this.#nodes = schedule.nodes.map((setup, slot) => {
      const rng = this.#rng.fork(`node ${slot}`)
      return new SimNode(slot, setup, world, rng, poolText(setup.initialText))
    })
    this.#nodes.forEach((node, slot) => {
      this.#peers[slot] = node
    })
    this.#convergence = new ConvergenceTracker(this.#clock, this.#nodes)
    this.#invariants.onHeadChange = () => this.#convergence.headChanged()
    this.#network.onLinkChange = (a, b, connected) => this.#linkChanged(a, b, connected)
  }

  execute(): SimulationResult {
    const { durationMs, steps } = this.#schedule
    this.#clock.at(EPOCH_MS, () => {
      for (const node of this.#nodes) if (!node.setup.lateJoin) node.boot(node.setup.skewMs)
    })
    steps.forEach((step, index) => {
      this.#clock.at(EPOCH_MS + step.at, () => {
        this.#invariants.step = index
        this.#trace(`${step.at} STEP ${index}: ${describeStep(step)}`)
        if (this.#carryOut(step)) this.#faults[step.kind] = (this.#faults[step.kind] ?? 0) + 1
      })
    })
    const healAt = EPOCH_MS + durationMs
    this.#clock.at(healAt, () => this.#healEverything())
    const { network, nodes, badPeers } = this.#schedule
    const boundMs = convergenceBoundMs(this.#init, {
      maxDelayMs: network.maxDelayMs,
      nodes: nodes.length,
      badPeers,
    })
    this.#clock.runUntil(healAt + boundMs)
    const convergedInMs = this.#convergence.finish(this.#invariants, boundMs)
    this.#invariants.finish(this.#nodes)
    this.#finalChecks()
    return {
      seed: this.#schedule.seed,
      violations: this.#invariants.violations,
      faults: this.#faults,
      network: this.#network.stats,
      stats: this.#invariants.stats,
      convergedInMs,
      boundMs,
    }
  }

  #directory(): Directory {
    return {
      peer: (slot) => this.#peers[slot] ?? OFFLINE,
      slotOf: (id) => {
        const slot = this.#peers.findIndex((peer) => peer.id === id)
        return slot < 0 ? undefined : slot
      },
      slots: this.#schedule.nodes.length + this.#schedule.badPeers,
    }
  }

  /** Tells the honest ends of a link that changed; connecting takes a handshake's time. */
  #linkChanged(a: number, b: number, connected: boolean): void {
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const node = this.#nodes[self]
      if (node === undefined) continue
      const peer = this.#peers[other]?.id ?? ''
      const incarnation = node.incarnation
      const delay = connected ? this.#network.delay() : 0
      this.#clock.after(delay, () => {
        if (node.incarnation !== incarnation) return
        if (this.#network.connected(self, other) !== connected) return
        node.linkChanged(connected ? (this.#peers[other]?.id ?? peer) : peer, connected)
      })
    }
  }

  /** Carries out one step; false when it had nothing to act on (e.g. restarting a live node). */
  #carryOut(step: Step): boolean {
    switch (step.kind) {
      case 'edit':
        this.#nodes[step.node]?.userWrite(poolText(step.text))
        return this.#nodes[step.node] !== undefined
      case 'invalid-edit':
        this.#nodes[step.node]?.userWrite(INVALID_TEXT)
        return this.#nodes[step.node] !== undefined
      case 'crash':
        return this.#crash(step.node, step.keepState)
      case 'restart':
        return this.#restart(step.node, step.skewMs)
      case 'partition':
        this.#network.partition(step.groups)
        return true
      case 'heal':
        this.#network.partition(undefined)
        return true
      case 'join':
        return this.#join(step.node)
      case 'bad-peer':
        return this.#startBadPeer(step.peer, step.behaviour)
    }
  }

  #crash(slot: number, keepState: boolean): boolean {
    const node = this.#nodes[slot]
    if (node === undefined || !node.up) return false
    node.crash(keepState)
    return true
  }

  #restart(slot: number, skewMs: number): boolean {
    const node = this.#nodes[slot]
    if (node === undefined || node.up || node.incarnation === 0) return false
    node.boot(skewMs)
    return true
  }

  #join(slot: number): boolean {
    const node = this.#nodes[slot]
    if (node === undefined || node.incarnation > 0) return false
    this.#joins.set(node, { id: node.id, clusterHead: bestHead(this.#nodes) })
    node.boot(node.setup.skewMs)
    return true
  }

  #startBadPeer(index: number, behaviour: BadPeerKind): boolean {
    const slot = this.#schedule.nodes.length + index
    if (slot >= this.#peers.length || this.#peers[slot] !== OFFLINE) return false
    const world = {
      clock: this.#clock,
      network: this.#network,
      directory: this.#directory(),
      crypto: this.#crypto,
    }
    const period = this.#init.announceIntervalMs ?? ENGINE_DEFAULTS.announceIntervalMs
    const peer = new BadPeer(slot, behaviour, world, this.#rng.fork(`bad ${slot}`), period)
    this.#peers[slot] = peer
    peer.activate()
    return true
  }

  /** The last fault heals: partitions, crashed nodes, lossy links. Nothing more is edited. */
  #healEverything(): void {
    this.#invariants.step = this.#schedule.steps.length
    this.#trace(`${this.#schedule.durationMs} HEAL everything`)
    this.#network.partition(undefined)
    this.#network.calm()
    for (const node of this.#nodes) if (!node.up && node.incarnation > 0) node.boot(node.skewMs)
    this.#convergence.healed()
  }

  #finalChecks(): void {
    for (const node of this.#nodes) {
      if (!node.up) continue
      this.#checkFile(node)
      this.#checkJoiner(node)
    }
  }

  /** With write-back on, a node's file ends holding its head, so the next edit starts from it. */
  #checkFile(node: SimNode): void {
    const head = node.engine?.head
    if (head === undefined || node.setup.readOnly) return
    if (readSource(node.fileText) === undefined) return // An invalid file is reported, and kept.
    if (node.fileText !== head.text) {
      this.#invariants.fail(
        'file-matches-head',
        node.id,
        `file holds other text than its head ${versionKey(head)} after convergence`,
      )
    }
  }

  /** A node started from an old file takes the cluster's head instead of reverting it. */
  #checkJoiner(node: SimNode): void {
    const join = this.#joins.get(node)
    const head = node.engine?.head
    if (join === undefined || join.id !== node.id || head === undefined) return
    const clusterHead = join.clusterHead
    if (clusterHead === undefined || clusterHead.stamp.wallMs === 0) return
    const stillHeld = this.#nodes.some((other) => {
      const max = this.#invariants.identity(other.id).maxHead
      return other.up && max !== undefined && compareHeaders(max, clusterHead) >= 0
    })
    if (stillHeld && compareHeaders(head, clusterHead) < 0) {
      this.#invariants.fail(
        'old-file-adopts-head',
        node.id,
        `joined when the cluster held ${versionKey(clusterHead)}, ends on ${versionKey(head)}`,
      )
    }
  }
}
