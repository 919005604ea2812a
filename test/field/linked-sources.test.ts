import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { lstat, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import {
  allApplied,
  checksumOfText,
  Field,
  LEVEL,
  meshed,
  quiet,
  settled,
  story,
  until,
} from './helpers.ts'

const run = promisify(execFile)
const version = (requests: number) => `rate_limit {\n  requests = ${requests}\n}\n`

test('F01: a repointed symlink applies on every node; a peer’s version is written through the link, and the old target is ignored', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  const a = await field.prepare('a')
  await writeFile(join(a.dir, 'v1.hcl'), version(1))
  await writeFile(join(a.dir, 'v2.hcl'), version(2))
  await symlink('v1.hcl', a.configPath)
  await a.start()
  const b = await field.start('b', version(1), { peers: a.node.addresses() })
  await meshed([a, b])
  await settled([a, b])
  await quiet(field)
  const from = field.mark()

  // Repointed atomically, as a deployment tool does.
  await run('sh', ['-c', 'ln -s v2.hcl app.hcl.new && mv -T app.hcl.new app.hcl'], { cwd: a.dir })
  await allApplied([a, b], checksumOfText(version(2)))

  // b's edit is written back into v2.hcl: the link survives, and still points at v2.
  await quiet(field)
  await b.save(version(3))
  await allApplied([a, b], checksumOfText(version(3)))
  await until(
    async () => (await readFile(join(a.dir, 'v2.hcl'), 'utf8')) === version(3),
    'written through the link',
  )
  assert.ok((await lstat(a.configPath)).isSymbolicLink())
  assert.equal(await readlink(a.configPath), 'v2.hcl')
  assert.equal(await readFile(join(a.dir, 'v1.hcl'), 'utf8'), version(1))
  await quiet(field)

  // Edits to the old target do nothing; edits to the new one apply.
  const before = field.mark()
  await writeFile(join(a.dir, 'v1.hcl'), version(11))
  await writeFile(join(a.dir, 'v2.hcl'), version(4))
  await allApplied([a, b], checksumOfText(version(4)))
  for (const m of [a, b]) {
    assert.deepEqual(m.changes(before), [checksumOfText(version(4))], story(field, before))
  }
  assert.deepEqual(
    a.logs(from).filter((l) => l.level >= LEVEL.warn),
    [],
    story(field, from),
  )
  assert.deepEqual(field.crashes, [])
})

test('F02: a Kubernetes ConfigMap swap makes exactly one version per swap on every node, and no error', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  const a = await field.prepare('a')
  // app.hcl -> ..data/app.hcl, ..data -> ..2024_01_01 (a ConfigMap mount is read-only: no write-back).
  await mkdir(join(a.dir, '..2024_01_01'))
  await writeFile(join(a.dir, '..2024_01_01', 'app.hcl'), version(1))
  await symlink('..2024_01_01', join(a.dir, '..data'))
  await symlink('..data/app.hcl', a.configPath)
  await a.start({ writeBack: false })
  const b = await field.start('b', version(1), { peers: a.node.addresses() })
  await meshed([a, b])
  await settled([a, b])
  await quiet(field)
  const head = a.head()!
  const from = field.mark()

  // The kubelet's update: a new timestamped folder, ..data swapped to it, the old folder removed.
  const swap = async (previous: string, next: string, text: string) => {
    await mkdir(join(a.dir, next))
    await writeFile(join(a.dir, next, 'app.hcl'), text)
    await run(
      'sh',
      ['-c', `ln -s ${next} ..data_tmp && mv -T ..data_tmp ..data && rm -rf ${previous}`],
      {
        cwd: a.dir,
      },
    )
    await allApplied([a, b], checksumOfText(text))
  }
  await swap('..2024_01_01', '..2024_01_02', version(2))
  await swap('..2024_01_02', '..2024_01_03', version(3))

  const happened = story(field, from)
  for (const m of [a, b]) {
    assert.deepEqual(
      m.changes(from),
      [2, 3].map((r) => checksumOfText(version(r))),
      happened,
    )
  }
  assert.equal(a.head()!.vector[a.peerId], (head.vector[a.peerId] ?? 0) + 2, 'one version per swap')
  assert.deepEqual(a.events('source:missing', from), [])
  assert.deepEqual(a.events('invalid', from), [])
  assert.deepEqual(
    a.logs(from).filter((l) => l.level >= LEVEL.warn),
    [],
    happened,
  )
  assert.deepEqual(field.crashes, [])
})
