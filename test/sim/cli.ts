import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { formatViolation } from './invariants.ts'
import { type RunOptions, replayCommand, runSeed, scheduleFor } from './runner.ts'
import { describeStep } from './schedule-types.ts'
import { shrinkSeed } from './shrink-seed.ts'
import { EPOCH_MS, type SimulationResult, simulate } from './simulate.ts'
import { Summary } from './summary.ts'

const USAGE = `Deterministic simulation of config-mesh sync engines.

  npm run sim -- --seeds 1000            run seeds 1..1000, print a summary
  npm run sim -- --seed 42               run one seed; shrink and print it if it fails
  npm run sim -- --seed 42 --only 3,7    replay only those steps (a shrunk schedule)

Options:
  --seeds N          how many seeds to run (from --from, default 1)
  --from S           first seed of --seeds
  --seed N           run one seed verbosely
  --only I,J,..      with --seed: keep only these step indices ('none' for no steps)
  --nodes A-B        nodes per schedule (default 3-7)
  --steps A-B        schedule steps (default 4-24)
  --duration MS      virtual length of the faulty part (default 60000)
  --crypto K         hmac (default, fast) or ed25519 (real signatures)
  --workers N        worker threads for --seeds (default: available cores)
  --trace            with --seed: print every engine call
  --no-shrink        do not shrink failures
  --shrink-max N     failing seeds to shrink after a --seeds run (default 3)`

function main(): number {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string' },
      from: { type: 'string', default: '1' },
      seed: { type: 'string' },
      only: { type: 'string' },
      nodes: { type: 'string' },
      steps: { type: 'string' },
      duration: { type: 'string' },
      crypto: { type: 'string' },
      workers: { type: 'string' },
      trace: { type: 'boolean', default: false },
      'no-shrink': { type: 'boolean', default: false },
      'shrink-max': { type: 'string', default: '3' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help || (values.seed === undefined && values.seeds === undefined)) {
    console.log(USAGE)
    return values.help ? 0 : 2
  }
  const options = runOptions(values)
  if (values.seed !== undefined) {
    return runOne(integer('--seed', values.seed), options, values.trace, !values['no-shrink'])
  }
  const count = integer('--seeds', values.seeds as string)
  const workers = integer('--workers', values.workers ?? String(availableParallelism()))
  const shrinkMax = values['no-shrink'] ? 0 : integer('--shrink-max', values['shrink-max'])
  void runMany(integer('--from', values.from), count, options, workers, shrinkMax).then((code) => {
    process.exitCode = code
  })
  return 0
}

function runOptions(values: Record<string, string | boolean | undefined>): RunOptions {
  const nodes = range('--nodes', values.nodes as string | undefined)
  const steps = range('--steps', values.steps as string | undefined)
  const crypto = values.crypto as string | undefined
  if (crypto !== undefined && crypto !== 'hmac' && crypto !== 'ed25519') {
    throw new Error(`--crypto must be hmac or ed25519, not ${crypto}`)
  }
  const only = values.only as string | undefined
  return {
    generate: {
      ...(nodes && { minNodes: nodes[0], maxNodes: nodes[1] }),
      ...(steps && { minSteps: steps[0], maxSteps: steps[1] }),
      ...(values.duration !== undefined && {
        durationMs: integer('--duration', values.duration as string),
      }),
    },
    simulation: crypto === undefined ? {} : { crypto },
    ...(only !== undefined && {
      only: only === 'none' ? [] : only.split(',').map((i) => integer('--only', i)),
    }),
  }
}

/** One seed, verbosely: its violations, its replay command, and its shrunk schedule. */
function runOne(seed: number, options: RunOptions, trace: boolean, doShrink: boolean): number {
  const schedule = scheduleFor(seed, options)
  const simulation = trace
    ? { ...options.simulation, trace: (line: string) => console.log(line) }
    : options.simulation
  const result = simulate(schedule, simulation)
  console.log(`seed ${seed}: ${schedule.nodes.length} nodes, ${schedule.steps.length} steps`)
  if (result.violations.length === 0) {
    console.log(`no violations; converged ${result.convergedInMs} ms after the heal`)
    return 0
  }
  printFailure(result, options)
  if (doShrink) printShrunk(options, result)
  return 1
}

