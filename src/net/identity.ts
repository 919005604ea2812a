import { createPrivateKey, createPublicKey } from 'node:crypto'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { InvalidOptionError } from './errors.ts'

/**
 * Between the raw Ed25519 key the state directory keeps (32-byte seed and
 * 32-byte public key) and libp2p's key and peer id types. A node's peer id
 * embeds its public key (identity multihash), which is what lets any node
 * check an origin's signature knowing only the origin's id.
 */
const ED25519_BYTES = 32

/** DER prefix of a PKCS#8 Ed25519 private key (RFC 8410); the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])

/**
 * Peer id strings longer than this are refused without parsing. An Ed25519
 * peer id is 52 characters in base58btc; the bound keeps a hostile origin
 * string from costing quadratic base58 decoding.
 */
const MAX_PEER_ID_CHARS = 128

/**
 * The libp2p key of a node from its raw Ed25519 key. libp2p takes the 64
 * bytes seed || public key and does not check that they belong together, so
 * the public key is derived from the seed here and compared: a mismatched
 * pair would give the node an id whose signatures nobody can verify.
 */
export function privateKeyFromSeed(seed: Uint8Array, publicKey: Uint8Array): PrivateKey {
  if (seed.byteLength !== ED25519_BYTES) {
    throw new InvalidOptionError('seed', seed, `${ED25519_BYTES} bytes`)
  }
  if (publicKey.byteLength !== ED25519_BYTES) {
    throw new InvalidOptionError('publicKey', publicKey, `${ED25519_BYTES} bytes`)
  }
  if (!sameBytes(publicKeyOfSeed(seed), publicKey)) {
    throw new InvalidOptionError('publicKey', publicKey, 'the public key of the given seed')
  }
  const raw = new Uint8Array(2 * ED25519_BYTES)
  raw.set(seed, 0)
  raw.set(publicKey, ED25519_BYTES)
  return privateKeyFromRaw(raw)
}

/** The raw seed and public key of an Ed25519 libp2p key, for the snapshot signer. */
export function rawEd25519Key(privateKey: PrivateKey): { seed: Uint8Array; publicKey: Uint8Array } {
  if (privateKey.type !== 'Ed25519') {
    throw new InvalidOptionError('privateKey', privateKey.type, 'an Ed25519 key')
  }
  return {
    seed: privateKey.raw.slice(0, ED25519_BYTES),
    publicKey: privateKey.publicKey.raw.slice(),
  }
}

/** The peer id string (base58btc) of a key. */
export function peerIdOf(privateKey: PrivateKey): string {
  return peerIdFromPrivateKey(privateKey).toString()
}

/**
 * The raw 32-byte Ed25519 public key embedded in a peer id, or undefined for
 * anything else: another key type, malformed text, or a non-canonical
 * spelling of an id (a CID form, say). Refusing other spellings keeps one
 * origin from appearing under several names. Never throws: the input comes
 * from the network.
 */
export function publicKeyOfPeer(peer: string): Uint8Array | undefined {
  if (typeof peer !== 'string' || peer.length === 0 || peer.length > MAX_PEER_ID_CHARS) {
    return undefined
  }
  try {
    const id = peerIdFromString(peer)
    if (id.type !== 'Ed25519' || id.toString() !== peer) return undefined
    return id.publicKey.raw.slice()
  } catch {
    // Not a peer id at all: the contract is "undefined for malformed input".
    return undefined
  }
}

/** Peer id string of `peer` in canonical form, or undefined when it is not a peer id. */
export function canonicalPeerId(peer: string): string | undefined {
  if (typeof peer !== 'string' || peer.length === 0 || peer.length > MAX_PEER_ID_CHARS) {
    return undefined
  }
  try {
    return peerIdFromString(peer).toString()
  } catch {
    // Malformed text is reported by the caller, which knows which option it came from.
    return undefined
  }
}

function publicKeyOfSeed(seed: Uint8Array): Uint8Array {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.byteLength + seed.byteLength)
  der.set(PKCS8_ED25519_PREFIX, 0)
  der.set(seed, PKCS8_ED25519_PREFIX.byteLength)
  const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })
  const jwk = createPublicKey(key).export({ format: 'jwk' })
  return new Uint8Array(Buffer.from(jwk.x as string, 'base64url'))
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}
