import { Worker } from 'node:worker_threads'
import { SourceError } from './errors.ts'
import type { SourceLocation } from './hcl-outline.ts'
import { type SourceLogger, silentLogger } from './logger.ts'
import type { WorkerCall, WorkerCalls, WorkerReply, WorkerRequest } from './parse-protocol.ts'
import type { Analysis } from './source-analysis.ts'
import type { ConfigTree } from './types.ts'

/** Raised by `HclParser.parse` when hcl2json rejects the text; the message is hcl2json's. */
export class HclSyntaxError extends Error {
  override name = 'HclSyntaxError'
}

export interface HclParserInit {
  /**
   * How long one request may take before the worker is killed and the
   * request refused. The WebAssembly parser needs about a second for a few
   * hundred KB on a quiet machine, and several times that on a loaded one.
   * @default 60000
   */
  parseTimeoutMs?: number
  logger?: SourceLogger
}

export interface ParseCallOptions {
  /** Overrides `parseTimeoutMs` for this request. */
  timeoutMs?: number
}

interface Job {
  request: WorkerRequest
  /** Named in a timeout error. */
  fileName: string
  timeoutMs: number
  resolve: (result: unknown) => void
  reject: (error: Error) => void
}

type WorkerState =
  | { state: 'none' }
  | { state: 'idle'; worker: Worker }
  | { state: 'busy'; worker: Worker; job: Job; timer: NodeJS.Timeout }

/**
 * The worker's module, beside this one: `.ts` when run from the sources (Node's
 * type stripping), `.js` when run from the compiled package in dist/.
 */
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './parse-worker.ts' : './parse-worker.js',
  import.meta.url,
)

/**
 * Parses HCL with hcl2json in one persistent worker thread. The worker starts
 * on the first request, is unref'd while idle (it never keeps the process
 * alive, but is kept referenced while a request is pending so a pending
 * parse is not abandoned at exit), is replaced if it dies, and is killed if a
 * request exceeds its timeout. Requests are served one at a time, in order.
 */
export class HclParser {
  private readonly timeoutMs: number
  private readonly logger: SourceLogger
  private readonly queue: Job[] = []
  private status: WorkerState = { state: 'none' }
  private nextId = 1

  constructor(init: HclParserInit = {}) {
    this.timeoutMs = init.parseTimeoutMs ?? 60_000
    this.logger = init.logger ?? silentLogger
    if (!(this.timeoutMs > 0)) {
      throw new RangeError(
        `parseTimeoutMs must be a positive number of milliseconds, got ${this.timeoutMs}`,
      )
    }
  }

  /**
   * hcl2json's tree for `text`; rejects with HclSyntaxError for invalid HCL
   * and with SourceError (reason `timeout`) when it takes too long.
   */
  parse(fileName: string, text: string, options: ParseCallOptions = {}): Promise<ConfigTree> {
    return this.call('parse', { fileName, text }, fileName, options)
  }

  /** The source pipeline (rewrite, parse, checks) of `analyzeSource`, run in the worker. */
  analyze(fileName: string, text: string, options: ParseCallOptions = {}): Promise<Analysis> {
    return this.call('analyze', { fileName, text }, fileName, options)
  }

  /** Source positions of dotted paths in `text`, computed in the worker. */
  locate(text: string, paths: string[]): Promise<(SourceLocation | null)[]> {
    return this.call('locate', { text, paths }, '(locate)', {})
  }

  /** Stops the worker; queued requests are rejected. A later request starts a new worker. */
  async close(): Promise<void> {
    const pending = this.queue.splice(0)
    for (const job of pending) job.reject(new Error('parser closed'))
    const status = this.status
    this.status = { state: 'none' }
    if (status.state === 'none') return
    if (status.state === 'busy') {
      clearTimeout(status.timer)
      status.job.reject(new Error('parser closed'))
    }
    await status.worker.terminate()
  }

  private call<K extends WorkerCall>(
    call: K,
    args: WorkerCalls[K]['args'],
    fileName: string,
    options: ParseCallOptions,
  ): Promise<WorkerCalls[K]['result']> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs
    return new Promise((resolve, reject) => {
      const request = { id: this.nextId++, call, args } as WorkerRequest
      const settle = resolve as (result: unknown) => void
      this.queue.push({ request, fileName, timeoutMs, resolve: settle, reject })
      this.pump()
    })
  }

  private pump(): void {
    if (this.status.state === 'busy') return
    const job = this.queue.shift()
    if (job === undefined) return
    const worker = this.status.state === 'idle' ? this.status.worker : this.spawn()
    const timer = setTimeout(() => this.onTimeout(worker), job.timeoutMs)
    this.status = { state: 'busy', worker, job, timer }
    worker.ref()
    worker.postMessage(job.request)
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_URL)
    worker.on('message', (reply: WorkerReply) => this.onReply(worker, reply))
    worker.on('error', (error) => this.onWorkerGone(worker, error))
    worker.on('exit', (code) => {
      this.onWorkerGone(worker, new Error(`parse worker exited with code ${code}`))
    })
    this.logger.debug({ threadId: worker.threadId }, 'parse worker started')
    return worker
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    const status = this.status
    if (status.state !== 'busy' || status.worker !== worker || status.job.request.id !== reply.id) {
      return
    }
    clearTimeout(status.timer)
    this.status = { state: 'idle', worker }
    worker.unref()
    if (reply.ok) status.job.resolve(reply.result)
    else if (status.job.request.call === 'parse')
      status.job.reject(new HclSyntaxError(reply.message))
    else status.job.reject(new Error(`parse worker failed: ${reply.message}`))
    this.pump()
  }

  private onTimeout(worker: Worker): void {
    const status = this.status
    if (status.state !== 'busy' || status.worker !== worker) return
    const { fileName, timeoutMs } = status.job
    this.logger.warn({ file: fileName, timeoutMs }, 'parse timed out; restarting the parse worker')
    const message = `parsing took longer than ${timeoutMs} ms and was stopped`
    this.discard(worker, SourceError.of(fileName, { reason: 'timeout', message }))
  }

  private onWorkerGone(worker: Worker, error: Error): void {
    const current = this.status
    if (current.state === 'none' || current.worker !== worker) return
    this.logger.error({ err: error.message }, 'parse worker stopped unexpectedly')
    this.discard(worker, error)
  }

  /** Drops a worker that can no longer be trusted, fails its job, and serves the queue with a new one. */
  private discard(worker: Worker, error: Error): void {
    const status = this.status
    this.status = { state: 'none' }
    if (status.state === 'busy') {
      clearTimeout(status.timer)
      status.job.reject(error)
    }
    worker.removeAllListeners('exit')
    worker.terminate().catch((terminateError: unknown) => {
      this.logger.debug({ err: String(terminateError) }, 'parse worker did not terminate cleanly')
    })
    this.pump()
  }
}

let shared: HclParser | undefined

/** The process-wide parser, created on first use. */
export function sharedParser(): HclParser {
  shared ??= new HclParser()
  return shared
}

/** Parses with the process-wide parser. */
export function parseHcl(fileName: string, text: string): Promise<ConfigTree> {
  return sharedParser().parse(fileName, text)
}
