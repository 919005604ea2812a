import type { Token } from './hcl-lexer.ts'

/**
 * Where each key of an HCL file sits, addressed the way hcl2json shapes the
 * tree: a block `layer "parcels" { ... }` is `layer.parcels[0]` (blocks of
 * one type and labels become an array), an object attribute `pool = { ... }`
 * is `pool`, a list element is `services[1]`. With it, a problem found in the
 * parsed tree (which carries no positions) can be reported with its line.
 */

export type PathSegment = string | number

export interface SourceLocation {
  line: number
  column: number
}

/** A number literal as written, with the key it belongs to. */
export interface NumberLiteral extends SourceLocation {
  text: string
  path: PathSegment[]
}

interface Entry extends SourceLocation {
  path: PathSegment[]
  /** Where the definition ends: its closing `}`, or the token that ends its value. */
  end: SourceLocation
}

/** An end not yet known, or a definition cut off by the end of the file. */
const OPEN_END: SourceLocation = { line: Number.POSITIVE_INFINITY, column: 0 }

type Context = 'body' | 'object' | 'list' | 'paren'

export class Outline {
  readonly numbers: NumberLiteral[]
  private readonly entries: Entry[]
  private readonly exact = new Map<string, Entry>()
  private readonly loose = new Map<string, Entry>()

  constructor(tokens: readonly Token[]) {
    const builder = new OutlineBuilder(tokens)
    builder.body([], false)
    // Sorted by position (stable), so keyAt can stop at the first entry past a position.
    this.entries = builder.entries.sort((a, b) => a.line - b.line || a.column - b.column)
    this.numbers = builder.numbers
    for (const entry of this.entries) {
      const exactKey = JSON.stringify(entry.path)
      if (!this.exact.has(exactKey)) this.exact.set(exactKey, entry)
      const looseKey = loosePath(entry.path)
      if (!this.loose.has(looseKey)) this.loose.set(looseKey, entry)
    }
  }

  /** Location of a tree path, or of its nearest located ancestor. */
  locate(path: readonly PathSegment[]): SourceLocation | undefined {
    for (let length = path.length; length > 0; length--) {
      const entry = this.exact.get(JSON.stringify(path.slice(0, length)))
      if (entry !== undefined) return { line: entry.line, column: entry.column }
    }
    return undefined
  }

  /** Location of a dotted path without indices (`layer.parcels.table`), or of its nearest ancestor. */
  locateDotted(path: string): SourceLocation | undefined {
    const parts = path.split('.')
    for (let length = parts.length; length > 0; length--) {
      const entry = this.loose.get(parts.slice(0, length).join('.'))
      if (entry !== undefined) return { line: entry.line, column: entry.column }
    }
    return undefined
  }

  /**
   * The innermost key whose definition spans a position, for naming the key
   * of a parse error. A position between definitions (a line the outline
   * could not read as one, such as a quoted attribute name) belongs to the
   * enclosing block, or to no key at the top level: never to the definition
   * before it.
   */
  keyAt(line: number, column: number): string | undefined {
    const position = { line, column }
    let best: Entry | undefined
    for (const entry of this.entries) {
      if (before(position, entry)) break
      if (!before(entry.end, position)) best = entry
    }
    return best === undefined ? undefined : loosePath(best.path)
  }
}

/** Dotted path with indices dropped: the form validators and people use. */
export function loosePath(path: readonly PathSegment[]): string {
  return path.filter((segment) => typeof segment === 'string').join('.')
}

/**
 * Recursive descent over tokens that mirrors HCL's structure closely enough to
 * name keys. It assumes nothing about validity and always makes progress.
 */
class OutlineBuilder {
  readonly tokens: readonly Token[]
  readonly entries: Entry[] = []
  readonly numbers: NumberLiteral[] = []
  private readonly blockCounts = new Map<string, number>()
  private i = 0

  constructor(tokens: readonly Token[]) {
    this.tokens = tokens
  }

  body(path: PathSegment[], nested: boolean): void {
    while (this.i < this.tokens.length) {
      const token = this.tokens[this.i]!
      if (nested && isPunct(token, '}')) {
        this.i++
        return
      }
      if (token.kind === 'ident' && isPunct(this.tokens[this.i + 1], '=')) {
        const attribute = this.record([...path, token.text], token)
        this.i += 2
        this.expression(attribute.path, 'body')
        attribute.end = this.endAt(this.i)
      } else if (token.kind === 'ident') {
        this.block(path, token)
      } else {
        this.i++
      }
    }
  }

