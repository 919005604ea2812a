import { open, readFile, unlink } from 'node:fs/promises'
import { StateDirectoryError } from './errors.ts'

/**
 * An exclusive lock on a state directory, so two processes never share one
 * node identity. The lock file holds the owner's pid; a lock whose owner is no
 * longer running (a crash) is taken over.
 */
export async function acquireLock(path: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      return async () => {
        await unlink(path).catch(() => undefined)
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = await lockOwner(path)
      if (owner !== undefined && isRunning(owner)) {
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
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
