import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type TestContext, test } from 'node:test'
import { promisify } from 'node:util'
import { type ChokidarOptions, watch } from 'chokidar'
import { pino } from 'pino'
import { DependencyWatcher } from '../../src/source/dependency-watcher.ts'
import type { SourceLogger } from '../../src/source/logger.ts'
import {
  SourceWatcher,
  type SourceWatcherComponents,
  type SourceWatcherInit,
} from '../../src/source/watcher.ts'
import { EventLog, tempDir, withDeadline } from './helpers.ts'

const run = promisify(execFile)

async function watching(
  t: TestContext,
  path: string,
  init: SourceWatcherInit = {},
  components: SourceWatcherComponents = {},
) {
  // The safety-net poll is pushed out of the way so these tests prove the event path.
  const watcher = new SourceWatcher(
    path,
    { settleMs: 300, pollIntervalMs: 60_000, ...init },
    components,
  )
  const log = new EventLog(watcher)
  t.after(() => watcher.stop())
  await watcher.start()
  return { watcher, log }
}

test('F01 follows an atomically repointed symlink and ignores the old target', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'app.hcl')
  await writeFile(join(dir, 'v1.hcl'), 'version = 1\n')
  await writeFile(join(dir, 'v2.hcl'), 'version = 2\n')
  await symlink('v1.hcl', path)
  const { log } = await watching(t, path)
  assert.deepEqual(log.texts(), ['version = 1\n'])
  const from = log.events.length

  await run('sh', ['-c', 'ln -s v2.hcl tmp && mv -T tmp app.hcl'], { cwd: dir })
  await log.waitForText('version = 2\n', from)
  await writeFile(join(dir, 'v2.hcl'), 'version = 2.1\n')
  await log.waitForText('version = 2.1\n', from)
  await writeFile(join(dir, 'v1.hcl'), 'version = 1.1\n')
  await writeFile(join(dir, 'v2.hcl'), 'marker = 1\n')
  await log.waitForText('marker = 1\n', from)

  assert.deepEqual(log.texts(from), ['version = 2\n', 'version = 2.1\n', 'marker = 1\n'])
  assert.equal(log.count('error'), 0)
})

test('F01 watches a symlink target that lives in another directory', async (t) => {
  const dir = await tempDir(t)
  await mkdir(join(dir, 'releases'))
  const target = join(dir, 'releases', 'v1.hcl')
  await writeFile(target, 'version = 1\n')
  const path = join(dir, 'app.hcl')
  await symlink(target, path)
  const { log } = await watching(t, path)
  await writeFile(target, 'version = 1.1\n')
  await log.waitForText('version = 1.1\n')
  assert.deepEqual(log.texts(), ['version = 1\n', 'version = 1.1\n'])
})

/** Lays out a Kubernetes ConfigMap volume the way the kubelet's atomic writer does. */
async function configMapUpdate(dir: string, stamp: string, content: string, previous?: string) {
  const folder = `..${stamp}`
  await mkdir(join(dir, folder))
  await writeFile(join(dir, folder, 'app.hcl'), content)
  await symlink(folder, join(dir, '..data_tmp'))
  await rename(join(dir, '..data_tmp'), join(dir, '..data'))
  if (previous !== undefined) await rm(join(dir, `..${previous}`), { recursive: true })
}

