import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { isChecksum, type SnapshotHeader, shortChecksum } from '../snapshot/index.ts'
import { describeValue, FetchError, type FetchFailure, InvalidOptionError } from './errors.ts'
import type { MeshLogger } from './logger.ts'
import {
  decodeResponse,
  encodeRequest,
  type FetchRequest,
  type FetchResponse,
  MAX_HEAD_RESPONSE_BYTES,
  snapshotFrameLimit,
} from './wire.ts'

export interface FetchClientInit {
  readonly protocol: string
  readonly maxSnapshotBytes: number
  readonly timeoutMs: number
  readonly maxVectorEntries: number
}

/** Room for the varint length prefix in front of a frame. */
const LENGTH_PREFIX_BYTES = 16

/**
 * lpStream's ways of saying a frame is over the limit: a length over it, a
 * length prefix longer than the limit's own, or more buffered bytes than
 * the largest frame (one frame is expected, so that is an oversized one too).
 */
const OVERSIZED = new Set([
  'InvalidDataLengthError',
  'InvalidDataLengthLengthError',
  'StreamBufferError',
])

/**
 * Errors after the stream opened that mean the connection went away rather
 * than the peer misbehaving.
 */
const CONNECTION_LOST = new Set(['ConnectionClosedError', 'MuxerClosedError'])

/**
 * The asking end of the fetch protocol. Each request gets its own stream:
 * write one request frame, half-close, read one response frame. The frame
 * limit is known before reading (the length prefix comes first), so a
 * response over maxSnapshotBytes is refused without buffering it, and
 * the whole exchange, dial included, runs under fetchTimeoutMs.
 */
export class FetchClient {
  readonly #init: FetchClientInit
  readonly #logger: MeshLogger

  constructor(init: FetchClientInit, logger: MeshLogger) {
    this.#init = init
    this.#logger = logger
  }

  async fetchSnapshot(
    node: Libp2p,
    peer: string,
    checksum: string,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    if (!isChecksum(checksum)) throw new InvalidOptionError('checksum', checksum, '64 hex digits')
    const limit = snapshotFrameLimit(this.#init.maxSnapshotBytes)
    const started = performance.now()
    const response = await this.#exchange(node, peer, { kind: 'fetch', checksum }, limit, signal)
    const bytes = this.#snapshotOf(response, peer, checksum)
    this.#logger.debug(
      {
        peer,
        checksum: shortChecksum(checksum),
        bytes: bytes.byteLength,
        ms: Math.round(performance.now() - started),
      },
      'fetched snapshot',
    )
    return bytes
  }

  async requestHead(
    node: Libp2p,
    peer: string,
    signal?: AbortSignal,
  ): Promise<SnapshotHeader | undefined> {
    const limit = MAX_HEAD_RESPONSE_BYTES
    const response = await this.#exchange(node, peer, { kind: 'head' }, limit, signal)
    if (response.status === 'head') return response.head
    throw this.#refusal(response, peer, 'head request')
  }

