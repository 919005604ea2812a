import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { decodeUtf8 } from './encoding.ts'
import { SourceError, type SourceIssue } from './errors.ts'
import { assertNotGlob, DEFAULT_MAX_SOURCE_BYTES, readError, tooLarge } from './file-checks.ts'
import { normalizeText } from './normalize.ts'
import { type HclParser, sharedParser } from './parser.ts'
import type { ConfigTree, ValidationIssue, Validator } from './types.ts'

export interface LoadOptions {
  /**
   * Largest source accepted, in bytes, checked before the file is read.
   * @default 4194304 (4 MiB)
   */
  maxSourceBytes?: number
  /** Checks the parsed tree; its errors refuse the source, its warnings are returned. */
  validator?: Validator
  /** The parser to use; by default one process-wide worker-backed parser. */
  parser?: HclParser
}

export interface ParsedSource {
  /** The normalised text (no byte-order mark, LF line endings): what gets checksummed. */
  text: string
  tree: ConfigTree
  warnings: ValidationIssue[]
}

export interface LoadedSource extends ParsedSource {
  path: string
}

/**
 * Reads, parses and checks one configuration file. Every refusal is a
 * SourceError naming the file and, where there is one, line, column and key;
 * a missing file is `reason: 'missing'` with `code: 'ENOENT'`.
 */
export async function loadSource(path: string, options: LoadOptions = {}): Promise<LoadedSource> {
  assertNotGlob(path)
  const bytes = await readSourceFile(path, maxBytes(options))
  const parsed = await parseSource(path, bytes, options)
  return { path, ...parsed }
}

/**
 * Parses and checks configuration text already in memory (from the watcher,
 * the command line or a test). `fileName` is used in messages only.
 */
export async function parseSource(
  fileName: string,
  raw: string | Uint8Array,
  options: LoadOptions = {},
): Promise<ParsedSource> {
  // 1. Bound the input before doing anything with it.
  const limit = maxBytes(options)
  const size = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.byteLength
  if (size > limit) throw tooLarge(fileName, size, limit)

  // 2. Decode strictly and normalise, so every node sees the same text.
  const text = normalizeText(typeof raw === 'string' ? raw : decodeUtf8(fileName, raw))

  // 3. Rewrite Honua's `${env:NAME}`, parse, and refuse what hcl2json lets through
  //    silently (inexact numbers, expressions, reserved keys): all in the worker.
  const parser = options.parser ?? sharedParser()
  const analysis = await parser.analyze(fileName, text)
  if (!analysis.ok) throw new SourceError({ file: fileName, issues: analysis.issues })
  const { tree } = analysis

  // 4. A file with no settings at all (empty, blank or comments only) is valid
  //    HCL, but is what a truncation, a failed generator or a stray `> file`
  //    leaves behind far more often than anyone's intent; taken as a version it
  //    would wipe every node's configuration. It is refused like a parse error.
  if (Object.keys(tree).length === 0) throw emptySource(fileName)

  // 5. Validate: errors refuse, warnings travel with the result.
  const findings = options.validator?.(tree) ?? []
  const errors = findings.filter((finding) => finding.severity === 'error')
  if (errors.length > 0) throw await validationError(fileName, text, errors, parser)
  return { text, tree, warnings: findings.filter((finding) => finding.severity === 'warning') }
}

function emptySource(fileName: string): SourceError {
  const message = 'the file holds no settings; an empty configuration is never taken as a version'
  return SourceError.of(fileName, { reason: 'empty', message, line: 1, column: 1 })
}

function maxBytes(options: LoadOptions): number {
  const limit = options.maxSourceBytes ?? DEFAULT_MAX_SOURCE_BYTES
  if (!Number.isInteger(limit) || limit <= 0) {
    throw new RangeError(`maxSourceBytes must be a positive integer, got ${limit}`)
  }
  return limit
}

/** Reads a regular file of at most `limit` bytes, refusing before reading when it is larger. */
async function readSourceFile(path: string, limit: number): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    // O_NONBLOCK: opening a FIFO put at the path must not hang the load.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    throw readError(path, error)
  }
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) {
      throw SourceError.of(path, { reason: 'unreadable', message: 'not a regular file' })
    }
    if (stats.size > limit) throw tooLarge(path, stats.size, limit)
    const bytes = await handle.readFile()
    if (bytes.byteLength > limit) throw tooLarge(path, bytes.byteLength, limit)
    return bytes
  } catch (error) {
    throw error instanceof SourceError ? error : readError(path, error)
  } finally {
    await handle.close()
  }
}

async function validationError(
  file: string,
  text: string,
  errors: ValidationIssue[],
  parser: HclParser,
): Promise<SourceError> {
  const locations = await parser.locate(
    text,
    errors.map((error) => error.path),
  )
  const issues: SourceIssue[] = errors.map((error, index) => ({
    reason: 'invalid',
    message: error.message,
    key: error.path,
    ...locations[index],
  }))
  return new SourceError({ file, issues })
}
