import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import {
  decodeResponse,
  FetchError,
  type FetchFailure,
  fetchProtocol,
  peerIdOf,
  publicKeyOfPeer,
} from '../../src/net/index.ts'
import {
  DEFAULT_SNAPSHOT_LIMITS,
  decodeSnapshot,
  ed25519Verifier,
  encode,
  encodeSnapshot,
  verifySnapshot,
} from '../../src/snapshot/index.ts'
import {
  deferred,
  Nodes,
  newKey,
  plainHeader,
  signedSnapshot,
  startPair,
  type TestNode,
  waitFor,
} from './helpers.ts'

const nodes = new Nodes()
afterEach(() => nodes.stopAll())

const UNKNOWN = 'f'.repeat(64)

async function rejectsWith(promise: Promise<unknown>, reason: FetchFailure, message?: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof FetchError, `expected a FetchError, got ${String(err)}`)
    assert.equal(err.reason, reason, err.message)
    if (message !== undefined) assert.match(err.message, message)
    return true
  })
}

/** A (the server) holds a snapshot; B asks for it. */
async function serverAndClient(server = {}, client = {}) {
  const [b, a] = await startPair(nodes, client, server)
  const snapshot = a.rec.hold(signedSnapshot(a.key))
  return { a, b, snapshot }
}

/**
 * Opens streams from one bare libp2p node to `server`'s fetch protocol. One
 * node, one connection: libp2p refuses more than 5 inbound connections per
 * second from one host, which a node per stream would exceed.
 */
async function rawStreams(server: TestNode): Promise<() => Promise<Stream>> {
  const raw = await nodes.raw()
  const address = multiaddr(server.net.addresses()[0] as string)
  return () => raw.dialProtocol(address, fetchProtocol('test'))
}

describe('fetch protocol (TCP)', () => {
  it('returns the encoded snapshot, which decodes and verifies by origin id', async () => {
    const { a, b, snapshot } = await serverAndClient()

    const bytes = await b.net.fetchSnapshot(a.net.peerId, snapshot.checksum)

    assert.deepEqual(new Uint8Array(bytes), new Uint8Array(encodeSnapshot(snapshot)))
    const decoded = decodeSnapshot(bytes, DEFAULT_SNAPSHOT_LIMITS)
    verifySnapshot(decoded, ed25519Verifier(publicKeyOfPeer))
    assert.equal(a.net.stats().snapshotsServed, 1)
  })

  it('says not-found for a checksum the peer does not hold', async () => {
    const { a, b } = await serverAndClient()
    await rejectsWith(b.net.fetchSnapshot(a.net.peerId, UNKNOWN), 'not-found')
  })

  it('answers busy at once when maxConcurrentServes fetches are running', async () => {
    const { a, b, snapshot } = await serverAndClient({ maxConcurrentServes: 1 })
    const release = deferred<void>()
    a.rec.serve = async (checksum) => {
      await release.promise
      return a.rec.snapshots.get(checksum)
    }

    const first = b.net.fetchSnapshot(a.net.peerId, snapshot.checksum)
    await waitFor(() => a.rec.snapshotCalls === 1, 'the first fetch to hold the slot')
    await rejectsWith(b.net.fetchSnapshot(a.net.peerId, snapshot.checksum), 'busy')
    release.resolve()

    assert.deepEqual(new Uint8Array(await first), new Uint8Array(encodeSnapshot(snapshot)))
    assert.equal(a.net.stats().busyRefusals, 1)
    await b.net.fetchSnapshot(a.net.peerId, snapshot.checksum)
  })

  it('refuses on the server a snapshot over its maxSnapshotBytes, and says so (F19)', async () => {
    const { a, b } = await serverAndClient({ maxSnapshotBytes: 2_000 })
    const big = a.rec.hold(signedSnapshot(a.key, 'a = 1\n', 5_000))

    await rejectsWith(
      b.net.fetchSnapshot(a.net.peerId, big.checksum),
      'too-large',
      /peer refused to send \d+ bytes, over its maxSnapshotBytes 2000/,
    )
    assert.ok(a.log.said('refused to serve a snapshot over maxSnapshotBytes'))
  })

  it('refuses on the client a frame over its own limit, and the server serves on (F19)', async () => {
    const { a, b } = await serverAndClient({}, { maxSnapshotBytes: 1_000 })
    const big = a.rec.hold(signedSnapshot(a.key, 'a = 1\n', 70_000))

    await rejectsWith(
      b.net.fetchSnapshot(a.net.peerId, big.checksum),
      'over-limit',
      /response frame over \d+ bytes \(maxSnapshotBytes 1000\)/,
    )
    const small = a.rec.hold(signedSnapshot(a.key, 'b = 2\n'))
    await b.net.fetchSnapshot(a.net.peerId, small.checksum)
  })

  it('moves a snapshot larger than libp2p’s default 4 MiB stream buffer (F19)', async () => {
    const limit = { maxSnapshotBytes: 8 * 1024 * 1024 }
    const { a, b } = await serverAndClient(limit, limit)
    const big = a.rec.hold(signedSnapshot(a.key, 'a = 1\n', 6 * 1024 * 1024))

    const bytes = await b.net.fetchSnapshot(a.net.peerId, big.checksum)

    assert.equal(bytes.byteLength, a.rec.snapshots.get(big.checksum)?.byteLength)
  })

  it('times out when the server does not answer within fetchTimeoutMs', async () => {
    const { a, b, snapshot } = await serverAndClient({}, { fetchTimeoutMs: 300 })
    const release = deferred<undefined>()
    a.rec.serve = () => release.promise

    await rejectsWith(b.net.fetchSnapshot(a.net.peerId, snapshot.checksum), 'timeout', /300 ms/)
    release.resolve(undefined)
  })

  it('stops when the caller aborts', async () => {
    const { a, b, snapshot } = await serverAndClient()
    const release = deferred<undefined>()
    a.rec.serve = () => release.promise
    const controller = new AbortController()

    const fetching = b.net.fetchSnapshot(a.net.peerId, snapshot.checksum, controller.signal)
    await waitFor(() => a.rec.snapshotCalls === 1, 'the request at the server')
    controller.abort()

    await rejectsWith(fetching, 'aborted')
    release.resolve(undefined)
  })

  it('reports a peer it cannot reach as unreachable', async () => {
    const lone = await nodes.start()
    const stranger = await newKey()
    await rejectsWith(lone.net.fetchSnapshot(peerIdOf(stranger), UNKNOWN), 'unreachable')
    await rejectsWith(lone.net.requestHead('not a peer id'), 'unreachable')
  })

  it('turns a throwing snapshot handler into an error answer and serves on', async () => {
    const { a, b, snapshot } = await serverAndClient()
    a.rec.serve = () => {
      throw new Error('disk on fire')
    }
    await rejectsWith(
      b.net.fetchSnapshot(a.net.peerId, snapshot.checksum),
      'protocol',
      /could not read that snapshot/,
    )
    assert.ok(a.log.said('snapshot lookup failed'))
    a.rec.serve = (checksum) => a.rec.snapshots.get(checksum)
    await b.net.fetchSnapshot(a.net.peerId, snapshot.checksum)
  })
})

