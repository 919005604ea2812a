import { generateKeyPairSync } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { decode, encode } from '../snapshot/codec.ts'
import { writeFileAtomically } from './atomic-write.ts'
import { StateDirectoryError } from './errors.ts'

/** The node's Ed25519 key as raw bytes. Its peer id is derived from `publicKey`. */
export interface NodeKey {
  readonly seed: Uint8Array
  readonly publicKey: Uint8Array
}

const KEY_FORMAT = 1

/**
 * Reads the node key, or makes and saves one. Keeping it is what keeps the
 * node's identity (its peer id, its version vector entry, the origin of its
 * edits) across restarts. The file is readable by its owner only.
 */
export async function loadOrCreateNodeKey(path: string): Promise<NodeKey> {
  const existing = await readKey(path)
  if (existing !== undefined) return existing
  const key = generateNodeKey()
  await writeFileAtomically(path, encode({ format: KEY_FORMAT, type: 'Ed25519', ...key }), 0o600)
  return key
}

export function generateNodeKey(): NodeKey {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })
  return {
    seed: new Uint8Array(Buffer.from(jwk.d as string, 'base64url')),
    publicKey: new Uint8Array(Buffer.from(jwk.x as string, 'base64url')),
  }
}

async function readKey(path: string): Promise<NodeKey | undefined> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new StateDirectoryError(path, `cannot read the node key (${(err as Error).message})`)
  }
  let value: unknown
  try {
    value = decode(bytes, 'node key', 4096)
  } catch (err) {
    throw new StateDirectoryError(path, `the node key is corrupt: ${(err as Error).message}`)
  }
  const { format, type, seed, publicKey } = (value ?? {}) as Record<string, unknown>
  const valid =
    format === KEY_FORMAT &&
    type === 'Ed25519' &&
    seed instanceof Uint8Array &&
    seed.byteLength === 32 &&
    publicKey instanceof Uint8Array &&
    publicKey.byteLength === 32
  if (!valid) {
    // Never replaced silently: a new key would be a new node identity.
    throw new StateDirectoryError(path, 'the node key is not an Ed25519 key of format 1')
  }
  return { seed: new Uint8Array(seed), publicKey: new Uint8Array(publicKey) }
}