function printFailure(result: SimulationResult, options: RunOptions): void {
  for (const violation of result.violations) console.error(formatViolation(violation, EPOCH_MS))
  console.error(`replay: ${replayCommand(result.seed, options)}`)
}

/** Shrinks a failing seed to the fewest steps that still break the same invariant. */
function printShrunk(options: RunOptions, result: SimulationResult): void {
  const shrunk = shrinkSeed(result, options)
  const { seed, from, kept, runs, invariant, full } = shrunk
  console.error(
    `shrunk seed ${seed} from ${from} to ${kept.length} steps (${runs} runs), still breaking ${invariant}:`,
  )
  console.error(`  nodes: ${JSON.stringify(full.nodes)}`)
  console.error(`  network: ${JSON.stringify(full.network)}`)
  for (const index of kept) {
    const step = full.steps[index]
    if (step !== undefined) console.error(`  #${index} t=${step.at} ms  ${describeStep(step)}`)
  }
  console.error(`replay: ${replayCommand(seed, shrunk.options)} --trace`)
}

async function runMany(
  from: number,
  count: number,
  options: RunOptions,
  workers: number,
  shrinkMax: number,
): Promise<number> {
  const summary = new Summary()
  const started = performance.now()
  const progress = new Progress(count, started)
  const onResult = (result: SimulationResult) => {
    summary.add(result)
    if (result.violations.length > 0) {
      progress.clear()
      printFailure(result, options)
    }
    progress.tick(summary.failingSeeds.length)
  }
  if (workers <= 1) {
    for (let seed = from; seed < from + count; seed++) onResult(runSeed(seed, options))
  } else {
    await runInWorkers(from, count, options, workers, onResult)
  }
  progress.clear()
  console.log(summary.format(performance.now() - started))
  const failing = [...summary.failingSeeds].sort((a, b) => a - b)
  for (const seed of failing.slice(0, shrinkMax)) {
    printShrunk(options, runSeed(seed, options))
  }
  return failing.length > 0 ? 1 : 0
}

/** Hands out seed ranges to worker threads; results come back in any order. */
function runInWorkers(
  from: number,
  count: number,
  options: RunOptions,
  workers: number,
  onResult: (result: SimulationResult) => void,
): Promise<void> {
  const chunk = 50
  let next = from
  const end = from + count
  return new Promise((resolve, reject) => {
    let running = 0
    const feed = (worker: Worker) => {
      if (next >= end) {
        worker.postMessage('stop')
        if (--running === 0) resolve()
        return
      }
      const to = Math.min(next + chunk, end)
      worker.postMessage({ from: next, to })
      next = to
    }
    for (let i = 0; i < Math.min(workers, Math.ceil(count / chunk)); i++) {
      const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: options })
      running++
      worker.on('message', (results: SimulationResult[]) => {
        for (const result of results) onResult(result)
        feed(worker)
      })
      worker.on('error', reject)
      feed(worker)
    }
  })
}

/** A progress bar on stderr, redrawn at most every 200 ms, only on a terminal. */
class Progress {
  readonly #total: number
  readonly #started: number
  #done = 0
  #drawnAt = 0

  constructor(total: number, started: number) {
    this.#total = total
    this.#started = started
  }

  tick(failures: number): void {
    this.#done++
    const now = performance.now()
    if (now - this.#drawnAt < 200 && this.#done < this.#total) return
    this.#drawnAt = now
    const width = 30
    const filled = Math.round((this.#done / this.#total) * width)
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`
    const seconds = ((now - this.#started) / 1000).toFixed(1)
    const line = `[${bar}] ${this.#done}/${this.#total} ${seconds} s, ${failures} failing`
    process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`)
    if (!process.stderr.isTTY) this.#drawnAt = now + 10_000
  }

  clear(): void {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K')
  }
}

function integer(name: string, text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number, not ${text}`)
  return value
}

function range(name: string, text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined
  const [low, high = low] = text.split('-')
  const bounds: [number, number] = [integer(name, low ?? ''), integer(name, high)]
  if (bounds[0] > bounds[1]) throw new Error(`${name} must be A-B with A <= B, not ${text}`)
  return bounds
}

process.exitCode = main()
