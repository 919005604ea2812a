import writeFileAtomic from 'write-file-atomic'

/**
 * Crash-safe replacement of a file: write a temporary file beside it, fsync
 * it, rename it over the target. A crash leaves either the old or the new
 * content, never a torn mix. A symlinked target is resolved and the link's
 * target is replaced, so the link itself survives.
 */
export async function writeFileAtomically(
  path: string,
  data: string | Uint8Array,
  mode?: number,
): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data)
  await writeFileAtomic(path, bytes, mode === undefined ? { fsync: true } : { fsync: true, mode })
}
