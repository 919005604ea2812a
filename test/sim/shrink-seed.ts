import type { InvariantName } from './invariants.ts'
import { type RunOptions, replayCommand, scheduleFor } from './runner.ts'
import type { Schedule } from './schedule-types.ts'
import { type ShrinkLimits, shrink } from './shrink.ts'
import { type SimulationResult, simulate } from './simulate.ts'

export interface ShrunkSeed {
  readonly seed: number
  /** The invariant every candidate had to keep breaking: the run's first violation. */
  readonly invariant: InvariantName
  /** The generated schedule, all steps, whose indices `kept` names. */
  readonly full: Schedule
  /** Steps the failing run had (fewer than `full` when it was itself an `--only` replay). */
  readonly from: number
  /** Indices into `full.steps` of the steps kept. */
  readonly kept: readonly number[]
  readonly runs: number
  /** False when the time or run budget stopped the search early. */
  readonly complete: boolean
  /** What replays the shrunk schedule: `options` with `only` set to `kept`. */
  readonly options: RunOptions
}

/**
 * Shrinks the failing run `result` of `options` to the fewest steps that
 * still break the same invariant (not merely some invariant: a different
 * failure found on the way would be a different bug). The indices returned
 * are those of the generated schedule, which is what `--only` takes.
 */
export function shrinkSeed(
  result: SimulationResult,
  options: RunOptions,
  limits: ShrinkLimits = {},
): ShrunkSeed {
  const invariant = result.violations[0]?.invariant
  if (invariant === undefined)
    throw new Error(`seed ${result.seed} did not fail: nothing to shrink`)
  const full = scheduleFor(result.seed, { ...options, only: undefined })
  const base = options.only ?? full.steps.map((_, index) => index)
  const start = scheduleFor(result.seed, { ...options, only: base })
  const fails = (candidate: Schedule) =>
    simulate(candidate, options.simulation).violations.some((v) => v.invariant === invariant)
  const shrunk = shrink(start, fails, limits)
  const kept = shrunk.kept.map((index) => base[index] as number)
  return {
    seed: result.seed,
    invariant,
    full,
    from: start.steps.length,
    kept,
    runs: shrunk.runs,
    complete: shrunk.complete,
    options: { ...options, only: kept },
  }
}

/** The one-line account of a shrink, ending with the command that replays it traced. */
export function describeShrunk(shrunk: ShrunkSeed): string {
  const { seed, from, kept, runs, invariant, complete } = shrunk
  const cut = complete ? '' : ', stopped by its budget'
  const command = `${replayCommand(seed, shrunk.options)} --trace`
  return `shrunk seed ${seed} from ${from} to ${kept.length} steps (${runs} runs${cut}), still breaking ${invariant}: ${command}`
}
