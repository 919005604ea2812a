import { EventEmitter } from 'node:events'
import pino, { type Logger } from 'pino'
import { SyncEngine } from '../engine/engine.ts'
import type { ApplyCause, EngineAction, EngineEvent } from '../engine/types.ts'
import {
  FetchError,
  MeshNetwork,
  peerIdOf,
  privateKeyFromSeed,
  publicKeyOfPeer,
} from '../net/index.ts'
import {
  checksumOf,
  DEFAULT_SNAPSHOT_LIMITS,
  decodeSnapshot,
  ed25519Signer,
  ed25519Verifier,
  encodeSnapshot,
  formatVector,
  headerOf,
  type Snapshot,
  type SnapshotLimits,
  shortChecksum,
} from '../snapshot/index.ts'
import { normalizeText } from '../source/index.ts'
import { replaceFileUnless, StateDirectory } from '../store/index.ts'
import { Applier } from './applier.ts'
import type { AppliedConfig, ConfigMeshEvents } from './events.ts'
import {
  type ConfigMeshComponents,
  type ConfigMeshInit,
  type ResolvedInit,
  resolveInit,
} from './options.ts'
import { type SourceContent, SourceFeed } from './source-feed.ts'
import { describeStatus, type NodeStatus } from './status.ts'

interface Running {
  readonly dir: StateDirectory
  readonly engine: SyncEngine
  readonly network: MeshNetwork
  readonly source: SourceFeed
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
  #timer: NodeJS.Timeout | undefined
  #encodedHead: { checksum: string; stamp: unknown; bytes: Uint8Array } | undefined
  /** Write-backs, one at a time in the order issued. */
  #writes: Promise<void> = Promise.resolve()
  /** Checksums this node lately wrote into its file: content it may overwrite. */
  readonly #written: string[] = []
  /** Checksums already reported as over maxSnapshotBytes: said once, not at every retry. */
  readonly #tooLarge = new Set<string>()

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

