import type { ChokidarOptions, FSWatcher } from 'chokidar'

/** Errors that mean the system ran out of watches, not that something is wrong with the file. */
const WATCH_LIMIT_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE'])

export interface DirectoryWatchInit {
  createWatcher: (paths: string[], options: ChokidarOptions) => FSWatcher
  /** Stat interval when polling. */
  pollingIntervalMs: number
  /** Called for every event in a watched directory, whatever its kind or file. */
  onEvent: () => void
  /** Called once when the watch limit forces polling. */
  onDegraded: (code: string) => void
  onError: (error: Error) => void
}

/**
 * The chokidar side of the source watcher: one watcher over a set of
 * directories, each watched one level deep without following symlinks, so a
 * swapped link shows up as an event on the link itself. The set is replaced
 * whenever it changes (a repointed link, a ConfigMap swap, a parent folder
 * that appeared). When the system's watch limit is reached the watches are
 * re-created in polling mode at the next `watch()` call.
 */
export class DirectoryWatch {
  private readonly init: DirectoryWatchInit
  private fsw?: FSWatcher
  private key = ''
  private polling = false
  private closed = false

  constructor(init: DirectoryWatchInit) {
    this.init = init
  }

  /** Watches exactly `directories`; true when the watches moved (and events may have been missed). */
  async watch(directories: readonly string[]): Promise<boolean> {
    const key = `${this.polling}:${directories.join('\0')}`
    if (key === this.key || this.closed) return false
    const previous = this.fsw
    const next = this.init.createWatcher([...directories], {
      depth: 0,
      ignoreInitial: true,
      followSymlinks: false,
      persistent: true,
      atomic: false,
      usePolling: this.polling,
      interval: this.init.pollingIntervalMs,
    })
    next.on('all', () => this.init.onEvent())
    next.on('raw', () => this.init.onEvent())
    next.on('error', (error) => this.onError(error as Error))
    // An error before 'ready' (a watch limit) must not leave the caller waiting forever.
    await new Promise<void>((resolve) => {
      next.once('ready', resolve)
      next.once('error', () => resolve())
    })
    this.fsw = next
    this.key = key
    await previous?.close()
    if (this.closed) await next.close()
    return previous !== undefined
  }

  async close(): Promise<void> {
    this.closed = true
    const fsw = this.fsw
    this.fsw = undefined
    await fsw?.close()
  }

  private onError(error: Error): void {
    const code = (error as NodeJS.ErrnoException).code ?? ''
    if (!WATCH_LIMIT_CODES.has(code)) {
      this.init.onError(error)
      return
    }
    if (this.polling || this.closed) return
    this.polling = true
    // Forces the next watch() to re-create the watches, now polling.
    this.key = ''
    this.init.onDegraded(code)
  }
}
