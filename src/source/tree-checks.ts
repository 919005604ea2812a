import type { SourceIssue } from './errors.ts'
import type { Outline } from './hcl-outline.ts'
import { parseReference, splitTemplate } from './template.ts'
import { RESERVED_KEYS, type Visit, walkTree } from './tree-walk.ts'
import type { ConfigTree } from './types.ts'

/**
 * Checks on the parsed tree that hcl2json itself does not make: every
 * expression must be one of the supported references (anything else, such as
 * `1000 * 3`, would otherwise reach the application as the string
 * `"${1000 * 3}"`), and no key may be one of the reserved object keys.
 * Positions come from the outline of the source text.
 */
export function checkTree(tree: ConfigTree, outline: Outline): SourceIssue[] {
  const issues: SourceIssue[] = []
  const report = (entry: Visit, issue: Omit<SourceIssue, 'key'>) => {
    issues.push({ ...issue, key: entry.display, ...outline.locate(entry.path) })
  }
  walkTree(
    tree,
    (entry) => {
      if (typeof entry.value !== 'string') return
      const problem = templateProblem(entry.value)
      if (problem !== undefined) report(entry, { reason: 'expression', message: problem })
    },
    (key, entry) => {
      if (RESERVED_KEYS.has(key)) {
        report(entry, { reason: 'reserved-key', message: `"${key}" is a reserved key name` })
      } else if (key.includes('${') || key.includes('%{')) {
        report(entry, { reason: 'expression', message: 'a computed key is not supported' })
      }
    },
  )
  return issues
}

/** Why a string from the tree is not acceptable, or undefined when it is. */
export function templateProblem(value: string): string | undefined {
  const parts = splitTemplate(value)
  for (const part of parts) {
    if (part.kind === 'directive') {
      return `template directive %{${part.expression}} is not supported`
    }
    if (part.kind !== 'interpolation') continue
    const reference = parseReference(part.expression)
    if (reference === undefined) {
      return `expression ${part.expression} is not a supported reference (use env("X"), var.x, file("path") or a block reference such as data_source.x)`
    }
    if (reference.kind === 'block' && parts.length > 1) {
      return `block reference ${part.expression} must be the whole value, not part of a string`
    }
  }
  return undefined
}
