import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, open, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type TestContext, test } from 'node:test'
import { promisify } from 'node:util'
import { SourceError } from '../../src/source/errors.ts'
import { SourceWatcher, type SourceWatcherInit } from '../../src/source/watcher.ts'
import { EventLog, sleep, tempDir } from './helpers.ts'

const run = promisify(execFile)

/** Starts a watcher on `path` (stopped when the test ends) and returns its event log. */
async function watching(t: TestContext, path: string, init: SourceWatcherInit = {}) {
  // The safety-net poll is pushed out of the way so these tests prove the event path.
  const watcher = new SourceWatcher(path, { settleMs: 300, pollIntervalMs: 60_000, ...init })
  const log = new EventLog(watcher)
  t.after(() => watcher.stop())
  await watcher.start()
  return { watcher, log }
}

/** Writes `marker`, waits for it, and returns the texts emitted since `from`, marker included. */
async function textsUntilMarker(log: EventLog, path: string, from: number, marker: string) {
  await writeFile(path, marker)
  await log.waitForText(marker, from)
  return log.texts(from)
}

test('emits the initial content once at start, then nothing while the file is unchanged', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'app.hcl')
  await writeFile(path, 'a = 1\n')
  const { log } = await watching(t, path)
  assert.deepEqual(log.texts(), ['a = 1\n'])
})

test('F03 picks up a save by write-temp-and-rename', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'app.hcl')
  await writeFile(path, 'a = 1\n')
  const { log } = await watching(t, path)
  const from = log.events.length
  await writeFile(join(dir, '.app.hcl.swp'), 'a = 2\n')
  await rename(join(dir, '.app.hcl.swp'), path)
  await log.waitForText('a = 2\n', from)
  assert.deepEqual(await textsUntilMarker(log, path, from, 'marker = 1\n'), [
    'a = 2\n',
    'marker = 1\n',
  ])
  assert.equal(log.count('missing'), 0)
})

test('F03 picks up a save by sed -i', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'app.hcl')
  await writeFile(path, 'timeout_ms = 3000\n')
  const { log } = await watching(t, path)
  const from = log.events.length
  await run('sed', ['-i', 's/3000/4000/', path])
  await log.waitForText('timeout_ms = 4000\n', from)
  const texts = await textsUntilMarker(log, path, from, 'marker = 1\n')
  assert.deepEqual(texts, ['timeout_ms = 4000\n', 'marker = 1\n'])
  assert.equal(log.count('missing'), 0)
})

test('F03 three editor saves 200 ms apart apply the final content, one version at most per save', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'app.hcl')
  await writeFile(path, 'v = 0\n')
  const { log } = await watching(t, path)
  const from = log.events.length
  // Rename-over save, then sed -i, then vim's backup-then-write (the original moved aside).
  await writeFile(join(dir, 'tmp'), 'v = 1\n')
  await rename(join(dir, 'tmp'), path)
  await sleep(200)
  await run('sed', ['-i', 's/1/2/', path])
  await sleep(200)
  await rename(path, `${path}~`)
  await writeFile(path, 'v = 3\n')
  await unlink(`${path}~`)
  await log.waitForText('v = 3\n', from)
  const texts = await textsUntilMarker(log, path, from, 'marker = 1\n')
  assert.ok(texts.length <= 4, log.describe())
  assert.deepEqual(texts.slice(-2), ['v = 3\n', 'marker = 1\n'])
  for (const text of texts)
    assert.ok(['v = 1\n', 'v = 2\n', 'v = 3\n', 'marker = 1\n'].includes(text))
  assert.equal(log.count('missing'), 0, 'never a moment without configuration')
})

test('F04 truncate-then-write in 7-byte pieces 100 ms apart emits the final content exactly once', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'app.hcl')
  const final = 'timeout_ms = 3000\nretries    = 5\nname = "edge"\n'
  await writeFile(path, 'timeout_ms = 1000\n')
  const { log } = await watching(t, path, { settleMs: 500 })
  const from = log.events.length
  const handle = await open(path, 'r+')
  await handle.truncate(0)
  for (let offset = 0; offset < final.length; offset += 7) {
    await sleep(100)
    await handle.write(final.slice(offset, offset + 7), offset)
  }
  await handle.close()
  await log.waitForText(final, from)
  assert.deepEqual(await textsUntilMarker(log, path, from, 'marker = 1\n'), [final, 'marker = 1\n'])
})

test('F05 five identical writes 50 ms apart emit nothing', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'app.hcl')
  await writeFile(path, 'a = 1\n')
  const { log } = await watching(t, path)
  const from = log.events.length
  for (let i = 0; i < 5; i++) {
    await writeFile(path, 'a = 1\n')
    await sleep(50)
  }
  assert.deepEqual(await textsUntilMarker(log, path, from, 'marker = 1\n'), ['marker = 1\n'])
})

test('F06 delete then recreate emits missing once, then the new content once', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'app.hcl')
  await writeFile(path, 'a = 1\n')
  const { log } = await watching(t, path)
  const from = log.events.length
  await unlink(path)
  await log.waitUntil('missing', () => log.count('missing', from) === 1)
  await writeFile(path, 'a = 1\n')
  await log.waitForText('a = 1\n', from)
  const texts = await textsUntilMarker(log, path, from, 'marker = 1\n')
  assert.deepEqual(texts, ['a = 1\n', 'marker = 1\n'])
  assert.equal(log.count('missing', from), 1)
  assert.equal(log.count('error'), 0)
})

test('F07 a parent folder created after start: missing at first, then the file loads', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'conf', 'nested', 'app.hcl')
  const { log } = await watching(t, path)
  assert.equal(log.count('missing'), 1)
  await mkdir(join(dir, 'conf', 'nested'), { recursive: true })
  await writeFile(path, 'a = 1\n')
  await log.waitForText('a = 1\n')
  assert.equal(log.count('error'), 0)
})

test('F07 a glob path is refused at construction', () => {
  assert.throws(
    () => new SourceWatcher('/etc/config-mesh/*.hcl'),
    (error: unknown) => error instanceof SourceError && error.reason === 'glob',
  )
})

test('start and stop are idempotent and stop releases the watches', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'app.hcl')
  await writeFile(path, 'a = 1\n')
  const watcher = new SourceWatcher(path, { settleMs: 100 })
  const log = new EventLog(watcher)
  await Promise.all([watcher.start(), watcher.start()])
  await watcher.start()
  assert.deepEqual(log.texts(), ['a = 1\n'])
  await Promise.all([watcher.stop(), watcher.stop()])
  await watcher.stop()
  await writeFile(path, 'a = 2\n')
  await sleep(400)
  assert.deepEqual(log.texts(), ['a = 1\n'], 'no event after stop')
  await rm(path)
})

test('reports a file over maxSourceBytes as an error without reading it', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'app.hcl')
  await writeFile(path, 'a = 1\n')
  const { log } = await watching(t, path, { maxSourceBytes: 64 })
  await writeFile(path, `a = "${'x'.repeat(100)}"\n`)
  await log.waitUntil('error', () => log.count('error') === 1)
  const recorded = log.events.find((e) => e.event === 'error')
  assert.ok(recorded?.event === 'error' && recorded.error instanceof SourceError)
  assert.equal((recorded.error as SourceError).reason, 'too-large')
})
