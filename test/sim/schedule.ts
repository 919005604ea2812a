import { TEXT_POOL_SIZE } from './content.ts'
import type { NetworkSetup } from './network.ts'
import { Prng } from './prng.ts'
import {
  BAD_PEER_KINDS,
  type NodeSetup,
  type Schedule,
  type Step,
  type StepKind,
} from './schedule-types.ts'

export interface GenerateOptions {
  /** @default 3 */
  minNodes?: number
  /** @default 7 */
  maxNodes?: number
  /** @default 4 */
  minSteps?: number
  /** @default 24 */
  maxSteps?: number
  /** Steps fall in [0, durationMs]; everything heals at durationMs. @default 60000 */
  durationMs?: number
}

const HOUR_MS = 3_600_000

/** Relative weights of the step kinds drawn (restarts and heals also follow crashes and partitions). */
const WEIGHTS: ReadonlyArray<readonly [StepKind | 'concurrent-edits', number]> = [
  ['edit', 30],
  ['concurrent-edits', 10],
  ['invalid-edit', 5],
  ['crash', 14],
  ['partition', 10],
  ['heal', 4],
  ['bad-peer', 4],
]

/**
 * The schedule of seed `seed`: a pure function of the seed and the options,
 * which is what makes `--seed N` replay a failure exactly.
 */
export function generateSchedule(seed: number, options: GenerateOptions = {}): Schedule {
  const rng = new Prng(seed).fork('schedule')
  const durationMs = options.durationMs ?? 60_000
  const count = rng.int(options.minNodes ?? 3, options.maxNodes ?? 7)
  const nodes = Array.from({ length: count }, (_, slot) => nodeSetup(rng, slot))
  const steps: Step[] = []
  let badPeers = 0
  const wanted = rng.int(options.minSteps ?? 4, options.maxSteps ?? 24)
  const slots = () => count + badPeers
  while (steps.length < wanted) {
    const at = rng.int(0, durationMs)
    const kind = weighted(rng)
    if (kind === 'bad-peer') {
      const drawn = rng.pick(BAD_PEER_KINDS)
      // Drawn from a stream of its own, so that adding this kind changed no earlier schedule.
      const farFuture = rng.fork(`far-future ${badPeers}`).chance(1 / 7)
      steps.push({ at, kind, peer: badPeers++, behaviour: farFuture ? 'far-future' : drawn })
    } else {
      steps.push(...drawSteps(rng, kind, at, count, slots(), durationMs))
    }
  }
  nodes.forEach((setup, node) => {
    if (setup.lateJoin) steps.push({ at: rng.int(1000, durationMs), kind: 'join', node })
  })
  // Partitions drawn before a bad peer existed must still say where it sits.
  const sized = steps.map((step) =>
    step.kind === 'partition' ? { ...step, groups: padGroups(step.groups, slots(), rng) } : step,
  )
  sized.sort((a, b) => a.at - b.at)
  return { seed, nodes, badPeers, network: networkSetup(rng), durationMs, steps: sized }
}

function nodeSetup(rng: Prng, slot: number): NodeSetup {
  return {
    skewMs: rng.chance(0.5) ? 0 : rng.int(-HOUR_MS, HOUR_MS),
    readOnly: rng.chance(0.1),
    // Most nodes share the genesis file; some were deployed with another (equal empty vectors).
    initialText: rng.chance(0.85) ? 0 : rng.int(0, TEXT_POOL_SIZE - 1),
    // The first two always start at once, so there is a cluster to join.
    lateJoin: slot >= 2 && rng.chance(0.15),
  }
}

function networkSetup(rng: Prng): NetworkSetup {
  return {
    maxDelayMs: rng.chance(0.5) ? rng.int(1, 100) : rng.int(1, 1000),
    lossRate: rng.chance(0.4) ? 0 : rng.next() * 0.3,
    duplicateRate: rng.chance(0.5) ? 0 : rng.next() * 0.2,
  }
}

function weighted(rng: Prng): StepKind | 'concurrent-edits' {
  const total = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0)
  let roll = rng.next() * total
  for (const [kind, weight] of WEIGHTS) {
    roll -= weight
    if (roll < 0) return kind
  }
  return 'edit'
}

function drawSteps(
  rng: Prng,
  kind: StepKind | 'concurrent-edits',
  at: number,
  nodes: number,
  slots: number,
  durationMs: number,
): Step[] {
  const node = rng.int(0, nodes - 1)
  const later = () => Math.min(durationMs, at + rng.int(200, 20_000))
  switch (kind) {
    case 'concurrent-edits': {
      const editors = new Set(Array.from({ length: rng.int(2, 3) }, () => rng.int(0, nodes - 1)))
      return [...editors].map((n) => ({
        at,
        kind: 'edit',
        node: n,
        text: rng.int(0, TEXT_POOL_SIZE - 1),
      }))
    }
    case 'crash': {
      const crash: Step = { at, kind, node, keepState: rng.chance(0.75) }
      if (!rng.chance(0.8)) return [crash]
      const skewMs = rng.chance(0.7) ? 0 : rng.int(-HOUR_MS, HOUR_MS)
      return [crash, { at: later(), kind: 'restart', node, skewMs }]
    }
    case 'partition': {
      const sides = rng.int(2, 3)
      const groups = Array.from({ length: slots }, () => rng.int(0, sides - 1))
      const partition: Step = { at, kind, groups }
      return rng.chance(0.7) ? [partition, { at: later(), kind: 'heal' }] : [partition]
    }
    case 'edit':
      return [{ at, kind, node, text: rng.int(0, TEXT_POOL_SIZE - 1) }]
    case 'invalid-edit':
      return [{ at, kind, node }]
    case 'heal':
      return [{ at, kind }]
    default:
      return []
  }
}

function padGroups(groups: readonly number[], slots: number, rng: Prng): number[] {
  return Array.from({ length: slots }, (_, slot) => groups[slot] ?? rng.int(0, 1))
}
