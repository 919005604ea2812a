// biome-ignore-all lint/suspicious/noTemplateCurlyInString: HCL templates are written with a literal ${ in these strings
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
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

test('a parse error inside a block but outside any attribute names the block, not the key before it', () => {
  const outline = new Outline(scanHcl('b {\n  c = 2\n  "q" = 3\n}\ntop = 1\n"r" = 2\n').tokens)
  assert.equal(outline.keyAt(2, 7), 'b.c')
  assert.equal(outline.keyAt(3, 3), 'b')
  assert.equal(outline.keyAt(5, 7), 'top')
  assert.equal(outline.keyAt(6, 1), undefined)
})

test('an attribute with no value spans its line, so its error names it', () => {
  const outline = new Outline(scanHcl('a {\n  x =\n}\n').tokens)
  assert.equal(outline.keyAt(2, 6), 'a.x')
})

test('number literals: exact, too big, too small, and ordinary fractions', () => {
  assert.equal(numberProblem('9007199254740991'), undefined)
  assert.match(numberProblem('9007199254740992') ?? '', /beyond 9007199254740991/)
  assert.match(numberProblem('9007199254740993') ?? '', /silently become 9007199254740992/)
  assert.match(numberProblem('1e20') ?? '', /beyond/)
  assert.match(numberProblem('1e400') ?? '', /null/)
  assert.match(numberProblem('1e-400') ?? '', /become 0/)
  for (const ok of ['0', '0.0', '0.1', '1.5e3', '2.5e-3', '123456.789', '1e15', '0.1000']) {
    assert.equal(numberProblem(ok), undefined, ok)
  }
})

test('a fraction that would not come back as written is refused, however large or precise', () => {
  assert.match(
    numberProblem('12345678901234567890.5') ?? '',
    /cannot be carried exactly \(it would silently become 12345678901234567000\)/,
  )
  assert.match(numberProblem('9007199254740993.5') ?? '', /become 9007199254740994/)
  assert.match(numberProblem('9007199254740991.5') ?? '', /become 9007199254740992/)
  assert.match(numberProblem('0.30000000000000001') ?? '', /become 0\.3\b/)
  assert.match(numberProblem('1.00000000000000001e-5') ?? '', /become 0\.00001\b/)
})

test('every finite double written the way JavaScript prints it is accepted and reads back equal', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
      const text = String(Math.abs(value)).replace('e+', 'e')
      const problem = numberProblem(text)
      const unsafeInteger = Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER
      assert.equal(problem === undefined, !unsafeInteger, `${text}: ${problem}`)
      assert.equal(Number(text), Math.abs(value))
    }),
    { numRuns: 2000 },
  )
})

test('a decimal literal is accepted only when its double reads back with the same value', () => {
  const literal = fc
    .tuple(
      fc.stringMatching(/^\d{1,22}$/),
      fc.option(fc.stringMatching(/^\d{1,22}$/), { nil: undefined }),
      fc.option(fc.integer({ min: -30, max: 30 }), { nil: undefined }),
    )
    .map(([whole, fraction, exponent]) => {
      const frac = fraction === undefined ? '' : `.${fraction}`
      return `${whole}${frac}${exponent === undefined ? '' : `e${exponent}`}`
    })
  fc.assert(
    fc.property(literal, (text) => {
      if (numberProblem(text) !== undefined) return
      // Accepted: the value printed from the double is the value written.
      const written = exactDecimal(text)
      const printed = exactDecimal(String(Number(text)).replace('e+', 'e'))
      assert.equal(printed, written, text)
    }),
    { numRuns: 3000 },
  )
})

/** A decimal literal's exact value as a reduced fraction "n/d", for comparing two spellings. */
function exactDecimal(text: string): string {
  const [mantissa = '', exponent = '0'] = text.split(/e/i)
  const [whole = '', fraction = ''] = mantissa.split('.')
  let n = BigInt(`${whole}${fraction}` || '0')
  let d = 10n ** BigInt(fraction.length)
  const e = Number(exponent)
  if (e >= 0) n *= 10n ** BigInt(e)
  else d *= 10n ** BigInt(-e)
  const divisor = gcd(n, d)
  return `${n / divisor}/${d / divisor}`
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? (a === 0n ? 1n : a) : gcd(b, a % b)
}
