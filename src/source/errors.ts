/**
 * Why a configuration source was refused. Callers branch on `reason`; the
 * message is for people.
 */
export type SourceReason =
  | 'missing'
  | 'unreadable'
  | 'too-large'
  | 'encoding'
  | 'glob'
  | 'parse'
  | 'empty'
  | 'timeout'
  | 'number'
  | 'reserved-key'
  | 'expression'
  | 'invalid'

/** One located problem in a source file. `key` is a dotted path such as `layer.parcels.table`. */
export interface SourceIssue {
  reason: SourceReason
  message: string
  line?: number
  column?: number
  key?: string
}

export interface SourceErrorInit {
  file: string
  issues: SourceIssue[]
  /** The file-system error code behind a read failure, such as `ENOENT`. */
  code?: string
  cause?: unknown
}

/**
 * A configuration file that cannot be used as it is. The message names the
 * file, line, column and key of every problem found, one per line, so a single
 * refusal tells the operator everything to fix. The first problem's fields are
 * repeated at the top level for callers that only want one.
 */
export class SourceError extends Error {
  override name = 'SourceError'
  readonly file: string
  readonly reason: SourceReason
  readonly issues: readonly SourceIssue[]
  readonly line?: number
  readonly column?: number
  readonly key?: string
  readonly code?: string

  constructor(init: SourceErrorInit) {
    super(init.issues.map((issue) => formatIssue(init.file, issue)).join('\n'), {
      cause: init.cause,
    })
    const first = init.issues[0]
    this.file = init.file
    this.reason = first?.reason ?? 'invalid'
    this.issues = Object.freeze(init.issues.map((issue) => Object.freeze({ ...issue })))
    this.line = first?.line
    this.column = first?.column
    this.key = first?.key
    this.code = init.code
  }

  /** Shorthand for a refusal with a single problem. */
  static of(file: string, issue: SourceIssue, extra?: { code?: string; cause?: unknown }) {
    return new SourceError({ file, issues: [issue], ...extra })
  }
}

/** `app.hcl:19:24: key "timeout_ms": expression 1000 * 3 is not a supported reference` */
export function formatIssue(file: string, issue: SourceIssue): string {
  let where = file
  if (issue.line !== undefined) where += `:${issue.line}`
  if (issue.line !== undefined && issue.column !== undefined) where += `:${issue.column}`
  const key = issue.key === undefined ? '' : `key "${issue.key}": `
  return `${where}: ${key}${issue.message}`
}

export type ResolutionReason =
  | 'unset'
  | 'undefined-variable'
  | 'unreadable'
  | 'unsupported'
  | 'not-text'

/**
 * A reference that cannot be resolved on this node. It names the reference as
 * written (`env("GIS_DATABASE_URL")`) and where it sits in the tree, never a
 * value: the point of references is that values stay out of logs.
 */
export class ResolutionError extends Error {
  override name = 'ResolutionError'
  readonly reference: string
  readonly path: string
  readonly reason: ResolutionReason
  readonly code?: string

  constructor(
    reference: string,
    path: string,
    reason: ResolutionReason,
    options?: { code?: string; cause?: unknown },
  ) {
    super(
      `${reference} ${RESOLUTION_TEXT[reason]}${options?.code ? ` (${options.code})` : ''} (at ${path})`,
      {
        cause: options?.cause,
      },
    )
    this.reference = reference
    this.path = path
    this.reason = reason
    this.code = options?.code
  }
}

const RESOLUTION_TEXT: Record<ResolutionReason, string> = {
  unset: 'is not set',
  'undefined-variable': 'is not defined: no variable block with a default and no override',
  unreadable: 'cannot be read',
  unsupported: 'is not a supported reference',
  'not-text': 'is not a string, number or bool, so it cannot be part of a string',
}
