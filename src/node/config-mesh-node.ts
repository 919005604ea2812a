import { EventEmitter } from 'node:events'
import pino, { type Logger } from 'pino'
import { SyncEngine } from '../engine/engine.ts'
import type { ApplyCause, EngineAction, EngineEvent } from '../engine/types.ts'
import { MeshNetwork, peerIdOf, privateKeyFromSeed, publicKeyOfPeer } from '../net/index.ts'
import {
  DEFAULT_SNAPSHOT_LIMITS,
  ed25519Signer,
  ed25519Verifier,
  encodeSnapshot,
  formatVector,
  headerOf,
  type Snapshot,
  type SnapshotLimits,
  shortChecksum,
} from '../snapshot/index.ts'
import { StateDirectory } from '../store/index.ts'
import { Applier } from './applier.ts'
import type { AppliedConfig, ConfigMeshEvents } from './events.ts'
import {
  type ConfigMeshComponents,
  type ConfigMeshInit,
  type ResolvedInit,
  resolveInit,
} from './options.ts'
import { PeerRequests } from './peer-requests.ts'
import { type SourceContent, SourceFeed } from './source-feed.ts'
import { describeStatus, type NodeStatus } from './status.ts'
import { WriteBack } from './write-back.ts'

interface Running {
  readonly dir: StateDirectory
  readonly engine: SyncEngine
  readonly network: MeshNetwork
  readonly source: SourceFeed
  readonly requests: PeerRequests
  readonly writeBack: WriteBack
  readonly peerId: string
}

/**
 * One config-mesh node: the file watcher, the state directory, the sync
 * engine and the libp2p network wired together. Every engine event goes
 * through one queue, and the actions it returns are carried out in order
 * (persist before apply before announce), so the engine never sees two
 * events at once.
 */
export class ConfigMeshNode extends EventEmitter<ConfigMeshEvents> {
  readonly #init: ResolvedInit
  readonly #limits: SnapshotLimits
  /** The logger as given; each part logs through a child named by `component`. */
  readonly #root: Logger
  readonly #log: Logger
  readonly #applier: Applier
  readonly #components: ConfigMeshComponents
  /** When this node first learnt of a version, by checksum: for `tookMs`. */
  readonly #learntAt = new Map<string, number>()
  #running: Running | undefined
  #queue: Promise<void> = Promise.resolve()
  /** The start() or stop() in progress, which the next one waits for. */
  #transitions: Promise<void> = Promise.resolve()
  #timer: NodeJS.Timeout | undefined
  #encodedHead: { checksum: string; stamp: unknown; bytes: Uint8Array } | undefined

