import type { Schedule } from './schedule-types.ts'

export interface ShrinkLimits {
  /** Most candidate schedules run. @default 400 */
  readonly maxRuns?: number
  /**
   * Wall-clock budget in ms: no candidate is started after it runs out, so a
   * shrink inside `npm test` cannot hold the suite up for long. @default unlimited
   */
  readonly budgetMs?: number
  /** Clock for the budget, ms. @default performance.now */
  readonly now?: () => number
}

export interface ShrinkResult {
  readonly schedule: Schedule
  /** Indices, in the original schedule, of the steps kept: what `--only` replays. */
  readonly kept: readonly number[]
  readonly runs: number
  /** False when a limit stopped the search: fewer steps may still fail. */
  readonly complete: boolean
}

/**
 * Delta debugging (Zeller's ddmin, complements only) over a schedule's
 * steps: removes ever smaller chunks of steps while `fails` still holds,
 * then tries removing single steps until none can go. The seed stays the
 * same, so node set-up and network conditions do too; the random streams
 * are split per concern (see prng.ts) so removing a step disturbs the rest
 * of the run as little as it can. Every schedule returned has failed, so a
 * search cut short by its limits still returns a failing schedule.
 */
export function shrink(
  schedule: Schedule,
  fails: (candidate: Schedule) => boolean,
  limits: ShrinkLimits = {},
): ShrinkResult {
  const maxRuns = limits.maxRuns ?? 400
  const now = limits.now ?? (() => performance.now())
  const deadline = now() + (limits.budgetMs ?? Number.POSITIVE_INFINITY)
  let kept = schedule.steps.map((_, index) => index)
  let runs = 0
  let exhausted = false
  const attempt = (indices: number[]): boolean => {
    if (runs >= maxRuns || now() >= deadline) {
      exhausted = true
      return false
    }
    runs++
    return fails(select(schedule, indices))
  }
  if (attempt([])) return { schedule: select(schedule, []), kept: [], runs, complete: true }
  let chunks = 2
  while (kept.length >= 2 && !exhausted) {
    const size = Math.ceil(kept.length / chunks)
    let reduced = false
    for (let start = 0; start < kept.length && !exhausted; start += size) {
      const complement = [...kept.slice(0, start), ...kept.slice(start + size)]
      if (complement.length > 0 && attempt(complement)) {
        kept = complement
        chunks = Math.max(chunks - 1, 2)
        reduced = true
        break
      }
    }
    if (!reduced) {
      if (size === 1) break
      chunks = Math.min(chunks * 2, kept.length)
    }
  }
  return { schedule: select(schedule, kept), kept, runs, complete: !exhausted }
}

/** The schedule with only the steps at `indices` (indices into `schedule.steps`). */
export function select(schedule: Schedule, indices: readonly number[]): Schedule {
  const steps = indices.map((index) => schedule.steps[index]).filter((step) => step !== undefined)
  return { ...schedule, steps }
}
