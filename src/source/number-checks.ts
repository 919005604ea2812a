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
 * Fractions such as 0.1 round as every JSON number does and are accepted.
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
  const exact = exactInteger(digits, Number(exponent) - fraction.length)
  if (exact !== undefined && exact > MAX_EXACT) {
    const becomes = BigInt(value) === exact ? '' : ` (it would silently become ${BigInt(value)})`
    return `integer ${text} is beyond ${MAX_EXACT} (2^53 - 1) and cannot be carried exactly${becomes}`
  }
  return undefined
}

/** The literal's value when it is an integer (digits × 10^scale), else undefined. */
function exactInteger(digits: string, scale: number): bigint | undefined {
  if (scale >= 0) return BigInt(digits) * 10n ** BigInt(scale)
  const dropped = digits.slice(scale)
  if (!/^0+$/.test(dropped)) return undefined
  return BigInt(digits.slice(0, scale) || '0')
}
