import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils'
import { DecodeError, shortChecksum } from '../snapshot/index.ts'
import { errorFields, type MeshLogger } from './logger.ts'
import type { MeshNetworkHandlers } from './options.ts'
import type { NetworkCounters } from './stats.ts'
import {
  decodeRequest,
  encodeResponse,
  type FetchRequest,
  type FetchResponse,
  MAX_REQUEST_BYTES,
} from './wire.ts'

export interface FetchServerInit {
  readonly protocol: string
  readonly maxSnapshotBytes: number
  readonly timeoutMs: number
  readonly maxConcurrentServes: number
}

export interface FetchServerComponents {
  readonly handlers: Pick<MeshNetworkHandlers, 'head' | 'snapshot' | 'invalidMessage'>
  readonly counters: NetworkCounters
  readonly logger: MeshLogger
}

/**
 * Errors lpStream raises for a length prefix that is malformed or over the
 * limit: the peer sent a bad frame, and gets an `error` answer.
 */
const FRAMING_ERRORS = new Set([
  'InvalidMessageLengthError',
  'InvalidDataLengthError',
  'InvalidDataLengthLengthError',
])

/**
 * Bytes buffered from a peer before its request is read. A request is one
 * small frame; a peer that keeps sending is cut off (lpStream aborts the
 * stream once its buffer passes this) instead of filling our memory.
 */
const MAX_REQUEST_BUFFER_BYTES = 4 * MAX_REQUEST_BYTES

/**
 * The serving end of the fetch protocol: one request, one response, then the
 * stream is closed. Snapshot fetches are bounded by maxConcurrentServes, and
 * one more is answered `busy` at once so the asker tries another announcer
 * rather than queueing here. Head requests are answered from memory and are
 * not bounded: a node swamped with fetches must still tell newly connected
 * peers its head. Every stream runs under fetchTimeoutMs and every error is
 * caught here, so a misbehaving peer costs at most one aborted stream.
 */
export class FetchServer {
  readonly #init: FetchServerInit
  readonly #components: FetchServerComponents
  #active = 0

  constructor(init: FetchServerInit, components: FetchServerComponents) {
    this.#init = init
    this.#components = components
  }

  /** Registered before libp2p starts, so identify advertises it from the first connection. */
  async register(node: Libp2p): Promise<void> {
    await node.handle(this.#init.protocol, (stream, connection) => this.#serve(stream, connection))
  }

  async unregister(node: Libp2p): Promise<void> {
    await node.unhandle(this.#init.protocol)
  }

  async #serve(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const signal = AbortSignal.timeout(this.#init.timeoutMs)
    const onTimeout = () => stream.abort(new Error(`no exchange within ${this.#init.timeoutMs} ms`))
    signal.addEventListener('abort', onTimeout, { once: true })
    try {
      const lp = lpStream(stream, {
        maxDataLength: MAX_REQUEST_BYTES,
        maxBufferSize: MAX_REQUEST_BUFFER_BYTES,
      })
      const request = await this.#readRequest(lp, peer, signal)
      await this.#answer(lp, peer, request, signal)
      await stream.close({ signal })
    } catch (err) {
      this.#components.logger.debug({ peer, ...errorFields(err) }, 'fetch stream failed')
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    } finally {
      signal.removeEventListener('abort', onTimeout)
    }
  }

  /** `request` is a decoded request, or the error response a malformed one gets. */
  async #answer(
    lp: LengthPrefixedStream,
    peer: string,
    request: FetchRequest | FetchResponse,
    signal: AbortSignal,
  ): Promise<void> {
    if ('status' in request) return this.#send(lp, request, signal)
    if (request.kind === 'head') return this.#send(lp, this.#headResponse(peer), signal)
    return this.#serveSnapshot(lp, peer, request.checksum, signal)
  }