  private block(path: PathSegment[], typeToken: Token): void {
    const labels: { value: string; token: Token }[] = []
    let j = this.i + 1
    for (; j < this.tokens.length; j++) {
      const token = this.tokens[j]!
      if (token.kind === 'string') labels.push({ value: stringValue(token.text), token })
      else if (token.kind === 'ident') labels.push({ value: token.text, token })
      else break
    }
    if (!isPunct(this.tokens[j], '{')) {
      this.i++
      return
    }
    // The type and each label are keys of the tree too (`layer`, `layer.parcels`).
    const base: PathSegment[] = [...path, typeToken.text]
    const keys = [this.record([...base], typeToken)]
    for (const label of labels) {
      base.push(label.value)
      keys.push(this.record([...base], label.token))
    }
    const countKey = JSON.stringify(base)
    const index = this.blockCounts.get(countKey) ?? 0
    this.blockCounts.set(countKey, index + 1)
    const block = this.record([...base, index], typeToken)
    keys.push(block)
    this.i = j + 1
    this.body(block.path, true)
    // body() has consumed the closing brace: the block ends on it.
    const end = this.endAt(this.i - 1)
    for (const key of keys) key.end = end
  }

  private expression(path: PathSegment[], context: Context): void {
    while (this.i < this.tokens.length) {
      const token = this.tokens[this.i]!
      if (ends(token, context)) return
      this.i++
      if (isPunct(token, '{')) this.object(path)
      else if (isPunct(token, '[')) this.list(path)
      else if (isPunct(token, '(')) this.paren(path)
      else if (token.kind === 'number' && !isPunct(this.tokens[this.i - 2], '.')) {
        this.numbers.push({ text: token.text, line: token.line, column: token.column, path })
      }
    }
  }

  private paren(path: PathSegment[]): void {
    this.expression(path, 'paren')
    if (isPunct(this.tokens[this.i], ')')) this.i++
  }

  private object(path: PathSegment[]): void {
    while (this.i < this.tokens.length) {
      const token = this.tokens[this.i]!
      if (token.kind === 'newline' || isPunct(token, ',')) {
        this.i++
        continue
      }
      if (isPunct(token, '}')) {
        this.i++
        return
      }
      const next = this.tokens[this.i + 1]
      const start = this.i
      if ((token.kind === 'ident' || token.kind === 'string') && isAssign(next)) {
        const key = token.kind === 'string' ? stringValue(token.text) : token.text
        const entry = this.record([...path, key], token)
        this.i += 2
        this.expression(entry.path, 'object')
        entry.end = this.endAt(this.i)
      } else {
        this.expression(path, 'object')
      }
      if (this.i === start) this.i++
    }
  }

  private list(path: PathSegment[]): void {
    let index = 0
    while (this.i < this.tokens.length) {
      const token = this.tokens[this.i]!
      if (token.kind === 'newline') {
        this.i++
        continue
      }
      if (isPunct(token, ']')) {
        this.i++
        return
      }
      if (isPunct(token, ',')) {
        index++
        this.i++
        continue
      }
      const element = this.record([...path, index], token)
      const start = this.i
      this.expression(element.path, 'list')
      element.end = this.endAt(this.i)
      if (this.i === start) this.i++
    }
  }

  private record(path: PathSegment[], token: Token): Entry {
    const entry = { path, line: token.line, column: token.column, end: OPEN_END }
    this.entries.push(entry)
    return entry
  }

  /** The position of token `index`, where a definition ends; open when past the last token. */
  private endAt(index: number): SourceLocation {
    const token = this.tokens[index]
    return token === undefined ? OPEN_END : { line: token.line, column: token.column }
  }
}

/** Whether position `a` comes strictly before position `b`. */
function before(a: SourceLocation, b: SourceLocation): boolean {
  return a.line < b.line || (a.line === b.line && a.column < b.column)
}

function ends(token: Token, context: Context): boolean {
  switch (context) {
    case 'body':
      return token.kind === 'newline' || isPunct(token, '}')
    case 'object':
      return token.kind === 'newline' || isPunct(token, ',') || isPunct(token, '}')
    case 'list':
      return isPunct(token, ',') || isPunct(token, ']')
    case 'paren':
      return isPunct(token, ')')
  }
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token !== undefined && token.kind === 'punct' && token.text === text
}

function isAssign(token: Token | undefined): boolean {
  return isPunct(token, '=') || isPunct(token, ':')
}

/** The value of a quoted literal used as a label or key; escapes decoded where JSON agrees with HCL. */
function stringValue(quoted: string): string {
  try {
    return JSON.parse(quoted) as string
  } catch {
    return quoted.slice(1, -1)
  }
}
