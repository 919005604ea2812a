import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SyncEngine } from '../../src/engine/engine.ts'
import type { EngineAction, EngineEvent } from '../../src/engine/types.ts'
import type { InvariantName } from './invariants.ts'
import { type RunOptions, runSeed } from './runner.ts'
import { describeShrunk, shrinkSeed } from './shrink-seed.ts'
import type { SimulationResult } from './simulate.ts'

/**
 * The simulator is only worth its green runs if it goes red when the engine
 * is wrong. Each engine here breaks one promise on purpose; the simulator
 * must catch it within a few seeds, name the promise, and shrink the failing
 * schedule to a handful of steps that fail the same way.
 */

/** Never reports a conflict: concurrent edits are resolved silently. */
class SilentEngine extends SyncEngine {
  override handle(event: EngineEvent): EngineAction[] {
    return super.handle(event).filter((action) => action.type !== 'conflict')
  }
}

/** Never persists: a restart with its state directory kept forgets its head. */
class AmnesiacEngine extends SyncEngine {
  override handle(event: EngineEvent): EngineAction[] {
    return super.handle(event).filter((action) => action.type !== 'persist')
  }
}

/** Ignores every announcement, including the heads a new peer sends. */
class DeafEngine extends SyncEngine {
  override handle(event: EngineEvent): EngineAction[] {
    return event.type === 'announcement' ? [] : super.handle(event)
  }
}

/** Witnesses any stamp however far ahead: one peer a year fast drags every clock with it. */
class CredulousEngine extends SyncEngine {
  constructor(...[init, components, restored]: ConstructorParameters<typeof SyncEngine>) {
    super({ ...init, maxClockAheadMs: Number.MAX_SAFE_INTEGER }, components, restored)
  }
}

const BROKEN: ReadonlyArray<{ Engine: typeof SyncEngine; breaks: InvariantName }> = [
  { Engine: CredulousEngine, breaks: 'bounded-clock' },
  { Engine: SilentEngine, breaks: 'conflict-reported' },
  { Engine: AmnesiacEngine, breaks: 'head-monotonic' },
]

function breaks(result: SimulationResult, invariant: InvariantName): boolean {
  return result.violations.some((v) => v.invariant === invariant)
}

/**
 * The first seed from 1, within `limit`, whose run breaks `invariant` while
 * its set-up alone (no steps) does not: some seeds deploy nodes with
 * different genesis files, which a broken engine can fail on before any
 * step, and shrinking those proves nothing about the shrinker.
 */
function firstFailing(options: RunOptions, invariant: InvariantName, limit: number) {
  for (let seed = 1; seed <= limit; seed++) {
    const result = runSeed(seed, options)
    if (breaks(result, invariant) && !breaks(runSeed(seed, { ...options, only: [] }), invariant)) {
      // The shrinker keeps the first violation's invariant: make it this one.
      return { ...result, violations: result.violations.filter((v) => v.invariant === invariant) }
    }
  }
  return undefined
}

describe('the simulator catches a broken engine', () => {
  for (const { Engine, breaks: invariant } of BROKEN) {
    it(`${Engine.name} breaks ${invariant}, shrunk to a replayable schedule`, () => {
      const options: RunOptions = { generate: {}, simulation: { Engine } }
      const failing = firstFailing(options, invariant, 100)
      assert.ok(failing !== undefined, `no seed in 1..100 broke ${invariant}`)

      const shrunk = shrinkSeed(failing, options, { budgetMs: 30_000 })
      const account = describeShrunk(shrunk)
      assert.equal(shrunk.invariant, invariant)
      assert.ok(shrunk.complete, account)
      assert.ok(shrunk.kept.length > 0 && shrunk.kept.length < shrunk.from, account)
      assert.match(account, /npm run sim -- --seed \d+ --only [\d,]+ --trace$/)

      // The shrunk schedule still fails the same way, and it is 1-minimal:
      // without any one of its steps it no longer does.
      assert.ok(breaks(runSeed(shrunk.seed, shrunk.options), invariant), account)
      for (const step of shrunk.kept) {
        const only = shrunk.kept.filter((kept) => kept !== step)
        const without = runSeed(shrunk.seed, { ...shrunk.options, only })
        assert.ok(!breaks(without, invariant), `${account}; still fails without step ${step}`)
      }

      // The real engine keeps every promise on the same schedule.
      const fixed = runSeed(shrunk.seed, { ...shrunk.options, simulation: {} })
      assert.deepEqual(fixed.violations, [], account)
    })
  }
})

describe('convergence is checked', () => {
  it('an engine deaf to announcements fails it on the first seed', () => {
    const result = runSeed(1, { generate: {}, simulation: { Engine: DeafEngine } })
    assert.ok(breaks(result, 'convergence'))
    assert.deepEqual(runSeed(1, { generate: {}, simulation: {} }).violations, [])
  })
})
