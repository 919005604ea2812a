import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FetchPlanner } from '../../src/engine/fetch-planner.ts'
import { headerOf } from '../../src/snapshot/snapshot.ts'
import { T0, version } from './harness.ts'

const older = headerOf(version('b', 1, { b: 1 }, T0 + 10))
const newer = headerOf(version('b', 2, { b: 2 }, T0 + 20))
const other = headerOf(version('c', 3, { c: 1 }, T0 + 15))

describe('FetchPlanner', () => {
  it('keeps one offer per peer, its latest head, whatever order announcements arrive in', () => {
    const planner = new FetchPlanner()
    planner.offer(newer, 'b')
    planner.offer(older, 'b')
    assert.equal(planner.wanted?.checksum, newer.checksum)
    assert.deepEqual(planner.next(T0, 5000), { peer: 'b', checksum: newer.checksum })
  })

  it('fetches the best version some provider can be asked for now', () => {
    const planner = new FetchPlanner()
    planner.offer(newer, 'b')
    planner.offer(other, 'c')
    planner.fail('b', newer.checksum, T0 + 1000)
    assert.deepEqual(planner.next(T0, 5000), { peer: 'c', checksum: other.checksum })
    planner.settle('c', other.checksum)
    assert.deepEqual(planner.next(T0 + 1000, 5000), { peer: 'b', checksum: newer.checksum })
  })

  it('asks struck providers only after the others, the one struck longest ago first', () => {
    const planner = new FetchPlanner()
    planner.offer(newer, 'x')
    planner.offer(other, 'y')
    planner.offer(older, 'b')
    planner.bench('x', T0 + 100)
    planner.bench('y', T0 + 200)
    assert.equal(planner.next(T0 + 300, 5000)?.peer, 'b')
    planner.settle('b', older.checksum)
    planner.dropUnless((offered) => offered.checksum !== older.checksum)
    assert.equal(planner.next(T0 + 300, 5000)?.peer, 'x')
    planner.served('x')
    planner.settle('x', newer.checksum)
    assert.equal(planner.next(T0 + 300, 5000)?.peer, 'x')
  })

  it('wakes when a skipped provider may be asked again', () => {
    const planner = new FetchPlanner()
    planner.offer(newer, 'b')
    planner.fail('b', newer.checksum, T0 + 1000)
    assert.equal(planner.next(T0, 5000), undefined)
    assert.equal(planner.nextWakeAt(), T0 + 1000)
  })

  it('reports the fetch in flight as expired at its deadline', () => {
    const planner = new FetchPlanner()
    planner.offer(newer, 'b')
    planner.next(T0, 5000)
    assert.equal(planner.expired(T0 + 4999), undefined)
    assert.deepEqual(planner.expired(T0 + 5000), { peer: 'b', checksum: newer.checksum })
  })
})
