/**
 * The logging surface the source layer uses: a subset of pino's, so a pino
 * child logger can be passed as it is. Log lines carry paths, sizes, codes
 * and counts, never configuration content.
 */
export interface SourceLogger {
  debug(fields: Record<string, unknown>, message?: string): void
  info(fields: Record<string, unknown>, message?: string): void
  warn(fields: Record<string, unknown>, message?: string): void
  error(fields: Record<string, unknown>, message?: string): void
}

const ignore = () => {}

export const silentLogger: SourceLogger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
})
