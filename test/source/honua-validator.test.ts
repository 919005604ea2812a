import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadSource, parseSource } from '../../src/source/load.ts'
import type { ValidationIssue } from '../../src/source/types.ts'
import { honuaValidator } from '../../src/source/validators/honua.ts'
import { honuaFixture, skipWithoutFixtures } from '../helpers/honua-fixtures.ts'

const BASE = `honua {
  version     = "1.0"
  environment = "staging"
  log_level   = "information"
}

data_source "db" {
  provider   = "postgresql"
  connection = env("DB")
  pool {
    min_size = 1
    max_size = 5
  }
}

service "wfs" {
  enabled = true
}

layer "parcels" {
  title       = "Parcels"
  data_source = data_source.db
  table       = "public.parcels"
  id_field    = "id"
  geometry {
    column = "geom"
    type   = "Polygon"
    srid   = 4326
  }
  services = [service.wfs]
}
`

/** Validates BASE with `edits` applied (each a [from, to] replacement) plus `extra` appended. */
async function findings(edits: [string, string][] = [], extra = ''): Promise<ValidationIssue[]> {
  let text = BASE
  for (const [from, to] of edits) {
    assert.ok(text.includes(from), `BASE does not contain ${from}`)
    text = text.replace(from, to)
  }
  const { tree } = await parseSource('app.hcl', text + extra)
  return honuaValidator(tree)
}

/** The (severity, path) pairs of the findings, for compact assertions. */
const pairs = (issues: ValidationIssue[]) =>
  issues.map((issue) => `${issue.severity} ${issue.path}`)

test('a complete configuration has no findings', async () => {
  assert.deepEqual(await findings(), [])
})

test('honua.version defaults to 1.0 as in Honua; set to nothing it is refused', async () => {
  assert.deepEqual(await findings([['version     = "1.0"\n', '']]), [])
  assert.deepEqual(pairs(await findings([['"1.0"', '""']])), ['error honua.version'])
  assert.deepEqual(pairs(await findings([['"1.0"', '"2.0"']])), ['warning honua.version'])
})

test('log_level must be a known level; "info", which Honua\'s validator lacks, is a warning', async () => {
  assert.deepEqual(pairs(await findings([['"information"', '"verbose"']])), [
    'error honua.log_level',
  ])
  assert.deepEqual(pairs(await findings([['"information"', '"info"']])), [
    'warning honua.log_level',
  ])
})

test('the honua block written twice is a warning, and the last one is checked, as Honua keeps it', async () => {
  const twice = await findings([], 'honua {\n  version = ""\n}\n')
  assert.deepEqual(pairs(twice), ['warning honua', 'error honua.version'])
})

test('a data source needs a provider (known, else a warning) and a connection', async () => {
  assert.deepEqual(pairs(await findings([['provider   = "postgresql"\n', '']])), [
    'error data_source.db.provider',
  ])
  assert.deepEqual(pairs(await findings([['"postgresql"', '"mongodb"']])), [
    'warning data_source.db.provider',
  ])
  assert.deepEqual(pairs(await findings([['connection = env("DB")\n', '']])), [
    'error data_source.db.connection',
  ])
})

test('pool bounds: min_size <= max_size, min_size >= 0, max_size > 0, in block or object form', async () => {
  assert.deepEqual(pairs(await findings([['min_size = 1', 'min_size = 10']])), [
    'error data_source.db.pool',
  ])
  assert.deepEqual(pairs(await findings([['max_size = 5', 'max_size = 0']])), [
    'error data_source.db.pool.max_size',
    'error data_source.db.pool',
  ])
  assert.deepEqual(pairs(await findings([['min_size = 1', 'min_size = -1']])), [
    'error data_source.db.pool.min_size',
  ])
  assert.deepEqual(pairs(await findings([['pool {', 'pool = {']])), [])
  assert.deepEqual(
    pairs(await findings([['pool {\n    min_size = 1', 'pool = {\n    min_size = 20']])),
    ['error data_source.db.pool'],
  )
})

test('a layer needs title, data_source, table and id_field', async () => {
  const issues = await findings([
    ['title       = "Parcels"\n', ''],
    ['table       = "public.parcels"\n', ''],
  ])
  assert.deepEqual(pairs(issues), ['error layer.parcels.title', 'error layer.parcels.table'])
})

test('geometry type must be one of the OGC types', async () => {
  assert.deepEqual(pairs(await findings([['"Polygon"', '"Polygonal"']])), [
    'error layer.parcels.geometry.type',
  ])
  assert.deepEqual(await findings([['"Polygon"', '"GeometryCollection"']]), [])
})

test('a layer may name its data source by reference or by plain id, but it must exist', async () => {
  assert.deepEqual(await findings([['data_source.db', '"db"']]), [])
  assert.deepEqual(pairs(await findings([['data_source.db', 'data_source.nope']])), [
    'error layer.parcels.data_source',
  ])
  assert.deepEqual(pairs(await findings([['data_source.db', '"postgres-primary"']])), [
    'error layer.parcels.data_source',
  ])
  // Honua reads the id after the last dot, whatever the prefix: "x.db" is db.
  assert.deepEqual(await findings([['data_source.db', '"x.db"']]), [])
  assert.deepEqual(pairs(await findings([['data_source.db', 'service.db']])), [
    'warning layer.parcels.data_source',
  ])
  assert.deepEqual(pairs(await findings([['data_source.db', 'service.wfs']])), [
    'warning layer.parcels.data_source',
    'error layer.parcels.data_source',
  ])
})

