import assert from 'node:assert/strict'
import { open } from 'node:fs/promises'
import { test } from 'node:test'
import { allApplied, checksumOfText, Field, quiet, story } from './helpers.ts'

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const BEFORE = 'timeout_ms = 1000\nretries    = 3\nname       = "edge"\n'
// Cut after 14 bytes this is `timeout_ms = 3`, valid HCL with the wrong value.
const FINAL = 'timeout_ms = 3000\nretries    = 5\nname       = "edge-2"\n'
const MARKER = 'timeout_ms = 3000\nretries    = 5\nname       = "marker"\n'

test('F04: a file truncated and rewritten in 7-byte pieces 100 ms apart reaches peers as one version, never a partial one', async (t) => {
  // settleMs at its default (300): the quiet time must exceed the writer's pauses.
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000, settleMs: 300 } })
  const members = await field.startThree(BEFORE)
  const [a] = members
  await quiet(field)
  const before = a.head()!
  const from = field.mark()

  const handle = await open(a.configPath, 'r+')
  await handle.truncate(0)
  for (let offset = 0; offset < FINAL.length; offset += 7) {
    await pause(100)
    await handle.write(FINAL.slice(offset, offset + 7), offset)
  }
  await handle.close()
  const final = checksumOfText(FINAL)
  await allApplied(members, final)

  const marker = checksumOfText(MARKER)
  await a.save(MARKER)
  await allApplied(members, marker)
  const happened = story(field, from)
  for (const m of members) {
    assert.deepEqual(m.changes(from), [final, marker], `${m.name}\n${happened}`)
    assert.deepEqual(m.events('invalid', from), [], `${m.name} refused a partial read`)
  }
  // Two versions of a: the rewritten file and the marker; none from a piece.
  assert.equal(a.head()!.vector[a.peerId], (before.vector[a.peerId] ?? 0) + 2)
  assert.deepEqual(field.crashes, [])
})
