import type { ConfigTree } from '../source/types.ts'
import { checksumOf, digestOf, isChecksum } from './checksum.ts'
import { type ClockStamp, stampProblem } from './clock.ts'
import { decode, encode } from './codec.ts'
import { DecodeError, IntegrityError } from './errors.ts'
import { treeProblem } from './tree.ts'
import { type VersionVector, vectorProblem } from './version-vector.ts'

/**
 * Wire and disk format of a snapshot. Append-only: a change of layout gets a
 * new number, and decoders refuse numbers they do not know rather than guess.
 */
export const SNAPSHOT_FORMAT = 1

/** Bounds every decoder applies to what a peer or the disk hands it. */
export interface SnapshotLimits {
  /** Largest encoded snapshot accepted, in bytes. */
  maxSnapshotBytes: number
  /** Most entries a version vector may have (one per node that ever edited). */
  maxVectorEntries: number
}

export const DEFAULT_SNAPSHOT_LIMITS: SnapshotLimits = Object.freeze({
  maxSnapshotBytes: 16 * 1024 * 1024,
  maxVectorEntries: 1024,
})

/**
 * Everything that identifies and orders a snapshot, without its content. It
 * is what announcements carry, and what the origin signs.
 */
export interface SnapshotHeader {
  /** SHA-256 of the normalised text. Equal checksums are the same configuration. */
  readonly checksum: string
  /** SHA-256 of the encoded tree, so the signature covers the tree that travels. */
  readonly treeDigest: string
  readonly vector: VersionVector
  readonly stamp: ClockStamp
  /** The node that made this version; always `stamp.node`. */
  readonly origin: string
  /** The origin's signature over signingPayload(header). */
  readonly signature: Uint8Array
}

/** One immutable version of the configuration. */
export interface Snapshot extends SnapshotHeader {
  /** The normalised HCL text. */
  readonly text: string
  /** The tree parsed from `text` at the origin; receivers never re-parse. */
  readonly tree: ConfigTree
  /** `tree` encoded; the exact bytes `treeDigest` was taken over. */
  readonly treeBytes: Uint8Array
}

/** Signs with the local node's key. */
export interface Signer {
  readonly id: string
  sign(payload: Uint8Array): Uint8Array
}

/** Checks a signature made by the node `origin`. */
export interface SignatureVerifier {
  verify(origin: string, payload: Uint8Array, signature: Uint8Array): boolean
}

export interface SnapshotDraft {
  text: string
  tree: ConfigTree
  vector: VersionVector
  stamp: ClockStamp
}

/** Builds and signs a snapshot of this node's making. `draft.stamp.node` must be the signer. */
export function buildSnapshot(draft: SnapshotDraft, signer: Signer): Snapshot {
  if (draft.stamp.node !== signer.id) {
    throw new Error(`stamp of ${draft.stamp.node} cannot be signed by ${signer.id}`)
  }
  const treeBytes = encode(draft.tree)
  const unsigned = {
    checksum: checksumOf(draft.text),
    treeDigest: digestOf(treeBytes),
    vector: draft.vector,
    stamp: draft.stamp,
    origin: signer.id,
  }
  const signature = signer.sign(signingPayload(unsigned))
  return Object.freeze({ ...unsigned, signature, text: draft.text, tree: draft.tree, treeBytes })
}

/** The bytes an origin signs: the format number and every header field but the signature. */
export function signingPayload(header: Omit<SnapshotHeader, 'signature'>): Uint8Array {
  const { wallMs, counter, node } = header.stamp
  return encode([
    SNAPSHOT_FORMAT,
    header.checksum,
    header.treeDigest,
    header.vector,
    [wallMs, counter, node],
    header.origin,
  ])
}

/** Throws IntegrityError unless content, checksum, tree digest and signature all agree. */
export function verifySnapshot(snapshot: Snapshot, verifier: SignatureVerifier): void {
  const actual = checksumOf(snapshot.text)
  if (actual !== snapshot.checksum) {
    throw new IntegrityError(`text hashes to ${actual}, not the announced ${snapshot.checksum}`)
  }
  if (digestOf(snapshot.treeBytes) !== snapshot.treeDigest) {
    throw new IntegrityError(`tree of ${snapshot.checksum} does not match its digest`)
  }
  verifyHeaderSignature(snapshot, verifier)
}

