import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { headerOf } from '../../src/snapshot/snapshot.ts'
import { ofType, source, T0, TestEngine, types, version } from './harness.ts'

describe('twins: same checksum, different vectors', () => {
  it('settle silently on the winner: no fetch, no apply, no conflict', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    a.edit(2)
    const twin = version('b', 2, { b: 1 }, T0 + 60_000)
    const actions = a.announce('b', twin)
    assert.deepEqual(types(actions), ['persist', 'settle', 'announce'])
    assert.equal(a.engine.head?.origin, 'b')
  })

  it('settle twins from genesis files alike: a new node adopts the cluster head silently', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    const actions = a.announce('b', version('b', 1, {}, 0))
    assert.deepEqual(ofType(actions, 'fetch'), [])
    assert.deepEqual(ofType(actions, 'apply'), [])
  })
})

describe('fetching', () => {
  const wanted = version('b', 2, { b: 1 }, T0 + 10)

  it('fetches from the peer that announced', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    assert.deepEqual(ofType(a.announce('b', wanted), 'fetch'), [
      { type: 'fetch', peer: 'b', checksum: wanted.checksum },
    ])
  })

  it('asks another provider when one fails', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    a.announce('b', wanted)
    assert.deepEqual(ofType(a.announce('c', wanted), 'fetch'), [])
    const retry = a.handle({
      type: 'fetch-failed',
      from: 'b',
      checksum: wanted.checksum,
      reason: 'busy',
    })
    assert.equal(ofType(retry, 'fetch')[0]?.peer, 'c')
  })

  it('gives up on a fetch that times out and asks another provider', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    a.announce('b', wanted)
    a.announce('c', wanted)
    assert.deepEqual(ofType(a.tick(4999), 'fetch'), [])
    assert.equal(ofType(a.tick(1), 'fetch')[0]?.peer, 'c')
  })

  it('refuses an invalid snapshot and never fetches that checksum again', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    const invalid = version('b', -1, { b: 1 }, T0 + 10)
    const actions = a.receive('b', invalid)
    assert.match(ofType(actions, 'refuse')[0]?.reason ?? '', /invalid configuration: version/)
    assert.deepEqual(ofType(a.announce('c', invalid), 'fetch'), [])
    assert.equal(a.engine.head?.text, source(1).text)
  })

  it('refuses once, and never fetches again, a version too large for this node (F19)', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    a.announce('b', wanted)
    const reason = 'snapshot of 300000 bytes is over maxSnapshotBytes 65536'
    const failed = { type: 'fetch-failed', from: 'b', checksum: wanted.checksum, reason } as const
    assert.deepEqual(types(a.handle({ ...failed, permanent: true })), ['refuse'])
    assert.deepEqual(a.announce('c', wanted), [])
    assert.deepEqual(
      a.tick(60_000).filter((action) => action.type !== 'announce'),
      [],
    )
  })

  it('refuses a snapshot that fails verification, and asks someone else', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    a.announce('b', wanted)
    a.announce('c', wanted)
    const corrupt = { ...wanted, text: 'version = 666\n' }
    const actions = a.handle({ type: 'fetched', from: 'b', snapshot: corrupt })
    assert.match(ofType(actions, 'refuse')[0]?.reason ?? '', /text hashes to/)
    assert.equal(ofType(actions, 'fetch')[0]?.peer, 'c')
    assert.equal(a.engine.head?.text, source(1).text)
  })

  it('takes a lesser version meanwhile when the best one is never served', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    const hostile = version('x', 9, { x: 1 }, T0 + 3_600_000)
    assert.equal(ofType(a.announce('x', hostile), 'fetch')[0]?.peer, 'x')
    a.announce('b', wanted)
    assert.equal(ofType(a.tick(5000), 'fetch')[0]?.peer, 'b')
    a.handle({ type: 'fetched', from: 'b', snapshot: wanted })
    assert.equal(a.engine.head?.checksum, wanted.checksum)
  })

  it('does not let peers that never answer keep the fetch slot with new announcements', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    a.announce('x', version('x', 8, { x: 1 }, T0 + 3_600_000))
    a.announce('y', version('y', 9, { y: 1 }, T0 + 3_600_000))
    a.tick(5000) // x timed out; y is asked
    a.announce('b', wanted)
    a.announce('x', version('x', 7, { x: 2 }, T0 + 3_700_000))
    // y times out: b (never struck) goes before x, which announced a newer winner meanwhile.
    assert.equal(ofType(a.tick(5000), 'fetch')[0]?.peer, 'b')
  })

  it('forgets a provider that disconnects', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    a.announce('b', wanted)
    a.handle({ type: 'peer-disconnected', peer: 'b' })
    assert.deepEqual(ofType(a.tick(10_000), 'fetch'), [])
    assert.equal(a.engine.status().wanted, undefined)
  })

  it('asks a newly connected peer for its head', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    assert.deepEqual(a.handle({ type: 'peer-connected', peer: 'b' }), [
      { type: 'request-head', peer: 'b' },
    ])
  })
})

