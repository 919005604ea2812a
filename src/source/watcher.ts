import { EventEmitter } from 'node:events'
import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { type ChokidarOptions, type FSWatcher, watch } from 'chokidar'
import { DirectoryWatch } from './directory-watch.ts'
import { decodeUtf8 } from './encoding.ts'
import { SourceError } from './errors.ts'
import { assertNotGlob, DEFAULT_MAX_SOURCE_BYTES, readError, tooLarge } from './file-checks.ts'
import { type LinkChain, resolveLinkChain } from './link-chain.ts'
import { type SourceLogger, silentLogger } from './logger.ts'
import { normalizeText } from './normalize.ts'

export const SourceWatcherEvent = {
  /** The file's settled content changed (and once at start). */
  Text: 'text',
  /** The file disappeared; emitted once until it is back. */
  Missing: 'missing',
  /** The file could not be read or decoded, or the watcher failed. */
  Error: 'error',
  /** The watch limit was hit and the watcher fell back to polling; emitted once. */
  Degraded: 'degraded',
} as const

export interface WatchedText {
  /** Normalised text (no byte-order mark, LF line endings). */
  text: string
  /** The bytes as read. */
  bytes: Uint8Array
}

export interface SourceWatcherEvents {
  text: [WatchedText]
  missing: [{ path: string }]
  error: [Error]
  degraded: [{ path: string; code: string }]
}

export interface SourceWatcherInit {
  /**
   * How long the file must stay quiet, by both its watch events and its own
   * modification time, before it is read. Must comfortably exceed the pause
   * between a writer's pieces, or a piece could be read as a version.
   * @default 300
   */
  settleMs?: number
  /**
   * Interval of the safety-net check that catches changes the watcher missed
   * (and of the polling fallback). A check that finds nothing new only costs
   * a few stat calls.
   * @default 5000
   */
  pollIntervalMs?: number
  /** @default 4194304 (4 MiB), as for loading */
  maxSourceBytes?: number
  logger?: SourceLogger
}

export interface SourceWatcherComponents {
  /** Creates the directory watcher; chokidar's `watch` by default (tests inject failures). */
  createWatcher?: (paths: string[], options: ChokidarOptions) => FSWatcher
}

/** What a check concluded: done, or look again after a while because the file is still moving. */
type CheckOutcome = { retryInMs?: number }

interface Run {
  closed: boolean
  directories: DirectoryWatch
  pollTimer: NodeJS.Timeout
  settleTimer?: NodeJS.Timeout
  checking: boolean
  recheck: boolean
}

type Status =
  | { state: 'idle' }
  | { state: 'starting'; run: Run; done: Promise<void> }
  | { state: 'running'; run: Run }
  | { state: 'stopping'; done: Promise<void> }

const MISSING_CODES = new Set(['ENOENT', 'ENOTDIR'])

/**
 * Watches one configuration file and emits its content once per settled
 * change. Any event in the directories that decide what the path holds (its
 * own, and those of every symlink target, re-resolved after each change)
 * schedules a check once events have been quiet for `settleMs`. A check
 * follows the links, skips a file whose identity, size and times are those
 * of the last read, waits while the file was modified less than `settleMs`
 * ago, and trusts a read only if the file did not change while being read.
 * Identical text is emitted once. This covers atomic renames, `sed -i`,
 * truncate-then-write, symlink repoints and Kubernetes ConfigMap swaps with
 * one mechanism instead of one rule per editor. A slow poll re-runs the
 * check in case an event was lost.
 */
export class SourceWatcher extends EventEmitter<SourceWatcherEvents> {
  readonly path: string
  private readonly settleMs: number
  private readonly pollIntervalMs: number
  private readonly maxSourceBytes: number
  private readonly logger: SourceLogger
  private readonly createWatcher: (paths: string[], options: ChokidarOptions) => FSWatcher
  private status: Status = { state: 'idle' }
  private lastSignature?: string
  /** The signature of an empty file seen once, to be seen again after a quiet period. */
  private emptySignature?: string
  private lastText?: string
  private missingReported = false
  private lastErrorKey?: string
  private degradedReported = false

