import type { EnvColonUse } from './hcl-lexer.ts'

/**
 * Honua writes environment references as `"${env:NAME}"`, which plain HCL2
 * rejects ("Extra characters after interpolation expression"). Before parsing,
 * each such use found by the lexer in the literal part of a string or heredoc
 * is rewritten to `${env("NAME")}`, so the tree holds exactly what `env("NAME")`
 * produces and the application cannot tell the two spellings apart. The
 * rewrite never adds or removes a line; it lengthens a line by 3 characters
 * per use, and `originalColumn` maps a parser position back.
 */

export interface ColumnShift {
  line: number
  /** Column, in the rewritten text, just past the rewritten use. */
  rewrittenEnd: number
  /** Column in the rewritten text where the use starts. */
  rewrittenStart: number
  /** Characters added to the line by this and every earlier use on it. */
  totalDelta: number
}

export interface EnvColonRewrite {
  text: string
  shifts: ColumnShift[]
}

export function rewriteEnvColon(text: string, uses: readonly EnvColonUse[]): EnvColonRewrite {
  if (uses.length === 0) return { text, shifts: [] }
  const pieces: string[] = []
  const shifts: ColumnShift[] = []
  let cursor = 0
  let line = 1
  let lineStart = 0
  let lineDelta = 0
  for (const use of uses) {
    for (
      let i = text.indexOf('\n', cursor);
      i !== -1 && i < use.start;
      i = text.indexOf('\n', i + 1)
    ) {
      line++
      lineStart = i + 1
      lineDelta = 0
    }
    const replacement = `\${env("${use.name}")}`
    pieces.push(text.slice(cursor, use.start), replacement)
    const rewrittenStart = use.start - lineStart + 1 + lineDelta
    lineDelta += replacement.length - (use.end - use.start)
    shifts.push({
      line,
      rewrittenStart,
      rewrittenEnd: rewrittenStart + replacement.length,
      totalDelta: lineDelta,
    })
    cursor = use.end
  }
  pieces.push(text.slice(cursor))
  return { text: pieces.join(''), shifts }
}

/** Maps a column reported against the rewritten text back to the source as written. */
export function originalColumn(
  shifts: readonly ColumnShift[],
  line: number,
  column: number,
): number {
  let delta = 0
  for (const shift of shifts) {
    if (shift.line !== line || shift.rewrittenStart > column) continue
    // A position inside a rewritten use points at the use's start.
    if (column < shift.rewrittenEnd) return shift.rewrittenStart - (shift.totalDelta - 3)
    delta = shift.totalDelta
  }
  return column - delta
}
