import { rewriteEnvColon } from './env-colon.ts'
import type { SourceIssue } from './errors.ts'
import { scanHcl } from './hcl-lexer.ts'
import { Outline, type SourceLocation } from './hcl-outline.ts'
import { checkNumbers } from './number-checks.ts'
import { toParseError } from './parse-error.ts'
import { checkTree } from './tree-checks.ts'
import type { ConfigTree } from './types.ts'

export type Analysis = { ok: true; tree: ConfigTree } | { ok: false; issues: SourceIssue[] }

/**
 * Everything between normalised text and a checked tree: Honua's
 * `${env:NAME}` rewritten, parsed, then refused if hcl2json let through what
 * it should not (inexact numbers, unsupported expressions, reserved keys).
 * It runs in the parse worker, so that even the scanning of a file of
 * several MiB stays off the main thread.
 */
export async function analyzeSource(
  fileName: string,
  text: string,
  parse: (fileName: string, text: string) => Promise<ConfigTree>,
): Promise<Analysis> {
  const scan = scanHcl(text)
  const outline = new Outline(scan.tokens)
  const rewrite = rewriteEnvColon(text, scan.envColonUses)
  let tree: ConfigTree
  try {
    tree = await parse(fileName, rewrite.text)
  } catch (error) {
    const message = String((error as Error)?.message ?? error)
    return {
      ok: false,
      issues: [...toParseError(fileName, message, rewrite.shifts, outline).issues],
    }
  }
  const issues = [...checkNumbers(outline.numbers), ...checkTree(tree, outline)]
  if (issues.length > 0) return { ok: false, issues: sortByPosition(issues) }
  return { ok: true, tree }
}

/** Source positions of dotted paths (`layer.parcels.table`), for naming lines in validator errors. */
export function locatePaths(text: string, paths: readonly string[]): (SourceLocation | null)[] {
  const outline = new Outline(scanHcl(text).tokens)
  return paths.map((path) => outline.locateDotted(path) ?? null)
}

function sortByPosition(issues: SourceIssue[]): SourceIssue[] {
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
}
