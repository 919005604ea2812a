import type { IdentifyResult, PeerId } from '@libp2p/interface'
import { type Announcement, type SnapshotHeader, shortChecksum } from '../snapshot/index.ts'
import { allowListGater } from './connection-gater.ts'
import { NetworkNotStartedError } from './errors.ts'
import { FetchClient } from './fetch-client.ts'
import { FetchServer } from './fetch-server.ts'
import { AnnouncementGossip } from './gossip.ts'
import { createMeshLibp2p, type MeshLibp2p } from './libp2p-node.ts'
import { componentLogger, errorFields, type MeshLogger, silentLogger } from './logger.ts'
import {
  checkHandlers,
  checkSeeds,
  type MeshNetworkHandlers,
  type MeshNetworkInit,
  type MeshNetworkOptions,
  resolveOptions,
} from './options.ts'
import { SeedDialer } from './seed-dialer.ts'
import { type MeshNetworkStats, newCounters } from './stats.ts'
import { fetchProtocol, headsTopic } from './topics.ts'

/** While stopped, nothing of libp2p exists; the running node lives only in `started`. */
type Status =
  | { readonly state: 'stopped' }
  | { readonly state: 'started'; readonly node: MeshLibp2p; readonly seeds: SeedDialer }

/**
 * The transport of config-mesh: one libp2p node that gossips announcements,
 * serves and fetches snapshots, and keeps its seeds connected. It moves bytes
 * and reports events; every decision about versions belongs to the engine.
 *
 * Reports go to the handlers given at construction (see MeshNetworkHandlers),
 * each call guarded so that a throwing handler is logged and never reaches
 * libp2p. Peer events fire only between start() and stop().
 */
