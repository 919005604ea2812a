import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { allApplied, checksumOfText, Field, meshed, quiet, settled, story } from './helpers.ts'

const LF = [
  'service "wfs" {',
  '  enabled = true',
  '  banner  = <<EOT',
  'Harbor City GIS',
  '  indented line',
  'EOT',
  '}',
  '',
].join('\n')
const BANNER = 'Harbor City GIS\n  indented line\n'
const crlfWithBom = (text: string) => `\uFEFF${text.replaceAll('\n', '\r\n')}`

const bannerOf = (config: Record<string, unknown> | undefined) =>
  (config?.service as Record<string, Array<{ banner: string }>> | undefined)?.wfs?.[0]?.banner

test('F09: the same file with CRLF and a BOM on one node and LF on another is one configuration: same checksum, no fetch, same heredoc', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  const windows = crlfWithBom(LF)
  const a = await field.start('a', windows)
  const b = await field.start('b', LF, { peers: a.node.addresses() })
  await meshed([a, b])
  await settled([a, b])
  await quiet(field)
  const happened = story(field, 0)

  const checksum = checksumOfText(LF)
  assert.equal(a.head()?.checksum, checksum)
  assert.equal(b.head()?.checksum, checksum)
  for (const m of [a, b]) {
    assert.deepEqual(m.changes(), [checksum], `${m.name} applied its file once\n${happened}`)
    assert.deepEqual(m.events('conflict'), [], `${m.name}: same text is not a conflict`)
    for (const msg of ['fetched snapshot', 'served snapshot', 'fetch failed']) {
      assert.deepEqual(m.logs(0, msg), [], `${m.name}: ${msg}\n${happened}`)
    }
  }
  assert.equal(bannerOf(a.node.current()?.config), BANNER)
  assert.equal(bannerOf(b.node.current()?.config), BANNER)
  // Nothing was written back: a's file holds the same configuration in its own line endings.
  assert.equal(await readFile(a.configPath, 'utf8'), windows)
  assert.equal(await readFile(b.configPath, 'utf8'), LF)
  assert.deepEqual(field.crashes, [])
})

test('F09: an edit saved with CRLF and a BOM reaches an LF node with the same checksum and heredoc', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  const a = await field.start('a', LF)
  const b = await field.start('b', LF, { peers: a.node.addresses() })
  await meshed([a, b])
  await settled([a, b])
  const from = field.mark()

  const edited = LF.replace('  indented line', '  indented line\n\ttabbed line')
  await a.save(crlfWithBom(edited))
  const checksum = checksumOfText(edited)
  await allApplied([a, b], checksum)
  const expected = `${BANNER}\ttabbed line\n`
  assert.equal(bannerOf(a.node.current()?.config), expected)
  assert.equal(bannerOf(b.node.current()?.config), expected)
  assert.deepEqual(b.changes(from), [checksum], story(field, from))
  // b's file gets the head's normalised text, which reads back as the same checksum.
  await quiet(field)
  assert.equal(checksumOfText(await readFile(b.configPath, 'utf8')), checksum)
  assert.deepEqual(b.changes(from), [checksum], `the write-back's echo is no new version`)
  assert.deepEqual(field.crashes, [])
})
