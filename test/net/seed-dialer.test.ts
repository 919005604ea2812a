import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { redialDelay } from '../../src/net/index.ts'

describe('seed redial backoff', () => {
  it('doubles from the minimum up to the cap', () => {
    const middle = () => 0.5
    const delays = [0, 1, 2, 3, 4, 5, 6, 40].map((n) => redialDelay(n, 250, 5000, middle))
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000])
  })

  it('jitters by a quarter either way, and never leaves [min, max]', () => {
    assert.equal(
      redialDelay(2, 250, 5000, () => 0),
      750,
    )
    assert.equal(
      redialDelay(2, 250, 5000, () => 0.999999),
      1250,
    )
    assert.equal(
      redialDelay(0, 250, 5000, () => 0),
      250,
    )
    assert.equal(
      redialDelay(10, 250, 5000, () => 0.999999),
      5000,
    )
    for (let attempt = 0; attempt < 50; attempt++) {
      const delay = redialDelay(attempt, 250, 5000, Math.random)
      assert.ok(delay >= 250 && delay <= 5000, String(delay))
    }
  })
})
