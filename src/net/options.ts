import type { PrivateKey } from '@libp2p/interface'
import { preSharedKey } from '@libp2p/pnet'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import {
  type Announcement,
  DEFAULT_SNAPSHOT_LIMITS,
  type SnapshotHeader,
} from '../snapshot/index.ts'
import { InvalidOptionError } from './errors.ts'
import { canonicalPeerId, peerIdOf } from './identity.ts'
import { checkClusterName } from './topics.ts'

/** What a MeshNetwork is built from. Checked once by the constructor, then frozen. */
export interface MeshNetworkInit {
  /** Cluster name, part of every protocol id: nodes of other clusters never exchange data. */
  cluster: string
  /** The node's Ed25519 key; its peer id is the node id (see identity.ts). */
  privateKey: PrivateKey
  /** Multiaddrs to listen on; a TCP port of 0 picks a free one. */
  listen: string[]
  /**
   * Peers to dial at start and keep connected: multiaddrs with /p2p/<id>, or
   * without it (dialled by address; the id is learnt in the handshake). A
   * seed naming this node itself is skipped, so one list can serve a cluster.
   */
  seeds: string[]
  /** 'memory' runs many nodes in one process (tests), with `/memory/<name>` addresses. @default 'tcp' */
  transport?: 'tcp' | 'memory'
  /**
   * Largest encoded snapshot this node serves or accepts, in bytes. The same
   * limit bounds both ends of a fetch. @default 16 MiB
   */
  maxSnapshotBytes?: number
  /** Deadline for one fetch or head request, dial included. @default 10_000 */
  fetchTimeoutMs?: number
  /** Snapshot fetches served at once; more are answered `busy` at once. @default 4 */
  maxConcurrentServes?: number
  /** First delay before redialling a lost seed. @default 250 */
  seedRedialMinMs?: number
  /** Cap of the exponential redial backoff: a restarted seed is back within it. @default 5_000 */
  seedRedialMaxMs?: number
  /** When given, only these peer ids may connect to or be dialled by this node. */
  allowPeers?: string[]
  /** A libp2p pnet swarm key (`/key/swarm/psk/1.0.0/`): nodes without it cannot connect. */
  privateNetworkKey?: Uint8Array
  /** Most version-vector entries accepted in a received header. @default 1024 */
  maxVectorEntries?: number
}

/**
 * What the network layer asks of, and reports to, its owner. Callbacks rather
 * than events: each has exactly one consumer (the node wiring), and a missing
 * required callback is a type error instead of a silently lost event. Every
 * callback is called inside a try/catch, so a throwing callback is logged and
 * never reaches libp2p's event loop.
 */
export interface MeshNetworkHandlers {
  /** This node's head header, served to peers asking for it; undefined before there is one. */
  head(): SnapshotHeader | undefined
  /** The encoded snapshot with this checksum, or undefined when this node does not hold it. */
  snapshot(checksum: string): Uint8Array | undefined | Promise<Uint8Array | undefined>
  /** A valid announcement arrived; `from` is the publishing peer, always equal to its node. */
  announcement(from: string, announcement: Announcement): void
  /** The first connection to `peer` opened (fired once per peer, not per connection). */
  peerConnected(peer: string): void
  /** The last connection to `peer` closed. */
  peerDisconnected?(peer: string): void
  /** A peer sent something that could not be decoded or was not its to send. */
  invalidMessage?(from: string, error: Error): void
}

/** The checked, defaulted and frozen form of MeshNetworkInit. */
export interface MeshNetworkOptions {
  readonly cluster: string
  readonly privateKey: PrivateKey
  readonly peerId: string
  readonly listen: readonly string[]
  readonly seeds: readonly Multiaddr[]
  readonly transport: 'tcp' | 'memory'
  readonly maxSnapshotBytes: number
  readonly fetchTimeoutMs: number
  readonly maxConcurrentServes: number
  readonly seedRedialMinMs: number
  readonly seedRedialMaxMs: number
  readonly allowPeers: ReadonlySet<string> | undefined
  readonly privateNetworkKey: Uint8Array | undefined
  readonly maxVectorEntries: number
}

export const MESH_NETWORK_DEFAULTS = Object.freeze({
  transport: 'tcp' as const,
  maxSnapshotBytes: DEFAULT_SNAPSHOT_LIMITS.maxSnapshotBytes,
  fetchTimeoutMs: 10_000,
  maxConcurrentServes: 4,
  seedRedialMinMs: 250,
  seedRedialMaxMs: 5_000,
  maxVectorEntries: DEFAULT_SNAPSHOT_LIMITS.maxVectorEntries,
})

