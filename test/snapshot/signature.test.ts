import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { IntegrityError } from '../../src/snapshot/errors.ts'
import { ed25519Signer } from '../../src/snapshot/signature.ts'
import {
  buildSnapshot,
  headerOf,
  type Snapshot,
  verifyHeaderSignature,
  verifySnapshot,
} from '../../src/snapshot/snapshot.ts'
import { aliceSnapshot, bob, verifier } from './fixtures.ts'

function refused(snapshot: Snapshot, message: RegExp): void {
  assert.throws(
    () => verifySnapshot(snapshot, verifier),
    (err: Error) => err instanceof IntegrityError && message.test(err.message),
  )
}

describe('snapshot signatures', () => {
  it('verify for the origin that signed', () => {
    assert.doesNotThrow(() => verifySnapshot(aliceSnapshot(), verifier))
  })

  it('fail when the text was changed', () => {
    refused({ ...aliceSnapshot(), text: 'service "api" {}\n' }, /text hashes to/)
  })

  it('fail when the tree bytes were changed', () => {
    const snapshot = aliceSnapshot()
    refused({ ...snapshot, treeBytes: new Uint8Array([0x80]) }, /does not match its digest/)
  })

  it('fail when the vector was changed', () => {
    refused({ ...aliceSnapshot(), vector: { alice: 9 } }, /signature of .* is not alice's/)
  })

  it('fail when the stamp was changed', () => {
    const snapshot = aliceSnapshot()
    refused(
      { ...snapshot, stamp: { ...snapshot.stamp, wallMs: snapshot.stamp.wallMs + 3_600_000 } },
      /signature/,
    )
  })

  it('fail when another node signed in the origin name', () => {
    const mallory = ed25519Signer('alice', bob.seed, bob.publicKey)
    const forged = buildSnapshot(
      { text: 'x', tree: {}, vector: {}, stamp: { wallMs: 1, counter: 0, node: 'alice' } },
      mallory,
    )
    refused(forged, /is not alice's/)
  })

  it('fail for an origin whose key is unknown', () => {
    const stranger = ed25519Signer('carol', bob.seed, bob.publicKey)
    const snapshot = buildSnapshot(
      { text: 'x', tree: {}, vector: {}, stamp: { wallMs: 1, counter: 0, node: 'carol' } },
      stranger,
    )
    assert.throws(() => verifyHeaderSignature(headerOf(snapshot), verifier), IntegrityError)
  })

  it('are made only for stamps of the signer', () => {
    const signer = ed25519Signer('bob', bob.seed, bob.publicKey)
    assert.throws(
      () =>
        buildSnapshot(
          { text: 'x', tree: {}, vector: {}, stamp: { wallMs: 1, counter: 0, node: 'alice' } },
          signer,
        ),
      /cannot be signed by bob/,
    )
  })
})
