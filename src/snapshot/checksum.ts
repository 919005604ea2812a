import { createHash } from 'node:crypto'

/**
 * The checksum of a configuration: SHA-256 of its normalised text (see
 * source/normalize.ts) as 64 lowercase hex digits. Sender and receiver both
 * call this one function, so identical text is the same configuration
 * whoever wrote it and on whatever editor.
 */
export function checksumOf(normalizedText: string): string {
  return createHash('sha256').update(normalizedText, 'utf8').digest('hex')
}

/** SHA-256 of raw bytes, as hex. */
export function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

const CHECKSUM = /^[0-9a-f]{64}$/

export function isChecksum(value: unknown): value is string {
  return typeof value === 'string' && CHECKSUM.test(value)
}

/** The first 12 hex digits: enough to tell versions apart in logs and tables. */
export function shortChecksum(checksum: string): string {
  return checksum.slice(0, 12)
}
