import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import {
  appliedChecksums,
  DEADLINE_MS,
  ProcessCluster,
  saveLikeAnEditor,
  waitApplied,
  waitConnected,
} from '../helpers/process-cluster.ts'

test('F19: a node process started with --max-snapshot-bytes says once, at warn, that a larger version cannot come in; the sender carries on', async (t) => {
  const cluster = await ProcessCluster.create()
  t.after(() => cluster.close())
  const sender = await cluster.addNode('sender')
  const small = await cluster.addNode('small', undefined, ['--max-snapshot-bytes', '65536'])
  await sender.start([])
  await small.start([sender.address!])
  await waitConnected(small, [sender])
  const text = await readFile(sender.configPath, 'utf8')
  const since = small.logs.length

  const padding = `# ${'x'.repeat(1000)}\n`.repeat(200)
  const big = await saveLikeAnEditor(sender.configPath, `${text}${padding}`)
  await waitApplied(sender, big)
  const warning = await small.waitForLog(
    (l) => (l.level ?? 0) >= 40 && /maxSnapshotBytes/.test(String(l.reason)),
    DEADLINE_MS,
    since,
  )
  assert.equal(warning.checksum, big.slice(0, 12))
  assert.deepEqual(appliedChecksums({ logs: small.logs.slice(since) } as typeof small), [])

  // The sender carries on: its next edit, small again, reaches the small node.
  const fits = await saveLikeAnEditor(
    sender.configPath,
    text.replace('requests = 600', 'requests = 640'),
  )
  await waitApplied(small, fits, since)
  const warnings = small.logs.slice(since).filter((l) => (l.level ?? 0) >= 40)
  assert.equal(warnings.length, 1, JSON.stringify(warnings))
  assert.ok(!sender.logs.some((l) => (l.level ?? 0) >= 50), 'the sender logged no error')
  assert.ok(sender.running && small.running)
})
