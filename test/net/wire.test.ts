import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type FetchResponse,
  MAX_HEAD_RESPONSE_BYTES,
  MAX_REQUEST_BYTES,
  snapshotFrameLimit,
} from '../../src/net/index.ts'
import { DEFAULT_SNAPSHOT_LIMITS, DecodeError, encode, headerOf } from '../../src/snapshot/index.ts'
import { newKey, plainHeader, signedSnapshot } from './helpers.ts'

const CHECKSUM = 'a'.repeat(64)
const LIMITS = DEFAULT_SNAPSHOT_LIMITS

function refuses(
  bytes: Uint8Array,
  pattern: RegExp,
  decoder: (bytes: Uint8Array) => unknown = decodeRequest,
) {
  assert.throws(
    () => decoder(bytes),
    (err: unknown) => err instanceof DecodeError && pattern.test(err.message),
  )
}

const decodeAnyResponse = (bytes: Uint8Array) => decodeResponse(bytes, 1 << 20, LIMITS)

describe('fetch protocol messages', () => {
  it('round-trips both requests', () => {
    assert.deepEqual(decodeRequest(encodeRequest({ kind: 'fetch', checksum: CHECKSUM })), {
      kind: 'fetch',
      checksum: CHECKSUM,
    })
    assert.deepEqual(decodeRequest(encodeRequest({ kind: 'head' })), { kind: 'head' })
  })

  it('round-trips every response', async () => {
    const header = headerOf(signedSnapshot(await newKey()))
    const responses: FetchResponse[] = [
      { status: 'ok', snapshot: Uint8Array.from([1, 2, 3]) },
      { status: 'head', head: undefined },
      { status: 'not-found' },
      { status: 'busy' },
      { status: 'too-large', bytes: 10, maxBytes: 5 },
      { status: 'error', reason: 'no' },
    ]
    for (const response of responses) {
      const decoded = decodeAnyResponse(encodeResponse(response))
      if (decoded.status === 'ok')
        assert.deepEqual(new Uint8Array(decoded.snapshot), Uint8Array.from([1, 2, 3]))
      else assert.deepEqual(decoded, response)
    }
    const head = decodeAnyResponse(encodeResponse({ status: 'head', head: header }))
    assert.equal(head.status, 'head')
    assert.deepEqual(
      plainHeader(head.status === 'head' ? head.head : undefined),
      plainHeader(header),
    )
  })

  it('refuses hostile requests with a reason', () => {
    refuses(Uint8Array.from([0xd9]), /fetch request: not valid msgpack/)
    refuses(encode('fetch'), /not a map/)
    refuses(encode([1, 'fetch']), /not a map/)
    refuses(encode({ kind: 'head' }), /unknown format undefined/)
    refuses(encode({ format: '1', kind: 'head' }), /unknown format "1"/)
    refuses(encode({ format: 1, kind: 'x'.repeat(500) }), /unknown kind "x{40}…"/)
    refuses(encode({ format: 1, kind: 'fetch', checksum: 'A'.repeat(64) }), /64 hex digits/)
    refuses(encode({ format: 1, kind: 'fetch', checksum: 7 }), /64 hex digits/)
    refuses(new Uint8Array(MAX_REQUEST_BYTES + 1), /over the limit of 1024/)
  })

  it('refuses hostile responses with a reason', () => {
    const r = (value: unknown) => encode({ format: 1, ...(value as object) })
    refuses(r({ status: 'ok', snapshot: 'text' }), /snapshot is not bytes/, decodeAnyResponse)
    refuses(r({ status: 'head', head: 'x' }), /head is neither a map nor null/, decodeAnyResponse)
    refuses(r({ status: 'head', head: {} }), /checksum/, decodeAnyResponse)
    refuses(r({ status: 'too-large', bytes: -1, maxBytes: 1 }), /bytes is not/, decodeAnyResponse)
    refuses(r({ status: 'error', reason: 'x'.repeat(600) }), /over 512/, decodeAnyResponse)
    refuses(r({ status: 'error', reason: 3 }), /reason is not a string/, decodeAnyResponse)
    refuses(r({ status: 'yes' }), /unknown status "yes"/, decodeAnyResponse)
    refuses(r({ status: ['ok'] }), /unknown status an array of 1/, decodeAnyResponse)
    refuses(encode({ format: 2, status: 'busy' }), /unknown format 2/, decodeAnyResponse)
    assert.throws(() => decodeResponse(new Uint8Array(100), 99, LIMITS), /over the limit of 99/)
  })

  it('sizes frames from the snapshot limit, never below a head response', () => {
    assert.equal(snapshotFrameLimit(10 * 1024 * 1024), 10 * 1024 * 1024 + 256)
    assert.equal(snapshotFrameLimit(1), MAX_HEAD_RESPONSE_BYTES)
  })

  it('never throws anything but DecodeError on random bytes', () => {
    let seed = 7
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 64) }, () =>
        Math.floor(random() * 256),
      )
      for (const decoder of [decodeRequest, decodeAnyResponse]) {
        try {
          decoder(bytes)
        } catch (err) {
          assert.ok(err instanceof DecodeError, `seed ${seed}: ${String(err)}`)
        }
      }
    }
  })
})
