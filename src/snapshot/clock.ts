/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014).
 *
 * A stamp is (wallMs, counter, node). The clock has three verbs:
 *   now()      read the current stamp without advancing it;
 *   tick()     a local event: returns a stamp larger than every stamp this
 *              clock has issued or witnessed;
 *   witness(s) a stamp received from elsewhere: afterwards every tick() is
 *              larger than s.
 *
 * Invariant: stamps grow along causality. An edit made after seeing snapshot
 * S has a larger stamp than S whatever the wall clocks say, so a node whose
 * clock runs an hour fast cannot beat a later edit made after seeing its
 * snapshot. Wall time only decides between edits that did not see each other.
 */
export interface ClockStamp {
  readonly wallMs: number
  readonly counter: number
  readonly node: string
}

/** The stamp of a genesis snapshot: below every real edit. */
export function genesisStamp(node: string): ClockStamp {
  return Object.freeze({ wallMs: 0, counter: 0, node })
}

export function compareStamps(a: ClockStamp, b: ClockStamp): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1
  if (a.node !== b.node) return a.node < b.node ? -1 : 1
  return 0
}

export class HybridClock {
  readonly #node: string
  readonly #wallNow: () => number
  #wallMs = 0
  #counter = 0

  /** `wallNow` is injected so that tests and the simulator can skew or freeze time. */
  constructor(node: string, wallNow: () => number) {
    this.#node = node
    this.#wallNow = wallNow
  }

  now(): ClockStamp {
    return Object.freeze({ wallMs: this.#wallMs, counter: this.#counter, node: this.#node })
  }

  tick(): ClockStamp {
    const physical = this.#wallNow()
    if (physical > this.#wallMs) {
      this.#wallMs = physical
      this.#counter = 0
    } else {
      this.#counter += 1
    }
    return this.now()
  }

  witness(stamp: ClockStamp): void {
    if (stamp.wallMs > this.#wallMs) {
      this.#wallMs = stamp.wallMs
      this.#counter = stamp.counter
    } else if (stamp.wallMs === this.#wallMs && stamp.counter > this.#counter) {
      this.#counter = stamp.counter
    }
  }
}

/**
 * Largest counter accepted in a received stamp. A counter only grows while
 * many events share one wall millisecond, so real ones stay tiny; the bound
 * keeps a hostile stamp from pushing this clock's counter, which ticks past
 * every stamp it witnesses, beyond the integers a stamp can carry exactly.
 */
export const MAX_CLOCK_COUNTER = 2 ** 32

/**
 * Why `stamp` is too far ahead of the local wall clock `nowMs` to be
 * witnessed (more than `maxAheadMs`), or undefined when it is not.
 */
export function stampAhead(
  stamp: ClockStamp,
  nowMs: number,
  maxAheadMs: number,
): string | undefined {
  const lead = stamp.wallMs - nowMs
  if (lead <= maxAheadMs) return undefined
  return (
    `clock stamp ${lead} ms ahead of this node's clock (limit ${maxAheadMs} ms): ` +
    `the clock of node ${stamp.node} is wrong, or this one is`
  )
}

/** Checks that a value received from outside is a clock stamp; returns a reason when not. */
export function stampProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return 'not an object'
  const { wallMs, counter, node } = value as Record<string, unknown>
  if (typeof wallMs !== 'number' || !Number.isSafeInteger(wallMs) || wallMs < 0) {
    return 'wallMs is not a non-negative integer'
  }
  if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter < 0) {
    return 'counter is not a non-negative integer'
  }
  if (counter > MAX_CLOCK_COUNTER) return `counter is over ${MAX_CLOCK_COUNTER}`
  if (typeof node !== 'string' || node.length === 0 || node.length > 128) return 'node is not an id'
  return undefined
}
