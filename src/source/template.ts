/**
 * hcl2json hands every expression back as a string template: `env("X")`
 * becomes `"${env(\"X\")}"`, `data_source.db` becomes `"${data_source.db}"`,
 * `1000 * 3` becomes `"${1000 * 3}"`, and literal `$${` / `%%{` escapes are
 * kept as written. This module splits such strings into text and
 * interpolations and recognises the few references config-mesh supports.
 */

export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'interpolation'; expression: string }
  | { kind: 'directive'; expression: string }

export type Reference =
  | { kind: 'env'; name: string }
  | { kind: 'var'; name: string }
  | { kind: 'file'; path: string }
  | { kind: 'block'; type: string; name: string }

/** Splits a template string; escapes (`$${`, `%%{`) become the literal text they stand for. */
export function splitTemplate(value: string): TemplatePart[] {
  const parts: TemplatePart[] = []
  let text = ''
  let i = 0
  while (i < value.length) {
    if (value.startsWith('$${', i) || value.startsWith('%%{', i)) {
      text += `${value[i]}{`
      i += 3
      continue
    }
    const opener = value.startsWith('${', i)
      ? 'interpolation'
      : value.startsWith('%{', i)
        ? 'directive'
        : undefined
    if (opener === undefined) {
      text += value[i]
      i++
      continue
    }
    const close = closingBrace(value, i + 2)
    if (text !== '') parts.push({ kind: 'text', text })
    text = ''
    parts.push({ kind: opener, expression: value.slice(i + 2, close).trim() })
    i = close + 1
  }
  if (text !== '' || parts.length === 0) parts.push({ kind: 'text', text })
  return parts
}

/** Offset of the brace closing an interpolation whose body starts at `from`, skipping nested strings. */
function closingBrace(value: string, from: number): number {
  let depth = 0
  let quoted = false
  for (let i = from; i < value.length; i++) {
    const c = value[i]
    if (quoted) {
      if (c === '\\') i++
      else if (c === '"') quoted = false
    } else if (c === '"') {
      quoted = true
    } else if (c === '{') {
      depth++
    } else if (c === '}') {
      if (depth === 0) return i
      depth--
    }
  }
  return value.length
}

const ENV_CALL = /^env\(\s*"([A-Za-z_][A-Za-z0-9_.-]*)"\s*\)$/
const FILE_CALL = /^file\(\s*"([^"\\$%]+)"\s*\)$/
const TRAVERSAL = /^([\p{L}_][\p{L}\p{N}_-]*)\.([\p{L}_][\p{L}\p{N}_-]*)$/u

/**
 * Roots that HCL tools give a meaning config-mesh does not implement, so
 * `local.x` or `each.key` is refused instead of being mistaken for a block
 * reference.
 */
const RESERVED_ROOTS = new Set(['local', 'each', 'count', 'self', 'path', 'module', 'terraform'])

/** The reference an interpolation expression stands for, or undefined if it is not supported. */
export function parseReference(expression: string): Reference | undefined {
  const env = ENV_CALL.exec(expression)
  if (env !== null) return { kind: 'env', name: env[1]! }
  const file = FILE_CALL.exec(expression)
  if (file !== null) return { kind: 'file', path: file[1]! }
  const traversal = TRAVERSAL.exec(expression)
  if (traversal === null) return undefined
  const [, root, name] = traversal as unknown as [string, string, string]
  if (root === 'var') return { kind: 'var', name }
  if (root === 'env' || root === 'file' || RESERVED_ROOTS.has(root)) return undefined
  return { kind: 'block', type: root, name }
}

/** The reference written the way a user would recognise it in the file. */
export function describeReference(reference: Reference): string {
  switch (reference.kind) {
    case 'env':
      return `env("${reference.name}")`
    case 'file':
      return `file("${reference.path}")`
    case 'var':
      return `var.${reference.name}`
    case 'block':
      return `${reference.type}.${reference.name}`
  }
}

/**
 * If the value is exactly one block reference (`"${data_source.db}"`), that
 * reference. Block references are kept in this string form in both the parsed
 * and the effective tree; applications use this to recognise them.
 */
export function blockReference(value: unknown): { type: string; name: string } | undefined {
  if (typeof value !== 'string') return undefined
  const parts = splitTemplate(value)
  if (parts.length !== 1 || parts[0]!.kind !== 'interpolation') return undefined
  const reference = parseReference(parts[0]!.expression)
  return reference?.kind === 'block' ? { type: reference.type, name: reference.name } : undefined
}
