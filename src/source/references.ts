import { isAbsolute, resolve as resolvePath } from 'node:path'
import { ResolutionError } from './errors.ts'
import { describeReference, parseReference, type Reference, splitTemplate } from './template.ts'
import { defineValue, isObject } from './tree-walk.ts'
import type { ConfigTree, ConfigValue } from './types.ts'

/**
 * Local resolution of references, done on each node after transfer so that
 * secrets never enter a snapshot.
 *
 * - `env("X")` and Honua's `"${env:X}"` (already rewritten to the same form
 *   at load) take `context.env.X`; unset is an error, empty is a value.
 * - `var.x` takes `context.variables.x` if given (taken literally, never
 *   as a template), else the `default` of a `variable "x" { default = ... }`
 *   block in the tree (Terraform's spelling). Defaults may use env() and
 *   file() but not other variables, so there are no cycles to detect.
 * - `file("/path")` takes the file's content as it is (relative paths
 *   against `context.baseDir`); every file read is listed in `files` so the
 *   caller can watch it and re-resolve when it changes.
 * - Block references such as `data_source.city_gis` are kept, as the dotted
 *   string `"data_source.city_gis"`: that is how Honua itself reads them, and
 *   it lets a plain id (`"postgres-primary"`) and a reference be handled
 *   alike. The parsed tree keeps hcl2json's `"${data_source.city_gis}"`
 *   form; `blockReference()` recognises it there.
 * - Template escapes `$${` and `%%{` become the literal `${` and `%{`.
 *
 * The input tree is never modified. Errors name the reference and its place
 * in the tree, never a value.
 */
export interface ResolveContext {
  env: Record<string, string | undefined>
  /** Overrides for `variable` block defaults. */
  variables?: Record<string, ConfigValue>
  /** Reads a file referenced by file(); its result is never logged or embedded in errors. */
  readFile: (path: string) => string
  /** Directory against which relative file() paths resolve. @default process.cwd() */
  baseDir?: string
}

export interface Resolved {
  effective: ConfigTree
  /** Absolute paths of the files read through file() references, in first-use order. */
  files: string[]
}

export function resolveReferences(tree: ConfigTree, context: ResolveContext): Resolved {
  const resolver = new Resolver(tree, context)
  const effective = resolver.value(tree, '', true) as ConfigTree
  return { effective, files: [...resolver.fileContents.keys()] }
}

/**
 * Every reference in `tree` that cannot be resolved in `context`, in tree
 * order, one per value: what resolveReferences would throw for, listed all at
 * once (for a check run before any node is, such as `config-mesh validate`).
 */
export function unresolvedReferences(tree: ConfigTree, context: ResolveContext): ResolutionError[] {
  const unresolved: ResolutionError[] = []
  new Resolver(tree, context, unresolved).value(tree, '', true)
  return unresolved
}

class Resolver {
  readonly context: ResolveContext
  readonly fileContents = new Map<string, string>()
  private readonly defaults: Map<string, { value: ConfigValue; path: string }>
  /** When given, failures are collected here (the value becomes "") instead of thrown. */
  private readonly unresolved: ResolutionError[] | undefined

  constructor(tree: ConfigTree, context: ResolveContext, unresolved?: ResolutionError[]) {
    this.context = context
    this.defaults = variableDefaults(tree)
    this.unresolved = unresolved
  }

  value(value: ConfigValue, path: string, allowVariables: boolean): ConfigValue {
    if (typeof value === 'string') return this.string(value, path, allowVariables)
    if (Array.isArray(value)) {
      // A block body (the only element of a block array) adds no index: `layer.a.table`.
      return value.map((element, index) => {
        const isBody = value.length === 1 && isObject(element)
        return this.value(element, isBody ? path : `${path}[${index}]`, allowVariables)
      })
    }
    if (isObject(value)) {
      const copy: ConfigTree = {}
      for (const [key, child] of Object.entries(value)) {
        defineValue(
          copy,
          key,
          this.value(child, path === '' ? key : `${path}.${key}`, allowVariables),
        )
      }
      return copy
    }
    return value
  }

