import { createHmac, generateKeyPairSync } from 'node:crypto'
import { ed25519Signer, ed25519Verifier } from '../../src/snapshot/signature.ts'
import type { SignatureVerifier, Signer } from '../../src/snapshot/snapshot.ts'

/** Signing for simulated nodes: one signer per node id, one verifier for all. */
export interface SimCrypto {
  signerFor(id: string): Signer
  readonly verifier: SignatureVerifier
}

export type CryptoKind = 'hmac' | 'ed25519'

export function simCrypto(kind: CryptoKind): SimCrypto {
  return kind === 'ed25519' ? ED25519 : HMAC
}

/**
 * A deterministic stand-in for Ed25519 with the same interfaces: an HMAC
 * under a per-node secret derived from the id. Verifying real Ed25519 costs
 * ~140 µs; a run verifies thousands of announcements, and 1,000 seeds must
 * fit in a minute. The engine only sees Signer / SignatureVerifier, so what
 * is tested (refusal of bad signatures, per-origin keys) is the same.
 */
const HMAC: SimCrypto = Object.freeze({
  signerFor(id: string): Signer {
    return Object.freeze({ id, sign: (payload: Uint8Array) => mac(id, payload) })
  },
  verifier: Object.freeze({
    verify(origin: string, payload: Uint8Array, signature: Uint8Array): boolean {
      const expected = mac(origin, payload)
      return (
        signature.byteLength === expected.byteLength && expected.every((b, i) => b === signature[i])
      )
    },
  }),
})

function mac(id: string, payload: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', `sim-secret:${id}`).update(payload).digest())
}

/** Real Ed25519 keys, generated once per node id and kept for the process (ids repeat across seeds). */
const keys = new Map<string, { seed: Uint8Array; publicKey: Uint8Array }>()

function keyOf(id: string): { seed: Uint8Array; publicKey: Uint8Array } {
  let key = keys.get(id)
  if (key === undefined) {
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })
    key = {
      seed: new Uint8Array(Buffer.from(jwk.d as string, 'base64url')),
      publicKey: new Uint8Array(Buffer.from(jwk.x as string, 'base64url')),
    }
    keys.set(id, key)
  }
  return key
}

const signers = new Map<string, Signer>()

const ED25519: SimCrypto = Object.freeze({
  signerFor(id: string): Signer {
    let signer = signers.get(id)
    if (signer === undefined) {
      const { seed, publicKey } = keyOf(id)
      signer = ed25519Signer(id, seed, publicKey)
      signers.set(id, signer)
    }
    return signer
  },
  verifier: ed25519Verifier((origin) => keyOf(origin).publicKey),
})
