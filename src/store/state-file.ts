import { readFile, rename } from 'node:fs/promises'
import { isChecksum } from '../snapshot/checksum.ts'
import { decode, encode } from '../snapshot/codec.ts'
import { DecodeError, IntegrityError } from '../snapshot/errors.ts'
import type { SignatureVerifier } from '../snapshot/snapshot.ts'
import {
  decodeSnapshot,
  encodeSnapshot,
  type Snapshot,
  type SnapshotLimits,
  verifySnapshot,
} from '../snapshot/snapshot.ts'
import { normalizeVector, type VersionVector, vectorProblem } from '../snapshot/version-vector.ts'
import { writeFileAtomically } from './atomic-write.ts'

/** The version the source file last held (mirrors the engine's FileVersion). */
export interface StoredFileVersion {
  readonly checksum: string
  readonly vector: VersionVector
}

/** What a node keeps between runs besides its key (mirrors the engine's EngineState). */
export interface StoredState {
  readonly head: Snapshot | undefined
  readonly file: StoredFileVersion | undefined
  /**
   * The highest count of this node's own edits. An edit that lost a conflict
   * is in neither head nor file version, so only this keeps the next edit
   * after a restart from reusing its count. Absent in states written before
   * it was kept; the engine then counts from head and file.
   */
  readonly ownEdits?: number
}

const STATE_FORMAT = 1

/**
 * Head and file version live in one file so that they are replaced together:
 * a crash can never leave a head from one moment beside a file version from
 * another.
 */
export async function writeState(path: string, state: StoredState): Promise<void> {
  const record = {
    format: STATE_FORMAT,
    head: state.head === undefined ? null : encodeSnapshot(state.head),
    file: state.file === undefined ? null : { ...state.file },
    ownEdits: state.ownEdits ?? 0,
  }
  await writeFileAtomically(path, encode(record))
}

export type ReadStateResult =
  | { status: 'absent' }
  | { status: 'ok'; state: StoredState }
  | { status: 'corrupt'; reason: string; movedTo: string }

/**
 * Reads the state file. A corrupt one is moved aside (kept for inspection,
 * never deleted) and reported, and the node starts as if it had no state: it
 * takes the cluster's head from its peers or its file, which loses nothing
 * the cluster still has.
 */
/**
 * Reads the state file. With a `verifier`, the head must also pass the checks
 * a fetched snapshot passes (checksum, tree digest, origin signature): a head
 * altered on disk is as corrupt as one that does not decode, and is never
 * applied. Without one, only the format is checked.
 */
export async function readState(
  path: string,
  limits: SnapshotLimits,
  verifier?: SignatureVerifier,
): Promise<ReadStateResult> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent' }
    throw err
  }
  try {
    return { status: 'ok', state: parseState(bytes, limits, verifier) }
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err
    const movedTo = `${path}.corrupt-${Date.now()}`
    await rename(path, movedTo)
    return { status: 'corrupt', reason: err.message, movedTo }
  }
}

function parseState(
  bytes: Uint8Array,
  limits: SnapshotLimits,
  verifier: SignatureVerifier | undefined,
): StoredState {
  const what = 'state file'
  const value = decode(bytes, what, limits.maxSnapshotBytes + 64 * 1024)
  const { format, head, file, ownEdits } = (value ?? {}) as Record<string, unknown>
  if (format !== STATE_FORMAT) throw new DecodeError(what, `unknown format ${String(format)}`)
  if (head !== null && !(head instanceof Uint8Array))
    throw new DecodeError(what, 'head is not bytes')
  // Optional on read: a state file from before the count was kept resumes without it.
  if (ownEdits !== undefined && !(Number.isSafeInteger(ownEdits) && (ownEdits as number) >= 0)) {
    throw new DecodeError(what, 'own edit count is not a non-negative integer')
  }
  const snapshot = head === null ? undefined : decodeSnapshot(head, limits)
  if (snapshot !== undefined && verifier !== undefined) {
    try {
      verifySnapshot(snapshot, verifier)
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err
      throw new DecodeError(what, `head fails verification: ${err.message}`)
    }
  }
  return {
    head: snapshot,
    file: file === null ? undefined : parseFileVersion(file, limits.maxVectorEntries),
    ownEdits: ownEdits as number | undefined,
  }
}

function parseFileVersion(value: unknown, maxVectorEntries: number): StoredFileVersion {
  const { checksum, vector } = (value ?? {}) as Record<string, unknown>
  if (!isChecksum(checksum)) throw new DecodeError('state file', 'file checksum is malformed')
  const problem = vectorProblem(vector, maxVectorEntries)
  if (problem !== undefined) throw new DecodeError('state file', `file vector: ${problem}`)
  return { checksum, vector: normalizeVector(vector as Record<string, number>) }
}
