import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadSource } from '../../src/source/load.ts'
import { normalizeText } from '../../src/source/normalize.ts'
import { tempDir } from './helpers.ts'

const LF =
  'honua {\n  version = "1.0"\n}\nbanner = <<EOT\nWelcome\n  to the map\nEOT\nnote = <<-EOT\n    indented\n      more\n    EOT\n'

test('F09 a BOM + CRLF file and an LF file give identical text', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'lf.hcl'), LF)
  await writeFile(join(dir, 'crlf.hcl'), `\uFEFF${LF.replaceAll('\n', '\r\n')}`)
  const lf = await loadSource(join(dir, 'lf.hcl'))
  const crlf = await loadSource(join(dir, 'crlf.hcl'))
  assert.equal(crlf.text, lf.text)
  assert.equal(lf.text, LF)
  assert.equal(normalizeText(await readFile(join(dir, 'crlf.hcl'))), LF)
})

test('F09 a heredoc saved with CRLF has the same value after parsing', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'lf.hcl'), LF)
  await writeFile(join(dir, 'crlf.hcl'), `\uFEFF${LF.replaceAll('\n', '\r\n')}`)
  const lf = await loadSource(join(dir, 'lf.hcl'))
  const crlf = await loadSource(join(dir, 'crlf.hcl'))
  assert.deepEqual(crlf.tree, lf.tree)
  assert.equal(lf.tree.banner, 'Welcome\n  to the map\n')
  assert.equal(lf.tree.note, 'indented\n  more\n')
})
