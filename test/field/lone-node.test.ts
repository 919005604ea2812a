import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { test } from 'node:test'
import { checksumOfText, Field, LEVEL, until } from './helpers.ts'

const PERIOD_MS = 1000
/** One anti-entropy period, its jitter (20%), and room for a fetch on a loaded machine. */
const ONE_PERIOD_MS = PERIOD_MS * 1.2 + 1000

const version = (requests: number) => `rate_limit {\n  requests = ${requests}\n}\n`

test('F17: an edit on a lone node applies there, and a peer that joins later has it within one anti-entropy period', async (t) => {
  const field = await Field.create(t, {
    transport: 'tcp',
    defaults: { announceIntervalMs: PERIOD_MS },
  })
  const a = await field.start('a', version(100))
  const edited = checksumOfText(version(200))
  await a.save(version(200))
  await until(() => a.node.current()?.checksum === edited, 'a applied its own edit')
  assert.equal(a.events('change').at(-1)?.cause, 'local-edit')
  // a announced the edit with nobody to hear it, and did not fail.
  await until(() => a.logs(0, 'announced head').some((l) => l.recipients === 0), 'a announced')
  assert.deepEqual(
    a.logs(0).filter((l) => l.level >= LEVEL.warn),
    [],
    'a lone node has nothing to warn about',
  )

  const b = await field.start('b', version(100), { peers: a.node.addresses() })
  const joinedAt = Date.now()
  await until(() => b.node.current()?.checksum === edited, 'b has the edit', ONE_PERIOD_MS)
  assert.ok(Date.now() - joinedAt <= ONE_PERIOD_MS)
  assert.equal(b.events('change').at(-1)?.cause, 'peer')
  assert.deepEqual(field.crashes, [], 'no unhandled rejection')
})

test('F17: an edit made the moment a peer connects reaches it within one anti-entropy period', async (t) => {
  const field = await Field.create(t, {
    transport: 'tcp',
    defaults: { announceIntervalMs: PERIOD_MS },
  })
  const a = await field.start('a', version(100))
  const edited = checksumOfText(version(300))
  let editedAt = 0
  const published = new Promise<void>((resolve, reject) => {
    a.node.once('peer:join', () => {
      // At once, as the connection opens, racing the head exchange and the subscriptions.
      editedAt = Date.now()
      writeFile(a.configPath, version(300))
        .then(() => a.node.reload())
        .then(resolve, reject)
    })
  })
  const b = await field.start('b', version(100), { peers: a.node.addresses() })
  await published
  assert.equal(a.node.current()?.checksum, edited)
  await until(() => b.node.current()?.checksum === edited, 'b has the edit', ONE_PERIOD_MS)
  assert.ok(Date.now() - editedAt <= ONE_PERIOD_MS)
  assert.deepEqual(field.crashes, [], 'no unhandled rejection')
})
