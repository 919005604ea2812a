import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { test } from 'node:test'
import {
  allApplied,
  checksumOfText,
  Field,
  markerFirstSince,
  meshed,
  quiet,
  settled,
  story,
} from './helpers.ts'

const BASE = 'service "wfs" {\n  enabled = true\n}\n\nrate_limit {\n  requests = 100\n}\n'
const MARKER = BASE.replace('requests = 100', 'requests = 101')

test('F05: five identical saves make no version, no announcement and no fetch anywhere', async (t) => {
  // A long period keeps periodic announcements out of the window: any announcement in it is news.
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  const members = await field.startThree(BASE)
  const [a] = members
  await quiet(field)
  const head = a.head()!
  const from = field.mark()

  // The same bytes five times, 50 ms apart: written in place and saved by rename, in turn.
  // reload() makes the node read each one now, so the engine surely sees every save.
  for (let i = 0; i < 5; i++) {
    if (i % 2 === 0) await writeFile(a.configPath, BASE)
    else await a.save(BASE)
    await a.node.reload()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  // The marker: a real edit. It must be the first thing anyone applies, announces or fetches.
  await markerFirstSince(field, members, a, MARKER, from)
  for (const m of members) {
    assert.deepEqual(m.events('invalid', from), [])
    assert.deepEqual(m.events('source:missing', from), [])
  }
  // One version since the start: the marker, one edit of a on top of the head.
  assert.deepEqual(a.head()!.vector, { ...head.vector, [a.peerId]: 1 })
  assert.deepEqual(field.crashes, [])
})

test('F04: a file rewritten in place (truncate, then write) every settle period never yields an empty version', async (t) => {
  // Each rewrite truncates the file first. A read that lands between the truncation and
  // the write sees an empty file, which is valid HCL: it must never become a version.
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000, settleMs: 100 } })
  const a = await field.start('a', BASE)
  const b = await field.start('b', BASE, { peers: a.node.addresses() })
  await meshed([a, b])
  await settled([a, b])
  await quiet(field)
  const from = field.mark()

  // Rewrites about one settle period apart, so the watcher's checks meet the truncations.
  for (let i = 0; i < 60; i++) {
    await writeFile(a.configPath, BASE)
    await new Promise((resolve) => setTimeout(resolve, 99 + (i % 4)))
  }
  const marker = checksumOfText(MARKER)
  await a.save(MARKER)
  await allApplied([a, b], marker)
  for (const m of [a, b]) assert.deepEqual(m.changes(from), [marker], story(field, from))
  assert.deepEqual(field.crashes, [])
})
