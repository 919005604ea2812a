import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { allApplied, checksumOfText, Field, LEVEL, quiet, story } from './helpers.ts'

const version = (requests: number) => `rate_limit {\n  requests = ${requests}\n}\n`

test('F21: three nodes with equal (empty) vectors and different content settle on one winner everywhere, each conflict reported and logged once', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  const members = await field.startThree([version(1), version(2), version(3)])
  const [a, b] = members
  await quiet(field)
  const happened = story(field, 0)

  // One winner everywhere, and the files of the others written back to it.
  const winner = a.head()!.checksum
  const texts = [1, 2, 3].map(version)
  const winningText = texts.find((text) => checksumOfText(text) === winner)!
  for (const m of members) {
    assert.equal(m.node.current()?.checksum, winner, `${m.name}\n${happened}`)
    assert.equal(await readFile(m.configPath, 'utf8'), winningText)
  }
  // Every node that held two of the versions reported it: as an event and a warning, once per pair.
  for (const m of members) {
    const reports = m.events('conflict')
    assert.ok(reports.length > 0, `${m.name} reported nothing\n${happened}`)
    const pairs = reports.map((r) => `${r.winner.checksum}>${r.loser.checksum}`)
    assert.equal(new Set(pairs).size, pairs.length, `${m.name} reported a pair twice\n${happened}`)
    for (const report of reports) {
      assert.equal(report.kind, 'equal-vectors')
      assert.notEqual(report.loser.checksum, winner)
    }
    const warned = m
      .logs(0, 'conflicting versions; the winner rule picked one')
      .filter((l) => l.level === LEVEL.warn)
    assert.equal(warned.length, reports.length, `${m.name}: one log line per report`)
  }
  // Later periods bring no new report: a marker edit is the next thing anyone applies.
  const from = field.mark()
  const marker = checksumOfText(version(4))
  await b.save(version(4))
  await allApplied(members, marker)
  for (const m of members) {
    assert.deepEqual(m.changes(from), [marker], story(field, from))
    assert.deepEqual(m.events('conflict', from), [], story(field, from))
  }
  assert.deepEqual(field.crashes, [])
})
