import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  type ClockStamp,
  compareStamps,
  genesisStamp,
  HybridClock,
  MAX_CLOCK_COUNTER,
  stampAhead,
  stampProblem,
} from '../../src/snapshot/clock.ts'

const HOUR = 3_600_000
const T0 = 1_700_000_000_000

describe('HybridClock', () => {
  it('ticks monotonically even when the wall clock stands still or goes back', () => {
    let wall = T0
    const clock = new HybridClock('a', () => wall)
    const first = clock.tick()
    const second = clock.tick()
    wall -= 10_000
    const third = clock.tick()
    assert.ok(compareStamps(second, first) > 0)
    assert.ok(compareStamps(third, second) > 0)
  })

  it('ticks above a stamp it has witnessed', () => {
    const clock = new HybridClock('a', () => T0)
    const remote: ClockStamp = { wallMs: T0 + 5, counter: 7, node: 'z' }
    clock.witness(remote)
    assert.ok(compareStamps(clock.tick(), remote) > 0)
  })

  it('ticks above a stamp an hour ahead, even from a clock an hour behind (F23)', () => {
    const fast = new HybridClock('a', () => T0 + HOUR)
    const slow = new HybridClock('b', () => T0 - HOUR)
    const edit = fast.tick()
    slow.witness(edit)
    const later = slow.tick()
    assert.ok(compareStamps(later, edit) > 0)
  })

  it('reads without advancing', () => {
    const clock = new HybridClock('a', () => T0)
    const stamp = clock.tick()
    assert.deepEqual(clock.now(), stamp)
    assert.deepEqual(clock.now(), stamp)
  })

  it('keeps every tick above every earlier tick and every witnessed stamp', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('tick' as const),
        wallDelta: fc.integer({ min: -HOUR, max: HOUR }),
      }),
      fc.record({
        kind: fc.constant('witness' as const),
        wallMs: fc.integer({ min: T0 - 2 * HOUR, max: T0 + 2 * HOUR }),
        counter: fc.nat({ max: 5 }),
      }),
    )
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let wall = T0
        const clock = new HybridClock('a', () => wall)
        let floor: ClockStamp = genesisStamp('a')
        for (const s of steps) {
          if (s.kind === 'witness') {
            const stamp = { wallMs: s.wallMs, counter: s.counter, node: 'z' }
            clock.witness(stamp)
            if (compareStamps(stamp, floor) > 0) floor = stamp
          } else {
            wall += s.wallDelta
            const stamp = clock.tick()
            assert.ok(compareStamps(stamp, floor) > 0)
            floor = stamp
          }
        }
      }),
    )
  })
})

describe('stamps', () => {
  it('orders by wall time, then counter, then node', () => {
    const a = { wallMs: 1, counter: 9, node: 'z' }
    const b = { wallMs: 2, counter: 0, node: 'a' }
    assert.ok(compareStamps(a, b) < 0)
    assert.ok(compareStamps({ ...b, counter: 1 }, b) > 0)
    assert.ok(compareStamps({ ...b, node: 'b' }, b) > 0)
    assert.equal(compareStamps(b, { ...b }), 0)
  })

  it('puts genesis below every real stamp', () => {
    assert.ok(compareStamps(genesisStamp('z'), { wallMs: 1, counter: 0, node: 'a' }) < 0)
  })

  it('refuses stamps from outside that are not stamps, naming the field', () => {
    assert.equal(stampProblem({ wallMs: 1, counter: 0, node: 'a' }), undefined)
    assert.match(stampProblem({ wallMs: -1, counter: 0, node: 'a' }) ?? '', /wallMs/)
    assert.match(stampProblem({ wallMs: 1, counter: 0.5, node: 'a' }) ?? '', /counter/)
    assert.match(stampProblem({ wallMs: 1, counter: 0, node: '' }) ?? '', /node/)
    assert.match(stampProblem(null) ?? '', /not an object/)
  })
})

describe('bounds on received stamps', () => {
  it('stampAhead names the lead past the limit, and nothing within it', () => {
    const stamp = { wallMs: 10_000, counter: 0, node: 'n' }
    assert.equal(stampAhead(stamp, 9_000, 1_000), undefined)
    assert.match(stampAhead(stamp, 8_999, 1_000) ?? '', /1001 ms ahead .*limit 1000 ms.*node n/)
  })

  it('a counter beyond the bound is not a stamp, so no clock can be pushed past exact integers', () => {
    assert.equal(stampProblem({ wallMs: 1, counter: MAX_CLOCK_COUNTER, node: 'n' }), undefined)
    assert.match(
      stampProblem({ wallMs: 1, counter: MAX_CLOCK_COUNTER + 1, node: 'n' }) ?? '',
      /counter is over/,
    )
  })
})
