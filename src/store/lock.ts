import { open, readFile, unlink } from 'node:fs/promises'
import { resolve } from 'node:path'
import { StateDirectoryError } from './errors.ts'

/**
 * Locks this process holds. A lock file naming this process's own pid is
 * only ours if it is in here: otherwise it was left by an earlier process
 * that had the same pid, which is the rule rather than the exception in a
 * container, where the node restarted after a crash is pid 1 again.
 */
const held = new Set<string>()

/**
 * An exclusive lock on a state directory, so two processes never share one
 * node identity. The lock file holds the owner's pid; a lock whose owner is no
 * longer running (a crash) is taken over.
 */
export async function acquireLock(path: string): Promise<() => Promise<void>> {
  const key = resolve(path)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      held.add(key)
      return async () => {
        held.delete(key)
        await unlink(path).catch(() => undefined)
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = await lockOwner(path)
      if (owner !== undefined && (owner === process.pid ? held.has(key) : isRunning(owner))) {
        throw new StateDirectoryError(path, `in use by process ${owner}`)
      }
      await unlink(path).catch(() => undefined)
    }
  }
  throw new StateDirectoryError(path, 'could not take the lock')
}

async function lockOwner(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const pid = Number.parseInt(text, 10)
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
