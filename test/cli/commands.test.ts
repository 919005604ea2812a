import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { cli, cliWithEnv } from '../helpers/cli.ts'
import { honuaFixture, skipWithoutFixtures } from '../helpers/honua-fixtures.ts'

describe('config-mesh validate', () => {
  let dir: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-mesh-cli-'))
  })

  after(() => rm(dir, { recursive: true, force: true }))

  it('accepts a real Honua file and prints its warnings', {
    skip: skipWithoutFixtures,
  }, async () => {
    const {
      GIS_DATABASE_URL: _a,
      GIS_DATABASE_READONLY_URL: _b,
      REDIS_URL: _c,
      ...env
    } = process.env
    const outcome = await cliWithEnv(
      env,
      'validate',
      honuaFixture('real-world-gis.honua'),
      '--preset',
      'honua',
    )
    assert.equal(outcome.code, 0, outcome.stderr)
    assert.match(outcome.stdout, /^warning data_source\.city_gis_readonly: /m)
    // References resolve on each node; those this environment lacks are warnings only.
    for (const name of ['GIS_DATABASE_URL', 'GIS_DATABASE_READONLY_URL', 'REDIS_URL']) {
      const line = new RegExp(
        `^warning not resolvable in this environment .*env\\("${name}"\\) is not set \\(at [a-z_.]+\\)$`,
        'm',
      )
      assert.match(outcome.stdout, line)
    }
    assert.match(outcome.stdout, /^ok .*real-world-gis\.honua \(6 warnings\)$/m)
    const withRedis = await cliWithEnv(
      { ...env, GIS_DATABASE_URL: 'a', GIS_DATABASE_READONLY_URL: 'b', REDIS_URL: 'redis://cache' },
      'validate',
      honuaFixture('real-world-gis.honua'),
      '--preset',
      'honua',
    )
    assert.match(withRedis.stdout, /^ok .*real-world-gis\.honua \(3 warnings\)$/m)
    assert.doesNotMatch(withRedis.stdout, /redis:\/\/cache/)
  })

  it('uses no preset unless told, like run', async () => {
    const file = join(dir, 'loud.hcl')
    await writeFile(file, 'honua {\n  version = "1.0"\n  log_level = "loud"\n}\n')
    assert.equal((await cli('validate', file)).code, 0)
    assert.equal((await cli('validate', file, '--preset', 'honua')).code, 1)
  })

  it('lists every error with file, line and key, and exits 1', async () => {
    const file = join(dir, 'broken.hcl')
    await writeFile(
      file,
      'honua {\n  version = "1.0"\n  log_level = "loud"\n}\nlayer "x" {\n  title = "t"\n  data_source = data_source.nope\n}\n',
    )
    const outcome = await cli('validate', file, '--preset', 'honua')
    assert.equal(outcome.code, 1)
    assert.match(
      outcome.stdout,
      /broken\.hcl:3:\d+: key "honua\.log_level": invalid log level "loud"/,
    )
    assert.match(
      outcome.stdout,
      /broken\.hcl:7:\d+: key "layer\.x\.data_source": .*undefined data source "nope"/,
    )
    assert.match(outcome.stdout, /^refused .*broken\.hcl \(\d+ errors\)$/m)
  })

  it('checks syntax only with --preset none', async () => {
    const file = join(dir, 'plain.hcl')
    await writeFile(file, 'anything = "goes"\n')
    assert.equal((await cli('validate', file, '--preset', 'none')).code, 0)
    const unknown = await cli('validate', file, '--preset', 'nginx')
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /--preset: unknown preset "nginx" \(known: none, honua\)/)
  })

  it('says the file is missing', async () => {
    const outcome = await cli('validate', join(dir, 'nowhere.hcl'))
    assert.equal(outcome.code, 1)
    assert.match(outcome.stdout, /nowhere\.hcl: source missing/)
  })
})

describe('config-mesh run', () => {
  const runWithInterval = (value: string) =>
    cli('run', '--config', 'x.hcl', '--state-dir', 'd', '--announce-interval-ms', value)

  it('refuses a bad option value, naming it, with exit code 2', async () => {
    const outcome = await runWithInterval('soon')
    assert.equal(outcome.code, 2)
    assert.match(outcome.stderr, /--announce-interval-ms.*"soon" is not a non-negative integer/)
  })

  it('refuses an option out of range with its allowed range', async () => {
    const outcome = await runWithInterval('10')
    assert.equal(outcome.code, 2)
    assert.match(outcome.stderr, /announceIntervalMs: 10 is not an integer from 50 to 3600000/)
  })

  it('names a missing required option', async () => {
    const outcome = await cli('run', '--config', 'x.hcl')
    assert.equal(outcome.code, 2)
    assert.match(outcome.stderr, /--state-dir/)
  })
})
