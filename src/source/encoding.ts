import { SourceError } from './errors.ts'

const strictDecoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Decodes UTF-8 strictly: a configuration that is not valid UTF-8 is refused
 * with the line of the first bad byte, instead of being read with
 * replacement characters that would then be gossiped as if intended.
 */
export function decodeUtf8(file: string, bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes)
  } catch (cause) {
    const offset = firstInvalidOffset(bytes)
    const before = bytes.subarray(0, offset)
    const lineStart = before.lastIndexOf(0x0a) + 1
    const line = before.filter((byte) => byte === 0x0a).length + 1
    const byte = bytes[offset]?.toString(16).padStart(2, '0') ?? 'end of file'
    throw SourceError.of(
      file,
      {
        reason: 'encoding',
        message: `not valid UTF-8 (byte 0x${byte} at offset ${offset})`,
        line,
        column: new TextDecoder().decode(bytes.subarray(lineStart, offset)).length + 1,
      },
      { cause },
    )
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidOffset(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i)
    if (length === 0) return i
    i += length
  }
  return bytes.length
}

function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!
  if (lead < 0x80) return 1
  const info = leadInfo(lead)
  if (info === undefined || i + info.length > bytes.length) return 0
  const second = bytes[i + 1]!
  if (second < info.min || second > info.max) return 0
  for (let k = 2; k < info.length; k++) {
    const next = bytes[i + k]!
    if (next < 0x80 || next > 0xbf) return 0
  }
  return info.length
}

/** Sequence length and allowed second byte for a lead byte (Unicode table 3-7), or undefined. */
function leadInfo(lead: number): { length: number; min: number; max: number } | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return { length: 2, min: 0x80, max: 0xbf }
  if (lead === 0xe0) return { length: 3, min: 0xa0, max: 0xbf }
  if (lead === 0xed) return { length: 3, min: 0x80, max: 0x9f }
  if (lead >= 0xe1 && lead <= 0xef) return { length: 3, min: 0x80, max: 0xbf }
  if (lead === 0xf0) return { length: 4, min: 0x90, max: 0xbf }
  if (lead >= 0xf1 && lead <= 0xf3) return { length: 4, min: 0x80, max: 0xbf }
  if (lead === 0xf4) return { length: 4, min: 0x80, max: 0x8f }
  return undefined
}
