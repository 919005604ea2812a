import { parseReference, splitTemplate } from '../template.ts'
import { isObject } from '../tree-walk.ts'
import type { ConfigTree, ConfigValue, ValidationIssue } from '../types.ts'

/**
 * Typed reading of hcl2json trees for validators. HCL lets the same setting
 * be written as a nested block (`pool { }`, an array of one body) or as an
 * object attribute (`pool = { }`); these helpers accept both. A value that is
 * a reference (`env("X")`, `var.x`) is known to be present but its content is
 * only known after resolution, so value checks skip it.
 */

/** One labeled block, such as `layer "parcels" { ... }`. */
export interface LabeledBlock {
  id: string
  body: ConfigTree
  /** `layer.parcels` */
  path: string
}

/** The labeled blocks of one type, plus the ids defined more than once. */
export function labeledBlocks(
  tree: ConfigTree,
  type: string,
): { blocks: LabeledBlock[]; repeated: string[] } {
  const blocks: LabeledBlock[] = []
  const repeated: string[] = []
  const byLabel = tree[type]
  if (!isObject(byLabel)) return { blocks, repeated }
  for (const [id, bodies] of Object.entries(byLabel)) {
    const list = Array.isArray(bodies) ? bodies : [bodies]
    // Honua keeps the last definition of a repeated block.
    const last = list.filter(isObject).at(-1)
    if (last !== undefined) blocks.push({ id, body: last, path: `${type}.${id}` })
    if (list.length > 1) repeated.push(id)
  }
  return { blocks, repeated }
}

/** The bodies of an unlabeled block type (`honua { }`, `rate_limit { }`). */
export function unlabeledBlocks(tree: ConfigTree, type: string): ConfigTree[] {
  return asBodies(tree[type])
}

/** A nested block or object attribute, whichever way it was written. */
export function section(body: ConfigTree | undefined, key: string): ConfigTree | undefined {
  return asBodies(body?.[key])[0]
}

function asBodies(value: ConfigValue | undefined): ConfigTree[] {
  if (Array.isArray(value)) return value.filter(isObject)
  return isObject(value) ? [value] : []
}

export function isReferenceValue(value: ConfigValue | undefined): boolean {
  return typeof value === 'string' && splitTemplate(value).some((part) => part.kind !== 'text')
}

/** A literal string setting; undefined when absent, not a string, or a reference. */
export function literalString(value: ConfigValue | undefined): string | undefined {
  return typeof value === 'string' && !isReferenceValue(value) ? value : undefined
}

/** Present and not blank (a reference counts as present: its value comes at resolution). */
export function isPresent(value: ConfigValue | undefined): boolean {
  if (value === undefined || value === null) return false
  return typeof value !== 'string' || value.trim() !== ''
}

/** A literal number setting; undefined when absent or a reference. */
export function literalNumber(value: ConfigValue | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined
}

/** A literal boolean setting, else the default (a reference also yields the default). */
export function literalBoolean(value: ConfigValue | undefined, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback
}

/**
 * The id a reference-like setting points at, the way Honua reads it: the
 * block reference `data_source.city_gis` (written unquoted), a quoted
 * `"data_source.city_gis"`, or a plain id `"postgres-primary"`. `type` is the
 * block type a reference names, when it names one.
 */
export function referencedId(
  value: ConfigValue | undefined,
): { id: string; type?: string } | undefined {
  if (typeof value !== 'string') return undefined
  const parts = splitTemplate(value)
  if (parts.length === 1 && parts[0]!.kind === 'interpolation') {
    const reference = parseReference(parts[0]!.expression)
    return reference?.kind === 'block' ? { id: reference.name, type: reference.type } : undefined
  }
  if (isReferenceValue(value)) return undefined
  // Honua takes the id after the last dot of a quoted reference: "x.db" names db.
  const dot = value.lastIndexOf('.')
  if (dot < 0) return { id: value }
  const prefix = value.slice(0, value.indexOf('.'))
  const id = value.slice(dot + 1)
  return BLOCK_TYPES.has(prefix) ? { id, type: prefix } : { id }
}

/** Block types whose name may prefix a quoted reference (`"data_source.x"`). */
const BLOCK_TYPES = new Set(['data_source', 'service', 'layer', 'cache'])

/** Collects issues with the same shape everywhere. */
export class Findings {
  readonly issues: ValidationIssue[] = []

  error(path: string, message: string): void {
    this.issues.push({ severity: 'error', path, message })
  }

  warning(path: string, message: string): void {
    this.issues.push({ severity: 'warning', path, message })
  }
}

export function listing(values: Iterable<string>): string {
  const all = [...values]
  return all.length === 0 ? '(none)' : all.join(', ')
}
