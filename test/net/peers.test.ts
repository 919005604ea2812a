import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { afterEach, describe, it } from 'node:test'
import { generateKey } from '@libp2p/pnet'
import { FetchError, MeshNetwork, peerIdOf } from '../../src/net/index.ts'
import {
  announcementOf,
  Nodes,
  newKey,
  Recorder,
  signedSnapshot,
  startPair,
  type TestNode,
  waitFor,
  waitForTopicPeer,
} from './helpers.ts'

const nodes = new Nodes()
afterEach(() => nodes.stopAll())

function tcpPort(node: TestNode): number {
  const port = /\/tcp\/(\d+)\//.exec(node.net.addresses()[0] ?? '')?.[1]
  assert.ok(port !== undefined, 'a TCP address')
  return Number(port)
}

function addressWithoutId(node: TestNode): string {
  return (node.net.addresses()[0] ?? '').replace(/\/p2p\/[^/]+$/, '')
}

describe('peer events', () => {
  it('reports each peer once on both sides over TCP', async () => {
    const [a, b] = await startPair(nodes)
    await waitFor(() => a.log.said('seed connected'), 'the seed dial to finish')
    assert.deepEqual(a.rec.connected, [b.net.peerId])
    assert.deepEqual(b.rec.connected, [a.net.peerId])
  })

  it('reports each peer once even when both dial each other at once', async () => {
    const [aKey, bKey] = [await newKey(), await newKey()]
    const [aAddr, bAddr] = [`/memory/${randomUUID()}`, `/memory/${randomUUID()}`]
    const [a, b] = await Promise.all([
      nodes.start({
        transport: 'memory',
        privateKey: aKey,
        listen: [aAddr],
        seeds: [`${bAddr}/p2p/${peerIdOf(bKey)}`],
      }),
      nodes.start({
        transport: 'memory',
        privateKey: bKey,
        listen: [bAddr],
        seeds: [`${aAddr}/p2p/${peerIdOf(aKey)}`],
      }),
    ])

    const dialled = (node: TestNode) =>
      node.log.said('seed connected') || node.log.said('seed reconnected')
    await waitFor(() => dialled(a) && dialled(b), 'both seed dials to finish')
    // A peer is reported once identify has run over a connection to it.
    const reported = () => a.rec.connected.length > 0 && b.rec.connected.length > 0
    await waitFor(reported, 'both sides to report the other')
    assert.deepEqual(a.rec.connected, [b.net.peerId])
    assert.deepEqual(b.rec.connected, [a.net.peerId])
  })

  it('reports a disconnect once when the peer stops', async () => {
    const [a, b] = await startPair(nodes)
    await b.net.stop()
    await waitFor(() => a.rec.disconnected.includes(b.net.peerId), 'the disconnect')
    assert.equal(a.rec.countOf(a.rec.disconnected, b.net.peerId), 1)
    assert.deepEqual(a.net.connectedPeers(), [])
  })
})

describe('seeds', () => {
  it('redials a seed restarted with the same key and port, within the backoff cap (F20)', async () => {
    const seedKey = await newKey()
    const seed = await nodes.start({ privateKey: seedKey })
    const port = tcpPort(seed)
    const a = await nodes.start({
      seeds: [seed.net.addresses()[0] as string],
      seedRedialMaxMs: 1000,
    })
    await waitFor(() => a.rec.connected.includes(seed.net.peerId), 'the first connection')

    await seed.net.stop()
    await waitFor(() => a.rec.disconnected.includes(seed.net.peerId), 'the seed to go')
    await waitFor(() => a.log.said('seed unreachable; redialling with backoff'), 'a failed redial')
    const restarted = await nodes.start({
      privateKey: seedKey,
      listen: [`/ip4/127.0.0.1/tcp/${port}`],
    })
    const backAt = Date.now()

    await waitFor(() => a.rec.countOf(a.rec.connected, seed.net.peerId) === 2, 'the reconnection')
    assert.ok(Date.now() - backAt < 1000 + 2000, 'within the cap, plus a dial on a loaded machine')
    await waitFor(() => restarted.rec.connected.includes(a.net.peerId), 'the seed to see A')
    assert.ok(a.log.said('seed reconnected'))

    // Gossip recovers too: the restarted seed's announcements reach A again.
    await waitForTopicPeer(restarted, a)
    await restarted.net.announce(announcementOf(restarted, signedSnapshot(seedKey)))
    await waitFor(() => a.rec.announcements.length === 1, 'the announcement after the restart')
  })

  it('dials a seed given by address only, and redials it after a restart', async () => {
    const seedKey = await newKey()
    const seed = await nodes.start({ privateKey: seedKey })
    const port = tcpPort(seed)
    const a = await nodes.start({ seeds: [addressWithoutId(seed)], seedRedialMaxMs: 1000 })
    await waitFor(() => a.rec.connected.includes(seed.net.peerId), 'the first connection')

    await seed.net.stop()
    await waitFor(() => a.rec.disconnected.includes(seed.net.peerId), 'the seed to go')
    await nodes.start({ privateKey: seedKey, listen: [`/ip4/127.0.0.1/tcp/${port}`] })

    await waitFor(() => a.rec.countOf(a.rec.connected, seed.net.peerId) === 2, 'the reconnection')
  })

  it('skips its own entry in a shared seed list', async () => {
    const key = await newKey()
    const other = await nodes.start()
    const self = `/ip4/127.0.0.1/tcp/1/p2p/${peerIdOf(key)}`
    const a = await nodes.start({
      privateKey: key,
      seeds: [self, other.net.addresses()[0] as string],
    })
    await waitFor(() => a.log.said('seed connected'), 'the other seed')
    assert.deepEqual(a.net.unreachableSeeds(), [])
    assert.ok(!a.log.said('seed unreachable; redialling with backoff'))
  })
})