  constructor(
    path: string,
    init: SourceWatcherInit = {},
    components: SourceWatcherComponents = {},
  ) {
    super()
    assertNotGlob(path)
    this.path = resolve(path)
    this.settleMs = positive('settleMs', init.settleMs ?? 300)
    this.pollIntervalMs = positive('pollIntervalMs', init.pollIntervalMs ?? 5000)
    this.maxSourceBytes = positive(
      'maxSourceBytes',
      init.maxSourceBytes ?? DEFAULT_MAX_SOURCE_BYTES,
    )
    this.logger = init.logger ?? silentLogger
    this.createWatcher = components.createWatcher ?? watch
  }

  /**
   * Starts watching. Resolves once the directory watches are ready and the
   * file's initial state has been emitted (`text`, or `missing`).
   */
  async start(): Promise<void> {
    if (this.status.state === 'running') return
    if (this.status.state === 'starting') return this.status.done
    if (this.status.state === 'stopping') await this.status.done
    const run: Run = {
      closed: false,
      checking: false,
      recheck: false,
      pollTimer: setInterval(() => this.trigger(run), this.pollIntervalMs),
      directories: new DirectoryWatch({
        createWatcher: this.createWatcher,
        pollingIntervalMs: Math.min(this.settleMs, 1000),
        onEvent: () => this.trigger(run),
        onDegraded: (code) => this.onDegraded(run, code),
        onError: (error) => this.reportError(run, error),
      }),
    }
    // The directory watches keep the process alive while watching; the safety net need not.
    run.pollTimer.unref()
    this.lastSignature = undefined
    this.lastText = undefined
    this.missingReported = false
    const done = this.initialCheck(run)
    this.status = { state: 'starting', run, done }
    await done
    if (this.status.state === 'starting' && this.status.run === run) {
      this.status = { state: 'running', run }
    }
  }

  /** Stops watching and releases every watch and timer. */
  async stop(): Promise<void> {
    const status = this.status
    if (status.state === 'idle') return
    if (status.state === 'stopping') return status.done
    const { run } = status
    const done = (async () => {
      run.closed = true
      clearInterval(run.pollTimer)
      clearTimeout(run.settleTimer)
      if (status.state === 'starting') await status.done.catch(() => undefined)
      await run.directories.close()
    })()
    this.status = { state: 'stopping', done }
    await done
    this.status = { state: 'idle' }
  }

  private async initialCheck(run: Run): Promise<void> {
    run.checking = true
    try {
      for (;;) {
        const outcome = await this.checkOrReport(run)
        if (outcome.retryInMs === undefined || run.closed) break
        await new Promise((resolve) => setTimeout(resolve, outcome.retryInMs))
      }
    } finally {
      this.finishCheck(run)
    }
  }

  /** Any sign of change: (re)start the quiet period. */
  private trigger(run: Run, delayMs = this.settleMs): void {
    if (run.closed) return
    clearTimeout(run.settleTimer)
    run.settleTimer = setTimeout(() => void this.runCheck(run), delayMs)
  }

  private async runCheck(run: Run): Promise<void> {
    if (run.closed) return
    if (run.checking) {
      run.recheck = true
      return
    }
    run.checking = true
    let outcome: CheckOutcome = {}
    try {
      outcome = await this.checkOrReport(run)
    } finally {
      this.finishCheck(run)
    }
    if (outcome.retryInMs !== undefined) this.trigger(run, outcome.retryInMs)
  }

  private finishCheck(run: Run): void {
    run.checking = false
    if (run.recheck) {
      run.recheck = false
      this.trigger(run)
    }
  }

  private async checkOrReport(run: Run): Promise<CheckOutcome> {
    try {
      return await this.check(run)
    } catch (error) {
      this.reportError(run, error as Error)
      return {}
    }
  }

