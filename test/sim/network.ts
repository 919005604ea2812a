import type { Prng } from './prng.ts'
import type { VirtualClock } from './virtual-clock.ts'

export interface NetworkSetup {
  /** Every message takes a delay drawn uniformly from [0, maxDelayMs]: this is what reorders. */
  readonly maxDelayMs: number
  /** Chance that a message is lost, while the network is faulty. */
  readonly lossRate: number
  /** Chance that a message is delivered twice, at two independent delays. */
  readonly duplicateRate: number
}

export interface NetworkStats {
  sent: number
  lost: number
  duplicated: number
}

/**
 * A full mesh between slots (one slot per simulated process). Two slots are
 * connected when both processes are up and the partition puts them in the
 * same group. A message is dropped when it is sent across a broken link,
 * lost at random, or when the link broke or the receiver restarted while it
 * was in flight (as a TCP connection would drop it).
 */
export class Network {
  readonly #clock: VirtualClock
  readonly #rng: Prng
  readonly #setup: NetworkSetup
  readonly #up: boolean[]
  readonly #incarnation: number[]
  #group: number[]
  #calm = false
  readonly stats: NetworkStats = { sent: 0, lost: 0, duplicated: 0 }
  /** Told of every pair whose connectivity changed, after the change. */
  onLinkChange: (a: number, b: number, connected: boolean) => void = () => undefined

  constructor(clock: VirtualClock, rng: Prng, setup: NetworkSetup, slots: number) {
    this.#clock = clock
    this.#rng = rng
    this.#setup = setup
    this.#up = new Array(slots).fill(false)
    this.#incarnation = new Array(slots).fill(0)
    this.#group = new Array(slots).fill(0)
  }

  get maxDelayMs(): number {
    return this.#setup.maxDelayMs
  }

  /** True once the faults have healed: no loss, and peers no longer turn fetches away. */
  get isCalm(): boolean {
    return this.#calm
  }

  connected(a: number, b: number): boolean {
    return (
      a !== b && this.#up[a] === true && this.#up[b] === true && this.#group[a] === this.#group[b]
    )
  }

  /** A process on `slot` started (with a new incarnation) or stopped. */
  setUp(slot: number, up: boolean): void {
    this.#change(() => {
      this.#up[slot] = up
      if (up) this.#incarnation[slot] = (this.#incarnation[slot] ?? 0) + 1
    })
  }

  /** Splits the slots into groups (`groups[slot]`); undefined heals every partition. */
  partition(groups: readonly number[] | undefined): void {
    this.#change(() => {
      this.#group = this.#group.map((_, slot) => groups?.[slot] ?? 0)
    })
  }

  /** No more loss from now on: the faults have healed. Delay and duplication remain. */
  calm(): void {
    this.#calm = true
  }

  /** A random delay for one hop, for things like connection set-up. */
  delay(): number {
    return this.#rng.int(0, this.#setup.maxDelayMs)
  }

  /** Sends one message; `deliver` runs at the receiver if the message gets through. */
  send(from: number, to: number, deliver: () => void): void {
    if (!this.connected(from, to)) return
    this.stats.sent++
    if (!this.#calm && this.#rng.chance(this.#setup.lossRate)) {
      this.stats.lost++
      return
    }
    this.#schedule(from, to, deliver)
    if (this.#rng.chance(this.#setup.duplicateRate)) {
      this.stats.duplicated++
      this.#schedule(from, to, deliver)
    }
  }

  #schedule(from: number, to: number, deliver: () => void): void {
    const fromIncarnation = this.#incarnation[from]
    const toIncarnation = this.#incarnation[to]
    this.#clock.after(this.delay(), () => {
      const same =
        this.#incarnation[from] === fromIncarnation && this.#incarnation[to] === toIncarnation
      if (same && this.connected(from, to)) deliver()
    })
  }

  #change(mutate: () => void): void {
    const slots = this.#up.length
    const before: boolean[] = []
    for (let a = 0; a < slots; a++)
      for (let b = a + 1; b < slots; b++) before.push(this.connected(a, b))
    mutate()
    let i = 0
    for (let a = 0; a < slots; a++) {
      for (let b = a + 1; b < slots; b++) {
        const now = this.connected(a, b)
        if (now !== before[i++]) this.onLinkChange(a, b, now)
      }
    }
  }
}
