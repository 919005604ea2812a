import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { LocalNode } from '../../src/cli/local-node.ts'
import { saveLikeAnEditor } from '../helpers/process-cluster.ts'
import { allApplied, checksumOfText, Field, meshed, settled, until } from './helpers.ts'

const BASE = 'service "wfs" {\n  enabled = true\n}\n'

/** A configuration of many small blocks, about `bytes` long: the slow case for hcl2json. */
function bigConfig(bytes: number): string {
  let text = BASE
  for (let i = 0; text.length < bytes; i++) {
    text += `layer "layer_${i}" {\n  title       = "Layer ${i} of the harbour survey"\n  table       = "public.survey_${i}"\n  max_records = ${1000 + i}\n}\n`
  }
  return text
}

test('F12: while a 500 KB file parses, the node keeps announcing, hearing its peer and running timers', async (t) => {
  const field = await Field.create(t, { transport: 'tcp', defaults: { announceIntervalMs: 200 } })
  const a = await field.start('a', BASE)
  const b = await field.start('b', BASE, { peers: a.node.addresses() })
  await meshed([a, b])
  await settled([a, b])

  // The longest stall of this process's event loop, which runs both nodes.
  let last = performance.now()
  let longestStallMs = 0
  const heartbeat = setInterval(() => {
    const now = performance.now()
    longestStallMs = Math.max(longestStallMs, now - last)
    last = now
  }, 10)
  t.after(() => clearInterval(heartbeat))

  const from = field.mark()
  const big = bigConfig(500_000)
  await a.save(big)
  const checksum = checksumOfText(big)
  await until(() => a.node.current()?.checksum === checksum, 'a applied the big file', 40_000)
  clearInterval(heartbeat)

  // The parse window: from the watcher's read to the version applied.
  const read = a.happenings.find(
    (h) => h.seq >= from && h.kind === 'log' && h.line.msg === 'source changed',
  )
  const applied = a.happenings.find(
    (h) => h.seq >= from && h.kind === 'event' && h.event === 'change',
  )
  assert.ok(read !== undefined && applied !== undefined)
  const windowMs = applied.at - read.at
  const heard = (listener: typeof a, speaker: typeof a) =>
    listener.happenings
      .filter(
        (h) =>
          h.kind === 'log' &&
          h.line.msg === 'announcement received' &&
          h.line.from === speaker.peerId &&
          h.at >= read.at &&
          h.at <= applied.at,
      )
      .map((h) => h.at)
  const longestSilence = (times: number[]) =>
    Math.max(
      ...[read.at, ...times, applied.at].map((at, i, all) => (i === 0 ? 0 : at - all[i - 1]!)),
    )

  const detail = `window ${windowMs} ms, stall ${Math.round(longestStallMs)} ms`
  assert.ok(
    windowMs >= 800,
    `the parse must take a while for this test to mean anything: ${detail}`,
  )
  assert.ok(longestStallMs < 400, `the event loop stalled: ${detail}`)
  // Announcements every 200 ms (±20%) both ways, throughout the parse.
  for (const [listener, speaker] of [
    [b, a],
    [a, b],
  ] as const) {
    const times = heard(listener, speaker)
    assert.ok(
      longestSilence(times) < 800,
      `${listener.name} heard ${speaker.name} at ${times}: ${detail}`,
    )
  }
  await allApplied([a, b], checksum)
  assert.deepEqual(field.crashes, [])
})

test('F12: while a node process parses a 500 KB file, it fetches and applies a peer’s edit', async (t) => {
  const field = await Field.create(t, { transport: 'tcp', defaults: { announceIntervalMs: 500 } })
  // The parser's folder is its own, removed only once its process has stopped.
  const dir = await mkdtemp(join(tmpdir(), 'config-mesh-field-parser-'))
  const parser = new LocalNode({
    name: 'parser',
    configPath: join(dir, 'app.hcl'),
    stateDir: join(dir, 'state'),
    args: ['--log-level', 'debug', '--announce-interval-ms', '500', '--settle-ms', '100'],
  })
  t.after(async () => {
    await parser.stop()
    await rm(dir, { recursive: true, force: true, maxRetries: 5 })
  })
  await writeFile(parser.configPath, BASE)
  const address = await parser.start([])
  const peer = await field.start('peer', BASE, { peers: [address] })
  await until(() => peer.node.status().running && peer.node.addresses().length > 0, 'peer up')
  await parser.waitForLog((l) => l.msg === 'peer connected', 20_000)
  await settled([peer])

  // The parser process reads the big file and starts parsing it...
  const since = parser.logs.length
  const big = bigConfig(500_000)
  const bigChecksum = await saveLikeAnEditor(parser.configPath, big)
  await parser.waitForLog((l) => l.msg === 'source changed', 20_000, since)
  // ...and meanwhile the peer edits: the parser fetches it and applies it before its own.
  const small = `${BASE}marker = 1\n`
  await peer.save(small)
  const smallChecksum = checksumOfText(small)
  const applied = await parser.waitForLog(
    (l) => l.msg === 'applied version' && l.checksum === bigChecksum,
    40_000,
    since,
  )
  const order = parser.logs
    .slice(since, parser.logs.indexOf(applied) + 1)
    .filter((l) => l.msg === 'applied version')
    .map((l) => [l.checksum, l.cause])
  assert.deepEqual(order, [
    [smallChecksum, 'peer'],
    [bigChecksum, 'local-edit'],
  ])
  // The edit made later wins everywhere.
  await until(
    () => peer.node.current()?.checksum === bigChecksum,
    'the big version everywhere',
    40_000,
  )
  assert.deepEqual(field.crashes, [])
})
