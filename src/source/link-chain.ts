import { lstat, readlink, realpath, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

/** Linux gives up after 40 links (ELOOP); so do we. */
const MAX_HOPS = 40

export interface LinkChain {
  /** The watched path, then each symlink target in turn; the last is the file itself. */
  hops: string[]
  /**
   * Existing directories whose entries decide what the path resolves to or
   * holds: the real directory of every hop, the directory holding a
   * symlinked directory on the way (a ConfigMap's `..data`), and for a hop
   * whose directory does not exist yet, its nearest existing ancestor.
   */
  directories: string[]
}

/**
 * Follows the symlink chain of `path` without requiring any of it to exist.
 * Re-run after every change: an atomic repoint (`mv -T tmp app.hcl`) or a
 * ConfigMap `..data` swap changes the chain, and the directories to watch
 * with it.
 */
export async function resolveLinkChain(path: string): Promise<LinkChain> {
  const hops: string[] = []
  const directories = new Set<string>()
  let current = resolve(path)
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    hops.push(current)
    for (const directory of await directoriesFor(dirname(current))) directories.add(directory)
    const target = await linkTarget(current)
    if (target === undefined) break
    current = resolve(dirname(current), target)
  }
  return { hops, directories: [...directories].sort() }
}

async function linkTarget(path: string): Promise<string | undefined> {
  try {
    const stats = await lstat(path)
    return stats.isSymbolicLink() ? await readlink(path) : undefined
  } catch {
    // Missing or unreadable: the chain ends here, and the read that follows reports why.
    return undefined
  }
}

async function directoriesFor(directory: string): Promise<string[]> {
  const existing = await nearestExistingDirectory(directory)
  const real = await realpath(existing).catch(() => existing)
  if (real === existing) return [existing]
  // `existing` passes through a symlinked directory: watch where it points now, and
  // the directory holding the link, where a swap of the link shows up.
  return [real, await nearestExistingDirectory(dirname(existing))]
}

async function nearestExistingDirectory(directory: string): Promise<string> {
  let current = directory
  for (;;) {
    try {
      if ((await stat(current)).isDirectory()) return current
    } catch {
      // Not there (yet): try the parent.
    }
    const parent = dirname(current)
    if (parent === current) return current
    current = parent
  }
}