export class MeshNetwork {
  /** This node's peer id, which is also its node id in snapshots and vectors. */
  readonly peerId: string
  readonly #options: MeshNetworkOptions
  readonly #handlers: MeshNetworkHandlers
  readonly #log: MeshLogger
  /** The logger as given, from which each part takes a child named `net:<part>`. */
  readonly #base: MeshLogger
  readonly #counters = newCounters()
  readonly #topic: string
  readonly #gossip: AnnouncementGossip
  readonly #server: FetchServer
  readonly #client: FetchClient
  readonly #onIdentify = (event: CustomEvent<IdentifyResult>) => {
    if (event.detail.connection.status === 'open') this.#peerEvent('connect', event.detail.peerId)
  }
  readonly #onDisconnect = (event: CustomEvent<PeerId>) =>
    this.#peerEvent('disconnect', event.detail)
  /** Peers reported connected and not since disconnected: each is reported once. */
  readonly #reported = new Set<string>()
  #status: Status = { state: 'stopped' }
  /** start() and stop() run one at a time, in call order. */
  #transition: Promise<void> = Promise.resolve()

  constructor(init: MeshNetworkInit, handlers: MeshNetworkHandlers, logger?: MeshLogger) {
    const options = resolveOptions(init)
    this.#options = options
    this.peerId = options.peerId
    const base = logger ?? silentLogger
    this.#base = base
    this.#log = componentLogger(base, 'net')
    this.#handlers = guardHandlers(checkHandlers(handlers), this.#log)
    this.#topic = headsTopic(options.cluster)
    const protocol = fetchProtocol(options.cluster)
    const shared = { handlers: this.#handlers, counters: this.#counters }
    this.#gossip = new AnnouncementGossip(
      { topic: this.#topic, localPeer: this.peerId, maxVectorEntries: options.maxVectorEntries },
      { ...shared, logger: componentLogger(this.#base, 'net:gossip') },
    )
    this.#server = new FetchServer(
      {
        protocol,
        maxSnapshotBytes: options.maxSnapshotBytes,
        timeoutMs: options.fetchTimeoutMs,
        maxConcurrentServes: options.maxConcurrentServes,
      },
      { ...shared, logger: componentLogger(this.#base, 'net:fetch-server') },
    )
    this.#client = new FetchClient(
      {
        protocol,
        maxSnapshotBytes: options.maxSnapshotBytes,
        timeoutMs: options.fetchTimeoutMs,
        maxVectorEntries: options.maxVectorEntries,
      },
      componentLogger(this.#base, 'net:fetch-client'),
    )
  }

  get started(): boolean {
    return this.#status.state === 'started'
  }

  /** Creates and starts the libp2p node, subscribes, and dials the seeds. Idempotent. */
  start(): Promise<void> {
    return this.#queue(() => this.#start())
  }

  /** Stops everything start() began: seeds, gossip, handlers, listeners, libp2p. Idempotent. */
  stop(): Promise<void> {
    return this.#queue(() => this.#stop())
  }

  /** Dialable multiaddrs of this node, each ending in /p2p/<peerId>; empty while stopped. */
  addresses(): string[] {
    if (this.#status.state !== 'started') return []
    return this.#status.node.getMultiaddrs().map((address) => address.toString())
  }

  /** Peers with at least one open connection; empty while stopped. */
  connectedPeers(): string[] {
    if (this.#status.state !== 'started') return []
    return this.#status.node.getPeers().map((peer) => peer.toString())
  }

  /** Peers known to subscribe to the heads topic: those an announcement reaches directly. */
  topicPeers(): string[] {
    if (this.#status.state !== 'started') return []
    return this.#status.node.services.pubsub.getSubscribers(this.#topic).map(String)
  }

  /** Seeds not connected right now, by address; empty while stopped. */
  /**
   * Adds a seed while running: dialled now and kept connected like the
   * seeds given at start. Throws InvalidOptionError for a malformed address.
   */
  addSeed(address: string): void {
    const [parsed] = checkSeeds([address], this.#options.allowPeers)
    this.#running('addSeed')
    if (this.#status.state === 'started') this.#status.seeds.add(parsed!)
  }

  unreachableSeeds(): string[] {
    if (this.#status.state !== 'started') return []
    return this.#status.seeds.unreachableSeeds()
  }

  stats(): MeshNetworkStats {
    return Object.freeze({ ...this.#counters })
  }

  /**
   * Publishes an announcement of this node's head. Resolves whether or not a
   * peer was listening. Throws for an announcement of another node, or
   * one over the gossip size bound, or while stopped.
   */
  async announce(announcement: Announcement): Promise<void> {
    const node = this.#running('announce')
    const recipients = await this.#gossip.publish(node.services.pubsub, announcement)
    this.#log.debug(
      { checksum: shortChecksum(announcement.head.checksum), recipients },
      'announced head',
    )
  }

  /**
   * The encoded snapshot with `checksum`, from `peer`, not yet decoded or
   * verified. Throws FetchError (see FetchFailure) on any other outcome.
   */
  async fetchSnapshot(peer: string, checksum: string, signal?: AbortSignal): Promise<Uint8Array> {
    return this.#client.fetchSnapshot(this.#running('fetchSnapshot'), peer, checksum, signal)
  }

  /** `peer`'s head header, or undefined when it has none yet. Throws FetchError. */
  async requestHead(peer: string, signal?: AbortSignal): Promise<SnapshotHeader | undefined> {
    return this.#client.requestHead(this.#running('requestHead'), peer, signal)
  }

  #queue(step: () => Promise<void>): Promise<void> {
    const next = this.#transition.then(step, step)
    this.#transition = next.catch(() => {})
    return next
  }

  async #start(): Promise<void> {
    if (this.#status.state === 'started') return
    const gater = allowListGater(this.#options.allowPeers, (peer, direction) =>
      this.#log.debug({ peer, direction }, 'connection refused: peer not on allowPeers'),
    )
    const node = await createMeshLibp2p(this.#options, this.#topic, gater)
    const seeds = new SeedDialer(
      {
        seeds: this.#options.seeds,
        localPeer: this.peerId,
        minDelayMs: this.#options.seedRedialMinMs,
        maxDelayMs: this.#options.seedRedialMaxMs,
      },
      { logger: componentLogger(this.#base, 'net:seeds') },
    )
    try {
      await this.#server.register(node)
      await node.start()
      this.#gossip.attach(node.services.pubsub)
    } catch (err) {
      await this.#release(node)
      throw err
    }
    this.#status = { state: 'started', node, seeds }
    this.#watchPeers(node)
    seeds.start(node)
    this.#log.info({ peerId: this.peerId, addresses: this.addresses() }, 'network started')
  }

  /** Stops a node whose start failed halfway; the start error is the one worth reporting. */
  async #release(node: MeshLibp2p): Promise<void> {
    try {
      await node.stop()
    } catch (err) {
      this.#log.warn(errorFields(err), 'libp2p did not stop cleanly after a failed start')
    }
  }

  /**
   * Peer events are listened to only once start() has finished, so a handler
   * that calls back into the network always finds it started. Peers that
   * connected while libp2p was starting are reported now, once each.
   *
   * A peer counts as connected once identify has run over a connection to it,
   * not when the connection opens: a node that refuses us (its allow-list)
   * drops the connection right after the handshake, after our side already
   * saw it open, and identify never completes over it. Reporting on open made
   * each redial of such a seed a `peer connected` and `peer disconnected`.
   */
  #watchPeers(node: MeshLibp2p): void {
    node.addEventListener('peer:identify', this.#onIdentify)
    node.addEventListener('peer:disconnect', this.#onDisconnect)
    for (const peer of node.getPeers()) this.#peerEvent('connect', peer)
  }

  async #stop(): Promise<void> {
    if (this.#status.state !== 'started') return
    const { node, seeds } = this.#status
    this.#status = { state: 'stopped' }
    seeds.stop()
    node.removeEventListener('peer:identify', this.#onIdentify)
    node.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#reported.clear()
    this.#gossip.detach(node.services.pubsub)
    await this.#server.unregister(node)
    await node.stop()
    this.#log.info({ peerId: this.peerId }, 'network stopped')
  }

  #peerEvent(kind: 'connect' | 'disconnect', peerId: PeerId): void {
    const peer = peerId.toString()
    // Identify runs once per connection; a peer is reported on its first only.
    if (kind === 'connect' ? this.#reported.has(peer) : !this.#reported.has(peer)) return
    if (kind === 'connect') this.#reported.add(peer)
    else this.#reported.delete(peer)
    this.#log.debug({ peer }, kind === 'connect' ? 'peer connected' : 'peer disconnected')
    if (kind === 'connect') this.#handlers.peerConnected(peer)
    else this.#handlers.peerDisconnected?.(peer)
  }

  #running(method: string): MeshLibp2p {
    if (this.#status.state !== 'started') throw new NetworkNotStartedError(method)
    return this.#status.node
  }
}

/**
 * The owner's handlers, each call caught and logged. They are called from
 * libp2p's event dispatch, where a throw would surface as an uncaught
 * exception of the whole process.
 */
function guardHandlers(handlers: MeshNetworkHandlers, log: MeshLogger): MeshNetworkHandlers {
  const guard =
    <A extends unknown[]>(name: string, call: ((...args: A) => void) | undefined) =>
    (...args: A): void => {
      try {
        call?.(...args)
      } catch (err) {
        log.error({ handler: name, ...errorFields(err) }, 'network handler threw')
      }
    }
  return Object.freeze({
    head: () => handlers.head(),
    snapshot: (checksum: string) => handlers.snapshot(checksum),
    announcement: guard('announcement', handlers.announcement.bind(handlers)),
    peerConnected: guard('peerConnected', handlers.peerConnected.bind(handlers)),
    peerDisconnected: guard('peerDisconnected', handlers.peerDisconnected?.bind(handlers)),
    invalidMessage: guard('invalidMessage', handlers.invalidMessage?.bind(handlers)),
  })
}
