import { beats, compareHeaders, type SnapshotHeader } from '../snapshot/index.ts'

/**
 * Decides what to fetch from whom, one fetch at a time.
 *
 * It keeps, per peer, the latest head that peer announced which beats ours:
 * a peer only ever serves its own head, so an older offer from the same
 * peer is worthless, and the number of offers is bounded by the number of
 * peers however many versions anyone announces.
 *
 * The next fetch is the best offered version that some peer can be asked
 * for now; when every provider of the best version is failing, the next
 * best is fetched meanwhile. Without that, one peer announcing a winning
 * version it never serves intact (a broken or hostile peer, or one that
 * crashed and lost its state before anyone fetched from it) would stop this
 * node from ever taking any lesser version that does beat its head.
 *
 * Fetch from the peer that announced, not from the origin: this spreads the
 * load of a new version over everyone who already holds it. A provider that
 * fails (busy, gone, no longer holding it) is skipped for that version for a
 * while. A provider that timed out or sent a snapshot that failed
 * verification is benched (skipped for every version for a while) and
 * struck: until it serves a good snapshot it is asked only when no provider
 * without a strike can be, and struck providers take turns, the one struck
 * longest ago first. Otherwise peers that never answer, each announcing a
 * new winning version every period, could hold the one fetch slot for ever.
 */
export class FetchPlanner {
  /** peer -> its latest announced head, while that beats ours */
  readonly #offers = new Map<string, SnapshotHeader>()
  /** peer -> the checksum it failed to serve, and until when it is not asked for it */
  readonly #failed = new Map<string, { checksum: string; until: number }>()
  /** peer -> time before which it is not asked for anything */
  readonly #benched = new Map<string, number>()
  /** peer -> when its last strike ended; gone once it serves a good snapshot */
  readonly #struck = new Map<string, number>()
  #inFlight: { peer: string; checksum: string; deadline: number } | undefined

  /** The best version offered, whether or not anyone can serve it now. */
  get wanted(): SnapshotHeader | undefined {
    let best: SnapshotHeader | undefined
    for (const header of this.#offers.values()) {
      if (best === undefined || beats(header, best)) best = header
    }
    return best
  }

  /** The best offered header with this checksum (twins differ only in metadata). */
  candidate(checksum: string): SnapshotHeader | undefined {
    let best: SnapshotHeader | undefined
    for (const header of this.#offers.values()) {
      if (header.checksum === checksum && (best === undefined || beats(header, best))) best = header
    }
    return best
  }

  get inFlight(): { peer: string; checksum: string } | undefined {
    if (this.#inFlight === undefined) return undefined
    return { peer: this.#inFlight.peer, checksum: this.#inFlight.checksum }
  }

  /** Notes that `peer` holds `header`, which beats the head. */
  offer(header: SnapshotHeader, peer: string): void {
    const previous = this.#offers.get(peer)
    // Announcements arrive out of order; a peer's head only moves forward.
    if (previous !== undefined && !beats(header, previous)) return
    this.#offers.set(peer, header)
    if (this.#failed.get(peer)?.checksum !== header.checksum) this.#failed.delete(peer)
  }

  /** Forgets offers that no longer matter: the head caught up with them, or they were refused. */
  dropUnless(stillWanted: (offered: SnapshotHeader) => boolean): void {
    for (const [peer, header] of this.#offers) {
      if (!stillWanted(header)) this.#offers.delete(peer)
    }
  }

  /** The next fetch to start, if none is in flight and some provider is free. */
  next(now: number, timeoutMs: number): { peer: string; checksum: string } | undefined {
    if (this.#inFlight !== undefined) return undefined
    let choice: { peer: string; header: SnapshotHeader; struck: number } | undefined
    for (const [peer, header] of this.#offers) {
      if (this.#availableAt(peer, header.checksum) > now) continue
      const candidate = { peer, header, struck: this.#struck.get(peer) ?? 0 }
      if (choice === undefined || preferred(candidate, choice)) choice = candidate
    }
    if (choice === undefined) return undefined
    const checksum = choice.header.checksum
    this.#inFlight = { peer: choice.peer, checksum, deadline: now + timeoutMs }
    return { peer: choice.peer, checksum }
  }

  /** A fetch answered; returns whether it was the one in flight. */
  settle(peer: string, checksum: string): boolean {
    const current = this.#inFlight
    if (current === undefined || current.peer !== peer || current.checksum !== checksum) {
      return false
    }
    this.#inFlight = undefined
    return true
  }

  /** `peer` could not serve `checksum`: do not ask it for that again before `retryAt`. */
  fail(peer: string, checksum: string, retryAt: number): void {
    this.settle(peer, checksum)
    this.#failed.set(peer, { checksum, until: retryAt })
  }

  /**
   * `peer` timed out or sent a snapshot that failed verification: ask it
   * nothing before `until`, and after that only when no provider without a
   * strike can be asked.
   */
  bench(peer: string, until: number): void {
    if (this.#inFlight?.peer === peer) this.#inFlight = undefined
    this.#benched.set(peer, until)
    this.#struck.set(peer, until)
  }

  /** `peer` served a snapshot that verified: its strikes are forgiven. */
  served(peer: string): void {
    this.#struck.delete(peer)
  }

  /** A peer went away: it provides nothing any more. */
  removePeer(peer: string): void {
    if (this.#inFlight?.peer === peer) this.#inFlight = undefined
    this.#offers.delete(peer)
    this.#failed.delete(peer)
    this.#benched.delete(peer)
    this.#struck.delete(peer)
  }

  /** The in-flight fetch past its deadline, if any. */
  expired(now: number): { peer: string; checksum: string } | undefined {
    if (this.#inFlight === undefined || this.#inFlight.deadline > now) return undefined
    return { peer: this.#inFlight.peer, checksum: this.#inFlight.checksum }
  }

  /** The earliest time something here may need attention. */
  nextWakeAt(): number {
    if (this.#inFlight !== undefined) return this.#inFlight.deadline
    let wake = Number.POSITIVE_INFINITY
    for (const [peer, header] of this.#offers) {
      wake = Math.min(wake, this.#availableAt(peer, header.checksum))
    }
    return wake
  }

  #availableAt(peer: string, checksum: string): number {
    const failed = this.#failed.get(peer)
    const failedUntil = failed?.checksum === checksum ? failed.until : 0
    return Math.max(failedUntil, this.#benched.get(peer) ?? 0)
  }
}

/**
 * Providers without a strike first, the best version among them; then struck
 * providers in turn, struck longest ago first (0 means never struck).
 */
function preferred(
  a: { header: SnapshotHeader; struck: number },
  b: { header: SnapshotHeader; struck: number },
): boolean {
  if ((a.struck === 0) !== (b.struck === 0)) return a.struck === 0
  if (a.struck !== b.struck) return a.struck < b.struck
  return compareHeaders(a.header, b.header) > 0
}
