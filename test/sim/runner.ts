import { type GenerateOptions, generateSchedule } from './schedule.ts'
import type { Schedule } from './schedule-types.ts'
import { select } from './shrink.ts'
import { type SimulationOptions, type SimulationResult, simulate } from './simulate.ts'

/** Everything that decides a run besides its seed: what a replay command must repeat. */
export interface RunOptions {
  readonly generate: GenerateOptions
  readonly simulation: SimulationOptions
  /** Only these step indices of the generated schedule (a shrunk replay). */
  readonly only?: readonly number[]
}

export function scheduleFor(seed: number, options: RunOptions): Schedule {
  const schedule = generateSchedule(seed, options.generate)
  return options.only === undefined ? schedule : select(schedule, options.only)
}

export function runSeed(seed: number, options: RunOptions): SimulationResult {
  return simulate(scheduleFor(seed, options), options.simulation)
}

/** The command that replays `seed` with `options`. */
export function replayCommand(seed: number, options: RunOptions): string {
  const { generate, simulation, only } = options
  const parts = ['npm run sim --', `--seed ${seed}`]
  if (generate.minNodes !== undefined || generate.maxNodes !== undefined) {
    parts.push(`--nodes ${generate.minNodes ?? 3}-${generate.maxNodes ?? 7}`)
  }
  if (generate.minSteps !== undefined || generate.maxSteps !== undefined) {
    parts.push(`--steps ${generate.minSteps ?? 4}-${generate.maxSteps ?? 24}`)
  }
  if (generate.durationMs !== undefined) parts.push(`--duration ${generate.durationMs}`)
  if (simulation.crypto !== undefined && simulation.crypto !== 'hmac') {
    parts.push(`--crypto ${simulation.crypto}`)
  }
  if (only !== undefined) parts.push(`--only ${only.length === 0 ? 'none' : only.join(',')}`)
  return parts.join(' ')
}
