import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { genesisStamp, HybridClock } from '../../src/snapshot/clock.ts'
import { beats, compareHeaders } from '../../src/snapshot/order.ts'
import type { SnapshotHeader } from '../../src/snapshot/snapshot.ts'
import { compareVectors, EMPTY_VECTOR, withEntry } from '../../src/snapshot/version-vector.ts'

const HOUR = 3_600_000
const T0 = 1_700_000_000_000

function header(partial: Pick<SnapshotHeader, 'stamp' | 'checksum' | 'vector'>): SnapshotHeader {
  return {
    ...partial,
    origin: partial.stamp.node,
    treeDigest: '0'.repeat(64),
    signature: new Uint8Array(),
  }
}

const headerArb = fc
  .record({
    wallMs: fc.nat({ max: 3 }),
    counter: fc.nat({ max: 2 }),
    node: fc.constantFrom('a', 'b'),
    checksum: fc.constantFrom('1'.repeat(64), '2'.repeat(64)),
  })
  .map(({ wallMs, counter, node, checksum }) =>
    header({ stamp: { wallMs, counter, node }, checksum, vector: EMPTY_VECTOR }),
  )

describe('the winner rule', () => {
  it('is a total order: antisymmetric, transitive, and 0 only for the same version', () => {
    fc.assert(
      fc.property(headerArb, headerArb, headerArb, (x, y, z) => {
        assert.ok(Math.sign(compareHeaders(x, y)) === -Math.sign(compareHeaders(y, x)))
        if (compareHeaders(x, y) > 0 && compareHeaders(y, z) > 0)
          assert.ok(compareHeaders(x, z) > 0)
        const same =
          x.stamp.wallMs === y.stamp.wallMs &&
          x.stamp.counter === y.stamp.counter &&
          x.origin === y.origin &&
          x.checksum === y.checksum
        assert.equal(compareHeaders(x, y) === 0, same)
      }),
    )
  })

  it('lets a real edit beat a genesis, whatever the genesis origin or content', () => {
    const genesis = header({ stamp: genesisStamp('zzz'), checksum: 'f'.repeat(64), vector: {} })
    const edit = header({
      stamp: { wallMs: 1, counter: 0, node: 'a' },
      checksum: '0'.repeat(64),
      vector: { a: 1 },
    })
    assert.ok(beats(edit, genesis))
  })

  /**
   * Nodes with clocks up to an hour apart edit, pass versions to each other
   * (witnessing their stamps and building on the winner), and let time pass.
   * Wherever the vectors order two versions, the winner rule must agree.
   */
  it('agrees with the vectors wherever they are ordered, when stamps come from witnessing clocks', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('edit' as const), node: fc.nat({ max: 2 }) }),
      fc.record({
        kind: fc.constant('send' as const),
        from: fc.nat({ max: 2 }),
        to: fc.nat({ max: 2 }),
      }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.nat({ max: 5000 }) }),
    )
    const skews = fc.array(fc.integer({ min: -HOUR, max: HOUR }), { minLength: 3, maxLength: 3 })
    fc.assert(
      fc.property(skews, fc.array(op, { maxLength: 60 }), (skew, ops) => {
        let t = 0
        const ids = ['a', 'b', 'c']
        const clocks = ids.map((id, i) => new HybridClock(id, () => T0 + (skew[i] ?? 0) + t))
        const heads: SnapshotHeader[] = ids.map((id) =>
          header({ stamp: genesisStamp(id), checksum: '0'.repeat(64), vector: EMPTY_VECTOR }),
        )
        const made: SnapshotHeader[] = []
        for (const o of ops) {
          if (o.kind === 'wait') t += o.ms
          else if (o.kind === 'edit') {
            const base = heads[o.node] as SnapshotHeader
            const id = ids[o.node] as string
            const vector = withEntry(base.vector, id, (base.vector[id] ?? 0) + 1)
            const stamp = (clocks[o.node] as HybridClock).tick()
            const edit = header({ stamp, vector, checksum: String(made.length).padStart(64, '0') })
            heads[o.node] = edit
            made.push(edit)
          } else {
            const sent = heads[o.from] as SnapshotHeader
            ;(clocks[o.to] as HybridClock).witness(sent.stamp)
            if (beats(sent, heads[o.to] as SnapshotHeader)) heads[o.to] = sent
          }
        }
        for (const x of made) {
          for (const y of made) {
            const causality = compareVectors(x.vector, y.vector)
            if (causality === 'before') assert.ok(compareHeaders(x, y) < 0)
            if (causality === 'after') assert.ok(compareHeaders(x, y) > 0)
          }
        }
      }),
    )
  })
})
