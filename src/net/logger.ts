/**
 * The logger the network layer writes to: the structured subset of pino's
 * interface (fields first, then a message), so a pino logger can be passed
 * as it is. Fields are ids, checksums, sizes, peers and error messages,
 * never snapshot content.
 */
export interface MeshLogger {
  debug(fields: Record<string, unknown>, message: string): void
  info(fields: Record<string, unknown>, message: string): void
  warn(fields: Record<string, unknown>, message: string): void
  error(fields: Record<string, unknown>, message: string): void
  child?(bindings: Record<string, unknown>): MeshLogger
}

const ignore = (): void => {}

/** Used when no logger is given. */
export const silentLogger: MeshLogger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
})

/** A child logger bound to `component`, or the logger itself when it cannot make children. */
export function componentLogger(logger: MeshLogger, component: string): MeshLogger {
  return logger.child?.({ component }) ?? logger
}

/** The loggable part of an error: its class name and message, never a stack or a cause's data. */
export function errorFields(err: unknown): { err: string } {
  if (err instanceof Error) return { err: `${err.name}: ${err.message}` }
  return { err: String(err) }
}
