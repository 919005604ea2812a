/** The state directory cannot be used: locked by another process, unreadable, or corrupt. */
export class StateDirectoryError extends Error {
  override name = 'StateDirectoryError'
  readonly path: string

  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`state directory ${path}: ${reason}`, options)
    this.path = path
  }
}