  constructor(init: ConfigMeshInit, components: ConfigMeshComponents = {}) {
    super()
    this.#init = resolveInit(init)
    this.#components = components
    this.#limits = { ...DEFAULT_SNAPSHOT_LIMITS, maxSnapshotBytes: this.#init.maxSnapshotBytes }
    this.#root = this.#init.logger ?? pino({ level: 'silent' })
    this.#log = this.#root.child({ component: 'node' })
    this.#applier = new Applier(
      this.#init.env,
      {
        change: (event) => this.emit('change', event),
        unresolved: (event) => this.emit('unresolved', event),
        dependencies: (paths) => this.#running?.source.watchDependencies(paths),
        settledContent: (path) => this.#running?.source.dependencyContent(path),
      },
      this.#log,
    )
  }

  /** Creates and starts a node. */
  static async start(
    init: ConfigMeshInit,
    components?: ConfigMeshComponents,
  ): Promise<ConfigMeshNode> {
    const node = new ConfigMeshNode(init, components)
    await node.start()
    return node
  }

  get peerId(): string | undefined {
    return this.#running?.peerId
  }

  /** Dialable addresses of this node (with /p2p/), for other nodes' `peers`. */
  addresses(): string[] {
    return this.#running?.network.addresses() ?? []
  }

  /**
   * Adds a peer to dial and keep connected, as if it had been in `peers` from
   * the start: a member that joined later, or the far side of a healed split.
   */
  addPeer(address: string): void {
    const running = this.#running
    if (running === undefined) throw new Error('addPeer: the node is not running')
    running.network.addSeed(address)
  }

  /** The configuration the application should run, or undefined before the first one. */
  current(): AppliedConfig | undefined {
    return this.#applier.applied
  }

  status(): NodeStatus {
    return describeStatus(this.#running, this.#applier)
  }

  /**
   * Starts the node. start() and stop() take turns, each waiting for the one
   * called before it: a stop() during a start stops the started node.
   */
  start(): Promise<void> {
    return this.#transition(() => this.#start())
  }

  /** Stops the node and releases everything it took; a no-op when stopped. */
  stop(): Promise<void> {
    return this.#transition(() => this.#stop())
  }

  #transition(step: () => Promise<void>): Promise<void> {
    const next = this.#transitions.then(step, step)
    this.#transitions = next.catch(() => undefined)
    return next
  }

  async #start(): Promise<void> {
    if (this.#running !== undefined) return
    const dir = await StateDirectory.open(this.#init.stateDir, this.#limits)
    try {
      this.#running = await this.#assemble(dir)
    } catch (err) {
      await dir.close()
      throw err
    }
    // The engine starts from the file and the stored state before the network
    // can deliver anything, so every peer event meets an engine that knows its
    // own head. Its first announcement goes nowhere; the head exchange with
    // each peer that connects next makes up for it.
    const { engine, network, source } = this.#running
    try {
      const content = await source.read()
      await this.#dispatch(() => engine.start(content))
      await network.start()
      await source.start()
    } catch (err) {
      // A start that fails (a listen port taken) releases what it took, the
      // state directory's lock above all, so that a later start can succeed.
      await this.#stop().catch(() => undefined)
      throw err
    }
    this.#log.info(
      { peerId: this.#running.peerId, addresses: network.addresses(), source: source.state.state },
      'node started',
    )
  }

  async #stop(): Promise<void> {
    const running = this.#running
    if (running === undefined) return
    this.#running = undefined
    clearTimeout(this.#timer)
    await running.source.stop()
    await this.#queue
    // A write-back under way finishes: nothing is written into the folder after stop().
    await running.writeBack.drain()
    await running.network.stop()
    await running.dir.close()
    this.#log.info({ peerId: running.peerId }, 'node stopped')
  }

  /** Reads the file now instead of waiting for the watcher. */
  async reload(): Promise<void> {
    const content = await this.#running?.source.read()
    if (content !== undefined) this.#onSourceContent(content)
    await this.#queue
  }

  async #assemble(dir: StateDirectory): Promise<Running> {
    const key = await dir.loadOrCreateKey()
    const privateKey = privateKeyFromSeed(key.seed, key.publicKey)
    const peerId = peerIdOf(privateKey)
    const verifier = ed25519Verifier(publicKeyOfPeer)
    // Verified like a fetched snapshot: a head altered on disk is never applied.
    const restored = await dir.load(verifier)
    if (restored.status === 'corrupt') {
      this.#log.error({ reason: restored.reason, movedTo: restored.movedTo }, 'state was corrupt')
    }
    const engine = new SyncEngine(
      {
        announceIntervalMs: this.#init.announceIntervalMs,
        fetchTimeoutMs: this.#init.fetchTimeoutMs,
        writeBack: this.#init.writeBack,
        maxClockAheadMs: this.#init.maxClockAheadMs,
      },
      {
        now: this.#components.now ?? Date.now,
        random: this.#components.random ?? Math.random,
        signer: ed25519Signer(peerId, key.seed, key.publicKey),
        verifier,
        validate: this.#init.validator,
      },
      restored.status === 'ok' ? restored.state : undefined,
    )
    const network = this.#createNetwork(privateKey, engine)
    const source = new SourceFeed(
      {
        path: this.#init.configPath,
        settleMs: this.#init.settleMs,
        load: { maxSourceBytes: this.#init.maxSourceBytes, validator: this.#init.validator },
        log: this.#root.child({ component: 'source' }),
      },
      {
        content: (content) => this.#onSourceContent(content),
        invalid: (event) => this.emit('invalid', event),
        missing: (path) => this.emit('source:missing', { path }),
        dependencyChanged: () => void this.#dispatch(() => this.#reapply()),
      },
    )
    const feed = (event: EngineEvent) => this.#dispatch(() => engine.handle(event))
    const requests = new PeerRequests(network, this.#limits, this.#log, feed)
    const writeBack = new WriteBack(this.#init.configPath, this.#log, feed)
    return { dir, engine, network, source, requests, writeBack, peerId }
  }

  #createNetwork(privateKey: ReturnType<typeof privateKeyFromSeed>, engine: SyncEngine) {
    const feed = (event: EngineEvent) => void this.#dispatch(() => engine.handle(event))
    return new MeshNetwork(
      {
        cluster: this.#init.cluster,
        privateKey,
        listen: this.#init.listen,
        seeds: this.#init.peers,
        transport: this.#init.transport,
        maxSnapshotBytes: this.#init.maxSnapshotBytes,
        fetchTimeoutMs: this.#init.fetchTimeoutMs,
        maxConcurrentServes: this.#init.maxConcurrentServes,
        allowPeers: this.#init.allowPeers,
        privateNetworkKey: this.#init.privateNetworkKey,
      },
      {
        head: () => (engine.head === undefined ? undefined : headerOf(engine.head)),
        snapshot: (checksum) => this.#encodedHeadFor(engine.head, checksum),
        announcement: (from, announcement) => {
          this.#learntAt.set(announcement.head.checksum, Date.now())
          feed({ type: 'announcement', from, head: announcement.head })
        },
        peerConnected: (peer) => {
          this.#log.info({ peer }, 'peer connected')
          this.emit('peer:join', { peer })
          feed({ type: 'peer-connected', peer })
        },
        peerDisconnected: (peer) => {
          this.#log.info({ peer }, 'peer disconnected')
          this.emit('peer:leave', { peer })
          feed({ type: 'peer-disconnected', peer })
        },
      },
      this.#root,
    )
  }

  /** The head, encoded once per head, when it is the snapshot asked for. */
  #encodedHeadFor(head: Snapshot | undefined, checksum: string): Uint8Array | undefined {
    if (head === undefined || head.checksum !== checksum) return undefined
    if (this.#encodedHead?.checksum !== checksum || this.#encodedHead.stamp !== head.stamp) {
      this.#encodedHead = { checksum, stamp: head.stamp, bytes: encodeSnapshot(head) }
    }
    return this.#encodedHead.bytes
  }

  /** New usable file content: the engine decides whether it is an edit. */
  #onSourceContent(content: SourceContent): void {
    const engine = this.#running?.engine
    if (engine === undefined) return
    void this.#dispatch(() => {
      const actions = engine.handle({ type: 'source', text: content.text, tree: content.tree })
      for (const action of actions) {
        if (action.type === 'apply') this.#learntAt.set(action.snapshot.checksum, content.seenAt)
      }
      return actions
    })
  }

  /** A file() dependency changed: resolve the head again; no new cluster version. */
  #reapply(): EngineAction[] {
    this.#applier.reapply()
    return []
  }

  /** Runs `produce` on the queue and carries out the actions it returns, in order. */
  #dispatch(produce: () => EngineAction[]): Promise<void> {
    this.#queue = this.#queue
      .then(async () => {
        if (this.#running === undefined) return
        for (const action of produce()) await this.#perform(action)
        this.#scheduleTick()
      })
      .catch((err: unknown) => this.#log.error({ err: String(err) }, 'engine step failed'))
    return this.#queue
  }

  async #perform(action: EngineAction): Promise<void> {
    const running = this.#running
    if (running === undefined) return
    switch (action.type) {
      case 'persist':
        await running.dir.save(action.state)
        return
      case 'apply':
        this.#apply(action.snapshot, action.cause)
        return
      case 'settle':
        this.#log.debug({ checksum: shortChecksum(action.head.checksum) }, 'head metadata settled')
        return
      case 'announce':
        running.network
          .announce({ node: running.peerId, head: action.head })
          .catch((err: unknown) => this.#log.debug({ err: String(err) }, 'announce failed'))
        return
      case 'request-head':
        running.requests.requestHead(action.peer)
        return
      case 'fetch':
        if (!this.#learntAt.has(action.checksum)) this.#learntAt.set(action.checksum, Date.now())
        running.requests.fetch(action.peer, action.checksum)
        return
      case 'write-back':
        running.writeBack.write(action.snapshot, running.engine.state.file?.checksum)
        return
      case 'conflict':
        this.#log.warn(
          {
            kind: action.report.kind,
            winner: shortChecksum(action.report.winner.checksum),
            winnerVector: formatVector(action.report.winner.vector),
            loser: shortChecksum(action.report.loser.checksum),
            loserVector: formatVector(action.report.loser.vector),
          },
          'conflicting versions; the winner rule picked one',
        )
        this.emit('conflict', action.report)
        return
      case 'refuse':
        this.#log.warn(
          { from: action.from, checksum: shortChecksum(action.checksum), reason: action.reason },
          'refused a snapshot from a peer',
        )
        return
    }
  }

  #apply(snapshot: Snapshot, cause: ApplyCause): void {
    const learntAt = this.#learntAt.get(snapshot.checksum) ?? Date.now()
    this.#learntAt.clear()
    this.#applier.apply(snapshot, cause, learntAt)
    const applied = this.#applier.applied
    if (applied?.checksum !== snapshot.checksum) return
    this.#log.info(
      {
        checksum: snapshot.checksum,
        vector: snapshot.vector,
        origin: snapshot.origin,
        cause,
        tookMs: applied.appliedAt - learntAt,
      },
      'applied version',
    )
  }

  /** Ticks the engine when it next needs it; capped so a wall-clock jump cannot stall timers. */
  #scheduleTick(): void {
    const engine = this.#running?.engine
    if (engine === undefined) return
    clearTimeout(this.#timer)
    const delay = Math.max(
      0,
      Math.min(engine.nextWakeAt() - (this.#components.now ?? Date.now)(), 1000),
    )
    this.#timer = setTimeout(
      () => void this.#dispatch(() => engine.handle({ type: 'tick' })),
      delay,
    )
  }
}
