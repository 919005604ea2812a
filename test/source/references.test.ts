// biome-ignore-all lint/suspicious/noTemplateCurlyInString: HCL templates are written with a literal ${ in these strings
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { ResolutionError } from '../../src/source/errors.ts'
import { parseSource } from '../../src/source/load.ts'
import {
  type ResolveContext,
  resolveReferences,
  unresolvedReferences,
} from '../../src/source/references.ts'
import { blockReference } from '../../src/source/template.ts'
import type { ConfigTree } from '../../src/source/types.ts'
import { tempDir } from './helpers.ts'

const SECRET = 's3cr3t-p@ss'

function context(overrides: Partial<ResolveContext> = {}): ResolveContext {
  return {
    env: {},
    readFile: () => {
      throw Object.assign(new Error('no files here'), { code: 'ENOENT' })
    },
    ...overrides,
  }
}

async function treeOf(text: string): Promise<ConfigTree> {
  return (await parseSource('app.hcl', text)).tree
}

/** Runs `action`, expects a ResolutionError, and returns it. */
function resolutionError(action: () => unknown): ResolutionError {
  try {
    action()
  } catch (error) {
    assert.ok(error instanceof ResolutionError, `expected a ResolutionError, got ${error}`)
    return error
  }
  assert.fail('expected resolution to fail')
}

test('resolves env("X") and ${env:X} from the context', async () => {
  const tree = await treeOf(
    'data_source "db" {\n  connection = env("DB")\n  backup = "${env:DB}"\n}\n',
  )
  const { effective } = resolveReferences(tree, context({ env: { DB: 'postgres://db' } }))
  assert.deepEqual(effective, {
    data_source: { db: [{ connection: 'postgres://db', backup: 'postgres://db' }] },
  })
})

test('an empty environment variable is a value, not an unset one', async () => {
  const tree = await treeOf('a = env("EMPTY")\n')
  assert.deepEqual(resolveReferences(tree, context({ env: { EMPTY: '' } })).effective, { a: '' })
})

test('var.x takes the variable block default, and a context override wins', async () => {
  const tree = await treeOf(
    'variable "region" {\n  default = "eu-west"\n}\nvariable "replicas" {\n  default = 3\n}\nregion = var.region\nreplicas = var.replicas\nlabel = "gis-${var.region}-${var.replicas}"\n',
  )
  const plain = resolveReferences(tree, context()).effective
  assert.deepEqual([plain.region, plain.replicas, plain.label], ['eu-west', 3, 'gis-eu-west-3'])
  const overridden = resolveReferences(
    tree,
    context({ variables: { region: 'us-east' } }),
  ).effective
  assert.deepEqual([overridden.region, overridden.label], ['us-east', 'gis-us-east-3'])
})

test('a variable without default or override names the reference and its place', async () => {
  const tree = await treeOf('variable "x" {}\nlayer "a" {\n  table = var.x\n}\n')
  const error = resolutionError(() => resolveReferences(tree, context()))
  assert.equal(error.reference, 'var.x')
  assert.equal(error.path, 'layer.a.table')
  assert.equal(error.reason, 'undefined-variable')
})

test('file("...") reads the file and lists it so it can be watched', async (t) => {
  const dir = await tempDir(t)
  const secret = join(dir, 'db-password')
  await writeFile(secret, `${SECRET}\n`)
  const tree = await treeOf(`password = file("${secret}")\nagain = file("db-password")\n`)
  const { effective, files } = resolveReferences(
    tree,
    context({ readFile: (path) => readFileSync(path, 'utf8'), baseDir: dir }),
  )
  assert.deepEqual(effective, { password: `${SECRET}\n`, again: `${SECRET}\n` })
  assert.deepEqual(files, [secret])
})

