import type { PathSegment } from './hcl-outline.ts'
import type { ConfigTree, ConfigValue } from './types.ts'

/** Keys that would reach Object.prototype machinery in any consumer that copies the tree. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

export interface Visit {
  value: ConfigValue
  /** Exact position in the tree, indices included. */
  path: readonly PathSegment[]
  /** The path as people read it: `layer.parcels.geometry.type`, `services[1]`. */
  display: string
}

/**
 * Calls `visit` for every value of the tree, depth first, and `visitKey` for
 * every object key. A block body (the only element of a block array) does not
 * add an index to the display path, so paths read as they are written in HCL.
 */
export function walkTree(
  tree: ConfigTree,
  visit: (entry: Visit) => void,
  visitKey?: (key: string, entry: Visit) => void,
): void {
  walk(tree, [], '', visit, visitKey)
}

function walk(
  value: ConfigValue,
  path: PathSegment[],
  display: string,
  visit: (entry: Visit) => void,
  visitKey?: (key: string, entry: Visit) => void,
): void {
  visit({ value, path, display })
  if (Array.isArray(value)) {
    value.forEach((element, index) => {
      const isBody = value.length === 1 && isObject(element)
      walk(element, [...path, index], isBody ? display : `${display}[${index}]`, visit, visitKey)
    })
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childDisplay = display === '' ? key : `${display}.${key}`
      const childPath = [...path, key]
      visitKey?.(key, { value: child, path: childPath, display: childDisplay })
      walk(child, childPath, childDisplay, visit, visitKey)
    }
  }
}

export function isObject(value: ConfigValue | undefined): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Sets an own data property, so a key such as `__proto__` is carried as data, never as a prototype. */
export function defineValue(target: ConfigTree, key: string, value: ConfigValue): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}
