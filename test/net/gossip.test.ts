import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { headsTopic, NetworkNotStartedError, peerIdOf } from '../../src/net/index.ts'
import { encode, encodeAnnouncement, headerOf } from '../../src/snapshot/index.ts'
import {
  announcementOf,
  Nodes,
  newKey,
  plainHeader,
  signedSnapshot,
  startPair,
  waitFor,
  waitForTopicPeer,
} from './helpers.ts'

const nodes = new Nodes()
afterEach(() => nodes.stopAll())

/** A bare libp2p node on the heads topic, connected to `b` once `b` has subscribed: a hostile peer. */
async function rawPublisherTo(b: Awaited<ReturnType<Nodes['start']>>) {
  const raw = await nodes.raw()
  const topic = headsTopic('test')
  raw.services.pubsub.subscribe(topic)
  await raw.dial(multiaddr(b.net.addresses()[0] as string))
  await waitFor(() => raw.services.pubsub.getSubscribers(topic).length === 1, 'B subscribed')
  return { raw, topic }
}

describe('announcements over gossipsub (TCP)', () => {
  it('delivers an announcement from A to B with an identical header', async () => {
    const [a, b] = await startPair(nodes)
    await waitForTopicPeer(a, b)
    const snapshot = signedSnapshot(a.key)

    await a.net.announce(announcementOf(a, snapshot))

    await waitFor(() => b.rec.announcements.length === 1, 'the announcement at B')
    const [received] = b.rec.announcements
    assert.equal(received?.from, a.net.peerId)
    assert.equal(received?.announcement.node, a.net.peerId)
    assert.deepEqual(plainHeader(received?.announcement.head), plainHeader(headerOf(snapshot)))
    assert.equal(b.net.stats().announcementsReceived, 1)
  })

  it('delivers an unchanged periodic announcement every time it is published (F18)', async () => {
    const [a, b] = await startPair(nodes)
    await waitForTopicPeer(a, b)
    const announcement = announcementOf(a, signedSnapshot(a.key))

    for (let i = 0; i < 3; i++) await a.net.announce(announcement)

    await waitFor(() => b.rec.announcements.length === 3, 'three deliveries at B')
    const bytes = b.rec.announcements.map((r) => encodeAnnouncement(r.announcement))
    assert.deepEqual(bytes[0], encodeAnnouncement(announcement))
    assert.deepEqual(bytes[1], bytes[0])
    assert.deepEqual(bytes[2], bytes[0])
  })

  it('resolves a publish on a lone node with no subscriber (F17)', async () => {
    const lone = await nodes.start()
    const rejections: unknown[] = []
    const onRejection = (reason: unknown) => rejections.push(reason)
    process.on('unhandledRejection', onRejection)
    try {
      await lone.net.announce(announcementOf(lone, signedSnapshot(lone.key)))
      await lone.net.announce(announcementOf(lone, signedSnapshot(lone.key)))
    } finally {
      process.off('unhandledRejection', onRejection)
    }
    assert.deepEqual(rejections, [])
  })

  it('refuses to announce for another node, and while stopped', async () => {
    const node = await nodes.start()
    const other = await newKey()
    await assert.rejects(
      node.net.announce({ node: peerIdOf(other), head: headerOf(signedSnapshot(other)) }),
      /announcement\.node/,
    )
    await node.net.stop()
    await assert.rejects(
      node.net.announce(announcementOf(node, signedSnapshot(node.key))),
      NetworkNotStartedError,
    )
  })

  it('drops undecodable gossip and reports it with the sender, without crashing', async () => {
    const b = await nodes.start()
    const { raw, topic } = await rawPublisherTo(b)

    await raw.services.pubsub.publish(topic, Uint8Array.from([0xc1, 0xff, 0x00]))
    await raw.services.pubsub.publish(topic, encode({ format: 99, node: raw.peerId.toString() }))

    await waitFor(() => b.rec.invalid.length === 2, 'two invalid messages at B')
    assert.deepEqual(
      b.rec.invalid.map((i) => i.from),
      [raw.peerId.toString(), raw.peerId.toString()],
    )
    assert.match(b.rec.invalid[1]?.error.message ?? '', /unknown format 99/)
    assert.equal(b.rec.announcements.length, 0)
    assert.equal(b.net.stats().invalidMessages, 2)
    assert.ok(b.log.said('invalid announcement dropped'))
  })

  it('refuses an announcement whose node is not its signed publisher', async () => {
    const b = await nodes.start()
    const victim = await newKey()
    const { raw, topic } = await rawPublisherTo(b)
    const snapshot = signedSnapshot(victim)

    await raw.services.pubsub.publish(
      topic,
      encodeAnnouncement({ node: snapshot.origin, head: headerOf(snapshot) }),
    )

    await waitFor(() => b.rec.invalid.length === 1, 'the forgery reported')
    assert.match(b.rec.invalid[0]?.error.message ?? '', /was published by/)
    assert.equal(b.rec.invalid[0]?.from, raw.peerId.toString())
    assert.equal(b.rec.announcements.length, 0)
  })

  it('refuses, and does not forward, a head whose origin signature does not verify', async () => {
    const b = await nodes.start()
    const origin = await newKey()
    const { raw, topic } = await rawPublisherTo(b)
    const header = headerOf(signedSnapshot(origin))
    const signature = header.signature.map((byte) => byte ^ 0xff)

    // Published as itself (a node may pass on another origin's head), but forged.
    await raw.services.pubsub.publish(
      topic,
      encodeAnnouncement({ node: raw.peerId.toString(), head: { ...header, signature } }),
    )

    await waitFor(() => b.rec.invalid.length === 1, 'the bad signature reported')
    assert.match(b.rec.invalid[0]?.error.message ?? '', /signature of [0-9a-f]{64} is not/)
    assert.equal(b.rec.announcements.length, 0)
  })
})
