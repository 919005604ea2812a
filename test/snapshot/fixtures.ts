import { generateKeyPairSync } from 'node:crypto'
import { ed25519Signer, ed25519Verifier } from '../../src/snapshot/signature.ts'
import { buildSnapshot, type Snapshot } from '../../src/snapshot/snapshot.ts'
import type { ConfigTree } from '../../src/source/types.ts'

/** A real Ed25519 key pair for `id`, as raw bytes. */
export function keyPair(id: string): { id: string; seed: Uint8Array; publicKey: Uint8Array } {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })
  return {
    id,
    seed: new Uint8Array(Buffer.from(jwk.d as string, 'base64url')),
    publicKey: new Uint8Array(Buffer.from(jwk.x as string, 'base64url')),
  }
}

export const alice = keyPair('alice')
export const bob = keyPair('bob')
export const signer = ed25519Signer(alice.id, alice.seed, alice.publicKey)
export const verifier = ed25519Verifier((origin) =>
  origin === alice.id ? alice.publicKey : origin === bob.id ? bob.publicKey : undefined,
)

export const TEXT = 'service "api" {\n  port = 8080\n}\n'
export const TREE: ConfigTree = {
  service: { api: [{ port: 8080, tags: ['a', 'b'], on: true, x: null }] },
}

/** A snapshot alice made and signed. */
export function aliceSnapshot(overrides: { text?: string; tree?: ConfigTree } = {}): Snapshot {
  return buildSnapshot(
    {
      text: overrides.text ?? TEXT,
      tree: overrides.tree ?? TREE,
      vector: { alice: 2, bob: 1 },
      stamp: { wallMs: 1_700_000_000_123, counter: 3, node: 'alice' },
    },
    signer,
  )
}
