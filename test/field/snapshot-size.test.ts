import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import {
  allApplied,
  checksumOfText,
  Field,
  LEVEL,
  meshed,
  settled,
  short,
  story,
  until,
} from './helpers.ts'

const MiB = 1024 * 1024
const BASE = 'service "wfs" {\n  enabled = true\n}\n'

/**
 * About `bytes` of configuration: `dataBytes` of it in string values (they
 * travel twice, in the text and the tree), the rest comments, which hcl2json
 * skips quickly.
 */
function sizedConfig(bytes: number, dataBytes: number): string {
  let text = BASE
  for (let i = 0; text.length < dataBytes; i++)
    text += `blob_${i} = "${'0123456789'.repeat(10_000)}"\n`
  const comment = `# ${'x'.repeat(1000)}\n`
  return text + comment.repeat(Math.max(0, Math.ceil((bytes - text.length) / comment.length)))
}

test('F19: a snapshot over the receiver’s maxSnapshotBytes fails clearly there; the sender and other peers carry on', async (t) => {
  const field = await Field.create(t, { transport: 'tcp', defaults: { announceIntervalMs: 300 } })
  const a = await field.start('a', BASE)
  const small = await field.start('small', BASE, {
    peers: a.node.addresses(),
    maxSnapshotBytes: 64 * 1024,
  })
  const c = await field.start('c', BASE, {
    peers: [...a.node.addresses(), ...small.node.addresses()],
  })
  await meshed([a, small, c])
  await settled([a, small, c])
  const head = small.head()!
  const from = field.mark()

  const big = sizedConfig(200 * 1024, 20 * 1024)
  const checksum = checksumOfText(big)
  await a.save(big)
  await allApplied([a, c], checksum)
  // The small node says why, at warn level or above, naming the limit.
  await until(
    () =>
      small
        .logs(from)
        .some((l) => l.level >= LEVEL.warn && /maxSnapshotBytes/.test(JSON.stringify(l))),
    `the small node reports the snapshot over its limit\n${story(field, from)}`,
  )
  // Once, not at every retry: wait for two more announcements of a, then count.
  const reported = field.mark()
  await until(
    () =>
      small.logs(reported, 'announcement received').filter((l) => l.from === a.peerId).length >= 3,
    'three more announcements of a',
  )
  const warnings = small.logs(from).filter((l) => l.level >= LEVEL.warn)
  assert.equal(warnings.length, 1, JSON.stringify(warnings))
  assert.deepEqual(small.head(), head, 'the small node keeps its head')
  assert.deepEqual(small.changes(from), [])

  // The sender carries on: a later edit that fits reaches everyone, the small node included.
  const fits = `${BASE}marker = 1\n`
  await a.save(fits)
  await allApplied([a, small, c], checksumOfText(fits))
  assert.deepEqual(
    a.logs(0).filter((l) => l.level >= LEVEL.error),
    [],
    'the sender logged no error',
  )
  assert.deepEqual(field.crashes, [])
})

test('F19: a version over the receiver’s maxSnapshotBytes is not fetched again at every retry', async (t) => {
  const field = await Field.create(t, { transport: 'tcp', defaults: { announceIntervalMs: 300 } })
  const a = await field.start('a', BASE)
  const small = await field.start('small', BASE, {
    peers: a.node.addresses(),
    maxSnapshotBytes: 64 * 1024,
  })
  await meshed([a, small])
  await settled([a, small])
  const from = field.mark()
  const big = sizedConfig(200 * 1024, 20 * 1024)
  await a.save(big)
  const checksum = short(checksumOfText(big))
  const attempts = () => small.logs(from, 'fetch failed').filter((l) => l.checksum === checksum)
  await until(() => attempts().length > 0, 'the first attempt')
  // Its own limit will not change while it runs: a few periods later, still that one attempt.
  const first = field.mark()
  await until(
    () => small.logs(first, 'announcement received').filter((l) => l.from === a.peerId).length >= 6,
    'six more announcements of a',
  )
  assert.equal(attempts().length, 1, `${attempts().length} attempts at a version that cannot fit`)
  assert.deepEqual(field.crashes, [])
})

test('F19: a 5 MiB configuration, over libp2p’s default 4 MiB stream buffer, reaches a peer intact', async (t) => {
  const field = await Field.create(t, {
    transport: 'tcp',
    // Files of 5 MiB are within limits on both nodes: they read them, and b writes it back.
    defaults: { announceIntervalMs: 300, fetchTimeoutMs: 15_000, maxSourceBytes: 8 * MiB },
  })
  const a = await field.start('a', BASE)
  const b = await field.start('b', BASE, { peers: a.node.addresses() })
  await meshed([a, b])
  await settled([a, b])
  const from = field.mark()

  const big = sizedConfig(5 * MiB, 1 * MiB)
  const checksum = checksumOfText(big)
  await a.save(big)
  await until(() => b.node.current()?.checksum === checksum, 'b applied the 5 MiB version', 40_000)
  assert.deepEqual(b.node.current()?.config, a.node.current()?.config)
  const fetched = b.logs(from, 'fetched snapshot').find((l) => l.checksum === checksum.slice(0, 12))
  assert.ok(fetched !== undefined && (fetched.bytes as number) > 5 * MiB, JSON.stringify(fetched))
  // b's write-back reads back as the head: no version, nothing refused.
  await until(
    async () => checksumOfText(await readFile(b.configPath, 'utf8')) === checksum,
    'b wrote the head back',
  )
  await until(() => {
    const status = b.node.status()
    return status.running && status.file?.checksum === checksum
  }, 'b knows its file holds the head')
  assert.deepEqual(b.changes(from), [checksum])
  assert.deepEqual(
    [a, b].flatMap((m) => m.logs(from).filter((l) => l.level >= LEVEL.warn)),
    [],
  )
  assert.deepEqual(field.crashes, [])
})
