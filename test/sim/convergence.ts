import { ENGINE_DEFAULTS } from '../../src/engine/engine.ts'
import type { EngineInit } from '../../src/engine/types.ts'
import { compareHeaders } from '../../src/snapshot/order.ts'
import type { SnapshotHeader } from '../../src/snapshot/snapshot.ts'
import type { Invariants } from './invariants.ts'
import { versionKey } from './invariants.ts'
import { MAX_PARSE_MS, MAX_WATCH_SETTLE_MS } from './sim-file.ts'
import type { SimNode } from './sim-node.ts'
import type { VirtualClock } from './virtual-clock.ts'

/** Engine timing the bound is derived from: the engine's own defaults unless a run overrides them. */
export { ENGINE_DEFAULTS }

/**
 * How long after the last fault heals every live node must hold the same
 * head. From the heal (every partition healed, every crashed node restarted,
 * no more edits, no more loss; delays, reordering, duplication and any
 * misbehaving peers go on):
 *
 *   settle + parse            an edit saved just before the heal reaches its engine;
 *   interval * (1 + jitter)   a node that lost every copy of an announcement before the
 *                             heal hears the winner at the holder's next periodic
 *                             announcement (reconnected links exchange heads at once);
 *   (1 + bad) * fetchTimeout  a fetch in flight at the heal whose request or answer was
 *                             lost is given up; then each misbehaving peer that never
 *                             answers may hold the one fetch slot once more before an
 *                             honest provider's turn comes (see FetchPlanner);
 *   fetchRetryMs              the winner's provider failed just before, and is skipped
 *                             this long;
 *   (4 + peers) * 2 * delay   fetch round trips: the reconnect handshake and head request,
 *                             the winner's fetch, and one fetch from each other honest
 *                             provider whose turn comes first, each adopting a version
 *                             that beats the head (progress, not waiting).
 *
 * Every term is a worst case of one wait; once the network is calm nothing
 * waits twice for the same thing, so the sum bounds the whole.
 */
export function convergenceBoundMs(
  init: EngineInit,
  network: { maxDelayMs: number; nodes: number; badPeers: number },
): number {
  const interval = init.announceIntervalMs ?? ENGINE_DEFAULTS.announceIntervalMs
  const jitter = init.announceJitter ?? ENGINE_DEFAULTS.announceJitter
  const timeout = init.fetchTimeoutMs ?? ENGINE_DEFAULTS.fetchTimeoutMs
  const retry = init.fetchRetryMs ?? ENGINE_DEFAULTS.fetchRetryMs
  const watcher = MAX_WATCH_SETTLE_MS + MAX_PARSE_MS
  const { maxDelayMs, nodes, badPeers } = network
  const roundTrips = (4 + nodes) * 2 * maxDelayMs
  return (
    watcher + Math.ceil(interval * (1 + jitter)) + (1 + badPeers) * timeout + retry + roundTrips
  )
}

/**
 * Watches agreement among the honest nodes after the heal: the time at
 * which they last came to hold one head, so a run can report how long
 * convergence took, and whether it happened within the bound.
 */
export class ConvergenceTracker {
  readonly #clock: VirtualClock
  readonly #nodes: readonly SimNode[]
  #healedAt: number | undefined
  #agreedAt: number | undefined

  constructor(clock: VirtualClock, nodes: readonly SimNode[]) {
    this.#clock = clock
    this.#nodes = nodes
  }

  /** The last fault healed now. */
  healed(): void {
    this.#healedAt = this.#clock.now
    this.#agreedAt = agreedHead(this.#nodes) === undefined ? undefined : this.#clock.now
  }

  /** Some node's head may have changed. */
  headChanged(): void {
    if (this.#healedAt === undefined) return
    const agreed = agreedHead(this.#nodes) !== undefined
    if (!agreed) this.#agreedAt = undefined
    else if (this.#agreedAt === undefined) this.#agreedAt = this.#clock.now
  }

  /** Checks agreement at the end of the bound; returns the time it took, if it happened. */
  finish(invariants: Invariants, boundMs: number): number | undefined {
    const healedAt = this.#healedAt ?? this.#clock.now
    if (this.#agreedAt !== undefined) return this.#agreedAt - healedAt
    const live = this.#nodes.filter((node) => node.up)
    const best = bestHead(live)
    for (const node of live) {
      const head = node.engine?.head
      if (best !== undefined && head !== undefined && compareHeaders(head, best) === 0) continue
      const holds = head === undefined ? 'no head' : versionKey(head)
      const wanted = best === undefined ? 'none' : versionKey(best)
      invariants.fail(
        'convergence',
        node.id,
        `${boundMs} ms after the heal it holds ${holds}; the best live head is ${wanted}`,
      )
    }
    return undefined
  }
}

/** The head every live node holds, if they all hold the same one. */
function agreedHead(nodes: readonly SimNode[]): SnapshotHeader | undefined {
  let agreed: SnapshotHeader | undefined
  for (const node of nodes) {
    if (!node.up) continue
    const head = node.engine?.head
    if (head === undefined) return undefined
    if (agreed === undefined) agreed = head
    else if (compareHeaders(agreed, head) !== 0) return undefined
  }
  return agreed
}

export function bestHead(nodes: readonly SimNode[]): SnapshotHeader | undefined {
  let best: SnapshotHeader | undefined
  for (const node of nodes) {
    const head = node.engine?.head
    if (head !== undefined && (best === undefined || compareHeaders(head, best) > 0)) best = head
  }
  return best
}
