import { type ColumnShift, originalColumn } from './env-colon.ts'
import { SourceError, type SourceIssue } from './errors.ts'
import type { Outline } from './hcl-outline.ts'

/**
 * Turns hcl2json's error text, `parse config: [app.hcl:2,5-3,1: Invalid
 * expression; Expected the start of an expression...]` (several diagnostics
 * are run together, each starting with the file name and range), into a
 * SourceError with one issue per diagnostic, in file order, each naming
 * line, column and, where the outline knows it, the key.
 */
export function toParseError(
  fileName: string,
  message: string,
  shifts: readonly ColumnShift[],
  outline: Outline,
): SourceError {
  const prefix = 'parse config: ['
  const body = message.startsWith(prefix)
    ? message.slice(prefix.length).replace(/\]$/, '')
    : message
  const start = new RegExp(
    `(?:^|\\s)${escapeRegExp(fileName)}:(\\d+),(\\d+)(?:-\\d+(?:,\\d+)?)?: `,
    'g',
  )
  const heads = [...body.matchAll(start)]
  if (heads.length === 0) return SourceError.of(fileName, { reason: 'parse', message: body })
  const issues = heads.map((head, index): SourceIssue => {
    const end = heads[index + 1]?.index ?? body.length
    const line = Number(head[1])
    const column = originalColumn(shifts, line, Number(head[2]))
    const text = body.slice(head.index + head[0].length, end).trim()
    return { reason: 'parse', message: text, line, column, key: outline.keyAt(line, column) }
  })
  issues.sort((a, b) => a.line! - b.line! || a.column! - b.column!)
  return new SourceError({ file: fileName, issues })
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
