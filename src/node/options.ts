import type { Logger } from 'pino'
import { describeValue } from '../net/index.ts'
import type { Validator } from '../source/types.ts'

/** Options of a config-mesh node. Only `configPath` and `stateDir` are required. */
export interface ConfigMeshInit {
  /** The HCL file this node watches and falls back to. */
  configPath: string
  /** Where the node keeps its key, head and file version between runs. */
  stateDir: string
  /**
   * Name of the cluster: nodes only talk to nodes of the same cluster (it is
   * part of the gossip topic and fetch protocol names).
   * @default 'default'
   */
  cluster?: string
  /** Multiaddrs to listen on. Port 0 picks a free port. @default ['/ip4/0.0.0.0/tcp/0'] */
  listen?: string[]
  /** Multiaddrs of peers to dial at start and keep connected (seeds). @default [] */
  peers?: string[]
  /** 'tcp' for real deployments; 'memory' runs many nodes in one process (tests). @default 'tcp' */
  transport?: 'tcp' | 'memory'
  /** Checks every configuration before it is applied or passed on. @default accept all */
  validator?: Validator
  /** Environment that `env("X")` references resolve from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>
  /** Write peers' versions back to the file so the next edit starts from the head. @default true */
  writeBack?: boolean
  /** Anti-entropy period: how often each node re-announces its head. @default 5000 */
  announceIntervalMs?: number
  /** A fetch not answered in this time is abandoned and another peer tried. @default 5000 */
  fetchTimeoutMs?: number
  /** Largest snapshot sent or accepted, in bytes; both ends enforce it. @default 16 MiB */
  maxSnapshotBytes?: number
  /** Largest source file loaded, in bytes. @default 4 MiB */
  maxSourceBytes?: number
  /** A file change is read once the file has been quiet this long. @default 300 */
  settleMs?: number
  /**
   * Largest lead of a peer's clock stamp over this node's clock; versions
   * stamped further ahead are refused until this clock catches up, so one
   * badly set clock cannot drag every node's clock with it. Must exceed the
   * worst honest skew between two nodes. @default 86400000 (one day)
   */
  maxClockAheadMs?: number
  /** Fetches served at once; more are told to try another peer. @default 8 */
  maxConcurrentServes?: number
  /** Only these peer ids may connect. @default anyone with the cluster's name */
  allowPeers?: string[]
  /** libp2p private-network key (pnet swarm key file content): keeps out nodes without it. */
  privateNetworkKey?: Uint8Array
  /** A pino logger; the node logs through named children of it. @default silent */
  logger?: Logger
}

/**
 * Collaborators a node can be given instead of the real ones. The wall clock
 * is only used for hybrid-logical-clock stamps and timers; tests skew it.
 */
export interface ConfigMeshComponents {
  /** Wall clock, ms since the epoch. @default Date.now */
  now?: () => number
  /** Uniform in [0, 1), for timer jitter. @default Math.random */
  random?: () => number
}

export type ResolvedInit = Readonly<
  Required<Omit<ConfigMeshInit, 'validator' | 'allowPeers' | 'privateNetworkKey' | 'logger'>> &
    Pick<ConfigMeshInit, 'validator' | 'allowPeers' | 'privateNetworkKey' | 'logger'>
>

/** An option has a value outside what it accepts. The message names the option, value and range. */
export class OptionError extends Error {
  override name = 'OptionError'
}

const MiB = 1024 * 1024

/** The numeric defaults, apart so the command line's help can show them. */
export const NODE_TIMING_DEFAULTS = Object.freeze({
  announceIntervalMs: 5000,
  fetchTimeoutMs: 5000,
  maxSnapshotBytes: 16 * MiB,
  maxSourceBytes: 4 * MiB,
  settleMs: 300,
  maxConcurrentServes: 8,
  maxClockAheadMs: 86_400_000,
})

/** Merges defaults, checks every field once, and freezes the result. */
export function resolveInit(init: ConfigMeshInit): ResolvedInit {
  if (init === null || typeof init !== 'object') {
    throw new OptionError(`options: an object is required, got ${describeValue(init)}`)
  }
  requireText('configPath', init.configPath)
  requireText('stateDir', init.stateDir)
  const resolved = {
    cluster: 'default',
    listen: ['/ip4/0.0.0.0/tcp/0'],
    peers: [],
    transport: 'tcp' as const,
    env: process.env,
    writeBack: true,
    ...NODE_TIMING_DEFAULTS,
    ...withoutUndefined(init),
    configPath: init.configPath,
    stateDir: init.stateDir,
  }
  requireRange('announceIntervalMs', resolved.announceIntervalMs, 50, 3_600_000)
  requireRange('fetchTimeoutMs', resolved.fetchTimeoutMs, 50, 600_000)
  requireRange('maxSnapshotBytes', resolved.maxSnapshotBytes, 1024, 1024 * MiB)
  requireRange('maxSourceBytes', resolved.maxSourceBytes, 1, 1024 * MiB)
  requireRange('settleMs', resolved.settleMs, 0, 60_000)
  requireRange('maxClockAheadMs', resolved.maxClockAheadMs, 60_000, 365 * 86_400_000)
  requireRange('maxConcurrentServes', resolved.maxConcurrentServes, 1, 1024)
  if (resolved.transport !== 'tcp' && resolved.transport !== 'memory') {
    throw new OptionError(`transport: ${String(resolved.transport)} is not 'tcp' or 'memory'`)
  }
  if (!Array.isArray(resolved.listen) || resolved.listen.length === 0) {
    throw new OptionError('listen: needs at least one multiaddr')
  }
  if (!Array.isArray(resolved.peers)) throw new OptionError('peers: must be a list of multiaddrs')
  requireType('writeBack', resolved.writeBack, 'boolean', 'true or false')
  requireType('validator', resolved.validator, 'function', 'a function from tree to issues')
  if (resolved.env === null || typeof resolved.env !== 'object') {
    throw new OptionError(`env: ${describeValue(resolved.env)} is not an object of variables`)
  }
  const logger = resolved.logger as { child?: unknown } | undefined
  if (logger !== undefined && typeof logger?.child !== 'function') {
    throw new OptionError(
      `logger: ${describeValue(logger)} is not a pino logger (it has no child())`,
    )
  }
  return Object.freeze({ ...resolved, listen: [...resolved.listen], peers: [...resolved.peers] })
}

function requireText(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new OptionError(`${name}: required, got ${JSON.stringify(value)}`)
  }
}

function requireRange(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new OptionError(
      `${name}: ${describeValue(value)} is not an integer from ${min} to ${max}`,
    )
  }
}

/** Checks an optional option's type; undefined passes (its default applies). */
function requireType(name: string, value: unknown, type: string, wanted: string): void {
  if (value !== undefined && typeof value !== type) {
    throw new OptionError(`${name}: ${describeValue(value)} is not ${wanted}`)
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
