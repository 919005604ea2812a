// biome-ignore-all lint/suspicious/noTemplateCurlyInString: HCL templates are written with a literal ${ in these strings
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { originalColumn, rewriteEnvColon } from '../../src/source/env-colon.ts'
import { scanHcl } from '../../src/source/hcl-lexer.ts'
import { Outline } from '../../src/source/hcl-outline.ts'
import { numberProblem } from '../../src/source/number-checks.ts'

test('finds ${env:NAME} in strings and heredocs, not in comments or after an escape', () => {
  const text = [
    '# "${env:IN_COMMENT}"',
    'a = "x${env:ONE}y"',
    'b = "$${env:ESCAPED}"',
    'c = <<EOT',
    'line ${env:TWO}',
    'EOT',
    '/* "${env:BLOCK_COMMENT}" */',
    'd = "${ "nested ${env:THREE}" }"',
  ].join('\n')
  const names = scanHcl(text).envColonUses.map((use) => use.name)
  assert.deepEqual(names, ['ONE', 'TWO', 'THREE'])
})

test('the ${env:} rewrite keeps every line and maps columns back', () => {
  const text = 'a = "${env:A}-${env:B}" x\nb = 1\n'
  const { text: rewritten, shifts } = rewriteEnvColon(text, scanHcl(text).envColonUses)
  assert.equal(rewritten, 'a = "${env("A")}-${env("B")}" x\nb = 1\n')
  assert.equal(rewritten.split('\n').length, text.split('\n').length)
  // `x` is at column 25 as written and 31 after the rewrite.
  assert.equal(originalColumn(shifts, 1, 31), 25)
  assert.equal(originalColumn(shifts, 1, 3), 3)
  assert.equal(originalColumn(shifts, 2, 5), 5)
  // A column inside a rewritten use points at the use as written.
  assert.equal(originalColumn(shifts, 1, 20), 15)
})

test('the outline names keys the way hcl2json shapes the tree', () => {
  const text =
    'layer "a" {\n  geometry {\n    type = "Point"\n  }\n  services = [\n    "x",\n    { y = 1 }\n  ]\n}\nlayer "a" {\n  t = 2\n}\npool = { min = 1 }\n'
  const outline = new Outline(scanHcl(text).tokens)
  assert.deepEqual(outline.locate(['layer', 'a', 0, 'geometry', 0, 'type']), { line: 3, column: 5 })
  assert.deepEqual(outline.locate(['layer', 'a', 0, 'services', 1, 'y']), { line: 7, column: 7 })
  assert.deepEqual(outline.locate(['layer', 'a', 1, 't']), { line: 11, column: 3 })
  assert.deepEqual(outline.locate(['pool', 'min']), { line: 13, column: 10 })
  assert.deepEqual(outline.locateDotted('layer.a.geometry.srid'), { line: 2, column: 3 })
  assert.equal(outline.keyAt(7, 9), 'layer.a.services.y')
})

test('number literals: exact, too big, too small, and ordinary fractions', () => {
  assert.equal(numberProblem('9007199254740991'), undefined)
  assert.match(numberProblem('9007199254740992') ?? '', /beyond 9007199254740991/)
  assert.match(numberProblem('9007199254740993') ?? '', /silently become 9007199254740992/)
  assert.match(numberProblem('1e20') ?? '', /beyond/)
  assert.match(numberProblem('1e400') ?? '', /null/)
  assert.match(numberProblem('1e-400') ?? '', /become 0/)
  for (const ok of ['0', '0.0', '0.1', '1.5e3', '2.5e-3', '123456.789', '1e15']) {
    assert.equal(numberProblem(ok), undefined, ok)
  }
})