describe('head requests (TCP)', () => {
  it("returns the peer's head header", async () => {
    const { a, b, snapshot } = await serverAndClient()
    const head = await b.net.requestHead(a.net.peerId)
    assert.deepEqual(plainHeader(head), plainHeader(a.rec.head()))
    assert.equal(head?.checksum, snapshot.checksum)
  })

  it('returns undefined when the peer has no head yet', async () => {
    const [a, b] = await startPair(nodes)
    assert.equal(await a.net.requestHead(b.net.peerId), undefined)
  })
})

describe('hostile bytes', () => {
  it('answers garbage, a wrong format and an unknown kind with an error, and serves on', async () => {
    const { a, b, snapshot } = await serverAndClient()
    const frames = [
      Uint8Array.from([0xc1, 0x00, 0xff]),
      encode({ format: 2, kind: 'fetch', checksum: snapshot.checksum }),
      encode({ format: 1, kind: 'delete', checksum: snapshot.checksum }),
      encode({ format: 1, kind: 'fetch', checksum: 'not-hex' }),
      encode([1, 2, 3]),
    ]
    const open = await rawStreams(a)
    for (const frame of frames) {
      const lp = lpStream(await open())
      await lp.write(frame)
      const response = decodeResponse((await lp.read()).subarray(), 1024, DEFAULT_SNAPSHOT_LIMITS)
      assert.equal(response.status, 'error')
    }

    assert.equal(a.rec.invalid.length, frames.length)
    assert.match(a.rec.invalid[1]?.error.message ?? '', /unknown format 2/)
    await b.net.fetchSnapshot(a.net.peerId, snapshot.checksum)
  })

  it('answers an oversized length prefix with an error or a closed stream, and serves on', async () => {
    const { a, b, snapshot } = await serverAndClient()
    const stream = await (await rawStreams(a))()
    const lp = lpStream(stream)
    // varint of 100 MiB, followed by a little data that never completes the frame
    stream.send(Uint8Array.from([0x80, 0x80, 0x80, 0x32, 1, 2, 3]))

    const answer = await lp.read().then(
      (frame) => decodeResponse(frame.subarray(), 1024, DEFAULT_SNAPSHOT_LIMITS).status,
      () => 'closed',
    )
    assert.ok(answer === 'error' || answer === 'closed', answer)
    await b.net.fetchSnapshot(a.net.peerId, snapshot.checksum)
  })

  it('survives a peer that opens a stream and sends nothing', async () => {
    const { a, b, snapshot } = await serverAndClient({ fetchTimeoutMs: 300 })
    const stream = await (await rawStreams(a))()
    await waitFor(() => stream.status !== 'open', 'the server to give up on the silent stream')
    await b.net.fetchSnapshot(a.net.peerId, snapshot.checksum)
  })

  it('refuses garbage, an unknown status and an oversized frame from a server', async () => {
    const b = await nodes.start({ maxSnapshotBytes: 10_000 })
    const answers: Array<(stream: Stream) => void> = [
      (stream) => stream.send(Uint8Array.from([3, 0xc1, 0xc1, 0xc1])),
      (stream) => void lpStream(stream).write(encode({ format: 1, status: 'maybe' })),
      (stream) => stream.send(Uint8Array.from([0x80, 0x80, 0x80, 0x32, 9, 9])),
    ]
    const expected: FetchFailure[] = ['protocol', 'protocol', 'over-limit']
    const raw = await nodes.raw()
    let next = 0
    await raw.handle(fetchProtocol('test'), async (stream) => {
      await lpStream(stream).read()
      answers[next++]?.(stream)
    })
    await raw.dial(multiaddr(b.net.addresses()[0] as string))
    await waitFor(() => b.net.connectedPeers().includes(raw.peerId.toString()), 'connection')

    for (const reason of expected) {
      await rejectsWith(b.net.fetchSnapshot(raw.peerId.toString(), UNKNOWN), reason)
    }
  })
})
