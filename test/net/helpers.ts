import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import {
  type MeshLogger,
  MeshNetwork,
  type MeshNetworkHandlers,
  type MeshNetworkInit,
  peerIdOf,
  rawEd25519Key,
} from '../../src/net/index.ts'
import {
  type Announcement,
  buildSnapshot,
  ed25519Signer,
  encodeSnapshot,
  headerOf,
  type Snapshot,
  type SnapshotHeader,
} from '../../src/snapshot/index.ts'
import { waitUntil } from '../helpers/wait.ts'

/** Deadline for anything two or three local nodes should do, on a loaded 2-core machine. */
export const DEADLINE_MS = 10_000

/** Resolves once `predicate` holds; rejects naming `what` after `timeoutMs`. */
export function waitFor(
  predicate: () => boolean,
  what: string,
  timeoutMs = DEADLINE_MS,
): Promise<void> {
  return waitUntil(predicate, what, timeoutMs, 10)
}

/**
 * Runs `action`, then waits a little for `predicate`, and again until the
 * deadline: for outcomes the system reaches by repetition (periodic
 * announcements), not by a single message.
 */
export async function eventually(
  predicate: () => boolean,
  what: string,
  action: () => Promise<void>,
  timeoutMs = DEADLINE_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    await action()
    try {
      await waitFor(predicate, what, 500)
      return
    } catch {
      // Not yet: repeat the action, as the next period would.
    }
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** A promise with its resolver, for handlers a test holds open (Promise.withResolvers is ES2024). */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {}
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

export function newKey(): Promise<PrivateKey> {
  return generateKeyPair('Ed25519')
}

/** A snapshot signed by the node of `privateKey`, with `text` padded to about `padBytes`. */
export function signedSnapshot(privateKey: PrivateKey, text = 'a = 1\n', padBytes = 0): Snapshot {
  const node = peerIdOf(privateKey)
  const { seed, publicKey } = rawEd25519Key(privateKey)
  const padded = padBytes > 0 ? `${text}# ${'x'.repeat(padBytes)}\n` : text
  return buildSnapshot(
    {
      text: padded,
      tree: { a: 1 },
      vector: { [node]: 1 },
      stamp: { wallMs: Date.now(), counter: 0, node },
    },
    ed25519Signer(node, seed, publicKey),
  )
}

/**
 * Handlers that record every call, serving one head and the snapshots put in
 * `snapshots`. Tests replace `snapshot` to block or throw.
 */
export class Recorder implements MeshNetworkHandlers {
  current: SnapshotHeader | undefined
  readonly snapshots = new Map<string, Uint8Array>()
  readonly announcements: Array<{ from: string; announcement: Announcement }> = []
  readonly connected: string[] = []
  readonly disconnected: string[] = []
  readonly invalid: Array<{ from: string; error: Error }> = []
  snapshotCalls = 0
  serve: (checksum: string) => Uint8Array | undefined | Promise<Uint8Array | undefined> = (
    checksum,
  ) => this.snapshots.get(checksum)

  hold(snapshot: Snapshot): Snapshot {
    this.current = headerOf(snapshot)
    this.snapshots.set(snapshot.checksum, encodeSnapshot(snapshot))
    return snapshot
  }

  head(): SnapshotHeader | undefined {
    return this.current
  }

  snapshot(checksum: string): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    this.snapshotCalls++
    return this.serve(checksum)
  }

  announcement(from: string, announcement: Announcement): void {
    this.announcements.push({ from, announcement })
  }

  peerConnected(peer: string): void {
    this.connected.push(peer)
  }

  peerDisconnected(peer: string): void {
    this.disconnected.push(peer)
  }

  invalidMessage(from: string, error: Error): void {
    this.invalid.push({ from, error })
  }

  countOf(list: string[], peer: string): number {
    return list.filter((p) => p === peer).length
  }
}

/** A logger keeping every line, to wait on what the network says it did. */
export class MemoryLogger implements MeshLogger {
  readonly lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = []

  debug(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'debug', message, fields })
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'info', message, fields })
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'warn', message, fields })
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'error', message, fields })
  }

  said(message: string): boolean {
    return this.lines.some((line) => line.message === message)
  }
}

export interface TestNode {
  readonly net: MeshNetwork
  readonly rec: Recorder
  readonly log: MemoryLogger
  readonly key: PrivateKey
}

/**
 * Starts networks and stops all of them in `stopAll()`, which every test file
 * calls from an `afterEach` hook so a failing test leaves nothing running.
 */
export class Nodes {
  readonly #started: Array<{ stop(): unknown }> = []

  async start(init: Partial<MeshNetworkInit> = {}, rec = new Recorder()): Promise<TestNode> {
    const key = init.privateKey ?? (await newKey())
    const log = new MemoryLogger()
    const transport = init.transport ?? 'tcp'
    const net = new MeshNetwork(
      {
        cluster: 'test',
        listen: [transport === 'memory' ? `/memory/${randomBytes(8).toString('hex')}` : TCP_ANY],
        seeds: [],
        maxSnapshotBytes: 1024 * 1024,
        fetchTimeoutMs: 5_000,
        maxConcurrentServes: 4,
        seedRedialMinMs: 50,
        seedRedialMaxMs: 500,
        ...init,
        privateKey: key,
        transport,
      },
      rec,
      log,
    )
    this.#started.push(net)
    await net.start()
    return { net, rec, log, key }
  }

  /** A bare libp2p node over TCP, with plain gossipsub, to send a MeshNetwork raw bytes. */
  async raw() {
    const node = await createLibp2p({
      addresses: { listen: [TCP_ANY] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }),
      },
    })
    this.#started.push(node)
    return node
  }

  track(stoppable: { stop(): unknown }): void {
    this.#started.push(stoppable)
  }

  async stopAll(): Promise<void> {
    const all = this.#started.splice(0)
    await Promise.all(all.map(async (node) => await node.stop()))
  }
}

export const TCP_ANY = '/ip4/127.0.0.1/tcp/0'

/** Starts `b`, then `a` with `b` as its seed, and waits until each sees the other. */
export async function startPair(
  nodes: Nodes,
  initA: Partial<MeshNetworkInit> = {},
  initB: Partial<MeshNetworkInit> = {},
): Promise<[TestNode, TestNode]> {
  const b = await nodes.start(initB)
  const a = await nodes.start({ seeds: [b.net.addresses()[0] as string], ...initA })
  await waitFor(
    () => a.rec.connected.includes(b.net.peerId) && b.rec.connected.includes(a.net.peerId),
    'a connection both ways',
  )
  return [a, b]
}

/** Waits until `node` knows `peer` subscribes to the heads topic, so a publish reaches it. */
export async function waitForTopicPeer(node: TestNode, peer: TestNode): Promise<void> {
  await waitFor(() => node.net.topicPeers().includes(peer.net.peerId), 'a topic subscription')
}

/** A header with its signature as a plain Uint8Array (msgpack decodes bytes as Buffer). */
export function plainHeader(header: SnapshotHeader | undefined) {
  if (header === undefined) return undefined
  return { ...header, signature: new Uint8Array(header.signature) }
}

/** The announcement of `snapshot`, or of the head `node` holds. */
export function announcementOf(node: TestNode, snapshot?: Snapshot): Announcement {
  const head = snapshot === undefined ? node.rec.head() : headerOf(snapshot)
  if (head === undefined) throw new Error('no head to announce')
  return { node: node.net.peerId, head }
}
