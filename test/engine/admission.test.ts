import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RefusedVersions } from '../../src/engine/admission.ts'

describe('refused versions', () => {
  it('says whether a checksum is new, and forgets the oldest past its capacity', () => {
    const refused = new RefusedVersions(2)
    assert.equal(refused.add('a'), true)
    assert.equal(refused.add('a'), false)
    refused.add('b')
    refused.add('c')
    assert.deepEqual(
      ['a', 'b', 'c'].map((checksum) => refused.has(checksum)),
      [false, true, true],
    )
  })
})
