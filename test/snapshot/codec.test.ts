import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Packr } from 'msgpackr'
import { decodeAnnouncement, encodeAnnouncement } from '../../src/snapshot/announcement.ts'
import { decode, encode } from '../../src/snapshot/codec.ts'
import { DecodeError } from '../../src/snapshot/errors.ts'
import {
  DEFAULT_SNAPSHOT_LIMITS,
  decodeSnapshot,
  encodeSnapshot,
  headerOf,
  verifySnapshot,
} from '../../src/snapshot/snapshot.ts'
import type { ConfigTree } from '../../src/source/types.ts'
import { aliceSnapshot, TEXT, TREE, verifier } from './fixtures.ts'

const limits = DEFAULT_SNAPSHOT_LIMITS

/** Encodes a snapshot's wire map with some fields replaced, as a hostile peer could. */
function tampered(fields: Record<string, unknown>): Uint8Array {
  const wire = decode(encodeSnapshot(aliceSnapshot()), 'test', 1e6) as Record<string, unknown>
  return encode({ ...wire, ...fields })
}

describe('snapshot codec', () => {
  it('round-trips a snapshot, which still verifies', () => {
    const snapshot = aliceSnapshot()
    const decoded = decodeSnapshot(encodeSnapshot(snapshot), limits)
    assert.equal(decoded.text, TEXT)
    assert.deepEqual(decoded.tree, TREE)
    assert.deepEqual(decoded.vector, snapshot.vector)
    assert.deepEqual(decoded.stamp, snapshot.stamp)
    assert.doesNotThrow(() => verifySnapshot(decoded, verifier))
  })

  it('re-encodes a decoded snapshot to identical bytes (F13)', () => {
    const bytes = encodeSnapshot(aliceSnapshot())
    const again = encodeSnapshot(decodeSnapshot(bytes, limits))
    assert.equal(Buffer.compare(bytes, again), 0)
  })

  it('decodes in a fresh Packr: no shared record structures (F14)', () => {
    const bytes = encodeSnapshot(aliceSnapshot())
    // A decoder that has never seen a snapshot (a restarted peer) reads it.
    const plain = new Packr({ mapsAsObjects: true }).unpack(bytes) as Record<string, unknown>
    assert.equal(plain.text, TEXT)
    assert.equal(plain.format, 1)
  })

  it('refuses an unknown format with a message naming it', () => {
    assert.throws(
      () => decodeSnapshot(tampered({ format: 2 }), limits),
      (err: Error) =>
        err instanceof DecodeError && /unknown format 2 \(this node reads 1\)/.test(err.message),
    )
  })

  it('refuses an oversized snapshot before decoding it', () => {
    const junk = new Uint8Array(2048).fill(0x92) // not a snapshot either: the size refuses it first
    assert.throws(
      () => decodeSnapshot(junk, { ...limits, maxSnapshotBytes: 1024 }),
      /2048 bytes, over the limit of 1024/,
    )
  })

  it('refuses bytes that are not msgpack', () => {
    // An array header promising two items, then the bytes end.
    assert.throws(() => decodeSnapshot(new Uint8Array([0x92, 0x01]), limits), /not valid msgpack/)
  })

  const wrongTypes: Array<[string, Record<string, unknown>, RegExp]> = [
    ['checksum', { checksum: 42 }, /checksum is not 64 hex digits/],
    ['tree digest', { treeDigest: 'abc' }, /treeDigest/],
    ['vector entry', { vector: { alice: '2' } }, /version vector: entry alice/],
    ['vector', { vector: [1, 2] }, /version vector: not an object/],
    ['stamp', { stamp: { wallMs: -5, counter: 0, node: 'alice' } }, /clock stamp: wallMs/],
    ['origin', { origin: 'bob' }, /origin is not the stamp node/],
    ['signature', { signature: 'sig' }, /signature is not bytes/],
    ['text', { text: 7 }, /text is not a string/],
    ['tree', { tree: { a: 1 } }, /tree is not bytes/],
  ]
  for (const [what, fields, message] of wrongTypes) {
    it(`refuses a snapshot whose ${what} has the wrong type`, () => {
      assert.throws(() => decodeSnapshot(tampered(fields), limits), message)
    })
  }

  it('refuses a tree with a __proto__ key instead of renaming it (F15)', () => {
    const tree = JSON.parse('{"a": 1, "__proto__": {"polluted": true}}') as ConfigTree
    const bytes = encodeSnapshot(aliceSnapshot({ tree }))
    assert.throws(
      () => decodeSnapshot(bytes, limits),
      /does not decode to the tree that was signed/,
    )
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  it('refuses trees that are not JSON data, naming where', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ a: { constructor: 1 } }, /reserved key a.constructor/],
      [{ a: [1, Number.NaN] }, /a\[1\] is not a finite number/],
      [{ a: new Uint8Array([1]) }, /a is not JSON data/],
      [[1, 2], /the root is not a map/],
    ]
    for (const [tree, message] of cases) {
      const bytes = tampered({ tree: encode(tree) })
      assert.throws(() => decodeSnapshot(bytes, limits), message)
    }
  })
})

describe('announcement codec', () => {
  it('round-trips a header without the content', () => {
    const head = headerOf(aliceSnapshot())
    const bytes = encodeAnnouncement({ node: 'alice', head })
    const decoded = decodeAnnouncement(bytes, limits)
    assert.equal(decoded.node, 'alice')
    assert.deepEqual(decoded.head.vector, head.vector)
    assert.ok(bytes.byteLength < 1024)
  })

  it('refuses an unknown format and a missing node id', () => {
    const head = headerOf(aliceSnapshot())
    assert.throws(
      () => decodeAnnouncement(encode({ format: 9, node: 'a', head }), limits),
      /unknown format 9/,
    )
    assert.throws(
      () => decodeAnnouncement(encode({ format: 1, node: '', head }), limits),
      /node is not an id/,
    )
  })
})
