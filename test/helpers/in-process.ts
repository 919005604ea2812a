import { once } from 'node:events'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigMeshNode } from '../../src/node/config-mesh-node.ts'
import type { ConfigMeshEvents } from '../../src/node/events.ts'
import type { ConfigMeshComponents, ConfigMeshInit } from '../../src/node/options.ts'
import { waitUntil } from './wait.ts'

export const DEADLINE_MS = 20_000

let memoryCounter = 0

/**
 * Many config-mesh nodes in this process, each with its own file and state
 * directory under one temporary folder, over real libp2p (TCP on loopback,
 * or the in-memory transport). `close()` stops them all and removes the folder.
 */
export class InProcessCluster {
  readonly root: string
  readonly nodes: ConfigMeshNode[] = []
  readonly #transport: 'tcp' | 'memory'

  private constructor(root: string, transport: 'tcp' | 'memory') {
    this.root = root
    this.#transport = transport
  }

  static async create(transport: 'tcp' | 'memory' = 'tcp'): Promise<InProcessCluster> {
    return new InProcessCluster(await mkdtemp(join(tmpdir(), 'config-mesh-nodes-')), transport)
  }

  /** Writes `text` as the node's file and starts the node. */
  async start(
    name: string,
    text: string,
    init: Partial<ConfigMeshInit> = {},
    components: ConfigMeshComponents = {},
  ): Promise<ConfigMeshNode> {
    const dir = join(this.root, name)
    await mkdir(dir, { recursive: true })
    const configPath = join(dir, 'app.hcl')
    await writeFile(configPath, text)
    return this.startAt(dir, init, components)
  }

  /** Starts (or restarts) a node over an existing folder. */
  async startAt(
    dir: string,
    init: Partial<ConfigMeshInit> = {},
    components: ConfigMeshComponents = {},
  ): Promise<ConfigMeshNode> {
    const listen =
      this.#transport === 'tcp'
        ? ['/ip4/127.0.0.1/tcp/0']
        : [`/memory/config-mesh-${process.pid}-${++memoryCounter}`]
    const node = new ConfigMeshNode(
      {
        configPath: join(dir, 'app.hcl'),
        stateDir: join(dir, 'state'),
        transport: this.#transport,
        listen,
        announceIntervalMs: 300,
        fetchTimeoutMs: 2000,
        settleMs: 100,
        env: {},
        ...init,
      },
      components,
    )
    this.nodes.push(node)
    await node.start()
    return node
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()))
    await rm(this.root, { recursive: true, force: true })
  }
}

/** Resolves with the first `event` whose payload matches, or rejects after the deadline. */
export async function nextEvent<E extends keyof ConfigMeshEvents>(
  node: ConfigMeshNode,
  event: E,
  match: (...payload: ConfigMeshEvents[E]) => boolean = () => true,
  timeoutMs = DEADLINE_MS,
): Promise<ConfigMeshEvents[E]> {
  const signal = AbortSignal.timeout(timeoutMs)
  const emitter = node as unknown as NodeJS.EventEmitter
  while (true) {
    const payload = (await once(emitter, event, { signal }).catch((err: Error) => {
      throw new Error(`no matching "${event}" event within ${timeoutMs} ms`, { cause: err })
    })) as ConfigMeshEvents[E]
    if (match(...payload)) return payload
  }
}

/** Waits until `check` holds (polled), naming `what` on timeout. */
export function until(check: () => boolean, what: string, timeoutMs = DEADLINE_MS): Promise<void> {
  return waitUntil(check, what, timeoutMs, 50)
}

/** Waits until the two nodes see each other as connected peers. */
export function connected(a: ConfigMeshNode, b: ConfigMeshNode): Promise<void> {
  const peersOf = (node: ConfigMeshNode) => {
    const status = node.status()
    return status.running ? status.peers : []
  }
  return until(
    () => peersOf(a).includes(b.peerId!) && peersOf(b).includes(a.peerId!),
    `${a.peerId} and ${b.peerId} connected`,
  )
}
