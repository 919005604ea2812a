import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import {
  appliedChecksums,
  checksumOfText,
  ProcessCluster,
  saveLikeAnEditor,
  waitApplied,
  waitConnected,
  waitFor,
} from '../helpers/process-cluster.ts'

test('F24: a node process killed with SIGKILL and started again takes its stale lock, restores its head, and changes nothing anywhere', async (t) => {
  const cluster = await ProcessCluster.create()
  t.after(() => cluster.close())
  // Debug logs show every announcement; a long period leaves only those the restart causes.
  const args = ['--log-level', 'debug', '--announce-interval-ms', '60000']
  const a = await cluster.addNode('a', undefined, args)
  const b = await cluster.addNode('b', undefined, args)
  await a.start([])
  await b.start([a.address!])
  await waitConnected(a, [b])
  const text = await readFile(a.configPath, 'utf8')
  const edited = await saveLikeAnEditor(
    a.configPath,
    text.replace('requests = 600', 'requests = 610'),
  )
  await waitApplied(b, edited)
  await a.waitForLog((l) => l.msg === 'announced head', 10_000)
  // b's file holds the head (written back) before the crash: an unchanged restart.
  await waitFor(async () => checksumOfText(await readFile(b.configPath, 'utf8')) === edited)
  const behind = (l: { msg?: string }) => l.msg?.startsWith('source file was behind') === true
  await b.waitForLog(behind, 10_000)
  await b.waitForLog((l) => l.msg === 'source changed', 10_000, b.logs.findIndex(behind))
  const fileBefore = await readFile(b.configPath, 'utf8')

  await b.kill()
  const sinceA = a.logs.length
  const sinceB = b.logs.length
  await b.start([a.address!])
  const restored = await waitApplied(b, edited, sinceB)
  assert.equal(restored.cause, 'restore')
  await waitConnected(b, [a])

  // The marker: a's next edit is the first version anyone applies after the restart.
  const marker = await saveLikeAnEditor(
    a.configPath,
    fileBefore.replace('requests = 610', 'requests = 620'),
  )
  await waitApplied(b, marker, sinceB)
  const after = (node: typeof a, since: number) => node.logs.slice(since)
  assert.deepEqual(appliedChecksums({ logs: after(b, sinceB) } as typeof b), [edited, marker])
  assert.deepEqual(appliedChecksums({ logs: after(a, sinceA) } as typeof a), [marker])
  assert.ok(!after(b, sinceB).some((l) => l.msg === 'state was corrupt'))
  const markerShort = marker.slice(0, 12)
  for (const [node, since] of [
    [a, sinceA],
    [b, sinceB],
  ] as const) {
    const announced = after(node, since).filter(
      (l) => l.msg === 'announced head' && l.checksum !== markerShort,
    )
    assert.ok(
      announced.length <= 1,
      `${node.name}: ${announced.length} announcements for one restart`,
    )
    assert.ok(!after(node, since).some((l) => (l.level ?? 0) >= 50), `${node.name} logged an error`)
  }
  await waitFor(async () => checksumOfText(await readFile(b.configPath, 'utf8')) === marker)
})
