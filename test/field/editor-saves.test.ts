import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { allApplied, checksumOfText, Field, meshed, quiet, settled, story } from './helpers.ts'

const run = promisify(execFile)
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const version = (requests: number) =>
  `service "wfs" {\n  enabled = true\n}\n\nrate_limit {\n  requests = ${requests}\n}\n`

test('F03: three editor saves 200 ms apart reach every peer as the final content, at most one version per save, never without configuration', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  const members = await field.startThree(version(100))
  const [a] = members
  await quiet(field)
  const before = a.head()!
  const from = field.mark()

  // Every 5 ms, on every node: is there a configuration, and does a know its source?
  const gaps: string[] = []
  const sampler = setInterval(() => {
    for (const m of members) {
      if (m.node.current() === undefined) gaps.push(`${m.name} had no configuration`)
    }
    const status = a.node.status()
    if (status.running && status.source.state !== 'ok')
      gaps.push(`a's source ${status.source.state}`)
  }, 5)
  t.after(() => clearInterval(sampler))

  // 1. Write a temporary file and rename it over the original.
  await writeFile(`${a.configPath}.new`, version(101))
  await rename(`${a.configPath}.new`, a.configPath)
  await pause(200)
  // 2. sed -i: a temporary file of sed's own, renamed over the original.
  await run('sed', ['-i', 's/requests = 101/requests = 102/', a.configPath])
  await pause(200)
  // 3. vim's backup-then-write: the original moved aside, a new file written, the backup removed.
  await rename(a.configPath, `${a.configPath}~`)
  await writeFile(a.configPath, version(103))
  await unlink(`${a.configPath}~`)

  const final = checksumOfText(version(103))
  await allApplied(members, final)
  clearInterval(sampler)
  assert.deepEqual(gaps, [], 'never a moment without configuration')

  // The marker: nothing may come between the final content and it, anywhere.
  const marker = checksumOfText(version(999))
  await a.save(version(999))
  await allApplied(members, marker)
  const happened = story(field, from)
  const saves = [101, 102, 103].map((requests) => checksumOfText(version(requests)))
  for (const m of members) {
    const changes = m.changes(from)
    assert.deepEqual(changes.slice(-2), [final, marker], `${m.name}\n${happened}`)
    assert.equal(new Set(changes).size, changes.length, `${m.name} applied a version twice`)
    for (const checksum of changes.slice(0, -1)) {
      assert.ok(saves.includes(checksum), `${m.name} applied something no save held\n${happened}`)
    }
    assert.deepEqual(m.events('invalid', from), [], `${m.name} refused a save`)
    assert.deepEqual(m.events('source:missing', from), [], `${m.name} lost its source`)
  }
  // a's own edits: one per version it applied, at most three for three saves, plus the marker.
  const edits = a.events('change', from).filter((change) => change.cause === 'local-edit')
  assert.ok(edits.length <= 4, `${edits.length} versions for three saves and a marker`)
  assert.equal(a.head()!.vector[a.peerId], (before.vector[a.peerId] ?? 0) + edits.length)
  assert.deepEqual(field.crashes, [])
})

test('F03: a save not yet read when a peer’s version arrives is not overwritten by the write-back; it applies, and wins', async (t) => {
  // a reads its file only after two seconds of quiet, so b's version lands first.
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  const a = await field.start('a', version(100), { settleMs: 2000 })
  const b = await field.start('b', version(100), { peers: a.node.addresses() })
  await meshed([a, b])
  await settled([a, b])
  await quiet(field)
  const from = field.mark()

  await a.save(version(111))
  await b.save(version(222))
  // The person's save is still in a's file, and becomes the next version everywhere.
  const saved = checksumOfText(version(111))
  await allApplied([a, b], saved)
  assert.equal(await readFile(a.configPath, 'utf8'), version(111))
  const happened = story(field, from)
  // b's version did land on a first: the write-back had its chance to overwrite the save.
  assert.deepEqual(a.changes(from), [checksumOfText(version(222)), saved], happened)
  // Made without seeing b's version: a conflict, reported, that the later save wins.
  const reports = a.events('conflict', from)
  assert.equal(reports.length, 1, happened)
  assert.equal(reports[0]!.winner.checksum, saved)
  assert.deepEqual(field.crashes, [])
})

test('F03: a save landing while a peer’s version is being written back is not lost: it applies everywhere', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  const a = await field.start('a', version(100))
  const b = await field.start('b', version(100), { peers: a.node.addresses() })
  await meshed([a, b])
  await settled([a, b])
  await quiet(field)
  const from = field.mark()

  // The moment b applies a's version, and so starts writing it back, a person saves on b.
  const peers = checksumOfText(version(200))
  const saving = new Promise<void>((resolve, reject) => {
    b.node.on('change', (change) => {
      if (change.checksum === peers) b.save(version(300)).then(resolve, reject)
    })
  })
  await a.save(version(200))
  await saving
  const saved = checksumOfText(version(300))
  await allApplied([a, b], saved)
  assert.equal(await readFile(b.configPath, 'utf8'), version(300))
  assert.equal(b.head()!.checksum, saved, story(field, from))
  assert.deepEqual(field.crashes, [])
})
