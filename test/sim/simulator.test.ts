import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatViolation } from './invariants.ts'
import { type RunOptions, replayCommand, runSeed, scheduleFor } from './runner.ts'
import { shrink } from './shrink.ts'
import { EPOCH_MS, type SimulationResult } from './simulate.ts'

const DEFAULTS: RunOptions = { generate: {}, simulation: {} }

/** Seeds run on every `npm test`; `npm run sim -- --seeds N` runs as many as you like. */
const SEEDS = 1000

function failures(results: readonly SimulationResult[], options = DEFAULTS): string {
  return results
    .filter((result) => result.violations.length > 0)
    .map((result) => {
      const lines = result.violations.map((v) => `  ${formatViolation(v, EPOCH_MS)}`)
      return [...lines, `  replay: ${replayCommand(result.seed, options)}`].join('\n')
    })
    .join('\n')
}

describe('simulated clusters', () => {
  it(`keep every invariant on seeds 1..${SEEDS}`, () => {
    const results: SimulationResult[] = []
    for (let seed = 1; seed <= SEEDS; seed++) results.push(runSeed(seed, DEFAULTS))
    const report = failures(results)
    assert.equal(report, '', `invariants broken:\n${report}`)
    // The runs must exercise what the invariants are about.
    const conflicts = results.reduce((sum, r) => sum + r.stats.conflicts.concurrent, 0)
    const refusals = results.reduce((sum, r) => sum + r.stats.refusals, 0)
    assert.ok(conflicts > 0 && refusals > 0)
  })

  it('keep every invariant with 20 to 25 nodes, on seeds 1..40', () => {
    // Large clusters are slow to simulate (about 10 schedules a second), so
    // fewer seeds; `npm run sim -- --seeds N --nodes 20-25` runs more.
    const options: RunOptions = { generate: { minNodes: 20, maxNodes: 25 }, simulation: {} }
    const results: SimulationResult[] = []
    for (let seed = 1; seed <= 40; seed++) {
      const { nodes } = scheduleFor(seed, options)
      assert.ok(nodes.length >= 20 && nodes.length <= 25, `seed ${seed}: ${nodes.length} nodes`)
      results.push(runSeed(seed, options))
    }
    const report = failures(results, options)
    assert.equal(report, '', `invariants broken:\n${report}`)
  })

  it('are deterministic: a seed replays to the same result', () => {
    assert.deepEqual(runSeed(4242, DEFAULTS), runSeed(4242, DEFAULTS))
  })
})

/**
 * Schedules that broke an invariant before the engine fix named in each test,
 * shrunk to the steps that still broke it (replay with `npm run sim -- --seed
 * N --only ... --trace`). The full seed runs too.
 */
const REGRESSIONS: ReadonlyArray<{ name: string; seed: number; only: number[] }> = [
  {
    // A peer announcing winning versions it serves corrupt held every node's one
    // fetch slot: lesser versions that beat the head were never fetched.
    name: 'a peer that never serves its winning version does not stop convergence',
    seed: 14,
    only: [0, 1],
  },
  {
    // A fetched version that no longer beat the head (a local edit came first)
    // was dropped without reporting the conflict between the two.
    name: 'a concurrent version fetched after the head moved on is reported',
    seed: 76,
    only: [2, 3],
  },
  {
    // A node whose edit lost a conflict counted its next edit from the winner's
    // vector, publishing two different edits under one (node, count).
    name: 'an edit count is never reused after losing a conflict',
    seed: 12,
    only: [3, 4, 7],
  },
  {
    // A write-back skipped because the file had changed under it was never
    // tried again: the file stayed behind the head for good.
    name: 'a write-back that failed is retried, so the file ends holding the head',
    seed: 126,
    only: [4, 5, 6, 7, 8],
  },
  {
    // A write-back whose echo the watcher folded into a person's save stayed
    // expected for ever; 14 s later the person saved that text, and it was
    // taken for the echo: the edit was swallowed.
    name: 'a save of a written-back text long after the write is an edit',
    seed: 7441,
    only: [0, 1, 2, 3, 4, 8],
  },
]

describe('regressions found by the simulator', () => {
  for (const { name, seed, only } of REGRESSIONS) {
    it(`${name} (seed ${seed})`, () => {
      for (const options of [{ ...DEFAULTS, only }, DEFAULTS]) {
        const result = runSeed(seed, options)
        assert.equal(failures([result]), '', `replay: ${replayCommand(seed, options)}`)
      }
    })
  }
})

describe('shrinking', () => {
  it('keeps only the steps a failure needs', () => {
    const schedule = scheduleFor(3, DEFAULTS)
    assert.ok(schedule.steps.length >= 4)
    const needed = [schedule.steps[1], schedule.steps[3]]
    const shrunk = shrink(schedule, (candidate) =>
      needed.every((s) => candidate.steps.includes(s!)),
    )
    assert.deepEqual(shrunk.kept, [1, 3])
  })
})
