import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { headerOf } from '../../src/snapshot/index.ts'
import {
  announcementOf,
  eventually,
  Nodes,
  signedSnapshot,
  type TestNode,
  waitFor,
} from './helpers.ts'

const nodes = new Nodes()
afterEach(() => nodes.stopAll())

/** A line of three in one process: A <- B <- C, so C reaches A only through B's forwarding. */
async function lineOfThree(): Promise<[TestNode, TestNode, TestNode]> {
  const a = await nodes.start({ transport: 'memory' })
  const b = await nodes.start({ transport: 'memory', seeds: a.net.addresses() })
  const c = await nodes.start({ transport: 'memory', seeds: b.net.addresses() })
  await waitFor(
    () =>
      a.net.topicPeers().includes(b.net.peerId) &&
      b.net.topicPeers().includes(a.net.peerId) &&
      b.net.topicPeers().includes(c.net.peerId) &&
      c.net.topicPeers().includes(b.net.peerId),
    'subscriptions along the line',
  )
  return [a, b, c]
}

describe('three nodes over the memory transport', () => {
  it('delivers every announcement to the two other nodes, forwarded through the middle', async () => {
    const [a, b, c] = await lineOfThree()
    assert.ok(a.net.addresses()[0]?.startsWith('/memory/'))
    const fromA = `${a.net.peerId}:${a.rec.hold(signedSnapshot(a.key, 'from = "a"\n')).checksum}`
    const fromC = `${c.net.peerId}:${c.rec.hold(signedSnapshot(c.key, 'from = "c"\n')).checksum}`
    const seenAt = (node: TestNode) =>
      new Set(node.rec.announcements.map((r) => `${r.from}:${r.announcement.head.checksum}`))
    const everywhere = () =>
      seenAt(a).has(fromC) && seenAt(b).has(fromA) && seenAt(b).has(fromC) && seenAt(c).has(fromA)

    // Forwarding from B needs B's gossipsub mesh, which its heartbeat forms
    // about a second after the subscriptions: re-announce as the periodic
    // anti-entropy announcement would, until everything has arrived.
    await eventually(everywhere, 'each announcement at the two other nodes', async () => {
      await a.net.announce(announcementOf(a))
      await c.net.announce(announcementOf(c))
    })

    assert.deepEqual([...seenAt(a)], [fromC])
    assert.deepEqual([...seenAt(b)].sort(), [fromA, fromC].sort())
    assert.deepEqual([...seenAt(c)], [fromA])
  })

  it('fetches a snapshot and a head between in-process nodes', async () => {
    const [a, b] = await lineOfThree()
    const snapshot = a.rec.hold(signedSnapshot(a.key))

    const bytes = await b.net.fetchSnapshot(a.net.peerId, snapshot.checksum)
    const head = await b.net.requestHead(a.net.peerId)

    assert.equal(bytes.byteLength, a.rec.snapshots.get(snapshot.checksum)?.byteLength)
    assert.equal(head?.checksum, headerOf(snapshot).checksum)
  })
})