describe('conflicts', () => {
  it('reports a concurrent version fetched after the head moved past it', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    const peer = version('b', 2, { b: 1 }, T0 + 10)
    a.announce('b', peer)
    a.edit(3)
    const actions = a.handle({ type: 'fetched', from: 'b', snapshot: peer })
    assert.equal(ofType(actions, 'conflict')[0]?.report.loser.checksum, peer.checksum)
    assert.deepEqual(ofType(actions, 'apply'), [])
  })

  it('reports equal vectors with different content (F21), and picks one winner', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    const other = version('b', 2, {}, 0)
    const actions = a.announce('b', other)
    const [conflict] = ofType(actions, 'conflict')
    assert.equal(conflict?.report.kind, 'equal-vectors')
    assert.equal(conflict?.report.winner.origin, 'b')
  })

  it('reports each conflict once however often it is announced', () => {
    const a = new TestEngine('a', { init: { writeBack: false } })
    a.start(source(1))
    a.edit(2)
    const peer = version('b', 3, { b: 1 }, T0 - 1000)
    assert.equal(ofType(a.announce('b', peer), 'conflict').length, 1)
    assert.equal(ofType(a.announce('c', peer), 'conflict').length, 0)
    assert.equal(
      ofType(a.handle({ type: 'fetched', from: 'b', snapshot: peer }), 'conflict').length,
      0,
    )
  })

  it('refuses an announcement whose signature is not its origin', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    const head = { ...headerOf(version('b', 2, { b: 1 }, T0 + 10)), origin: 'c' }
    const actions = a.handle({
      type: 'announcement',
      from: 'b',
      head: { ...head, stamp: { ...head.stamp, node: 'c' } },
    })
    assert.deepEqual(types(actions), ['refuse'])
  })
})

describe('clock stamps from the future', () => {
  const YEAR_MS = 365 * 86_400_000

  it('refuses an announcement stamped beyond the lead limit, without moving its clock', () => {
    const a = new TestEngine('a', { init: { maxClockAheadMs: 3_600_000 } })
    a.start(source(1))
    const future = version('b', 2, { b: 1 }, T0 + YEAR_MS)
    const actions = a.announce('b', future)
    assert.deepEqual(types(actions), ['refuse'])
    assert.match(
      ofType(actions, 'refuse')[0]!.reason,
      /ahead of this node's clock \(limit 3600000 ms\)/,
    )
    // The next local edit is stamped by this node's own clock, not a year ahead.
    a.edit(3)
    assert.equal(a.engine.head?.stamp.wallMs, T0)
  })

  it('refuses a fetched snapshot stamped too far ahead; the head stays', () => {
    const a = new TestEngine('a', { init: { maxClockAheadMs: 3_600_000 } })
    a.start(source(1))
    const near = version('b', 2, { b: 1 }, T0 + 1_000)
    a.announce('b', near)
    const future = { ...version('b', 2, { b: 1 }, T0 + YEAR_MS) }
    const actions = a.handle({ type: 'fetched', from: 'b', snapshot: future })
    assert.match(ofType(actions, 'refuse')[0]?.reason ?? '', /ahead of this node's clock/)
    assert.equal(a.engine.head?.text, source(1).text)
  })

  it('takes a version an hour ahead with the default limit, so honest skew still syncs', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    const hourAhead = version('b', 2, { b: 1 }, T0 + 3_600_000)
    const actions = a.receive('b', hourAhead)
    assert.equal(ofType(actions, 'apply')[0]?.snapshot.checksum, hourAhead.checksum)
    // Witnessed: an edit made after seeing it beats it, though this clock is an hour behind.
    a.edit(3)
    assert.ok(a.engine.head!.stamp.wallMs >= hourAhead.stamp.wallMs)
    assert.equal(a.engine.head?.text, source(3).text)
  })
})
