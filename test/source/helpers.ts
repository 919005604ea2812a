import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { SourceWatcher, WatchedText } from '../../src/source/watcher.ts'

/** A fresh directory for one test, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'config-mesh-source-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export type Recorded =
  | { event: 'text'; text: string; at: number }
  | { event: 'missing'; at: number }
  | { event: 'error'; error: Error; at: number }
  | { event: 'degraded'; at: number }

/**
 * Records a watcher's events and waits on them with deadlines. Waiting is
 * always for an observable outcome, never for a fixed time.
 */
export class EventLog {
  readonly events: Recorded[] = []
  private waiters: { check: () => boolean; resolve: () => void }[] = []

  constructor(watcher: SourceWatcher) {
    watcher.on('text', ({ text }: WatchedText) =>
      this.push({ event: 'text', text, at: Date.now() }),
    )
    watcher.on('missing', () => this.push({ event: 'missing', at: Date.now() }))
    watcher.on('error', (error) => this.push({ event: 'error', error, at: Date.now() }))
    watcher.on('degraded', () => this.push({ event: 'degraded', at: Date.now() }))
  }

  texts(from = 0): string[] {
    return this.events.slice(from).flatMap((e) => (e.event === 'text' ? [e.text] : []))
  }

  count(event: Recorded['event'], from = 0): number {
    return this.events.slice(from).filter((e) => e.event === event).length
  }

  /** Resolves once `predicate` holds for the log; fails with the log after `timeoutMs`. */
  waitUntil(label: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const waiter = {
        check: predicate,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(new Error(`timed out waiting for ${label}; events: ${this.describe()}`))
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /** Waits for a `text` event with exactly this content, emitted at index `from` or later. */
  waitForText(text: string, from = 0, timeoutMs?: number): Promise<void> {
    return this.waitUntil(
      `text ${JSON.stringify(text)}`,
      () => this.texts(from).includes(text),
      timeoutMs,
    )
  }

  describe(): string {
    return JSON.stringify(
      this.events.map((e) =>
        e.event === 'text'
          ? { text: e.text }
          : e.event === 'error'
            ? { error: e.error.message }
            : { event: e.event },
      ),
    )
  }

  private push(recorded: Recorded): void {
    this.events.push(recorded)
    for (const waiter of [...this.waiters]) {
      if (waiter.check()) {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        waiter.resolve()
      }
    }
  }
}

/** Settles like `promise`, or fails naming `label` after `timeoutMs`. */
export function withDeadline<T>(
  promise: Promise<T>,
  label: string,
  timeoutMs = 10_000,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${label}`)), timeoutMs)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}
