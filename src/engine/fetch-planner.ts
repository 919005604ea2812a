import { beats, type SnapshotHeader } from '../snapshot/index.ts'

/**
 * Decides what to fetch from whom. It tracks the best snapshot heard of that
 * beats the head ("wanted"), the peers that announced it ("providers"), and
 * at most one fetch in flight.
 *
 * Fetch from the peer that announced, not from the origin: this spreads the
 * load of a new version over everyone who already holds it. A provider that
 * fails (busy, gone, timed out, sent garbage) is skipped for `retryMs`, then
 * tried again; another provider is tried first if there is one.
 */
export class FetchPlanner {
  #wanted: SnapshotHeader | undefined
  /** provider peer id -> time before which it is not asked again */
  readonly #providers = new Map<string, number>()
  #inFlight: { peer: string; checksum: string; deadline: number } | undefined

  get wanted(): SnapshotHeader | undefined {
    return this.#wanted
  }

  get inFlight(): { peer: string; checksum: string } | undefined {
    if (this.#inFlight === undefined) return undefined
    return { peer: this.#inFlight.peer, checksum: this.#inFlight.checksum }
  }

  /** Notes that `peer` holds `header`, which beats the head. */
  offer(header: SnapshotHeader, peer: string): void {
    if (this.#wanted === undefined || beats(header, this.#wanted)) {
      this.#wanted = header
      this.#providers.clear()
    }
    if (header.checksum === this.#wanted.checksum && !this.#providers.has(peer)) {
      this.#providers.set(peer, 0)
    }
  }

  /** Forgets the wanted snapshot when the head has caught up with it, or it was refused. */
  dropUnless(stillWanted: (wanted: SnapshotHeader) => boolean): void {
    if (this.#wanted !== undefined && !stillWanted(this.#wanted)) {
      this.#wanted = undefined
      this.#providers.clear()
    }
  }

  /** The next fetch to start, if none is in flight and a provider is free. */
  next(now: number, timeoutMs: number): { peer: string; checksum: string } | undefined {
    if (this.#inFlight !== undefined || this.#wanted === undefined) return undefined
    for (const [peer, availableAt] of this.#providers) {
      if (availableAt <= now) {
        const checksum = this.#wanted.checksum
        this.#inFlight = { peer, checksum, deadline: now + timeoutMs }
        return { peer, checksum }
      }
    }
    return undefined
  }

  /** A fetch answered; returns whether it was the one in flight. */
  settle(peer: string, checksum: string): boolean {
    const current = this.#inFlight
    if (current === undefined || current.peer !== peer || current.checksum !== checksum)
      return false
    this.#inFlight = undefined
    return true
  }

  /** A provider failed: skip it until `retryAt`, and move it behind the others. */
  fail(peer: string, checksum: string, retryAt: number): void {
    this.settle(peer, checksum)
    if (this.#wanted?.checksum === checksum && this.#providers.has(peer)) {
      this.#providers.delete(peer)
      this.#providers.set(peer, retryAt)
    }
  }

  /** A peer went away: it provides nothing any more. */
  removePeer(peer: string): void {
    if (this.#inFlight?.peer === peer) this.#inFlight = undefined
    this.#providers.delete(peer)
  }

  /** The in-flight fetch past its deadline, if any. */
  expired(now: number): { peer: string; checksum: string } | undefined {
    if (this.#inFlight === undefined || this.#inFlight.deadline > now) return undefined
    return { peer: this.#inFlight.peer, checksum: this.#inFlight.checksum }
  }

  /** The earliest time something here may need attention. */
  nextWakeAt(): number {
    let wake = this.#inFlight?.deadline ?? Number.POSITIVE_INFINITY
    if (this.#inFlight === undefined && this.#wanted !== undefined) {
      for (const availableAt of this.#providers.values()) wake = Math.min(wake, availableAt)
    }
    return wake
  }
}