  /** The request, or the `error` response a malformed one gets. */
  async #readRequest(
    lp: LengthPrefixedStream,
    peer: string,
    signal: AbortSignal,
  ): Promise<FetchRequest | FetchResponse> {
    try {
      const frame = await lp.read({ signal })
      return decodeRequest(frame.subarray())
    } catch (err) {
      const reason = invalidRequestReason(err)
      if (reason === undefined) throw err
      this.#components.counters.invalidMessages++
      this.#components.logger.debug({ peer, reason }, 'invalid fetch request')
      this.#components.handlers.invalidMessage?.(peer, new DecodeError('fetch request', reason))
      return { status: 'error', reason }
    }
  }

  async #serveSnapshot(
    lp: LengthPrefixedStream,
    peer: string,
    checksum: string,
    signal: AbortSignal,
  ): Promise<void> {
    const { counters, logger } = this.#components
    if (this.#active >= this.#init.maxConcurrentServes) {
      counters.busyRefusals++
      logger.debug({ peer, checksum: shortChecksum(checksum) }, 'busy: refused a fetch')
      await this.#send(lp, { status: 'busy' }, signal)
      return
    }
    // The slot is held until the response is written: sending is what costs.
    this.#active++
    try {
      const response = await this.#snapshotResponse(peer, checksum, signal)
      await this.#send(lp, response, signal)
      if (response.status === 'ok') {
        counters.snapshotsServed++
        logger.debug(
          { peer, checksum: shortChecksum(checksum), bytes: response.snapshot.byteLength },
          'served snapshot',
        )
      }
    } finally {
      this.#active--
    }
  }

  async #snapshotResponse(
    peer: string,
    checksum: string,
    signal: AbortSignal,
  ): Promise<FetchResponse> {
    const { handlers, logger } = this.#components
    let bytes: unknown
    try {
      bytes = await untilAborted(handlers.snapshot(checksum), signal)
    } catch (err) {
      if (signal.aborted) throw err
      logger.error(
        { peer, checksum: shortChecksum(checksum), ...errorFields(err) },
        'snapshot lookup failed',
      )
      return { status: 'error', reason: 'the node could not read that snapshot' }
    }
    if (bytes === undefined) return { status: 'not-found' }
    if (!(bytes instanceof Uint8Array)) {
      logger.error({ checksum: shortChecksum(checksum) }, 'snapshot handler returned no bytes')
      return { status: 'error', reason: 'the node could not read that snapshot' }
    }
    const maxBytes = this.#init.maxSnapshotBytes
    if (bytes.byteLength > maxBytes) {
      // One limit on both ends, and the refusal says so on both ends.
      logger.warn(
        { peer, checksum: shortChecksum(checksum), bytes: bytes.byteLength, maxBytes },
        'refused to serve a snapshot over maxSnapshotBytes',
      )
      return { status: 'too-large', bytes: bytes.byteLength, maxBytes }
    }
    return { status: 'ok', snapshot: bytes }
  }

  #headResponse(peer: string): FetchResponse {
    try {
      return { status: 'head', head: this.#components.handlers.head() }
    } catch (err) {
      this.#components.logger.error({ peer, ...errorFields(err) }, 'head lookup failed')
      return { status: 'error', reason: 'the node could not read its head' }
    }
  }

  async #send(lp: LengthPrefixedStream, response: FetchResponse, signal: AbortSignal) {
    await lp.write(encodeResponse(response), { signal })
  }
}

/**
 * `value`, or a rejection once `signal` aborts, whichever comes first: a
 * snapshot lookup that never settles must not hold a serving slot forever.
 */
function untilAborted<T>(value: T | Promise<T>, signal: AbortSignal): Promise<T> {
  if (!(value instanceof Promise)) return Promise.resolve(value)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('snapshot lookup outlived the exchange deadline'))
    if (signal.aborted) {
      onAbort()
      return
    }
    signal.addEventListener('abort', onAbort, { once: true })
    value.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** Why a request is refused, when the failure is the peer's input; undefined otherwise. */
function invalidRequestReason(err: unknown): string | undefined {
  if (err instanceof DecodeError) return err.message
  if (err instanceof Error && FRAMING_ERRORS.has(err.name)) {
    return `request frame is malformed or over ${MAX_REQUEST_BYTES} bytes`
  }
  return undefined
}
