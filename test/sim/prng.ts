/**
 * A small seeded PRNG (mulberry32): fast, 32 bits of state, and the same
 * sequence on every platform, which is all a replayable simulation needs.
 * Not for anything secret.
 */
export class Prng {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[Math.floor(this.next() * items.length)] as T
  }

  /**
   * An independent stream named by `label`. Each concern (network, one
   * node's jitter, ...) draws from its own stream, so removing a step while
   * shrinking disturbs the other streams as little as possible.
   */
  fork(label: string): Prng {
    let hash = 2166136261 ^ this.#state
    for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 16777619)
    return new Prng(hash >>> 0)
  }
}
