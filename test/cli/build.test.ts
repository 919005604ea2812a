import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { honuaFixture, skipWithoutFixtures } from '../helpers/honua-fixtures.ts'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** What an installed package runs: the JavaScript compiled from src/, not the sources. */
describe('the compiled package', { timeout: 120_000 }, () => {
  let out: string

  before(async () => {
    // Inside the project, so that the compiled modules resolve its node_modules.
    await mkdir(join(ROOT, '.tmp'), { recursive: true })
    out = await mkdtemp(join(ROOT, '.tmp', 'build-'))
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    await run(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out])
  })

  after(() => rm(out, { recursive: true, force: true }))

  it('validates a file with its compiled command, parsing in the compiled worker', {
    skip: skipWithoutFixtures,
  }, async () => {
    const { stdout } = await run(process.execPath, [
      join(out, 'cli', 'main.js'),
      'validate',
      honuaFixture('real-world-gis.honua'),
      '--preset',
      'honua',
    ])
    assert.match(stdout, /^warning data_source\.city_gis_readonly: /m)
    assert.match(stdout, /^ok .*real-world-gis\.honua \(\d+ warnings\)$/m)
  })

  it('prints the package version with its compiled command', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
    const { stdout } = await run(process.execPath, [join(out, 'cli', 'main.js'), '--version'])
    assert.equal(stdout.trim(), manifest.version)
  })

  it('exports the node and its types from the compiled entry point', async () => {
    const entry = await import(join(out, 'index.js'))
    assert.equal(typeof entry.ConfigMeshNode, 'function')
    assert.equal(typeof entry.NodeEvent, 'object')
  })
})
