import { parentPort, workerData } from 'node:worker_threads'
import { type RunOptions, runSeed } from './runner.ts'

/** Runs the seed ranges the CLI sends, and sends each result back. */
const options = workerData as RunOptions
parentPort?.on('message', (range: { from: number; to: number } | 'stop') => {
  if (range === 'stop') {
    process.exit(0)
  }
  const results = []
  for (let seed = range.from; seed < range.to; seed++) results.push(runSeed(seed, options))
  parentPort?.postMessage(results)
})
