import { randomBytes } from 'node:crypto'
import { chmod, chown, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises'
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

/**
 * writeFileAtomically, with a last look at the target: once the new content
 * is on disk beside it, and just before the rename, `keep` is given the
 * target's current bytes (undefined when it is missing); when it returns true
 * nothing is replaced and the result is false. Someone else's save that
 * lands while the new content is written and synced is seen, not
 * overwritten; only one that lands between that look and the rename is not.
 * Mode and owner of the target are kept, as writeFileAtomically keeps them.
 */
export async function replaceFileUnless(
  path: string,
  data: string,
  keep: (current: Buffer | undefined) => boolean,
): Promise<boolean> {
  const target = await realpath(path).catch(() => path)
  const before = await stat(target).catch(() => undefined)
  const temporary = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const handle = await open(temporary, 'wx', before?.mode ?? 0o666)
    try {
      await handle.writeFile(data, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    if (before !== undefined) {
      await chown(temporary, before.uid, before.gid).catch(ignoreUnlessRoot)
      await chmod(temporary, before.mode).catch(ignoreUnlessRoot)
    }
    const current = await readFile(target).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined
      throw err
    })
    if (keep(current)) return false
    await rename(temporary, target)
    return true
  } finally {
    await unlink(temporary).catch(() => undefined)
  }
}

/** As write-file-atomic does: a non-root process cannot always give a file away; that is fine. */
function ignoreUnlessRoot(err: NodeJS.ErrnoException): void {
  const root = process.getuid?.() === 0
  if (!root && (err.code === 'EPERM' || err.code === 'EINVAL')) return
  throw err
}
