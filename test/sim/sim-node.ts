import type { SyncEngine } from '../../src/engine/engine.ts'
import type { SourceContent } from '../../src/engine/source-file.ts'
import type { EngineAction, EngineEvent, EngineInit, EngineState } from '../../src/engine/types.ts'
import { decodeAnnouncement, encodeAnnouncement } from '../../src/snapshot/announcement.ts'
import {
  DEFAULT_SNAPSHOT_LIMITS,
  decodeSnapshot,
  encodeSnapshot,
  headerOf,
  type Snapshot,
  type SnapshotHeader,
} from '../../src/snapshot/snapshot.ts'
import { validate } from './content.ts'
import type { SimCrypto } from './crypto.ts'
import type { Network } from './network.ts'
import type { Directory, EngineInput, Observer, SimPeer } from './peer.ts'
import type { Prng } from './prng.ts'
import type { NodeSetup } from './schedule-types.ts'
import { type FileDriver, SimFile, type SourceReading } from './sim-file.ts'
import type { VirtualClock } from './virtual-clock.ts'

/** What every simulated node shares. */
export interface NodeWorld {
  readonly clock: VirtualClock
  readonly network: Network
  readonly crypto: SimCrypto
  readonly init: EngineInit
  /** The engine each node runs: SyncEngine, or a stand-in a test breaks on purpose. */
  readonly Engine: typeof SyncEngine
  readonly observer: Observer
  readonly directory: Directory
}

/** Chance that a peer is too busy to serve a fetch. */
const BUSY_RATE = 0.05
/** Ticks at one instant beyond which a node is taken to be spinning. */
const MAX_TICKS_AT_ONCE = 100

/**
 * One simulated config-mesh process and the disk it keeps across crashes: the
 * state directory (engine state) and the watched file (sim-file.ts). It is a
 * driver for SyncEngine that follows the real driver's contract: actions are
 * carried out in order, persist first; write-back writes the file, then
 * reports `written-back`, and the watcher later reports the same text (the
 * echo); fetches are answered from the peer's head at the time they arrive.
 *
 * Two additions the real driver should copy: write-back as a compare-and-swap
 * against what the engine had been handed (see SimFile), and a read the
 * source layer refuses reported as `source-unusable`.
 */
export class SimNode implements SimPeer {
  readonly slot: number
  readonly setup: NodeSetup
  readonly #world: NodeWorld
  readonly #rng: Prng
  #generation = 0
  /** The state directory: what survives a crash unless the crash loses it. */
  state: EngineState | undefined
  /** The watched file. */
  readonly file: SimFile
  /** Where the source event being handled came from (for the file invariants). */
  reading: SourceReading | undefined
  /** Where the last source event handed to this process came from. */
  lastReading: SourceReading | undefined
  engine: SyncEngine | undefined
  /** What the application runs: the snapshot of the last `apply`. */
  applied: Snapshot | undefined
  skewMs: number
  incarnation = 0
  #timerToken = 0
  #timerAt = Number.POSITIVE_INFINITY
  #ticksAt = { at: -1, count: 0 }
  #encoded: { head: Snapshot; bytes: Uint8Array } | undefined

  constructor(slot: number, setup: NodeSetup, world: NodeWorld, rng: Prng, initialText: string) {
    this.slot = slot
    this.setup = setup
    this.#world = world
    this.#rng = rng
    this.skewMs = setup.skewMs
    const echoWindowMs = world.init.writeBackEchoMs ?? 10_000
    const options = { text: initialText, readOnly: setup.readOnly, echoWindowMs }
    this.file = new SimFile(world.clock, rng, options)
  }

  /** What the watched file holds now. */
  get fileText(): string | undefined {
    return this.file.text
  }

  /** The node's id: a new one each time its state directory is lost. */
  get id(): string {
    return this.#generation === 0 ? `n${this.slot}` : `n${this.slot}.${this.#generation}`
  }

  get up(): boolean {
    return this.engine !== undefined
  }

  /** The node's own (skewed) wall clock. */
  wallNow(): number {
    return this.#world.clock.now + this.skewMs
  }

