/**
 * Why a fetch or head request to a peer failed. The engine branches on it:
 * `busy` and `timeout` mean "try another announcer", `not-found` means the
 * peer moved on from that snapshot, `over-limit` means the snapshot is over
 * this node's own maxSnapshotBytes (no peer can ever deliver it here),
 * `too-large` means the peer refused to send it, over the peer's own limit
 * (a configuration mismatch worth reporting; another peer may serve it),
 * `protocol` is a misbehaving or incompatible peer, `unreachable` means no
 * connection could be made, and `aborted` means the caller's own signal
 * ended the request.
 */
export type FetchFailure =
  | 'not-found'
  | 'busy'
  | 'timeout'
  | 'over-limit'
  | 'too-large'
  | 'protocol'
  | 'unreachable'
  | 'aborted'

/** A request on the fetch protocol did not produce what was asked for. */
export class FetchError extends Error {
  override name = 'FetchError'
  readonly reason: FetchFailure
  /** The peer the request was sent to. */
  readonly peer: string

  constructor(reason: FetchFailure, peer: string, message: string, options?: ErrorOptions) {
    super(`${reason}: ${message}`, options)
    this.reason = reason
    this.peer = peer
  }
}

/** An option given to the network layer is out of its allowed range. */
export class InvalidOptionError extends Error {
  override name = 'InvalidOptionError'
  readonly option: string

  constructor(option: string, value: unknown, allowed: string, options?: ErrorOptions) {
    super(`${option} must be ${allowed}, got ${describeValue(value)}`, options)
    this.option = option
  }
}

/** A method that needs the running libp2p node was called while the network is stopped. */
export class NetworkNotStartedError extends Error {
  override name = 'NetworkNotStartedError'

  constructor(method: string) {
    super(`${method}() needs a started network; call start() first`)
  }
}

/**
 * A short, printable form of a value that may come from outside: strings are
 * quoted and cut, so a hostile peer cannot fill a log line or an error.
 */
export function describeValue(value: unknown, maxChars = 40): string {
  if (typeof value === 'string') {
    const cut = value.length > maxChars ? `${value.slice(0, maxChars)}…` : value
    return JSON.stringify(cut)
  }
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (value === null || typeof value !== 'object') return String(value)
  return 'an object'
}
