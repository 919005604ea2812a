import { EventEmitter } from 'node:events'
import { resolve } from 'node:path'
import { SourceWatcher, type SourceWatcherComponents, type SourceWatcherInit } from './watcher.ts'

export const DependencyWatcherEvent = {
  /** A watched file's content changed after it was first seen. */
  Change: 'change',
  /** A watched file disappeared. */
  Missing: 'missing',
  Error: 'error',
} as const

export interface DependencyWatcherEvents {
  change: [{ path: string }]
  missing: [{ path: string }]
  error: [Error]
}

/**
 * Watches the files read through file() references (secrets mounted by
 * Kubernetes, typically) so the caller can re-resolve its configuration
 * when one changes, without creating a new cluster version. Each file gets
 * the full SourceWatcher treatment (symlink chains, ConfigMap swaps,
 * settling). Events carry the path only: the content is a secret, kept
 * here as the last settled text of each file so that resolution reads what
 * the watcher saw settle, never a file caught in the middle of a rewrite.
 */
export class DependencyWatcher extends EventEmitter<DependencyWatcherEvents> {
  private readonly init: SourceWatcherInit
  private readonly components: SourceWatcherComponents
  private readonly watchers = new Map<string, SourceWatcher>()
  /** Last settled content of each watched file; absent while missing or unreadable. */
  private readonly settled = new Map<string, string>()

  constructor(init: SourceWatcherInit = {}, components: SourceWatcherComponents = {}) {
    super()
    this.init = init
    this.components = components
  }

  /** Makes `paths` the set of watched files: new ones are started, dropped ones stopped. */
  async watch(paths: readonly string[]): Promise<void> {
    const wanted = new Set(paths.map((path) => resolve(path)))
    const stopping = [...this.watchers].filter(([path]) => !wanted.has(path))
    for (const [path] of stopping) {
      this.watchers.delete(path)
      this.settled.delete(path)
    }
    const starting = [...wanted]
      .filter((path) => !this.watchers.has(path))
      .map((path) => this.add(path))
    await Promise.all([...stopping.map(([, watcher]) => watcher.stop()), ...starting])
  }

  get paths(): string[] {
    return [...this.watchers.keys()]
  }

  /**
   * The settled content of a watched file, decoded as UTF-8 like a plain read;
   * undefined when the file is not watched, missing, or could not be read
   * (the caller then reads the disk and meets the real error).
   */
  content(path: string): string | undefined {
    return this.settled.get(resolve(path))
  }

  async stop(): Promise<void> {
    const all = [...this.watchers.values()]
    this.watchers.clear()
    this.settled.clear()
    await Promise.all(all.map((watcher) => watcher.stop()))
  }

  private async add(path: string): Promise<void> {
    const watcher = new SourceWatcher(path, this.init, this.components)
    this.watchers.set(path, watcher)
    let started = false
    watcher.on('text', ({ bytes }) => {
      this.settled.set(path, Buffer.from(bytes).toString('utf8'))
      if (started) this.emit(DependencyWatcherEvent.Change, { path })
    })
    watcher.on('missing', () => {
      this.settled.delete(path)
      if (started) this.emit(DependencyWatcherEvent.Missing, { path })
    })
    watcher.on('error', (error) => {
      this.settled.delete(path)
      if (this.listenerCount(DependencyWatcherEvent.Error) > 0)
        this.emit(DependencyWatcherEvent.Error, error)
    })
    await watcher.start()
    started = true
  }
}