  /** Starts the process: restore the state directory, read the file, start the engine, connect. */
  boot(skewMs: number): void {
    if (this.up) return
    this.skewMs = skewMs
    this.incarnation++
    this.applied = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
    const components = {
      now: () => this.wallNow(),
      random: () => this.#rng.next(),
      signer: this.#world.crypto.signerFor(this.id),
      verifier: this.#world.crypto.verifier,
      validate,
    }
    const engine = new this.#world.Engine(this.#world.init, components, this.state)
    this.engine = engine
    const { source, reading } = this.file.open(this.#fileDriver())
    this.reading = source === undefined ? undefined : reading
    this.lastReading = this.reading
    this.#call({ type: 'start' }, () => engine.start(source))
    this.reading = undefined
    this.#world.network.setUp(this.slot, true)
  }

  /** Stops the process at once; `keepState: false` also loses the state directory. */
  crash(keepState: boolean): void {
    if (!this.up) return
    this.engine = undefined
    this.incarnation++
    this.file.close()
    this.#world.network.setUp(this.slot, false)
    if (!keepState) {
      this.state = undefined
      this.#generation++
    }
  }

  /** Someone saves the file (the node may be up or down). */
  userWrite(text: string): void {
    this.file.userWrite(text)
  }

  /** The link to `peer` came up or went down. */
  linkChanged(peer: string, connected: boolean): void {
    this.#handle(connected ? { type: 'peer-connected', peer } : { type: 'peer-disconnected', peer })
  }

  receiveAnnouncement(from: string, bytes: Uint8Array): void {
    let head: SnapshotHeader
    try {
      head = decodeAnnouncement(bytes, DEFAULT_SNAPSHOT_LIMITS).head
    } catch {
      return // The real network layer drops and counts undecodable gossip; nothing reaches the engine.
    }
    this.#handle({ type: 'announcement', from, head })
  }

  answerHead(): Uint8Array | undefined {
    const head = this.engine?.head
    return head === undefined
      ? undefined
      : encodeAnnouncement({ node: this.id, head: headerOf(head) })
  }

  serveFetch(checksum: string): Uint8Array | string | undefined {
    const head = this.engine?.head
    if (head === undefined || head.checksum !== checksum) return 'not my head'
    if (!this.#world.network.isCalm && this.#rng.chance(BUSY_RATE)) return 'busy, try another peer'
    if (this.#encoded?.head !== head) this.#encoded = { head, bytes: encodeSnapshot(head) }
    return this.#encoded.bytes
  }

  #handle(event: EngineEvent): void {
    const engine = this.engine
    if (engine !== undefined) this.#call(event, () => engine.handle(event))
  }

  /** One engine call: observe it, carry out its actions in order, re-arm the timer. */
  #call(input: EngineInput, produce: () => EngineAction[]): void {
    const before = this.engine?.head
    let actions: EngineAction[]
    try {
      actions = produce()
    } catch (err) {
      this.#world.observer.threw(this, input, err)
      return
    }
    this.#world.observer.called(this, input, before, actions)
    const incarnation = this.incarnation
    for (const action of actions) {
      if (this.incarnation !== incarnation) return
      this.#world.observer.carrying(this, action)
      this.#carryOut(action)
    }
    this.#rearm()
  }

  #carryOut(action: EngineAction): void {
    switch (action.type) {
      case 'persist':
        this.state = action.state
        return
      case 'apply':
        this.applied = action.snapshot
        return
      case 'announce':
        this.#announce(encodeAnnouncement({ node: this.id, head: action.head }))
        return
      case 'request-head':
        this.#requestHead(action.peer)
        return
      case 'fetch':
        this.#fetch(action.peer, action.checksum)
        return
      case 'write-back':
        this.file.writeBack(action.snapshot)
        return
      case 'settle':
      case 'conflict':
      case 'refuse':
        return // Observed; nothing for a driver to do but report.
    }
  }

  #announce(bytes: Uint8Array): void {
    const { network, directory } = this.#world
    for (let slot = 0; slot < directory.slots; slot++) {
      if (slot === this.slot || !network.connected(this.slot, slot)) continue
      const from = this.id
      network.send(this.slot, slot, () => directory.peer(slot).receiveAnnouncement(from, bytes))
    }
  }

  #requestHead(peer: string): void {
    const { network, directory } = this.#world
    const target = directory.slotOf(peer)
    if (target === undefined) return
    network.send(this.slot, target, () => {
      const answer = directory.peer(target).answerHead()
      if (answer !== undefined)
        network.send(target, this.slot, () => this.receiveAnnouncement(peer, answer))
    })
  }

  #fetch(peer: string, checksum: string): void {
    const { network, directory, clock } = this.#world
    const target = directory.slotOf(peer)
    if (target === undefined || !network.connected(this.slot, target)) {
      // No connection: the dial fails after a while, as libp2p's would.
      const incarnation = this.incarnation
      clock.after(network.delay(), () => {
        if (this.incarnation !== incarnation) return
        this.#handle({ type: 'fetch-failed', from: peer, checksum, reason: 'not connected' })
      })
      return
    }
    network.send(this.slot, target, () => {
      const answer = directory.peer(target).serveFetch(checksum)
      if (answer !== undefined)
        network.send(target, this.slot, () => this.#fetched(peer, checksum, answer))
    })
  }

  #fetched(peer: string, checksum: string, answer: Uint8Array | string): void {
    if (typeof answer === 'string') {
      this.#handle({ type: 'fetch-failed', from: peer, checksum, reason: answer })
      return
    }
    let snapshot: Snapshot
    try {
      snapshot = decodeSnapshot(answer, DEFAULT_SNAPSHOT_LIMITS)
    } catch (err) {
      this.#handle({ type: 'fetch-failed', from: peer, checksum, reason: String(err) })
      return
    }
    this.#handle({ type: 'fetched', from: peer, snapshot })
  }

  /** How the file side reaches this process's engine. */
  #fileDriver(): FileDriver {
    return {
      deliver: (source: SourceContent | undefined, reading: SourceReading) => {
        this.reading = reading
        this.lastReading = source === undefined ? this.lastReading : reading
        if (source === undefined) this.#handle({ type: 'source-unusable', reason: 'invalid' })
        else this.#handle({ type: 'source', ...source })
        this.reading = undefined
      },
      writeDone: (checksum, outcome) => {
        if (outcome === 'written-back') this.#handle({ type: 'written-back', checksum })
        else this.#handle({ type: 'write-back-failed', checksum, disable: outcome === 'read-only' })
      },
    }
  }

  /** Ticks the engine when it asks to be (its wake time is on its own skewed clock). */
  #rearm(): void {
    const engine = this.engine
    if (engine === undefined) return
    const { clock, observer } = this.#world
    const at = Math.max(clock.now, engine.nextWakeAt() - this.skewMs)
    if (at === this.#timerAt || !Number.isFinite(at)) return
    this.#timerAt = at
    const token = ++this.#timerToken
    clock.at(at, () => {
      if (token !== this.#timerToken || this.engine !== engine) return
      this.#timerAt = Number.POSITIVE_INFINITY
      if (this.#ticksAt.at !== clock.now) this.#ticksAt = { at: clock.now, count: 0 }
      if (++this.#ticksAt.count > MAX_TICKS_AT_ONCE) {
        observer.busy(this)
        return
      }
      this.#handle({ type: 'tick' })
    })
  }
}