  #snapshotOf(response: FetchResponse, peer: string, checksum: string): Uint8Array {
    if (response.status !== 'ok') throw this.#refusal(response, peer, shortChecksum(checksum))
    const maxBytes = this.#init.maxSnapshotBytes
    if (response.snapshot.byteLength > maxBytes) {
      throw new FetchError(
        'over-limit',
        peer,
        `snapshot of ${response.snapshot.byteLength} bytes is over maxSnapshotBytes ${maxBytes}`,
      )
    }
    return response.snapshot
  }

  /** The FetchError for any answer other than the one asked for. */
  #refusal(response: FetchResponse, peer: string, asked: string): FetchError {
    switch (response.status) {
      case 'not-found':
        return new FetchError('not-found', peer, `peer does not hold ${asked}`)
      case 'busy':
        return new FetchError('busy', peer, 'peer is serving its maximum of fetches')
      case 'too-large':
        return new FetchError(
          'too-large',
          peer,
          `peer refused to send ${response.bytes} bytes, over its maxSnapshotBytes ${response.maxBytes}`,
        )
      case 'error':
        return new FetchError(
          'protocol',
          peer,
          `peer answered ${describeValue(response.reason, 200)}`,
        )
      default:
        return new FetchError(
          'protocol',
          peer,
          `unexpected "${response.status}" answer to ${asked}`,
        )
    }
  }

  async #exchange(
    node: Libp2p,
    peer: string,
    request: FetchRequest,
    frameLimit: number,
    signal: AbortSignal | undefined,
  ): Promise<FetchResponse> {
    const timeout = AbortSignal.timeout(this.#init.timeoutMs)
    const deadline = signal === undefined ? timeout : AbortSignal.any([timeout, signal])
    const fail = (err: unknown, fallback: FetchFailure) =>
      this.#failure(err, { peer, timeout, signal, frameLimit, fallback })
    let stream: Stream
    try {
      stream = await node.dialProtocol(peerIdOrThrow(peer), this.#init.protocol, {
        signal: deadline,
      })
    } catch (err) {
      throw fail(err, 'unreachable')
    }
    const onAbort = () => stream.abort(new Error('fetch aborted by its deadline or caller'))
    deadline.addEventListener('abort', onAbort, { once: true })
    try {
      return await this.#converse(stream, request, frameLimit, deadline)
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw fail(err, 'protocol')
    } finally {
      deadline.removeEventListener('abort', onAbort)
    }
  }

  async #converse(
    stream: Stream,
    request: FetchRequest,
    frameLimit: number,
    signal: AbortSignal,
  ): Promise<FetchResponse> {
    // libp2p buffers 4 MiB per stream by default; a snapshot may be larger.
    const bufferBytes = frameLimit + LENGTH_PREFIX_BYTES
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, bufferBytes)
    const lp = lpStream(stream, { maxDataLength: frameLimit, maxBufferSize: bufferBytes })
    await lp.write(encodeRequest(request), { signal })
    // Half-close: one request per stream, and the server may close as soon as it has answered.
    await stream.close({ signal })
    const frame = await lp.read({ signal })
    return decodeResponse(frame.subarray(), frameLimit, this.#init)
  }

  #failure(err: unknown, at: FailureContext): FetchError {
    if (err instanceof FetchError) return err
    const { peer } = at
    const name = err instanceof Error ? err.name : ''
    const detail = err instanceof Error ? err.message : String(err)
    if (at.timeout.aborted) {
      return new FetchError('timeout', peer, `no answer within ${this.#init.timeoutMs} ms`, {
        cause: err,
      })
    }
    if (at.signal?.aborted === true) {
      return new FetchError('aborted', peer, 'cancelled by the caller', { cause: err })
    }
    if (OVERSIZED.has(name)) {
      const message = `response frame over ${at.frameLimit} bytes (maxSnapshotBytes ${this.#init.maxSnapshotBytes})`
      return new FetchError('over-limit', peer, message, { cause: err })
    }
    if (name === 'UnsupportedProtocolError') {
      return new FetchError('protocol', peer, `peer does not speak ${this.#init.protocol}`, {
        cause: err,
      })
    }
    const reason = CONNECTION_LOST.has(name) ? 'unreachable' : at.fallback
    return new FetchError(reason, peer, `${name || 'error'}: ${detail}`, { cause: err })
  }
}

interface FailureContext {
  readonly peer: string
  readonly timeout: AbortSignal
  readonly signal: AbortSignal | undefined
  readonly frameLimit: number
  readonly fallback: FetchFailure
}

function peerIdOrThrow(peer: string): PeerId {
  try {
    return peerIdFromString(peer)
  } catch (err) {
    throw new FetchError('unreachable', peer, `${describeValue(peer)} is not a peer id`, {
      cause: err,
    })
  }
}