describe('access control', () => {
  it('keeps a peer off the allow-list from connecting and fetching (F25)', async () => {
    const bKey = await newKey()
    const a = await nodes.start({ allowPeers: [peerIdOf(bKey)] })
    const snapshot = a.rec.hold(signedSnapshot(a.key, 'password = "hunter2"\n'))
    const seeds = [a.net.addresses()[0] as string]
    const b = await nodes.start({ privateKey: bKey, seeds })
    const c = await nodes.start({ seeds })

    await waitFor(() => a.rec.connected.includes(b.net.peerId), 'the listed peer')
    await waitFor(() => c.log.said('seed unreachable; redialling with backoff'), 'C refused')
    await assert.rejects(c.net.fetchSnapshot(a.net.peerId, snapshot.checksum), (err) => {
      assert.ok(err instanceof FetchError)
      assert.equal(err.reason, 'unreachable')
      return true
    })
    await assert.rejects(a.net.requestHead(c.net.peerId), FetchError)

    assert.ok(!a.rec.connected.includes(c.net.peerId))
    assert.ok(!a.net.connectedPeers().includes(c.net.peerId))
    assert.ok(a.log.said('connection refused: peer not on allowPeers'))
    assert.equal(a.rec.snapshotCalls, 0)
    await b.net.fetchSnapshot(a.net.peerId, snapshot.checksum)
    assert.equal(a.rec.snapshotCalls, 1)
  })

  it('keeps a node without the private network key out', async () => {
    const psk = new Uint8Array(95)
    generateKey(psk)
    const a = await nodes.start({ privateNetworkKey: psk })
    const seeds = [a.net.addresses()[0] as string]
    const b = await nodes.start({ privateNetworkKey: psk, seeds })
    const c = await nodes.start({ seeds, fetchTimeoutMs: 2_000 })

    await waitFor(() => a.rec.connected.includes(b.net.peerId), 'the peer with the key')
    // Without the key, C reads A's pnet nonce as protocol bytes: the dial fails
    // at once or, when the random nonce looks like a long frame, only at a
    // libp2p timeout. The head request is bounded by C's own fetch deadline.
    await assert.rejects(c.net.requestHead(a.net.peerId), FetchError)
    assert.ok(!a.rec.connected.includes(c.net.peerId))
    assert.ok(!c.net.connectedPeers().includes(a.net.peerId))
  })
})

describe('lifecycle', () => {
  it('starts and stops idempotently, and can start again', async () => {
    const node = await nodes.start()
    await Promise.all([node.net.start(), node.net.start()])
    assert.equal(node.net.addresses().length, 1)

    await Promise.all([node.net.stop(), node.net.stop()])
    assert.equal(node.net.started, false)
    assert.deepEqual(node.net.addresses(), [])
    assert.deepEqual(node.net.connectedPeers(), [])

    await node.net.start()
    assert.equal(node.net.addresses().length, 1)
  })

  it('rejects a start whose port is taken, releases it, and can start elsewhere', async () => {
    const first = await nodes.start()
    const taken = `/ip4/127.0.0.1/tcp/${tcpPort(first)}`
    const second = new MeshNetwork(
      { cluster: 'test', privateKey: await newKey(), listen: [taken], seeds: [] },
      new Recorder(),
    )
    nodes.track(second)
    await assert.rejects(second.start())
    assert.equal(second.started, false)
    await second.stop()
    assert.equal(first.net.addresses().length, 1)
  })

  it('reports no peer event after stop, and frees its port', async () => {
    const [a, b] = await startPair(nodes)
    const port = tcpPort(b)
    await a.net.stop()
    const events = b.rec.connected.length + b.rec.disconnected.length
    await b.net.stop()
    assert.equal(b.rec.connected.length + b.rec.disconnected.length, events)
    await nodes.start({ listen: [`/ip4/127.0.0.1/tcp/${port}`] })
  })
})
