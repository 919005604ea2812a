import {
  DecodeError,
  decode,
  encode,
  headerFromWire,
  headerToWire,
  isChecksum,
  MAX_ANNOUNCEMENT_BYTES,
  type SnapshotHeader,
  type SnapshotLimits,
} from '../snapshot/index.ts'
import { describeValue } from './errors.ts'

/**
 * Messages of the fetch protocol. One request and one response per stream,
 * each a single length-prefixed msgpack frame (the snapshot codec's options,
 * so nothing here can drift from what the store and gossip use).
 *
 * Format numbers and status names are append-only: a new field layout gets a
 * new format number, and a decoder refuses any format it does not know
 * instead of guessing.
 */
export const FETCH_FORMAT = 1

/** Largest request frame. A request is a checksum and two short words: ~100 bytes. */
export const MAX_REQUEST_BYTES = 1024

/**
 * Room for the response envelope around the snapshot bytes (format, status
 * and the msgpack headers of each), so the frame limit of an `ok` response is
 * maxSnapshotBytes + this.
 */
export const RESPONSE_ENVELOPE_BYTES = 256

/** Largest `head` response: a header is bounded like an announcement. */
export const MAX_HEAD_RESPONSE_BYTES = MAX_ANNOUNCEMENT_BYTES + RESPONSE_ENVELOPE_BYTES

/** Longest `reason` text accepted in an error response. */
export const MAX_REASON_CHARS = 512

export type FetchRequest =
  | { readonly kind: 'fetch'; readonly checksum: string }
  | { readonly kind: 'head' }

export type FetchResponse =
  | { readonly status: 'ok'; readonly snapshot: Uint8Array }
  | { readonly status: 'head'; readonly head: SnapshotHeader | undefined }
  | { readonly status: 'not-found' }
  | { readonly status: 'busy' }
  | { readonly status: 'too-large'; readonly bytes: number; readonly maxBytes: number }
  | { readonly status: 'error'; readonly reason: string }

/** The frame limit for the response to a fetch of a snapshot of at most `maxSnapshotBytes`. */
export function snapshotFrameLimit(maxSnapshotBytes: number): number {
  return Math.max(maxSnapshotBytes + RESPONSE_ENVELOPE_BYTES, MAX_HEAD_RESPONSE_BYTES)
}

export function encodeRequest(request: FetchRequest): Uint8Array {
  if (request.kind === 'fetch') {
    return encode({ format: FETCH_FORMAT, kind: 'fetch', checksum: request.checksum })
  }
  return encode({ format: FETCH_FORMAT, kind: 'head' })
}

/** Decodes a request from a peer; throws DecodeError naming what is wrong. */
export function decodeRequest(bytes: Uint8Array): FetchRequest {
  const what = 'fetch request'
  const { kind, checksum } = decodeEnvelope(bytes, what, MAX_REQUEST_BYTES)
  if (kind === 'head') return Object.freeze({ kind: 'head' })
  if (kind !== 'fetch') throw new DecodeError(what, `unknown kind ${describeValue(kind)}`)
  if (!isChecksum(checksum)) throw new DecodeError(what, 'checksum is not 64 hex digits')
  return Object.freeze({ kind: 'fetch', checksum })
}

export function encodeResponse(response: FetchResponse): Uint8Array {
  const format = FETCH_FORMAT
  switch (response.status) {
    case 'ok':
      return encode({ format, status: 'ok', snapshot: response.snapshot })
    case 'head': {
      const head = response.head === undefined ? null : headerToWire(response.head)
      return encode({ format, status: 'head', head })
    }
    case 'too-large':
      return encode({
        format,
        status: 'too-large',
        bytes: response.bytes,
        maxBytes: response.maxBytes,
      })
    case 'error':
      return encode({ format, status: 'error', reason: response.reason.slice(0, MAX_REASON_CHARS) })
    default:
      return encode({ format, status: response.status })
  }
}

/**
 * Decodes a response from a peer; throws DecodeError naming what is wrong.
 * `maxBytes` is the frame limit the caller read with; the snapshot inside an
 * `ok` response is returned as bytes, still to be decoded and verified.
 */
export function decodeResponse(
  bytes: Uint8Array,
  maxBytes: number,
  limits: Pick<SnapshotLimits, 'maxVectorEntries'>,
): FetchResponse {
  const what = 'fetch response'
  const fields = decodeEnvelope(bytes, what, maxBytes)
  switch (fields.status) {
    case 'ok':
      if (!(fields.snapshot instanceof Uint8Array)) {
        throw new DecodeError(what, 'snapshot is not bytes')
      }
      return Object.freeze({ status: 'ok', snapshot: fields.snapshot })
    case 'head':
      return Object.freeze({ status: 'head', head: headOf(fields.head, limits, what) })
    case 'not-found':
    case 'busy':
      return Object.freeze({ status: fields.status })
    case 'too-large':
      return Object.freeze({
        status: 'too-large',
        bytes: sizeOf(fields.bytes, 'bytes', what),
        maxBytes: sizeOf(fields.maxBytes, 'maxBytes', what),
      })
    case 'error':
      return Object.freeze({ status: 'error', reason: reasonOf(fields.reason, what) })
    default:
      throw new DecodeError(what, `unknown status ${describeValue(fields.status)}`)
  }
}

/** Size, msgpack, map shape and format: the checks every message gets first. */
function decodeEnvelope(bytes: Uint8Array, what: string, maxBytes: number) {
  const value = decode(bytes, what, maxBytes)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DecodeError(what, 'not a map')
  }
  const fields = value as Record<string, unknown>
  if (fields.format !== FETCH_FORMAT) {
    throw new DecodeError(
      what,
      `unknown format ${describeValue(fields.format)} (this node reads ${FETCH_FORMAT})`,
    )
  }
  return fields
}

function headOf(
  value: unknown,
  limits: Pick<SnapshotLimits, 'maxVectorEntries'>,
  what: string,
): SnapshotHeader | undefined {
  if (value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DecodeError(what, 'head is neither a map nor null')
  }
  return headerFromWire(value as Record<string, unknown>, limits, what)
}

function sizeOf(value: unknown, field: string, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new DecodeError(what, `${field} is not a non-negative integer`)
  }
  return value
}

function reasonOf(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new DecodeError(what, 'reason is not a string')
  if (value.length > MAX_REASON_CHARS) {
    throw new DecodeError(what, `reason of ${value.length} characters, over ${MAX_REASON_CHARS}`)
  }
  return value
}
