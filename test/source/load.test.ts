// biome-ignore-all lint/suspicious/noTemplateCurlyInString: HCL templates are written with a literal ${ in these strings
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { SourceError } from '../../src/source/errors.ts'
import { loadSource, parseSource } from '../../src/source/load.ts'
import { resolveReferences } from '../../src/source/references.ts'
import { honuaValidator } from '../../src/source/validators/honua.ts'
import {
  HONUA_FIXTURE_NAMES,
  honuaFixture,
  skipWithoutFixtures,
} from '../helpers/honua-fixtures.ts'
import { tempDir } from './helpers.ts'

/** Asserts that `promise` is refused with a SourceError and returns it. */
async function refusal(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof SourceError, `expected a SourceError, got ${error}`)
    return error
  }
  assert.fail('expected the source to be refused')
}

for (const fixture of HONUA_FIXTURE_NAMES) {
  const skip = skipWithoutFixtures
  test(`loads the Honua fixture ${fixture} with the Honua validator`, { skip }, async () => {
    const loaded = await loadSource(honuaFixture(fixture), { validator: honuaValidator })
    assert.equal(loaded.path, honuaFixture(fixture))
    assert.ok(Array.isArray(loaded.tree.honua))
    assert.ok(!loaded.text.includes('\r'))
  })
}

test('production.honua\'s ${env:DATABASE_URL} resolves like env("DATABASE_URL")', {
  skip: skipWithoutFixtures,
}, async () => {
  const loaded = await loadSource(honuaFixture('production.honua'))
  const source = (loaded.tree.data_source as Record<string, Record<string, unknown>[]>)[
    'postgres-primary'
  ]!
  assert.equal(source[0]!.connection, '${env("DATABASE_URL")}')
})

test('${env:X} and env("X") resolve to the same value, also inside a template', async () => {
  const { tree } = await parseSource(
    'app.hcl',
    'a = "${env:DB_URL}"\nb = env("DB_URL")\nc = "postgres://${env:DB_USER}@${env("DB_HOST")}/gis"\n',
  )
  assert.equal(tree.a, tree.b)
  const env = { DB_URL: 'postgres://h/db', DB_USER: 'app', DB_HOST: 'db.internal' }
  const { effective } = resolveReferences(tree, { env, readFile: () => '' })
  assert.deepEqual(effective, {
    a: 'postgres://h/db',
    b: 'postgres://h/db',
    c: 'postgres://app@db.internal/gis',
  })
})

test('an escaped $${env:X} stays literal text', async () => {
  const { tree } = await parseSource('app.hcl', 'a = "$${env:X}"\n')
  assert.deepEqual(resolveReferences(tree, { env: {}, readFile: () => '' }).effective, {
    a: '${env:X}',
  })
})

test('F11 a redefined attribute is refused with file, line and key', async () => {
  const error = await refusal(parseSource('app.hcl', 'a = 1\nb = 2\na = 3\n'))
  assert.equal(error.reason, 'parse')
  assert.equal(error.line, 3)
  assert.equal(error.column, 1)
  assert.equal(error.key, 'a')
  assert.match(error.message, /^app\.hcl:3:1: key "a": Attribute redefined/)
})

test('F11 an attribute with no value is refused with file, line and column', async () => {
  const error = await refusal(parseSource('app.hcl', 'honua {\n  version =\n}\n'))
  assert.equal(error.reason, 'parse')
  assert.equal(error.line, 2)
  assert.equal(error.column, 12)
  assert.equal(error.key, 'honua.version')
  assert.match(error.message, /^app\.hcl:2:12: key "honua.version": Invalid expression/)
})

test('parse error columns after a ${env:} rewrite point at the text as written', async () => {
  const error = await refusal(parseSource('app.hcl', 'a = "${env:LONG_NAME}" +\n'))
  assert.equal(error.line, 1)
  assert.ok(error.column! <= 25, `column ${error.column} is beyond the line as written`)
})

test('F15 a __proto__ key is refused with its line, and Object.prototype is untouched', async () => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort()
  const error = await refusal(
    parseSource('app.hcl', 'a = 1\nx {\n  __proto__ = { polluted = true }\n}\n'),
  )
  assert.equal(error.reason, 'reserved-key')
  assert.equal(error.line, 3)
  assert.equal(error.key, 'x.__proto__')
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before)
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('F15 constructor and prototype keys, as labels or object keys, are refused', async () => {
  const error = await refusal(
    parseSource('app.hcl', 'layer "constructor" {\n  a = 1\n}\nb = {\n  prototype = 2\n}\n'),
  )
  assert.deepEqual(
    error.issues.map((issue) => [issue.key, issue.line]),
    [
      ['layer.constructor', 1],
      ['b.prototype', 5],
    ],
  )
})

test('F08 integers beyond 2^53 and non-finite numbers are refused, naming both keys', async () => {
  const error = await refusal(
    parseSource(
      'app.hcl',
      'limits {\n  max_bytes = 9007199254740993\n  burst = 1e400\n}\nok = 9007199254740991\n',
    ),
  )
  assert.equal(error.reason, 'number')
  assert.deepEqual(
    error.issues.map((issue) => [issue.key, issue.line, issue.column]),
    [
      ['limits.max_bytes', 2, 15],
      ['limits.burst', 3, 11],
    ],
  )
  assert.match(error.message, /app\.hcl:2:15: key "limits.max_bytes": integer 9007199254740993/)
  assert.match(error.message, /app\.hcl:3:11: key "limits.burst": number 1e400/)
})

