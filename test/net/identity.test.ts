import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  InvalidOptionError,
  peerIdOf,
  privateKeyFromSeed,
  publicKeyOfPeer,
  rawEd25519Key,
} from '../../src/net/index.ts'
import {
  ed25519Signer,
  ed25519Verifier,
  signingPayload,
  verifyHeaderSignature,
} from '../../src/snapshot/index.ts'
import { signedSnapshot } from './helpers.ts'

/** A raw Ed25519 key as the state directory keeps it: 32-byte seed, 32-byte public key. */
function rawKey(): { seed: Uint8Array; publicKey: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const seed = privateKey.export({ format: 'jwk' }).d as string
  const pub = publicKey.export({ format: 'jwk' }).x as string
  return {
    seed: new Uint8Array(Buffer.from(seed, 'base64url')),
    publicKey: new Uint8Array(Buffer.from(pub, 'base64url')),
  }
}

describe('node identity', () => {
  it('builds the libp2p key from the raw seed and public key', () => {
    const raw = rawKey()
    const key = privateKeyFromSeed(raw.seed, raw.publicKey)
    assert.equal(key.type, 'Ed25519')
    assert.deepEqual(new Uint8Array(key.publicKey.raw), raw.publicKey)
    assert.deepEqual(rawEd25519Key(key), raw)
    assert.equal(peerIdOf(key), peerIdOf(privateKeyFromSeed(raw.seed, raw.publicKey)))
  })

  it('refuses a public key that is not the seed’s, and wrong lengths', () => {
    const a = rawKey()
    const b = rawKey()
    assert.throws(() => privateKeyFromSeed(a.seed, b.publicKey), InvalidOptionError)
    assert.throws(
      () => privateKeyFromSeed(a.seed.subarray(1), a.publicKey),
      /seed must be 32 bytes/,
    )
    assert.throws(() => privateKeyFromSeed(a.seed, new Uint8Array(33)), /publicKey must be 32/)
  })

  it('reads the public key out of an Ed25519 peer id', () => {
    const raw = rawKey()
    const id = peerIdOf(privateKeyFromSeed(raw.seed, raw.publicKey))
    assert.deepEqual(publicKeyOfPeer(id), raw.publicKey)
  })

  it('answers undefined, never throws, for anything but a canonical Ed25519 peer id', async () => {
    const secp = peerIdOf(await generateKeyPair('secp256k1'))
    const ed = peerIdOf(await generateKeyPair('Ed25519'))
    const cidForm = peerIdFromString(ed).toCID().toString()
    const inputs = [
      '',
      'hello',
      `Qm${'x'.repeat(44)}`,
      secp,
      cidForm,
      'z'.repeat(5000),
      ed.slice(1),
    ]
    for (const input of inputs) assert.equal(publicKeyOfPeer(input), undefined, input)
    assert.equal(publicKeyOfPeer(42 as unknown as string), undefined)
  })

  it('lets snapshot signatures be checked knowing only the origin id', async () => {
    const key = await generateKeyPair('Ed25519')
    const snapshot = signedSnapshot(key)
    const verifier = ed25519Verifier(publicKeyOfPeer)
    verifyHeaderSignature(snapshot, verifier)

    const other = rawKey()
    const forged = ed25519Signer(snapshot.origin, other.seed, other.publicKey)
    const signature = forged.sign(signingPayload(snapshot))
    assert.throws(() => verifyHeaderSignature({ ...snapshot, signature }, verifier), /signature/)
  })
})
