import type { SourceIssue } from './errors.ts'
import { loosePath, type NumberLiteral } from './hcl-outline.ts'

/**
 * hcl2json carries numbers as JSON numbers, i.e. IEEE doubles, and changes
 * some literals without a word: `9007199254740993` becomes ...992 and `1e400`
 * becomes null. Each literal is checked against the double it will become:
 * the value must be finite, a non-zero literal must not underflow to zero,
 * and an integer (however written, `1e20` included) must lie within the safe
 * range, up to 2^53 - 1, where every integer is carried exactly. The bound is
 * the safe range rather than exactness so the rule is one number to remember,
 * and 2^53 itself, what ...993 silently turns into, is refused too.
 * A fraction must come back as written: the double's shortest decimal form
 * (what every JSON encoder prints) must have the literal's value. `0.1`
 * does; `12345678901234567890.5` (it would print as 12345678901234567000) and
 * `0.30000000000000001` (0.3) do not, so they are refused rather than changed.
 */
export function checkNumbers(numbers: readonly NumberLiteral[]): SourceIssue[] {
  const issues: SourceIssue[] = []
  for (const literal of numbers) {
    const problem = numberProblem(literal.text)
    if (problem === undefined) continue
    issues.push({
      reason: 'number',
      message: problem,
      line: literal.line,
      column: literal.column,
      key: loosePath(literal.path),
    })
  }
  return issues
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER)
const LITERAL = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/

export function numberProblem(text: string): string | undefined {
  const match = LITERAL.exec(text)
  if (match === null) return undefined
  const value = Number(text)
  if (!Number.isFinite(value)) {
    return `number ${text} is too large to represent (it would silently become null)`
  }
  const [, whole, fraction = '', exponent = '0'] = match as unknown as [
    string,
    string,
    string?,
    string?,
  ]
  const digits = `${whole}${fraction}`.replace(/^0+/, '')
  if (value === 0) {
    return digits === ''
      ? undefined
      : `number ${text} is too small to represent (it would silently become 0)`
  }
  const scale = Number(exponent) - fraction.length
  const exact = exactInteger(digits, scale)
  if (exact !== undefined && exact > MAX_EXACT) {
    const becomes = BigInt(value) === exact ? '' : ` (it would silently become ${BigInt(value)})`
    return `integer ${text} is beyond ${MAX_EXACT} (2^53 - 1) and cannot be carried exactly${becomes}`
  }
  if (exact === undefined && !sameDecimal(canonical(digits, scale), printed(value))) {
    return `number ${text} cannot be carried exactly (it would silently become ${value})`
  }
  return undefined
}

/** A decimal as significant digits (no leading or trailing zeros) × 10^scale. */
interface Decimal {
  readonly digits: string
  readonly scale: number
}

function canonical(digits: string, scale: number): Decimal {
  const significant = digits.replace(/^0+/, '')
  const trimmed = significant.replace(/0+$/, '')
  return { digits: trimmed, scale: scale + (significant.length - trimmed.length) }
}

/** The shortest decimal that reads back as `value` (JavaScript's and JSON's), as a Decimal. */
function printed(value: number): Decimal {
  const match = LITERAL.exec(String(Math.abs(value)).replace('e+', 'e'))
  if (match === null) throw new Error(`unexpected number form ${value}`)
  const [, whole = '', fraction = '', exponent = '0'] = match
  return canonical(`${whole}${fraction}`, Number(exponent) - fraction.length)
}

function sameDecimal(a: Decimal, b: Decimal): boolean {
  return a.digits === b.digits && a.scale === b.scale
}

/** The literal's value when it is an integer (digits × 10^scale), else undefined. */
function exactInteger(digits: string, scale: number): bigint | undefined {
  if (scale >= 0) return BigInt(digits) * 10n ** BigInt(scale)
  const dropped = digits.slice(scale)
  if (!/^0+$/.test(dropped)) return undefined
  return BigInt(digits.slice(0, scale) || '0')
}
