/**
 * A small, forgiving scanner of HCL source. It is not a parser (hcl2json is):
 * it only knows enough of the lexical grammar (strings with `${...}`
 * templates and escapes, heredocs, comments, numbers, identifiers) to find
 * keys and literals in their real positions, so that checks never mistake
 * text inside a string or a comment for configuration. It never throws: on
 * malformed input it produces a best-effort token list and leaves the error
 * to the parser.
 */

export type TokenKind = 'ident' | 'number' | 'string' | 'heredoc' | 'punct' | 'newline'

export interface Token {
  kind: TokenKind
  /** Source text of the token (for strings, including the quotes). */
  text: string
  /** Offset of the first character in the source. */
  start: number
  end: number
  /** 1-based line and column of the first character. */
  line: number
  column: number
}

/** A `${env:NAME}` found in the literal part of a string or heredoc (Honua's form). */
export interface EnvColonUse {
  name: string
  start: number
  end: number
}

export interface ScanResult {
  tokens: Token[]
  envColonUses: EnvColonUse[]
}

const TWO_CHAR_PUNCT = new Set(['==', '!=', '<=', '>=', '=>', '&&', '||', '::'])
const ENV_COLON = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/y
const HEREDOC_START = /<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\n/y

export function scanHcl(text: string): ScanResult {
  return new Scanner(text).run()
}

class Scanner {
  readonly text: string
  readonly tokens: Token[] = []
  readonly envColonUses: EnvColonUse[] = []
  readonly lineStarts: number[] = [0]
  pos = 0

  constructor(text: string) {
    this.text = text
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1)
  }

  run(): ScanResult {
    while (this.pos < this.text.length) this.step()
    return { tokens: this.tokens, envColonUses: this.envColonUses }
  }

  step(): void {
    const c = this.text[this.pos]!
    const start = this.pos
    if (c === ' ' || c === '\t' || c === '\r') {
      this.pos++
    } else if (c === '\n') {
      this.pos++
      this.push('newline', start)
    } else if (c === '#' || this.text.startsWith('//', start)) {
      this.skipLineComment()
    } else if (this.text.startsWith('/*', start)) {
      const close = this.text.indexOf('*/', start + 2)
      this.pos = close === -1 ? this.text.length : close + 2
    } else if (c === '"') {
      this.pos = this.skipQuoted(start)
      this.push('string', start)
    } else if (c === '<' && this.scanHeredoc()) {
      this.push('heredoc', start)
    } else if (isDigit(c)) {
      this.pos = scanNumber(this.text, start)
      this.push('number', start)
    } else if (isIdentStart(c)) {
      this.pos = scanIdent(this.text, start)
      this.push('ident', start)
    } else {
      this.pos += TWO_CHAR_PUNCT.has(this.text.slice(start, start + 2)) ? 2 : 1
      this.push('punct', start)
    }
  }

  push(kind: TokenKind, start: number): void {
    const { line, column } = this.position(start)
    const text = this.text.slice(start, this.pos)
    this.tokens.push({ kind, text, start, end: this.pos, line, column })
  }

  position(offset: number): { line: number; column: number } {
    let low = 0
    let high = this.lineStarts.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if (this.lineStarts[mid]! <= offset) low = mid
      else high = mid - 1
    }
    return { line: low + 1, column: offset - this.lineStarts[low]! + 1 }
  }

  skipLineComment(): void {
    const newline = this.text.indexOf('\n', this.pos)
    this.pos = newline === -1 ? this.text.length : newline
  }

  /** Returns the offset just past the closing quote of the string starting at `start`. */
  skipQuoted(start: number): number {
    let i = start + 1
    while (i < this.text.length) {
      const c = this.text[i]!
      if (c === '"') return i + 1
      // An unterminated string ends at the line's end; the parser reports it.
      if (c === '\n') return i
      if (c === '\\') i += 2
      else i = this.skipTemplateSequence(i)
    }
    return i
  }

  /**
   * At offset `i` inside a template (quoted string or heredoc body): steps over
   * one character, an escaped `$${` / `%%{`, or a whole `${...}` / `%{...}`,
   * recording Honua's `${env:NAME}` form on the way.
   */
  skipTemplateSequence(i: number): number {
    const text = this.text
    if (text.startsWith('$${', i) || text.startsWith('%%{', i)) return i + 3
    if (!text.startsWith('${', i) && !text.startsWith('%{', i)) return i + 1
    ENV_COLON.lastIndex = i
    const match = ENV_COLON.exec(text)
    if (match !== null) {
      this.envColonUses.push({ name: match[1]!, start: i, end: i + match[0].length })
      return i + match[0].length
    }
    return this.skipInterpolation(i + 2)
  }

  /** Skips an interpolation body up to and including its closing brace. */
  skipInterpolation(from: number): number {
    let depth = 0
    let i = from
    while (i < this.text.length) {
      const c = this.text[i]!
      if (c === '"') {
        i = this.skipQuoted(i)
        continue
      }
      if (c === '{') depth++
      if (c === '}') {
        if (depth === 0) return i + 1
        depth--
      }
      i++
    }
    return i
  }

  /** Scans `<<EOT` / `<<-EOT` through its closing marker line; false if this is not a heredoc. */
  scanHeredoc(): boolean {
    HEREDOC_START.lastIndex = this.pos
    const match = HEREDOC_START.exec(this.text)
    if (match === null) return false
    const marker = match[2]!
    let i = this.pos + match[0].length
    while (i < this.text.length) {
      const lineEnd = indexOrEnd(this.text, '\n', i)
      if (this.text.slice(i, lineEnd).trim() === marker) {
        this.pos = lineEnd
        return true
      }
      while (i < lineEnd) i = this.skipTemplateSequence(i)
      i = lineEnd + 1
    }
    this.pos = this.text.length
    return true
  }
}

function indexOrEnd(text: string, search: string, from: number): number {
  const found = text.indexOf(search, from)
  return found === -1 ? text.length : found
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9'
}

function isIdentStart(c: string): boolean {
  return /[\p{L}_]/u.test(c)
}

function scanIdent(text: string, start: number): number {
  let i = start + 1
  while (i < text.length && /[\p{L}\p{N}_-]/u.test(text[i]!)) i++
  return i
}

/** HCL number literal: digits, an optional fraction, an optional exponent. */
function scanNumber(text: string, start: number): number {
  let i = start
  while (isDigit(text[i] ?? '')) i++
  if (text[i] === '.' && isDigit(text[i + 1] ?? '')) {
    i++
    while (isDigit(text[i] ?? '')) i++
  }
  if (text[i] === 'e' || text[i] === 'E') {
    let j = i + 1
    if (text[j] === '+' || text[j] === '-') j++
    if (isDigit(text[j] ?? '')) {
      i = j
      while (isDigit(text[i] ?? '')) i++
    }
  }
  return i
}
