/**
 * The parsed configuration tree as hcl2json produces it: the JSON shape of
 * HCL, where blocks become objects keyed by label holding arrays of bodies.
 * Only JSON values appear; numbers are always exactly representable (the
 * loader refuses any literal that is not).
 */
export type ConfigValue = string | number | boolean | null | ConfigValue[] | ConfigTree

export interface ConfigTree {
  [key: string]: ConfigValue
}

/** One finding of a validator, addressed by a dotted path such as `layer.parcels.data_source`. */
export interface ValidationIssue {
  severity: 'error' | 'warning'
  path: string
  message: string
}

/** Checks a parsed tree; errors refuse the configuration, warnings are reported and kept. */
export type Validator = (tree: ConfigTree) => ValidationIssue[]
