/** A value received from outside (a peer, the state directory) is not what it claims to be. */
export class DecodeError extends Error {
  override name = 'DecodeError'
  readonly what: string

  constructor(what: string, reason: string, options?: ErrorOptions) {
    super(`${what}: ${reason}`, options)
    this.what = what
  }
}

/** A snapshot's content does not match its checksum or its origin's signature. */
export class IntegrityError extends Error {
  override name = 'IntegrityError'
}
