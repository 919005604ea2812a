import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  compareVectors,
  dominates,
  EMPTY_VECTOR,
  mergeVectors,
  type VersionVector,
  vectorProblem,
  withEntry,
} from '../../src/snapshot/version-vector.ts'

const nodes = ['a', 'b', 'c', 'd']
const vectorArb: fc.Arbitrary<VersionVector> = fc
  .dictionary(fc.constantFrom(...nodes), fc.nat({ max: 4 }))
  .map((entries) => Object.freeze({ ...entries }))

describe('compareVectors', () => {
  it('answers equal for the same counts, with absent entries counting as 0', () => {
    assert.equal(compareVectors({ a: 1, b: 0 }, { a: 1 }), 'equal')
    assert.equal(compareVectors(EMPTY_VECTOR, {}), 'equal')
  })

  it('answers before when the other has seen everything and more', () => {
    assert.equal(compareVectors({ a: 1 }, { a: 1, b: 1 }), 'before')
    assert.equal(compareVectors(EMPTY_VECTOR, { a: 1 }), 'before')
  })

  it('answers after when it has seen everything the other has and more', () => {
    assert.equal(compareVectors({ a: 2, b: 1 }, { a: 1, b: 1 }), 'after')
    assert.ok(dominates({ a: 2, b: 1 }, { a: 1, b: 1 }))
  })

  it('answers concurrent when each is ahead somewhere', () => {
    assert.equal(compareVectors({ a: 2 }, { a: 1, b: 1 }), 'concurrent')
    assert.ok(!dominates({ a: 2 }, { a: 1, b: 1 }))
  })

  it('is antisymmetric: swapping the arguments mirrors the answer', () => {
    const mirror = { equal: 'equal', before: 'after', after: 'before', concurrent: 'concurrent' }
    fc.assert(
      fc.property(vectorArb, vectorArb, (x, y) => {
        assert.equal(compareVectors(y, x), mirror[compareVectors(x, y)])
      }),
    )
  })

  it('is transitive for before', () => {
    fc.assert(
      fc.property(vectorArb, vectorArb, vectorArb, (x, y, z) => {
        fc.pre(compareVectors(x, y) === 'before' && compareVectors(y, z) === 'before')
        assert.equal(compareVectors(x, z), 'before')
      }),
    )
  })
})

describe('mergeVectors', () => {
  it('takes the entry-wise maximum', () => {
    assert.deepEqual(mergeVectors({ a: 2, b: 1 }, { b: 3, c: 1 }), { a: 2, b: 3, c: 1 })
  })

  it('dominates or equals both inputs, whatever they are', () => {
    fc.assert(
      fc.property(vectorArb, vectorArb, (x, y) => {
        const merged = mergeVectors(x, y)
        assert.ok(['after', 'equal'].includes(compareVectors(merged, x)))
        assert.ok(['after', 'equal'].includes(compareVectors(merged, y)))
      }),
    )
  })

  it('is commutative and idempotent', () => {
    fc.assert(
      fc.property(vectorArb, vectorArb, (x, y) => {
        assert.equal(compareVectors(mergeVectors(x, y), mergeVectors(y, x)), 'equal')
        assert.equal(compareVectors(mergeVectors(x, x), x), 'equal')
      }),
    )
  })
})

describe('withEntry', () => {
  it('sets one entry and dominates the vector it came from', () => {
    const next = withEntry({ a: 1 }, 'b', 1)
    assert.deepEqual(next, { a: 1, b: 1 })
    assert.ok(dominates(next, { a: 1 }))
    assert.ok(Object.isFrozen(next))
  })

  it('keeps keys sorted, so equal vectors encode to equal bytes', () => {
    assert.deepEqual(Object.keys(withEntry({ c: 1, a: 1 }, 'b', 2)), ['a', 'b', 'c'])
  })

  it('refuses to move an entry backwards', () => {
    assert.throws(() => withEntry({ a: 3 }, 'a', 2), RangeError)
    assert.throws(() => withEntry({}, 'a', 1.5), RangeError)
  })
})

describe('vectorProblem', () => {
  it('accepts a map of ids to non-negative integers', () => {
    assert.equal(vectorProblem({ a: 1, b: 0 }, 8), undefined)
  })

  it('names what is wrong with anything else', () => {
    assert.match(vectorProblem([1], 8) ?? '', /not an object/)
    assert.match(vectorProblem({ a: -1 }, 8) ?? '', /entry a/)
    assert.match(vectorProblem({ a: '1' }, 8) ?? '', /entry a/)
    assert.match(vectorProblem({ a: 1, b: 1, c: 1 }, 2) ?? '', /3 entries, more than 2/)
    assert.match(vectorProblem({ '': 1 }, 8) ?? '', /length 0/)
  })
})