  private async check(run: Run): Promise<CheckOutcome> {
    // 1. Follow the link chain; move the watches when it changed.
    const chain = await resolveLinkChain(this.path)
    // Anything that happened while the watches moved is looked at once more.
    if (await run.directories.watch(chain.directories)) this.trigger(run)

    // 2. Stat through the links. Unchanged identity, size and times: nothing to read.
    const before = await this.statFile(run)
    if (before === undefined) return {}
    const signature = fileSignature(chain, before)
    if (signature === this.lastSignature) return {}

    // 3. A file modified less than settleMs ago may still be being written.
    const age = Date.now() - Math.max(before.mtimeMs, before.ctimeMs)
    if (age >= 0 && age < this.settleMs) return { retryInMs: this.settleMs - age }
    // An empty file may be one truncated for a rewrite a moment ago: the kernel sets the
    // size before the times, so a stat can see the new size with the old (settled) times.
    // An empty file is refused by the parser; it is read only once it is still empty a
    // period later, so a rewrite in progress does not raise a refusal.
    if (before.size === 0 && this.emptySignature !== signature) {
      this.emptySignature = signature
      return { retryInMs: this.settleMs }
    }
    if (before.size > 0) this.emptySignature = undefined
    if (before.size > this.maxSourceBytes) {
      this.lastSignature = signature
      throw tooLarge(this.path, before.size, this.maxSourceBytes)
    }

    // 4. Read, and trust the read only if the file did not change meanwhile. A file
    //    that vanished mid-read (an old ConfigMap folder being deleted) is looked at again.
    const bytes = await readFile(this.path).catch((error: NodeJS.ErrnoException) => {
      if (MISSING_CODES.has(error.code ?? '')) return undefined
      throw error
    })
    if (bytes === undefined) return { retryInMs: this.settleMs }
    const after = await this.statFile(run)
    if (after === undefined) return {}
    if (fileSignature(chain, after) !== signature || bytes.byteLength !== after.size) {
      return { retryInMs: this.settleMs }
    }
    this.lastSignature = signature
    this.accept(run, bytes)
    return {}
  }

  /** Stats the file through its links; undefined (after reporting) when it is missing. */
  private async statFile(run: Run) {
    try {
      const stats = await stat(this.path)
      if (!stats.isFile()) {
        throw SourceError.of(this.path, { reason: 'unreadable', message: 'not a regular file' })
      }
      return stats
    } catch (error) {
      if (!MISSING_CODES.has((error as NodeJS.ErrnoException).code ?? '')) throw error
      this.reportMissing(run)
      return undefined
    }
  }

  private accept(run: Run, bytes: Uint8Array): void {
    let text: string
    try {
      text = normalizeText(decodeUtf8(this.path, bytes))
    } catch (error) {
      this.reportError(run, error as Error)
      return
    }
    this.missingReported = false
    this.lastErrorKey = undefined
    if (text === this.lastText || run.closed) return
    this.lastText = text
    this.logger.debug({ path: this.path, bytes: bytes.byteLength }, 'source changed')
    this.emit(SourceWatcherEvent.Text, { text, bytes })
  }

  private reportMissing(run: Run): void {
    this.lastSignature = undefined
    this.lastText = undefined
    this.lastErrorKey = undefined
    if (this.missingReported || run.closed) return
    this.missingReported = true
    this.logger.info({ path: this.path }, 'source missing')
    this.emit(SourceWatcherEvent.Missing, { path: this.path })
  }

  /**
   * Reports a failure once per kind until a read succeeds, so the safety-net
   * poll does not repeat it every interval. The next good read is emitted
   * even if its text is the last one emitted, so a consumer learns the
   * failure is over.
   */
  private reportError(run: Run, error: Error): void {
    const key =
      error instanceof SourceError
        ? error.reason
        : ((error as NodeJS.ErrnoException).code ?? error.message)
    this.lastText = undefined
    if (key === this.lastErrorKey || run.closed) return
    this.lastErrorKey = key
    const wrapped = error instanceof SourceError ? error : readError(this.path, error)
    this.logger.warn(
      { path: this.path, reason: wrapped.reason, code: wrapped.code },
      'source unreadable',
    )
    // An 'error' event without a listener would throw and take the process down.
    if (this.listenerCount(SourceWatcherEvent.Error) > 0) {
      this.emit(SourceWatcherEvent.Error, wrapped)
    }
  }

  private onDegraded(run: Run, code: string): void {
    // The next check re-creates the watches in polling mode.
    this.trigger(run)
    if (this.degradedReported || run.closed) return
    this.degradedReported = true
    this.logger.warn({ path: this.path, code }, 'watch limit reached; falling back to polling')
    this.emit(SourceWatcherEvent.Degraded, { path: this.path, code })
  }
}

function fileSignature(
  chain: LinkChain,
  stats: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number },
): string {
  return [
    chain.hops.join('>'),
    stats.dev,
    stats.ino,
    stats.size,
    stats.mtimeMs,
    stats.ctimeMs,
  ].join('|')
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${value}`)
  }
  return value
}