/** Checks every field of `init`, naming the field, the value and the allowed range on error. */
export function resolveOptions(init: MeshNetworkInit): MeshNetworkOptions {
  const d = MESH_NETWORK_DEFAULTS
  const privateKey = checkPrivateKey(init.privateKey)
  const peerId = peerIdOf(privateKey)
  const allowPeers = checkAllowPeers(init.allowPeers, peerId)
  const seedRedialMinMs = integer('seedRedialMinMs', init.seedRedialMinMs, d.seedRedialMinMs, 1)
  return Object.freeze({
    cluster: checkClusterName(init.cluster),
    privateKey,
    peerId,
    listen: Object.freeze(checkAddresses('listen', init.listen).map(String)),
    seeds: Object.freeze(checkSeeds(init.seeds, allowPeers)),
    transport: checkTransport(init.transport ?? d.transport),
    maxSnapshotBytes: integer('maxSnapshotBytes', init.maxSnapshotBytes, d.maxSnapshotBytes, 1),
    fetchTimeoutMs: integer('fetchTimeoutMs', init.fetchTimeoutMs, d.fetchTimeoutMs, 1, 600_000),
    maxConcurrentServes: integer(
      'maxConcurrentServes',
      init.maxConcurrentServes,
      d.maxConcurrentServes,
      1,
      1024,
    ),
    seedRedialMinMs,
    seedRedialMaxMs: integer(
      'seedRedialMaxMs',
      init.seedRedialMaxMs,
      Math.max(d.seedRedialMaxMs, seedRedialMinMs),
      seedRedialMinMs,
    ),
    allowPeers,
    privateNetworkKey: checkSwarmKey(init.privateNetworkKey),
    maxVectorEntries: integer('maxVectorEntries', init.maxVectorEntries, d.maxVectorEntries, 1),
  })
}

/** Throws unless every required handler is a function. */
export function checkHandlers(handlers: MeshNetworkHandlers): MeshNetworkHandlers {
  for (const name of ['head', 'snapshot', 'announcement', 'peerConnected'] as const) {
    if (typeof handlers?.[name] !== 'function') {
      throw new InvalidOptionError(`handlers.${name}`, handlers?.[name], 'a function')
    }
  }
  return handlers
}

function integer(
  option: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max = 2 ** 30,
): number {
  const actual = value ?? fallback
  if (!Number.isSafeInteger(actual) || actual < min || actual > max) {
    throw new InvalidOptionError(option, actual, `an integer from ${min} to ${max}`)
  }
  return actual
}

function checkPrivateKey(privateKey: PrivateKey): PrivateKey {
  if (privateKey?.type !== 'Ed25519') {
    throw new InvalidOptionError('privateKey', privateKey?.type, 'an Ed25519 libp2p private key')
  }
  return privateKey
}

function checkTransport(transport: string): 'tcp' | 'memory' {
  if (transport !== 'tcp' && transport !== 'memory') {
    throw new InvalidOptionError('transport', transport, '"tcp" or "memory"')
  }
  return transport
}

function checkAddresses(option: string, values: string[]): Multiaddr[] {
  if (!Array.isArray(values)) throw new InvalidOptionError(option, values, 'an array of multiaddrs')
  return values.map((value, i) => {
    try {
      return multiaddr(value)
    } catch (err) {
      throw new InvalidOptionError(`${option}[${i}]`, value, 'a multiaddr', { cause: err })
    }
  })
}

export function checkSeeds(
  seeds: string[],
  allowPeers: ReadonlySet<string> | undefined,
): Multiaddr[] {
  const parsed = checkAddresses('seeds', seeds)
  parsed.forEach((seed, i) => {
    const peer = seed.getComponents().findLast((c) => c.name === 'p2p')?.value
    if (peer === undefined) return
    const id = canonicalPeerId(peer)
    if (id === undefined)
      throw new InvalidOptionError(`seeds[${i}]`, String(seed), 'a valid /p2p/ id')
    // A seed the allow-list refuses could never be reached: say so now rather than redial forever.
    if (allowPeers !== undefined && !allowPeers.has(id)) {
      throw new InvalidOptionError(`seeds[${i}]`, String(seed), 'a peer on allowPeers')
    }
  })
  return parsed
}

function checkAllowPeers(
  peers: string[] | undefined,
  self: string,
): ReadonlySet<string> | undefined {
  if (peers === undefined) return undefined
  if (!Array.isArray(peers))
    throw new InvalidOptionError('allowPeers', peers, 'an array of peer ids')
  const allowed = new Set<string>([self])
  peers.forEach((peer, i) => {
    const id = canonicalPeerId(peer)
    if (id === undefined) throw new InvalidOptionError(`allowPeers[${i}]`, peer, 'a peer id')
    allowed.add(id)
  })
  return allowed
}

function checkSwarmKey(key: Uint8Array | undefined): Uint8Array | undefined {
  if (key === undefined) return undefined
  const allowed = 'a libp2p swarm key (/key/swarm/psk/1.0.0/ /base16/ and 64 hex digits)'
  if (!(key instanceof Uint8Array)) throw new InvalidOptionError('privateNetworkKey', key, allowed)
  try {
    // Building the protector parses the key; doing it now reports a bad key at construction.
    preSharedKey({ psk: key })()
  } catch (err) {
    throw new InvalidOptionError('privateNetworkKey', key, allowed, { cause: err })
  }
  return key
}
