import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import type { SignatureVerifier, Signer } from './snapshot.ts'

/**
 * Ed25519 signatures over snapshot headers, with node:crypto so that signing
 * is synchronous and the engine can stay a plain state machine. Keys arrive
 * as raw bytes; the network layer maps peer ids to their public keys, so this
 * file knows nothing of libp2p.
 */
export function ed25519Signer(id: string, seed: Uint8Array, publicKey: Uint8Array): Signer {
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: base64url(seed), x: base64url(publicKey) },
    format: 'jwk',
  })
  return Object.freeze({
    id,
    sign: (payload: Uint8Array) => new Uint8Array(sign(null, payload, key)),
  })
}

/**
 * Verifies signatures of origins whose Ed25519 public key `publicKeyOf` can
 * produce (for libp2p, a peer id embeds it). Keys are cached per origin;
 * the cache is bounded because origin ids come from the network.
 */
export function ed25519Verifier(
  publicKeyOf: (origin: string) => Uint8Array | undefined,
  maxCachedKeys = 4096,
): SignatureVerifier {
  const cache = new Map<string, KeyObject>()
  const keyOf = (origin: string): KeyObject | undefined => {
    const cached = cache.get(origin)
    if (cached !== undefined) return cached
    const raw = publicKeyOf(origin)
    if (raw === undefined || raw.byteLength !== 32) return undefined
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: base64url(raw) },
      format: 'jwk',
    })
    if (cache.size >= maxCachedKeys) cache.clear()
    cache.set(origin, key)
    return key
  }
  return Object.freeze({
    verify(origin: string, payload: Uint8Array, signature: Uint8Array): boolean {
      const key = keyOf(origin)
      if (key === undefined || signature.byteLength !== 64) return false
      return verify(null, payload, key, signature)
    },
  })
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}
