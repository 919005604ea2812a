import { SourceError } from './errors.ts'

/** 4 MiB: far above any real configuration, far below what would hurt a node to read and parse. */
export const DEFAULT_MAX_SOURCE_BYTES = 4 * 1024 * 1024

/**
 * chokidar 4 and later take a path literally, so a glob would silently watch
 * nothing; config-mesh follows exactly one file and says so.
 */
export function assertNotGlob(path: string): void {
  if (!/[*?[]/.test(path)) return
  throw SourceError.of(path, {
    reason: 'glob',
    message: 'the path contains a glob character (*, ? or [); give the exact path of one file',
  })
}

/** A failed read as a SourceError: `missing` for ENOENT / ENOTDIR, `unreadable` otherwise. */
export function readError(path: string, error: unknown): SourceError {
  const code = (error as NodeJS.ErrnoException)?.code
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return SourceError.of(
      path,
      { reason: 'missing', message: 'source missing' },
      { code, cause: error },
    )
  }
  return SourceError.of(
    path,
    { reason: 'unreadable', message: `cannot be read (${code ?? 'unknown error'})` },
    { code, cause: error },
  )
}

export function tooLarge(file: string, size: number, limit: number): SourceError {
  return SourceError.of(file, {
    reason: 'too-large',
    message: `${size} bytes is over the limit of ${limit} bytes (maxSourceBytes)`,
  })
}
