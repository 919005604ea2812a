import { resolve } from 'node:path'
import type { Logger } from 'pino'
import {
  DependencyWatcher,
  type LoadOptions,
  loadSource,
  parseSource,
  SourceError,
  SourceWatcher,
} from '../source/index.ts'
import type { ConfigTree, ValidationIssue } from '../source/types.ts'
import type { InvalidEvent } from './events.ts'
import type { SourceState } from './status.ts'

/** A usable configuration read from the file: normalised text and its parsed tree. */
export interface SourceContent {
  readonly text: string
  readonly tree: ConfigTree
  /** When the change was first seen, for the time an edit took to apply. */
  readonly seenAt: number
}

export interface SourceFeedInit {
  path: string
  settleMs: number
  load: LoadOptions
  log: Logger
}

export interface SourceFeedHooks {
  /** The file holds new usable content. Called in the order the file changed. */
  content(content: SourceContent): void
  invalid(event: InvalidEvent): void
  missing(path: string): void
  /** A file read through file() changed: the head is to be resolved again. */
  dependencyChanged(path: string): void
}

/**
 * The source file as a stream of usable contents. It watches the file, parses
 * each settled change off the main thread, and passes on only content that
 * parsed and validated; refusals are reported once each and never reach the
 * engine, so a broken save leaves the head as it was and nothing is gossiped.
 * It also watches the local files that file() references read.
 */
export class SourceFeed {
  readonly #init: SourceFeedInit
  readonly #hooks: SourceFeedHooks
  readonly #watcher: SourceWatcher
  readonly #dependencies: DependencyWatcher
  #state: SourceState = { state: 'unknown' }
  /** The text last accepted, so its warnings are not logged again for the same text. */
  #acceptedText: string | undefined
  /** Parses can finish out of order; only the newest change's result counts. */
  #generation = 0

  constructor(init: SourceFeedInit, hooks: SourceFeedHooks) {
    this.#init = init
    this.#hooks = hooks
    const watcherInit = { settleMs: init.settleMs, logger: init.log }
    this.#watcher = new SourceWatcher(init.path, {
      ...watcherInit,
      maxSourceBytes: init.load.maxSourceBytes,
    })
    this.#watcher.on('text', ({ text }) => void this.#onText(text))
    this.#watcher.on('missing', () => this.#onMissing())
    this.#watcher.on('error', (err) => init.log.warn({ err: err.message }, 'watcher error'))
    this.#dependencies = new DependencyWatcher(watcherInit)
    this.#dependencies.on('change', ({ path }) => hooks.dependencyChanged(path))
    this.#dependencies.on('error', (err) => init.log.warn({ err: err.message }, 'watcher error'))
  }

  get state(): SourceState {
    return this.#state
  }

  /** Reads the file once; undefined (and reported) when it cannot be used. */
  async read(): Promise<SourceContent | undefined> {
    const generation = ++this.#generation
    const seenAt = Date.now()
    try {
      const loaded = await loadSource(this.#init.path, this.#init.load)
      if (generation === this.#generation) this.#accepted(loaded.text, loaded.warnings)
      return { text: loaded.text, tree: loaded.tree, seenAt }
    } catch (err) {
      if (generation === this.#generation) this.#refused(err)
      return undefined
    }
  }

  start(): Promise<void> {
    return this.#watcher.start()
  }

  async stop(): Promise<void> {
    await Promise.all([this.#watcher.stop(), this.#dependencies.stop()])
  }

  /**
   * Makes `paths` the set of file() dependencies watched. A file can change
   * between the moment it was read for resolution and the moment its watch
   * starts; such a change would never be reported, so once new watches are up
   * the head is resolved again (a no-op when nothing changed).
   */
  watchDependencies(paths: readonly string[]): void {
    const watched = new Set(this.#dependencies.paths)
    const added = paths.filter((path) => !watched.has(resolve(path)))
    this.#dependencies
      .watch(paths)
      .then(() => {
        if (added.length > 0) this.#hooks.dependencyChanged(added[0]!)
      })
      .catch((err: Error) => {
        this.#init.log.warn({ err: err.message }, 'cannot watch file() dependencies')
      })
  }

  /** The settled content of a watched file() dependency, for resolution to read. */
  dependencyContent(path: string): string | undefined {
    return this.#dependencies.content(path)
  }

  async #onText(text: string): Promise<void> {
    const generation = ++this.#generation
    const seenAt = Date.now()
    try {
      const parsed = await parseSource(this.#init.path, text, this.#init.load)
      if (generation !== this.#generation) return
      this.#accepted(parsed.text, parsed.warnings)
      this.#hooks.content({ text: parsed.text, tree: parsed.tree, seenAt })
    } catch (err) {
      if (generation === this.#generation) this.#refused(err)
    }
  }

  /**
   * Usable content: its validation warnings are kept in the state, and logged
   * once per content (the file is read at start and reported again by the
   * watcher's first event; the same text is not logged twice in a row). A
   * warning names a path in the tree and what the validator found, never a
   * resolved value.
   */
  #accepted(text: string, warnings: readonly ValidationIssue[]): void {
    const kept = warnings.map(({ path, message }) => ({ path, message }))
    this.#state = { state: 'ok', warnings: kept }
    const repeated = text === this.#acceptedText
    this.#acceptedText = text
    if (kept.length === 0 || repeated) return
    this.#init.log.warn(
      { path: this.#init.path, warnings: kept },
      `configuration file accepted with ${kept.length} validation warning(s)`,
    )
  }

  #refused(err: unknown): void {
    if (err instanceof SourceError && err.reason === 'missing') {
      this.#onMissing()
      return
    }
    const path = this.#init.path
    const message = err instanceof Error ? err.message : String(err)
    this.#state = { state: 'invalid', error: message }
    this.#init.log.error({ path, reason: message }, 'configuration file refused; keeping the head')
    const where =
      err instanceof SourceError ? { line: err.line, column: err.column, key: err.key } : {}
    this.#hooks.invalid({ path, message, ...where })
  }

  #onMissing(): void {
    if (this.#state.state === 'missing') return
    this.#state = { state: 'missing' }
    this.#init.log.warn(
      { path: this.#init.path },
      'configuration file is missing; keeping the head',
    )
    this.#hooks.missing(this.#init.path)
  }
}