test('layer services must be defined, whether listed as references or as strings', async () => {
  assert.deepEqual(await findings([['[service.wfs]', '["wfs"]']]), [])
  const issues = await findings([['[service.wfs]', '[service.wfs, service.nope, "odata"]']])
  assert.deepEqual(pairs(issues), [
    'error layer.parcels.services[1]',
    'error layer.parcels.services[2]',
  ])
  assert.match(issues[0]!.message, /undefined service "nope"/)
})

test('an id may not be reused across block types', async () => {
  const issues = await findings([], 'service "db" {\n  enabled = false\n}\n')
  assert.deepEqual(pairs(issues), ['error service.db'])
  assert.match(issues[0]!.message, /already used by a data_source block/)
})

test('a block defined twice with the same id is a warning; the last one counts, as in Honua', async () => {
  const issues = await findings([], 'service "wfs" {\n  enabled = true\n  type = ""\n}\n')
  assert.deepEqual(pairs(issues), ['error service.wfs.type', 'warning service.wfs'])
})

test('a block id may not be empty, and a type set to nothing is refused', async () => {
  assert.deepEqual(pairs(await findings([], 'cache "" {\n  type = "memory"\n}\n')), [
    'error cache.',
  ])
  assert.deepEqual(pairs(await findings([], 'cache "tiles" {\n  type = ""\n}\n')), [
    'error cache.tiles.type',
  ])
})

test('a cache required in the current environment must be enabled', async () => {
  const cache =
    'cache "c" {\n  type = "memory"\n  enabled = false\n  required_in = ["staging"]\n}\n'
  assert.deepEqual(pairs(await findings([], cache)), ['error cache.c.enabled'])
  assert.deepEqual(await findings([], cache.replace('"staging"', '"production"')), [])
})

test('a redis cache needs a connection', async () => {
  assert.deepEqual(pairs(await findings([], 'cache "r" {\n  type = "redis"\n}\n')), [
    'error cache.r.connection',
  ])
})

test('explicit fields are required without introspection, and field types are checked', async () => {
  const noFields = await findings([
    ['id_field    = "id"\n', 'id_field = "id"\n  introspect_fields = false\n'],
  ])
  assert.deepEqual(pairs(noFields), ['error layer.parcels.fields'])
  const odd = await findings([
    [
      'id_field    = "id"\n',
      'id_field = "id"\n  fields = {\n    id = { type = "int" }\n    shape = { type = "blob" }\n  }\n',
    ],
  ])
  assert.deepEqual(pairs(odd), [
    'warning layer.parcels.fields.shape.type',
    'warning layer.parcels.geometry.column',
  ])
  const consistent = await findings([
    [
      'id_field    = "id"\n',
      'id_field = "id"\n  display_field = "name"\n  fields = {\n    id = { type = "int" }\n    geom = { type = "geometry" }\n  }\n',
    ],
  ])
  assert.deepEqual(pairs(consistent), ['warning layer.parcels.display_field'])
  assert.match(consistent[0]!.message, /"name" is not among the layer's fields/)
})

test('a rate limit window is a positive count and a unit, read as Honua reads it', async () => {
  const windows = async (window: string) =>
    pairs(
      await findings(
        [],
        `rate_limit {\n  store = "memory"\n  rules {\n    default = {\n      requests = 10\n      window = "${window}"\n    }\n  }\n}\n`,
      ),
    )
  for (const ok of ['1m', '05m', '+5m', '30s', '2h', '1d'])
    assert.deepEqual(await windows(ok), [], ok)
  for (const bad of ['0m', '5 m', '5w', 'm']) {
    assert.deepEqual(await windows(bad), ['warning rate_limit.rules.default.window'], bad)
  }
})

test('rate limit rules need at least one request per window', async () => {
  const rules =
    'rate_limit {\n  store = "memory"\n  rules {\n    default = {\n      requests = 0\n      window = "1m"\n    }\n  }\n}\n'
  assert.deepEqual(pairs(await findings([], rules)), ['error rate_limit.rules.default.requests'])
})

test('production warnings: debug logging, any CORS origin, no rate limiting', async () => {
  const issues = await findings([
    ['"staging"', '"production"'],
    ['"information"', '"debug"\n  cors {\n    allow_any_origin = true\n  }'],
  ])
  assert.deepEqual(pairs(issues), [
    'warning honua.log_level',
    'warning honua.cors.allow_any_origin',
    'warning rate_limit',
  ])
})

test('CORS may not allow credentials together with any origin', async () => {
  const issues = await findings([
    [
      '"information"',
      '"information"\n  cors = {\n    allow_any_origin = true\n    allow_credentials = true\n  }',
    ],
  ])
  assert.deepEqual(pairs(issues), ['error honua.cors'])
})

test('values given as references are not judged before resolution', async () => {
  const issues = await findings([
    ['"postgresql"', 'var.provider'],
    ['max_size = 5', 'max_size = var.pool_max'],
    ['"information"', 'env("LOG_LEVEL")'],
  ])
  assert.deepEqual(issues, [])
})

test('the Honua fixtures pass, with these findings', { skip: skipWithoutFixtures }, async () => {
  const warnings = async (name: Parameters<typeof honuaFixture>[0]) => {
    const loaded = await loadSource(honuaFixture(name), { validator: honuaValidator })
    return pairs(loaded.warnings)
  }
  // log_level = "info": Honua's validator lists "information" only.
  assert.deepEqual(await warnings('honua.test.config.hcl'), [
    'warning honua.log_level',
    'warning service.csw',
    'warning service.wcs',
  ])
  // data_source = "postgres-primary" is a plain id, which Honua accepts as a reference.
  assert.deepEqual(await warnings('production.honua'), [])
  // cache "redis_cluster" has no type, so Honua takes it as an in-memory cache.
  assert.deepEqual(await warnings('real-world-gis.honua'), [
    'warning rate_limit.store',
    'warning data_source.city_gis_readonly',
    'warning cache',
  ])
})
