/**
 * Shape check of a configuration tree received from outside. A tree is JSON
 * data: plain objects, arrays, strings, finite numbers, booleans and null.
 * Keys that would reach Object.prototype machinery are refused, and depth is
 * bounded so a hostile peer cannot exhaust the stack.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const MAX_DEPTH = 64

export function treeProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'the root is not a map'
  }
  return valueProblem(value, '', 0)
}

function valueProblem(value: unknown, path: string, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} at ${path}`
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : `${path || 'value'} is not a finite number`
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = valueProblem(value[i], `${path}[${i}]`, depth + 1)
      if (problem !== undefined) return problem
    }
    return undefined
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const key of Object.keys(value)) {
      const at = path === '' ? key : `${path}.${key}`
      if (RESERVED_KEYS.has(key)) return `reserved key ${at}`
      const problem = valueProblem((value as Record<string, unknown>)[key], at, depth + 1)
      if (problem !== undefined) return problem
    }
    return undefined
  }
  return `${path || 'value'} is not JSON data`
}
