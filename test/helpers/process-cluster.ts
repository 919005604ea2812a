import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalNode } from '../../src/cli/local-node.ts'
import { checksumOf } from '../../src/snapshot/checksum.ts'
import { normalizeText } from '../../src/source/normalize.ts'
import { waitUntil } from './wait.ts'

export const EXAMPLE_CONFIG = new URL('../../examples/honua/harbor-city.hcl', import.meta.url)
export const EXAMPLE_ENV = {
  HARBOR_GIS_URL: 'postgres://test@127.0.0.1/harbor',
  HARBOR_REDIS_URL: 'redis://127.0.0.1:6379',
}
/** Deadline for anything a cluster of three should do on a loaded 2-core machine. */
export const DEADLINE_MS = 30_000

/**
 * A folder of node directories, each with its own copy of the example
 * configuration and its own state directory, and the `config-mesh run`
 * processes started in it. `close()` stops every process and removes the folder.
 */
export class ProcessCluster {
  readonly root: string
  readonly nodes: LocalNode[] = []

  private constructor(root: string) {
    this.root = root
  }

  static async create(): Promise<ProcessCluster> {
    return new ProcessCluster(await mkdtemp(join(tmpdir(), 'config-mesh-test-')))
  }

  /** Prepares (does not start) a node whose file starts as `text` (the example by default). */
  async addNode(name: string, text?: string, args: string[] = []): Promise<LocalNode> {
    const dir = join(this.root, name)
    await mkdir(dir, { recursive: true })
    const configPath = join(dir, 'app.hcl')
    await writeFile(configPath, text ?? (await readFile(EXAMPLE_CONFIG)))
    const node = new LocalNode({
      name,
      configPath,
      stateDir: join(dir, 'state'),
      args: ['--announce-interval-ms', '500', '--settle-ms', '200', ...args],
      env: EXAMPLE_ENV,
    })
    this.nodes.push(node)
    return node
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()))
    await rm(this.root, { recursive: true, force: true })
  }
}

/** Saves like an editor: temporary file, then rename over the original. Returns the checksum. */
export async function saveLikeAnEditor(path: string, text: string): Promise<string> {
  await writeFile(`${path}.tmp`, text)
  await rename(`${path}.tmp`, path)
  return checksumOf(normalizeText(text))
}

export function checksumOfText(text: string): string {
  return checksumOf(normalizeText(text))
}

export function waitApplied(node: LocalNode, checksum: string, since = 0) {
  return node.waitForLog(
    (line) => line.msg === 'applied version' && line.checksum === checksum,
    DEADLINE_MS,
    since,
  )
}

/** Waits until `node` has logged a connection to each of `peers`. */
export function waitConnected(node: LocalNode, peers: LocalNode[]) {
  const wanted = new Set(peers.map((peer) => peer.peerId))
  const connected = () =>
    new Set(node.logs.filter((l) => l.msg === 'peer connected').map((l) => l.peer as string))
  return node.waitForLog(() => [...wanted].every((id) => connected().has(id!)), DEADLINE_MS)
}

/** The checksums of every version `node` applied, in order. */
export function appliedChecksums(node: LocalNode): string[] {
  return node.logs.filter((l) => l.msg === 'applied version').map((l) => l.checksum as string)
}

/** Polls `check` until it holds; for state outside any log line, such as a file's content. */
export function waitFor(check: () => Promise<boolean>, timeoutMs = DEADLINE_MS): Promise<void> {
  return waitUntil(check, 'condition', timeoutMs, 50)
}
