import { Packr } from 'msgpackr'
import { DecodeError } from './errors.ts'

/**
 * The one msgpack codec of config-mesh. Every byte that leaves a node (gossip,
 * fetch responses) or reaches its disk (the state directory) goes through
 * these options, so the format cannot drift between call sites:
 *
 * - useRecords: false. msgpackr's record extension shares structure
 *   definitions per process; a restarted peer could not decode them. Plain
 *   maps keep every message self-describing.
 * - mapsAsObjects: true. Maps decode as plain objects, never `Map`, whatever
 *   the key types.
 * - moreTypes: false and no structured clone: only msgpack's own types, so a
 *   peer cannot make us build class instances.
 *
 * Encoding is deterministic for the values we send (plain objects encode keys
 * in insertion order, and decode preserves it), which the tree digest relies
 * on: see snapshot.ts.
 */
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  int64AsType: 'number',
})

export function encode(value: unknown): Uint8Array {
  return packr.pack(value)
}

/**
 * Decodes bytes from outside. The size bound is checked before any decoding
 * work, so an oversized frame costs nothing.
 */
export function decode(bytes: Uint8Array, what: string, maxBytes: number): unknown {
  if (bytes.byteLength > maxBytes) {
    throw new DecodeError(what, `${bytes.byteLength} bytes, over the limit of ${maxBytes}`)
  }
  try {
    return packr.unpack(bytes)
  } catch (err) {
    throw new DecodeError(what, `not valid msgpack (${(err as Error).message})`, { cause: err })
  }
}
