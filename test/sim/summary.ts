import type { InvariantName } from './invariants.ts'
import type { SimulationResult } from './simulate.ts'

/** Totals over many runs: what `npm run sim` prints at the end. */
export class Summary {
  schedules = 0
  readonly faults = new Map<string, number>()
  readonly conflicts = { concurrent: 0, 'equal-vectors': 0 }
  refusals = 0
  worstConvergence = { ms: 0, seed: -1, boundMs: 0 }
  readonly violations = new Map<InvariantName, { count: number; seeds: number[] }>()
  readonly failingSeeds: number[] = []

  add(result: SimulationResult): void {
    this.schedules++
    for (const [kind, count] of Object.entries(result.faults)) this.#count(kind, count ?? 0)
    this.#count('message lost', result.network.lost)
    this.#count('message duplicated', result.network.duplicated)
    this.conflicts.concurrent += result.stats.conflicts.concurrent
    this.conflicts['equal-vectors'] += result.stats.conflicts['equal-vectors']
    this.refusals += result.stats.refusals
    const ms = result.convergedInMs
    if (ms !== undefined && ms > this.worstConvergence.ms) {
      this.worstConvergence = { ms, seed: result.seed, boundMs: result.boundMs }
    }
    if (result.violations.length > 0) this.failingSeeds.push(result.seed)
    const seen = new Set<InvariantName>()
    for (const violation of result.violations) {
      const entry = this.violations.get(violation.invariant) ?? { count: 0, seeds: [] }
      entry.count++
      if (!seen.has(violation.invariant) && entry.seeds.length < 10) entry.seeds.push(result.seed)
      seen.add(violation.invariant)
      this.violations.set(violation.invariant, entry)
    }
  }

  format(elapsedMs: number): string {
    const lines = [`schedules: ${this.schedules} in ${(elapsedMs / 1000).toFixed(1)} s`]
    lines.push('faults injected:')
    for (const [kind, count] of [...this.faults].sort((a, b) => b[1] - a[1])) {
      lines.push(`  ${kind.padEnd(20)} ${count}`)
    }
    const { concurrent } = this.conflicts
    lines.push(
      `conflicts reported: ${concurrent} concurrent, ${this.conflicts['equal-vectors']} equal-vectors`,
    )
    lines.push(`snapshots refused: ${this.refusals}`)
    const worst = this.worstConvergence
    lines.push(
      `worst convergence: ${worst.ms} ms after the heal (seed ${worst.seed}; bound ${worst.boundMs} ms)`,
    )
    if (this.violations.size === 0) lines.push('violations: none')
    else lines.push(`violations: ${this.failingSeeds.length} failing schedules`)
    for (const [name, { count, seeds }] of this.violations) {
      lines.push(`  ${name.padEnd(20)} ${count} (seeds ${seeds.join(', ')})`)
    }
    return lines.join('\n')
  }

  #count(kind: string, count: number): void {
    if (count > 0) this.faults.set(kind, (this.faults.get(kind) ?? 0) + count)
  }
}