export function verifyHeaderSignature(header: SnapshotHeader, verifier: SignatureVerifier): void {
  if (!verifier.verify(header.origin, signingPayload(header), header.signature)) {
    throw new IntegrityError(`signature of ${header.checksum} is not ${header.origin}'s`)
  }
}

/** The header of a snapshot, as a separate frozen object (what announcements carry). */
export function headerOf(snapshot: SnapshotHeader): SnapshotHeader {
  const { checksum, treeDigest, vector, stamp, origin, signature } = snapshot
  return Object.freeze({ checksum, treeDigest, vector, stamp, origin, signature })
}

/** Plain-data form of a header, for embedding in other messages. */
export function headerToWire(header: SnapshotHeader): Record<string, unknown> {
  const { checksum, treeDigest, vector, stamp, origin, signature } = header
  return { checksum, treeDigest, vector, stamp: { ...stamp }, origin, signature }
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  return encode({
    format: SNAPSHOT_FORMAT,
    ...headerToWire(snapshot),
    text: snapshot.text,
    tree: snapshot.treeBytes,
  })
}

/**
 * Decodes a snapshot from a peer or the disk, treating the bytes as hostile:
 * size first, then format, then every field's type and bounds. Integrity
 * (checksum, digest, signature) is a separate step: verifySnapshot().
 */
export function decodeSnapshot(bytes: Uint8Array, limits: SnapshotLimits): Snapshot {
  const what = 'snapshot'
  const value = decode(bytes, what, limits.maxSnapshotBytes)
  if (value === null || typeof value !== 'object') throw new DecodeError(what, 'not a map')
  const fields = value as Record<string, unknown>
  if (fields.format !== SNAPSHOT_FORMAT) {
    throw new DecodeError(
      what,
      `unknown format ${String(fields.format)} (this node reads ${SNAPSHOT_FORMAT})`,
    )
  }
  const header = headerFromWire(fields, limits, what)
  if (typeof fields.text !== 'string') throw new DecodeError(what, 'text is not a string')
  if (!(fields.tree instanceof Uint8Array)) throw new DecodeError(what, 'tree is not bytes')
  const treeBytes = fields.tree
  const tree = decode(treeBytes, 'snapshot tree', limits.maxSnapshotBytes)
  const problem = treeProblem(tree)
  if (problem !== undefined) throw new DecodeError('snapshot tree', problem)
  // msgpackr's pollution guard renames a `__proto__` key while decoding, so
  // the tree would silently differ from the one the origin signed. The tree must
  // come back exactly: encoding what was decoded gives back the same bytes.
  if (!sameBytes(encode(tree), treeBytes)) {
    throw new DecodeError('snapshot tree', 'does not decode to the tree that was signed')
  }
  return Object.freeze({ ...header, text: fields.text, tree: tree as ConfigTree, treeBytes })
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

/** Reads a header out of a decoded message, checking every field. */
export function headerFromWire(
  fields: Record<string, unknown>,
  limits: Pick<SnapshotLimits, 'maxVectorEntries'>,
  what: string,
): SnapshotHeader {
  const { checksum, treeDigest, vector, stamp, origin, signature } = fields
  if (!isChecksum(checksum)) throw new DecodeError(what, 'checksum is not 64 hex digits')
  if (!isChecksum(treeDigest)) throw new DecodeError(what, 'treeDigest is not 64 hex digits')
  const vectorIssue = vectorProblem(vector, limits.maxVectorEntries)
  if (vectorIssue !== undefined) throw new DecodeError(what, `version vector: ${vectorIssue}`)
  const stampIssue = stampProblem(stamp)
  if (stampIssue !== undefined) throw new DecodeError(what, `clock stamp: ${stampIssue}`)
  const clock = stamp as ClockStamp
  if (origin !== clock.node) throw new DecodeError(what, 'origin is not the stamp node')
  if (!(signature instanceof Uint8Array) || signature.byteLength > 512) {
    throw new DecodeError(what, 'signature is not bytes')
  }
  return Object.freeze({
    checksum,
    treeDigest,
    vector: Object.freeze({ ...(vector as Record<string, number>) }),
    stamp: Object.freeze({ wallMs: clock.wallMs, counter: clock.counter, node: clock.node }),
    origin,
    signature,
  })
}