  async start(): Promise<void> {
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
      await this.stop().catch(() => undefined)
      throw err
    }
    this.#log.info(
      { peerId: this.#running.peerId, addresses: network.addresses(), source: source.state.state },
      'node started',
    )
  }

  async stop(): Promise<void> {
    const running = this.#running
    if (running === undefined) return
    this.#running = undefined
    clearTimeout(this.#timer)
    await running.source.stop()
    await this.#queue
    // A write-back under way finishes: nothing is written into the folder after stop().
    await this.#writes
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
    const restored = await dir.load()
    if (restored.status === 'corrupt') {
      this.#log.error({ reason: restored.reason, movedTo: restored.movedTo }, 'state was corrupt')
    }
    const engine = new SyncEngine(
      {
        announceIntervalMs: this.#init.announceIntervalMs,
        fetchTimeoutMs: this.#init.fetchTimeoutMs,
        writeBack: this.#init.writeBack,
      },
      {
        now: this.#components.now ?? Date.now,
        random: this.#components.random ?? Math.random,
        signer: ed25519Signer(peerId, key.seed, key.publicKey),
        verifier: ed25519Verifier(publicKeyOfPeer),
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
    return { dir, engine, network, source, peerId }
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
        this.#requestHead(running, action.peer)
        return
      case 'fetch':
        this.#fetch(running, action.peer, action.checksum)
        return
      case 'write-back':
        this.#writeBack(running, action.snapshot)
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

  #requestHead(running: Running, peer: string): void {
    running.network
      .requestHead(peer)
      .then((head) => {
        if (head === undefined) return
        return this.#dispatch(() =>
          running.engine.handle({ type: 'announcement', from: peer, head }),
        )
      })
      .catch((err: unknown) => this.#log.debug({ peer, err: String(err) }, 'head request failed'))
  }

  #fetch(running: Running, peer: string, checksum: string): void {
    const { engine, network } = running
    if (!this.#learntAt.has(checksum)) this.#learntAt.set(checksum, Date.now())
    network
      .fetchSnapshot(peer, checksum)
      .then((bytes) => {
        const snapshot = decodeSnapshot(bytes, this.#limits)
        return this.#dispatch(() => engine.handle({ type: 'fetched', from: peer, snapshot }))
      })
      .catch((err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err)
        this.#log.debug({ peer, checksum: shortChecksum(checksum), reason }, 'fetch failed')
        if (err instanceof FetchError && err.reason === 'too-large') {
          this.#reportTooLarge(peer, checksum, reason)
        }
        // Over this node's own limit, no provider will ever do: the engine refuses it once.
        const permanent = err instanceof FetchError && err.reason === 'over-limit'
        return this.#dispatch(() =>
          engine.handle({ type: 'fetch-failed', from: peer, checksum, reason, permanent }),
        )
      })
  }

  /**
   * A peer that refuses to send a snapshot over its own maxSnapshotBytes
   * shows a configuration mismatch between nodes: said once per version, at
   * warn, with both sizes, where the rest of a fetch failure is routine.
   * (A snapshot over this node's own limit is refused by the engine, once.)
   */
  #reportTooLarge(peer: string, checksum: string, reason: string): void {
    if (this.#tooLarge.has(checksum)) return
    // Bounded: a peer announcing ever new oversized versions must not grow this set.
    if (this.#tooLarge.size >= 64) this.#tooLarge.clear()
    this.#tooLarge.add(checksum)
    this.#log.warn(
      { peer, checksum: shortChecksum(checksum), reason },
      'a peer refused to send a version over its maxSnapshotBytes',
    )
  }

  /**
   * Writes the head into the source file, after the write-backs issued
   * before it (so the file ends on the last one), unless the file has
   * changed since the engine last knew what it held: that is someone's save
   * not yet read (the watcher waits for the file to settle, then parses), and
   * overwriting it would lose the edit without a trace. It is left for the
   * watcher to report; made without seeing the head, it becomes an edit
   * concurrent with it, reported as such. The file is looked at just before
   * the rename; a save landing between that look and the rename is still
   * overwritten.
   */
  #writeBack(running: Running, snapshot: Snapshot): void {
    const known = running.engine.state.file?.checksum
    this.#writes = this.#writes
      .then(() => this.#writeBackNow(running, snapshot, known))
      .catch((err: unknown) => this.#log.error({ err: String(err) }, 'write-back failed'))
  }

  async #writeBackNow(running: Running, snapshot: Snapshot, known: string | undefined) {
    const { engine } = running
    const checksum = snapshot.checksum
    const path = this.#init.configPath
    let found: string | undefined
    const unseen = (current: Buffer | undefined) => {
      if (current === undefined || known === undefined) return false
      found = checksumOf(normalizeText(current.toString('utf8')))
      return found !== known && found !== checksum && !this.#written.includes(found)
    }
    let replaced: boolean
    try {
      replaced = await replaceFileUnless(path, snapshot.text, unseen)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      const readOnly = code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
      this.#log.warn(
        { path, code, disabled: readOnly },
        readOnly
          ? 'source file is read-only; write-back turned off'
          : 'could not write the head back to the source file',
      )
      await this.#dispatch(() =>
        engine.handle({ type: 'write-back-failed', checksum, disable: readOnly }),
      )
      return
    }
    if (!replaced) {
      this.#log.info(
        { path, checksum: shortChecksum(checksum), found: shortChecksum(found ?? '') },
        'source file changed since it was last read; not overwriting it with the head',
      )
      await this.#dispatch(() =>
        engine.handle({ type: 'write-back-failed', checksum, disable: false }),
      )
      return
    }
    this.#written.push(checksum)
    if (this.#written.length > 16) this.#written.shift()
    // The engine writes back only when the file holds something older than the head.
    this.#log.info(
      { path, checksum: shortChecksum(checksum) },
      'source file was behind the head; wrote the head back',
    )
    await this.#dispatch(() => engine.handle({ type: 'written-back', checksum }))
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
