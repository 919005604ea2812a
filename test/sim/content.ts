import type { ConfigTree, ValidationIssue } from '../../src/source/types.ts'

/**
 * The configurations simulated nodes hold. A small pool of texts makes
 * twins (two edits to the same text) and reverts (an edit back to an old
 * text) common, which is where checksum-based shortcuts go wrong.
 */
export const TEXT_POOL_SIZE = 6

/** The text of pool entry `n` (valid). */
export function poolText(n: number): string {
  return `service "api" {\n  version = ${n}\n}\n`
}

/** A text the validator refuses: the source layer never hands it to the engine. */
export const INVALID_TEXT = 'service "api" {\n  version = "broken"\n}\n'

/** A text only a misbehaving peer produces; `valid` decides whether its tree validates. */
export function bogusText(n: number, valid: boolean): string {
  return valid ? `service "api" {\n  version = ${1000 + n}\n}\n` : `version = "evil-${n}"\n`
}

/**
 * The simulator's stand-in for hcl2json: the tree of a text in the shapes
 * above. Anything else parses to a tree the validator refuses.
 */
export function parseText(text: string): ConfigTree {
  const match = /version = (.+)\n/.exec(text)
  const raw = match?.[1] ?? ''
  const version = /^\d+$/.test(raw) ? Number(raw) : raw
  return text.startsWith('service') ? { service: { api: [{ version }] } } : { version }
}

/** Every tree must carry a numeric `service.api[0].version`. */
export function validate(tree: ConfigTree): ValidationIssue[] {
  const service = tree.service as { api?: Array<{ version?: unknown }> } | undefined
  const version = service?.api?.[0]?.version
  if (typeof version === 'number') return []
  return [{ severity: 'error', path: 'service.api.version', message: 'must be a number' }]
}

/** The source layer: the tree of a valid file, undefined for one it would refuse. */
export function readSource(
  text: string | undefined,
): { text: string; tree: ConfigTree } | undefined {
  if (text === undefined) return undefined
  const tree = parseText(text)
  return validate(tree).length === 0 ? { text, tree } : undefined
}
