import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { test } from 'node:test'
import { allApplied, checksumOfText, Field, short, story, until } from './helpers.ts'

const BASE = 'service "wfs" {\n  enabled = true\n}\n'
const RECREATED = `${BASE}service "wms" {\n  enabled = true\n}\n`

test('F06: while the file is missing the node keeps and gossips its head, then the recreated file applies as one version everywhere', async (t) => {
  const field = await Field.create(t)
  const members = await field.startThree(BASE)
  const [a, b, c] = members
  const head = a.head()!
  const from = field.mark()

  await rm(a.configPath)
  await until(() => a.events('source:missing', from).length === 1, 'a reports its source missing')
  const missingAt = field.mark()
  // Two anti-entropy periods with the file gone: peers keep hearing a's head, and only it.
  await until(
    () =>
      [b, c].every(
        (m) =>
          m.logs(missingAt, 'announcement received').filter((l) => l.from === a.peerId).length >= 2,
      ),
    'two announcements from a while its file is missing',
  )
  const status = a.node.status()
  assert.ok(status.running)
  assert.equal(status.source.state, 'missing')
  assert.equal(status.head?.checksum, head.checksum)
  assert.equal(a.node.current()?.checksum, head.checksum, 'a keeps its configuration')

  await writeFile(a.configPath, RECREATED)
  const recreated = checksumOfText(RECREATED)
  await allApplied(members, recreated)
  const happened = story(field, from)
  for (const m of members) {
    assert.deepEqual(m.changes(from), [recreated], `${m.name}\n${happened}`)
    for (const line of m.logs(from, 'announced head')) {
      assert.ok(
        [short(head.checksum), short(recreated)].includes(line.checksum as string),
        `${m.name} announced something else\n${happened}`,
      )
    }
    for (const line of m.logs(from, 'announcement received')) {
      assert.ok([short(head.checksum), short(recreated)].includes(line.checksum as string))
    }
  }
  assert.equal(a.events('source:missing', from).length, 1, 'missing reported once')
  assert.equal(a.head()!.vector[a.peerId], (head.vector[a.peerId] ?? 0) + 1, 'one version')
  const after = a.node.status()
  assert.ok(after.running && after.source.state === 'ok')
  assert.deepEqual(field.crashes, [])
})

test('F06: a file deleted and recreated with the same content makes no version', async (t) => {
  const field = await Field.create(t)
  const members = await field.startThree(BASE)
  const [a] = members
  const head = a.head()!
  const from = field.mark()

  await rm(a.configPath)
  await until(() => a.events('source:missing', from).length === 1, 'a reports its source missing')
  await writeFile(a.configPath, BASE)
  await until(() => {
    const status = a.node.status()
    return status.running && status.source.state === 'ok'
  }, 'a reads its file again')

  const marker = checksumOfText(RECREATED)
  await a.save(RECREATED)
  await allApplied(members, marker)
  const happened = story(field, from)
  for (const m of members) assert.deepEqual(m.changes(from), [marker], `${m.name}\n${happened}`)
  assert.equal(a.head()!.vector[a.peerId], (head.vector[a.peerId] ?? 0) + 1, 'only the marker')
  assert.deepEqual(field.crashes, [])
})
