import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Field, markerFirstSince, quiet, until } from './helpers.ts'

const BASE = 'service "wfs" {\n  enabled = true\n}\n\nlimits {\n  max_bytes = 1024\n}\n'
const MARKER = BASE.replace('max_bytes = 1024', 'max_bytes = 2048')

/** A bad save and what its refusal must name: the first problem's line and key, every key. */
interface BadEdit {
  readonly text: string
  readonly line: number
  /** The first problem's key; none for a problem with the whole file. */
  readonly key: string | undefined
  readonly keys: readonly string[]
}

/**
 * Saves each bad edit on a, then a valid marker edit. Every bad edit must be
 * refused on a with an `invalid` event naming file, line and key; the head
 * must stay on all three nodes; and the marker must be the first version
 * anyone applies, announces or fetches afterwards.
 */
async function refusedEverywhere(field: Field, edits: readonly BadEdit[]): Promise<void> {
  const members = await field.startThree(BASE)
  const [a] = members
  await quiet(field)
  const heads = members.map((m) => m.head())
  const from = field.mark()

  for (const edit of edits) {
    const since = field.mark()
    await a.save(edit.text)
    await until(() => a.events('invalid', since).length > 0, `a refuses ${edit.key}`)
    const [event, ...more] = a.events('invalid', since)
    assert.equal(more.length, 0, 'one refusal per save')
    assert.equal(event!.path, a.configPath)
    assert.equal(event!.line, edit.line, event!.message)
    assert.equal(event!.key, edit.key, event!.message)
    assert.ok(event!.message.includes(`${a.configPath}:${edit.line}:`), event!.message)
    for (const key of edit.keys) assert.ok(event!.message.includes(`key "${key}"`), event!.message)
    const status = a.node.status()
    assert.ok(status.running && status.source.state === 'invalid')
    for (const [i, m] of members.entries()) {
      assert.deepEqual(m.head(), heads[i], `${m.name}'s head stays`)
    }
  }

  await markerFirstSince(field, members, a, MARKER, from)
  for (const m of members) assert.deepEqual(m.events('conflict', from), [])
  assert.deepEqual(field.crashes, [])
}

test('F08: numbers a JSON parser would change are refused naming both keys; nothing leaves the node', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  await refusedEverywhere(field, [
    {
      text: BASE.replace('max_bytes = 1024', 'max_bytes = 9007199254740993\n  burst     = 1e400'),
      line: 6,
      key: 'limits.max_bytes',
      keys: ['limits.max_bytes', 'limits.burst'],
    },
    {
      // A fraction too precise for a double is changed just as silently.
      text: BASE.replace(
        'max_bytes = 1024',
        'max_bytes = 1024\n  ratio     = 12345678901234567890.5',
      ),
      line: 7,
      key: 'limits.ratio',
      keys: ['limits.ratio'],
    },
  ])
})

test('F10: an arithmetic expression is refused with key and line, never applied as a string', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  await refusedEverywhere(field, [
    {
      text: `${BASE}timeout_ms = 1000 * 3\n`,
      line: 8,
      key: 'timeout_ms',
      keys: ['timeout_ms'],
    },
  ])
})

test('F11: a redefined attribute and an attribute with no value keep the head everywhere, named by file and line', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  await refusedEverywhere(field, [
    {
      text: BASE.replace('max_bytes = 1024', 'max_bytes = 1024\n  max_bytes = 4096'),
      line: 7,
      key: 'limits.max_bytes',
      keys: ['limits.max_bytes'],
    },
    {
      text: BASE.replace('max_bytes = 1024', 'max_bytes =\n  burst = 3'),
      line: 6,
      key: 'limits.max_bytes',
      keys: [],
    },
  ])
})

test('F15: a __proto__ key is refused at load with its line; Object.prototype is untouched', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  await refusedEverywhere(field, [
    { text: `${BASE}__proto__ = 1\n`, line: 8, key: '__proto__', keys: ['__proto__'] },
    {
      text: BASE.replace('max_bytes = 1024', 'max_bytes = 1024\n  __proto__ = { polluted = true }'),
      line: 7,
      key: 'limits.__proto__',
      keys: ['limits.__proto__'],
    },
  ])
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
  assert.equal(Object.getPrototypeOf({}), Object.prototype)
})

test('an emptied file, or one left with comments only, keeps the head everywhere and is never gossiped', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  await refusedEverywhere(field, [
    { text: '', line: 1, key: undefined, keys: [] },
    { text: '\n  \n# all settings removed\n// for now\n', line: 1, key: undefined, keys: [] },
  ])
})