test('F08 numbers in strings and comments are not mistaken for literals', async () => {
  const { tree } = await parseSource(
    'app.hcl',
    '# max = 9007199254740993\na = "9007199254740993" // 1e400\n/* 1e400 */\nb = <<EOT\n1e400\nEOT\nc = 0.1\n',
  )
  assert.deepEqual(tree, { a: '9007199254740993', b: '1e400\n', c: 0.1 })
})

test('F10 an arithmetic expression is refused with key, line and column', async () => {
  const error = await refusal(
    parseSource('app.hcl', 'service "api" {\n  timeout_ms = 1000 * 3\n}\n'),
  )
  assert.equal(error.reason, 'expression')
  assert.equal(error.line, 2)
  assert.equal(error.column, 3)
  assert.equal(error.key, 'service.api.timeout_ms')
  assert.match(
    error.message,
    /^app\.hcl:2:3: key "service\.api\.timeout_ms": expression 1000 \* 3 is not a supported reference/,
  )
})

test('F10 function calls other than env and file, and template directives, are refused', async () => {
  const error = await refusal(
    parseSource(
      'app.hcl',
      'a = upper("x")\nb = [\n  "ok",\n  local.x\n]\nc = "%{ if true }y%{ endif }"\n',
    ),
  )
  assert.deepEqual(
    error.issues.map((issue) => [issue.key, issue.line]),
    [
      ['a', 1],
      ['b[1]', 4],
      ['c', 6],
    ],
  )
})

test('supported references load: env, var, file, block references, mixed templates', async () => {
  const { tree } = await parseSource(
    'app.hcl',
    'a = env("A")\nb = var.b\nc = file("/run/secrets/c")\nd = data_source.main\ne = [service.x, "plain"]\nf = "x-${var.b}-${env:A}"\n',
  )
  assert.equal(tree.d, '${data_source.main}')
  assert.deepEqual(tree.e, ['${service.x}', 'plain'])
})

test('a file over maxSourceBytes is refused before it is read', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'big.hcl')
  await writeFile(path, `a = "${'x'.repeat(200)}"\n`)
  const error = await refusal(loadSource(path, { maxSourceBytes: 100 }))
  assert.equal(error.reason, 'too-large')
  assert.match(error.message, /over the limit of 100 bytes/)
  assert.equal(
    (await refusal(parseSource('x.hcl', 'a = "ééé"', { maxSourceBytes: 8 }))).reason,
    'too-large',
  )
})

test('a missing file is refused as missing with code ENOENT', async (t) => {
  const dir = await tempDir(t)
  const error = await refusal(loadSource(join(dir, 'absent.hcl')))
  assert.equal(error.reason, 'missing')
  assert.equal(error.code, 'ENOENT')
  assert.match(error.message, /absent\.hcl: source missing/)
})

test('invalid UTF-8 is refused with the line of the bad byte', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'bad.hcl')
  await writeFile(
    path,
    Buffer.concat([Buffer.from('a = 1\nb = "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]),
  )
  const error = await refusal(loadSource(path))
  assert.equal(error.reason, 'encoding')
  assert.equal(error.line, 2)
  assert.equal(error.column, 9)
})

test('a glob-looking path is refused clearly', async () => {
  for (const path of ['/etc/app/*.hcl', '/etc/app/app?.hcl', '/etc/app/[ab].hcl']) {
    const error = await refusal(loadSource(path))
    assert.equal(error.reason, 'glob')
    assert.match(error.message, /glob/)
  }
})

test('validator errors refuse the source, each with its path and line; warnings are returned', async () => {
  const text =
    'honua {\n  version = "1.0"\n  log_level = "loud"\n}\nlayer "a" {\n  title = "A"\n}\n'
  const error = await refusal(parseSource('app.hcl', text, { validator: honuaValidator }))
  assert.equal(error.reason, 'invalid')
  const logLevel = error.issues.find((issue) => issue.key === 'honua.log_level')
  assert.deepEqual([logLevel?.line, logLevel?.column], [3, 3])
  const table = error.issues.find((issue) => issue.key === 'layer.a.table')
  assert.equal(table?.line, 5, 'a missing key is located at its block')
  const ok = await parseSource('app.hcl', 'x = 1\n', {
    validator: () => [{ severity: 'warning', path: 'x', message: 'odd' }],
  })
  assert.deepEqual(ok.warnings, [{ severity: 'warning', path: 'x', message: 'odd' }])
})

test('a file with no settings (empty, blank, comments only) is refused as empty', async () => {
  for (const text of ['', '\n\n', '\uFEFF# nothing here\n/* nor here */\n']) {
    const error = await refusal(parseSource('app.hcl', text))
    assert.equal(error.reason, 'empty', JSON.stringify(text))
    assert.match(error.message, /^app\.hcl:1:1: the file holds no settings/)
  }
  const { tree } = await parseSource('app.hcl', 'block {}\n')
  assert.deepEqual(Object.keys(tree), ['block'])
})