test('F02 a ConfigMap swap gives exactly one version per update and no error', async (t) => {
  const dir = await tempDir(t)
  await configMapUpdate(dir, '2026_01_01_00_00_00.000000001', 'version = 1\n')
  await symlink('..data/app.hcl', join(dir, 'app.hcl'))
  const { log } = await watching(t, join(dir, 'app.hcl'))
  assert.deepEqual(log.texts(), ['version = 1\n'])
  const from = log.events.length

  await configMapUpdate(
    dir,
    '2026_01_01_00_01_00.000000002',
    'version = 2\n',
    '2026_01_01_00_00_00.000000001',
  )
  await log.waitForText('version = 2\n', from)
  await configMapUpdate(
    dir,
    '2026_01_01_00_02_00.000000003',
    'version = 3\n',
    '2026_01_01_00_01_00.000000002',
  )
  await log.waitForText('version = 3\n', from)
  await configMapUpdate(
    dir,
    '2026_01_01_00_03_00.000000004',
    'marker = 1\n',
    '2026_01_01_00_02_00.000000003',
  )
  await log.waitForText('marker = 1\n', from)

  assert.deepEqual(log.texts(from), ['version = 2\n', 'version = 3\n', 'marker = 1\n'])
  assert.equal(log.count('error'), 0, log.describe())
  assert.equal(log.count('missing'), 0, log.describe())
})

test('F07 falls back to polling once when the watch limit is reached, and keeps serving', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'app.hcl')
  await writeFile(path, 'a = 1\n')
  const created: ChokidarOptions[] = []
  const createWatcher = (paths: string[], options: ChokidarOptions) => {
    created.push(options)
    const fsw = watch(paths, options)
    if (!options.usePolling) {
      const limit = Object.assign(
        new Error('ENOSPC: System limit for number of file watchers reached'),
        {
          code: 'ENOSPC',
        },
      )
      fsw.once('ready', () => setImmediate(() => fsw.emit('error', limit)))
    }
    return fsw
  }
  const warnings: string[] = []
  const logger: SourceLogger = {
    debug: () => {},
    info: () => {},
    warn: (_fields, message) => warnings.push(message ?? ''),
    error: () => {},
  }
  const { log } = await watching(t, path, { logger }, { createWatcher })
  await log.waitUntil('degraded', () => log.count('degraded') === 1)
  await log.waitUntil('a polling watcher', () => created.some((options) => options.usePolling))
  await writeFile(path, 'a = 2\n')
  await log.waitForText('a = 2\n')
  assert.equal(log.count('degraded'), 1)
  assert.equal(warnings.filter((message) => message.includes('polling')).length, 1)
})

test('dependency watcher reports a changed secret by path only', async (t) => {
  const dir = await tempDir(t)
  const secret = join(dir, 'db-password')
  await writeFile(secret, 'hunter2\n')
  // A pino logger is accepted as it is.
  const dependencies = new DependencyWatcher({ settleMs: 200, logger: pino({ level: 'silent' }) })
  t.after(() => dependencies.stop())
  const changes: unknown[] = []
  dependencies.on('change', (event) => changes.push(event))
  await dependencies.watch([secret])
  assert.deepEqual(changes, [], 'the initial read is not a change')
  assert.equal(dependencies.content(secret), 'hunter2\n', 'the settled content is known at once')
  const changed = new Promise((resolve) => dependencies.once('change', resolve))
  await writeFile(secret, 'correct horse\n')
  await withDeadline(changed, 'a change event')
  assert.deepEqual(changes, [{ path: secret }])
  assert.equal(dependencies.content(secret), 'correct horse\n')
  const gone = new Promise((resolve) => dependencies.once('missing', resolve))
  await rm(secret)
  await withDeadline(gone, 'a missing event')
  assert.equal(dependencies.content(secret), undefined, 'a missing file has no content')
  await dependencies.watch([])
  assert.deepEqual(dependencies.paths, [])
})

test('the safety-net poll catches a change that no watch event reported', async (t) => {
  const dir = await tempDir(t)
  const elsewhere = await tempDir(t)
  const path = join(dir, 'app.hcl')
  await writeFile(path, 'a = 1\n')
  // A watcher on an unrelated directory: the file's own events never arrive.
  const createWatcher = (_paths: string[], options: ChokidarOptions) => watch([elsewhere], options)
  const { log } = await watching(t, path, { pollIntervalMs: 500 }, { createWatcher })
  await writeFile(path, 'a = 2\n')
  await log.waitForText('a = 2\n')
  assert.deepEqual(log.texts(), ['a = 1\n', 'a = 2\n'])
})
