import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { errorFields, type MeshLogger } from './logger.ts'

export interface SeedDialerInit {
  readonly seeds: readonly Multiaddr[]
  readonly localPeer: string
  readonly minDelayMs: number
  readonly maxDelayMs: number
}

export interface SeedDialerComponents {
  readonly logger: MeshLogger
  /** Uniform in [0, 1); injected so tests can pin the jitter. */
  readonly random?: () => number
}

/**
 * Delay before redial number `attempt` (0 for the first redial after a loss):
 * minMs doubled per failed attempt, capped at maxMs, then jittered by ±25%
 * and clamped back into [minMs, maxMs]. The jitter matters when a seed comes
 * back after an outage: every node that lost it would otherwise redial in
 * the same instant, and keep doing so in lockstep.
 */
export function redialDelay(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number,
): number {
  const exponential = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30))
  const jittered = exponential * (0.75 + 0.5 * random())
  return Math.round(Math.min(maxMs, Math.max(minMs, jittered)))
}

interface Seed {
  readonly address: Multiaddr
  /** Known from /p2p/ or learnt from the first connection made by address. */
  peer: string | undefined
  /** Failed dials since the last success. */
  failures: number
  timer: ReturnType<typeof setTimeout> | undefined
  dialing: boolean
  /** The address turned out to be this node's own: nothing to keep connected. */
  isSelf: boolean
}

function newSeed(address: Multiaddr): Seed {
  return {
    address,
    peer: address.getComponents().findLast((c) => c.name === 'p2p')?.value,
    failures: 0,
    timer: undefined,
    dialing: false,
    isSelf: false,
  }
}

/**
 * Keeps the seeds connected. libp2p's own reconnect queue gives up after a
 * few retries and forgets the peer, so a seed that is down longer than that
 * is never redialled. Here every seed is redialled for as long as the
 * network runs: on a failed dial, and whenever the last connection to it
 * closes, with capped exponential backoff, so a seed restarted with the same
 * key and port is back within maxDelayMs of coming up.
 */
export class SeedDialer {
  readonly #init: SeedDialerInit
  readonly #logger: MeshLogger
  readonly #random: () => number
  readonly #seeds: Seed[]
  readonly #onDisconnect = (event: CustomEvent<PeerId>) => this.#lost(event.detail.toString())
  #node: Libp2p | undefined
  #stopping = new AbortController()

  constructor(init: SeedDialerInit, components: SeedDialerComponents) {
    this.#init = init
    this.#logger = components.logger
    this.#random = components.random ?? Math.random
    this.#seeds = init.seeds.map(newSeed)
  }

  /** Adds a seed while running (a healed partition, a new member); dialled at once. */
  add(address: Multiaddr): void {
    if (this.#seeds.some((seed) => seed.address.equals(address))) return
    const seed = newSeed(address)
    seed.isSelf = seed.peer === this.#init.localPeer
    this.#seeds.push(seed)
    if (this.#node !== undefined && !seed.isSelf) void this.#dial(seed)
  }

  start(node: Libp2p): void {
    this.#node = node
    this.#stopping = new AbortController()
    node.addEventListener('peer:disconnect', this.#onDisconnect)
    for (const seed of this.#seeds) {
      seed.failures = 0
      seed.isSelf = seed.peer === this.#init.localPeer
      // One seed list can serve the whole cluster: a node skips its own entry.
      if (!seed.isSelf) void this.#dial(seed)
    }
  }

  stop(): void {
    this.#stopping.abort()
    this.#node?.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#node = undefined
    for (const seed of this.#seeds) {
      clearTimeout(seed.timer)
      seed.timer = undefined
    }
  }

  /** Seeds currently not connected, for status reporting. */
  unreachableSeeds(): string[] {
    const node = this.#node
    if (node === undefined) return []
    const connected = new Set(node.getPeers().map(String))
    return this.#seeds
      .filter((seed) => !seed.isSelf && (seed.peer === undefined || !connected.has(seed.peer)))
      .map((seed) => seed.address.toString())
  }

  async #dial(seed: Seed): Promise<void> {
    const node = this.#node
    if (node === undefined || seed.dialing || seed.isSelf) return
    seed.dialing = true
    try {
      const connection = await node.dial(seed.address, { signal: this.#stopping.signal })
      seed.peer = connection.remotePeer.toString()
      const fields = { seed: seed.address.toString(), peer: seed.peer }
      if (seed.failures > 0) this.#logger.info(fields, 'seed reconnected')
      else this.#logger.debug(fields, 'seed connected')
      seed.failures = 0
      // Closed before its peer was known (a seed given by address): peer:disconnect came too early.
      if (connection.status !== 'open') this.#schedule(seed)
    } catch (err) {
      this.#dialFailed(seed, err)
    } finally {
      seed.dialing = false
    }
  }

  #dialFailed(seed: Seed, err: unknown): void {
    if (this.#stopping.signal.aborted) return
    if (err instanceof Error && err.name === 'InvalidPeerIdError' && /self/i.test(err.message)) {
      // Dialled by address and found ourselves: a seed list shared by the cluster.
      seed.isSelf = true
      this.#logger.debug({ seed: seed.address.toString() }, 'seed is this node; skipped')
      return
    }
    seed.failures++
    const delayMs = this.#schedule(seed)
    const fields = {
      seed: seed.address.toString(),
      failures: seed.failures,
      delayMs,
      ...errorFields(err),
    }
    // Warn once per outage; the retries that follow are expected and only debug noise.
    if (seed.failures === 1) this.#logger.warn(fields, 'seed unreachable; redialling with backoff')
    else this.#logger.debug(fields, 'seed still unreachable')
  }

  #lost(peer: string): void {
    for (const seed of this.#seeds) {
      if (seed.peer !== peer || seed.isSelf) continue
      this.#logger.info({ seed: seed.address.toString(), peer }, 'seed disconnected; redialling')
      this.#schedule(seed)
    }
  }

  /** Schedules the next dial of `seed` unless one is pending; returns its delay. */
  #schedule(seed: Seed): number {
    const delayMs = redialDelay(
      seed.failures,
      this.#init.minDelayMs,
      this.#init.maxDelayMs,
      this.#random,
    )
    if (this.#node === undefined || seed.timer !== undefined) return delayMs
    seed.timer = setTimeout(() => {
      seed.timer = undefined
      void this.#dial(seed)
    }, delayMs)
    // A pending redial must not keep the process alive on its own.
    seed.timer.unref?.()
    return delayMs
  }
}