test('an unset env names the reference and the path, never a value', async () => {
  const tree = await treeOf(
    'data_source "city_gis" {\n  connection = env("GIS_DATABASE_URL")\n  password = env("PASSWORD")\n}\n',
  )
  const error = resolutionError(() =>
    resolveReferences(tree, context({ env: { PASSWORD: SECRET } })),
  )
  assert.equal(error.reference, 'env("GIS_DATABASE_URL")')
  assert.equal(error.reason, 'unset')
  assert.match(
    error.message,
    /env\("GIS_DATABASE_URL"\) is not set \(at data_source\.city_gis\.connection\)/,
  )
})

test('F25 resolved secret values never appear in error messages', async () => {
  const tree = await treeOf(
    'a = env("PASSWORD")\nb = "user:${env("PASSWORD")}@${env("HOST")}"\nc = file("/run/secrets/missing")\n',
  )
  const env = { PASSWORD: SECRET }
  const failing = [
    () => resolveReferences(tree, context({ env })),
    () =>
      resolveReferences(tree, {
        env: { ...env, HOST: 'h' },
        readFile: () => {
          throw new Error(`read failed near ${SECRET}`)
        },
      }),
  ]
  for (const action of failing) {
    const error = resolutionError(action)
    assert.ok(!error.message.includes(SECRET), error.message)
    assert.ok(!String(error.cause ?? '').includes(SECRET))
    assert.ok(!JSON.stringify(error).includes(SECRET))
  }
})

test('block references are kept, as the dotted string Honua reads', async () => {
  const tree = await treeOf(
    'layer "p" {\n  data_source = data_source.city_gis\n  services = [service.wfs, "odata"]\n}\n',
  )
  const layer = (tree.layer as Record<string, ConfigTree[]>).p![0]!
  assert.deepEqual(blockReference(layer.data_source), { type: 'data_source', name: 'city_gis' })
  assert.equal(blockReference('odata'), undefined)
  const { effective } = resolveReferences(tree, context())
  assert.deepEqual(effective, {
    layer: { p: [{ data_source: 'data_source.city_gis', services: ['service.wfs', 'odata'] }] },
  })
})

test('the input tree is never modified', async () => {
  const tree = await treeOf(
    'variable "v" {\n  default = { nested = env("A") }\n}\na = var.v\nb = [env("A"), { c = env("A") }]\n',
  )
  const before = structuredClone(tree)
  const { effective } = resolveReferences(tree, context({ env: { A: 'x' } }))
  assert.deepEqual(tree, before)
  assert.deepEqual(effective.a, { nested: 'x' })
  ;(effective.b as ConfigTree[])[1]!.c = 'changed'
  assert.deepEqual(tree, before)
})

test('an unsupported expression in a tree from elsewhere is refused at resolution', () => {
  const error = resolutionError(() => resolveReferences({ a: '${1000 * 3}' }, context()))
  assert.equal(error.reason, 'unsupported')
  assert.equal(error.path, 'a')
})

test('a list or object variable cannot be embedded in a string', async () => {
  const tree = await treeOf(
    'variable "zones" {\n  default = ["a", "b"]\n}\nlabel = "in-${var.zones}"\n',
  )
  const error = resolutionError(() => resolveReferences(tree, context()))
  assert.equal(error.reason, 'not-text')
  assert.match(error.message, /^var\.zones is not a string, number or bool/)
})

test('unresolvedReferences lists every reference that cannot be resolved, in tree order', async () => {
  const { tree } = await parseSource(
    'app.hcl',
    'a = env("ONE")\nb = "ok"\nc = "postgres://${env:TWO}@db"\nd = env("SET")\n',
  )
  const context = { env: { SET: 'secret-value' }, readFile: () => '' }
  const found = unresolvedReferences(tree, context)
  assert.deepEqual(
    found.map((err) => err.message),
    ['env("ONE") is not set (at a)', 'env("TWO") is not set (at c)'],
  )
  assert.ok(!found.some((err) => err.message.includes('secret-value')))
  assert.deepEqual(
    unresolvedReferences(tree, { ...context, env: { ONE: '1', TWO: '2', SET: '3' } }),
    [],
  )
})
