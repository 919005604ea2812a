import { decode, encode } from './codec.ts'
import { DecodeError } from './errors.ts'
import {
  headerFromWire,
  headerToWire,
  type SnapshotHeader,
  type SnapshotLimits,
} from './snapshot.ts'

/**
 * An announcement: "node N holds head H". It carries the head's header and
 * never its content, so it stays small whatever the configuration's size.
 * Format numbers are append-only, as for snapshots.
 */
export const ANNOUNCEMENT_FORMAT = 1

/** Largest encoded announcement accepted. Headers are small; vectors dominate the size. */
export const MAX_ANNOUNCEMENT_BYTES = 64 * 1024

export interface Announcement {
  /** The announcing node's id. */
  readonly node: string
  readonly head: SnapshotHeader
}

export function encodeAnnouncement(announcement: Announcement): Uint8Array {
  return encode({
    format: ANNOUNCEMENT_FORMAT,
    node: announcement.node,
    head: headerToWire(announcement.head),
  })
}

export function decodeAnnouncement(
  bytes: Uint8Array,
  limits: Pick<SnapshotLimits, 'maxVectorEntries'>,
): Announcement {
  const what = 'announcement'
  const value = decode(bytes, what, MAX_ANNOUNCEMENT_BYTES)
  if (value === null || typeof value !== 'object') throw new DecodeError(what, 'not a map')
  const { format, node, head } = value as Record<string, unknown>
  if (format !== ANNOUNCEMENT_FORMAT) {
    throw new DecodeError(
      what,
      `unknown format ${String(format)} (this node reads ${ANNOUNCEMENT_FORMAT})`,
    )
  }
  if (typeof node !== 'string' || node.length === 0 || node.length > 128) {
    throw new DecodeError(what, 'node is not an id')
  }
  if (head === null || typeof head !== 'object') throw new DecodeError(what, 'head is not a map')
  return Object.freeze({
    node,
    head: headerFromWire(head as Record<string, unknown>, limits, what),
  })
}