  private string(value: string, path: string, allowVariables: boolean): ConfigValue {
    try {
      return this.template(value, path, allowVariables)
    } catch (err) {
      if (this.unresolved === undefined || !(err instanceof ResolutionError)) throw err
      this.unresolved.push(err)
      return ''
    }
  }

  private template(value: string, path: string, allowVariables: boolean): ConfigValue {
    const parts = splitTemplate(value)
    const only = parts.length === 1 ? parts[0]! : undefined
    if (only?.kind === 'text') return only.text
    if (only?.kind === 'interpolation') {
      return this.reference(only.expression, path, allowVariables)
    }
    let text = ''
    for (const part of parts) {
      if (part.kind === 'text') {
        text += part.text
        continue
      }
      if (part.kind === 'directive') {
        throw new ResolutionError(`%{${part.expression}}`, path, 'unsupported')
      }
      const resolved = this.reference(part.expression, path, allowVariables)
      if (typeof resolved === 'object') {
        throw new ResolutionError(part.expression, path, 'not-text')
      }
      text += String(resolved)
    }
    return text
  }

  private reference(expression: string, path: string, allowVariables: boolean): ConfigValue {
    const reference = parseReference(expression)
    if (reference === undefined) throw new ResolutionError(expression, path, 'unsupported')
    switch (reference.kind) {
      case 'env':
        return this.env(reference, path)
      case 'file':
        return this.file(reference, path)
      case 'var':
        if (!allowVariables)
          throw new ResolutionError(describeReference(reference), path, 'unsupported')
        return this.variable(reference.name, path)
      case 'block':
        return `${reference.type}.${reference.name}`
    }
  }

  private env(reference: Reference & { kind: 'env' }, path: string): string {
    const value = Object.hasOwn(this.context.env, reference.name)
      ? this.context.env[reference.name]
      : undefined
    if (value === undefined) throw new ResolutionError(describeReference(reference), path, 'unset')
    return value
  }

  private file(reference: Reference & { kind: 'file' }, path: string): string {
    const base = this.context.baseDir ?? process.cwd()
    const absolute = isAbsolute(reference.path) ? reference.path : resolvePath(base, reference.path)
    const cached = this.fileContents.get(absolute)
    if (cached !== undefined) return cached
    try {
      const content = this.context.readFile(absolute)
      this.fileContents.set(absolute, content)
      return content
    } catch (error) {
      const code = (error as NodeJS.ErrnoException)?.code
      // The read error is not kept as the cause: some readers put content in messages.
      throw new ResolutionError(describeReference(reference), path, 'unreadable', { code })
    }
  }

  private variable(name: string, path: string): ConfigValue {
    const overrides = this.context.variables
    if (
      overrides !== undefined &&
      Object.hasOwn(overrides, name) &&
      overrides[name] !== undefined
    ) {
      return copyValue(overrides[name])
    }
    const declared = this.defaults.get(name)
    if (declared === undefined) throw new ResolutionError(`var.${name}`, path, 'undefined-variable')
    return this.value(declared.value, declared.path, false)
  }
}

/** `variable "x" { default = ... }` blocks of the tree, by name. */
function variableDefaults(tree: ConfigTree): Map<string, { value: ConfigValue; path: string }> {
  const defaults = new Map<string, { value: ConfigValue; path: string }>()
  const blocks = tree.variable
  if (!isObject(blocks)) return defaults
  for (const [name, bodies] of Object.entries(blocks)) {
    const body = Array.isArray(bodies) ? bodies[0] : bodies
    if (isObject(body) && Object.hasOwn(body, 'default')) {
      defaults.set(name, { value: body.default!, path: `variable.${name}.default` })
    }
  }
  return defaults
}

/** A deep copy of plain data, so the effective tree shares nothing with its inputs. */
function copyValue(value: ConfigValue): ConfigValue {
  if (Array.isArray(value)) return value.map(copyValue)
  if (!isObject(value)) return value
  const copy: ConfigTree = {}
  for (const [key, child] of Object.entries(value)) defineValue(copy, key, copyValue(child))
  return copy
}
