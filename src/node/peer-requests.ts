import type { Logger } from 'pino'
import type { EngineEvent } from '../engine/types.ts'
import { FetchError, type MeshNetwork } from '../net/index.ts'
import { decodeSnapshot, type SnapshotLimits, shortChecksum } from '../snapshot/index.ts'

/** Versions a peer's refusal is remembered for, so it is reported once each. */
const MAX_REMEMBERED_REFUSALS = 64

/**
 * Carries out the engine's requests to peers (a head request, a snapshot
 * fetch) and feeds back what came of them as engine events. Failures are
 * routine (a peer busy, gone, slow) and logged at debug, except the two
 * that a retry cannot fix, which the engine is told about or the operator is.
 */
export class PeerRequests {
  readonly #network: MeshNetwork
  readonly #limits: SnapshotLimits
  readonly #log: Logger
  readonly #feed: (event: EngineEvent) => Promise<void>
  /** Checksums a peer refused to send over its own limit: said once, not at every retry. */
  readonly #refusedBySender = new Set<string>()

  constructor(
    network: MeshNetwork,
    limits: SnapshotLimits,
    log: Logger,
    feed: (event: EngineEvent) => Promise<void>,
  ) {
    this.#network = network
    this.#limits = limits
    this.#log = log
    this.#feed = feed
  }

  /** Asks `peer` for its head; the answer reaches the engine as an announcement. */
  requestHead(peer: string): void {
    this.#network
      .requestHead(peer)
      .then((head) => {
        if (head !== undefined) return this.#feed({ type: 'announcement', from: peer, head })
      })
      .catch((err: unknown) => this.#log.debug({ peer, err: String(err) }, 'head request failed'))
  }

  /** Fetches `checksum` from `peer`; the engine gets the decoded snapshot or the failure. */
  fetch(peer: string, checksum: string): void {
    this.#network
      .fetchSnapshot(peer, checksum)
      .then((bytes) => {
        const snapshot = decodeSnapshot(bytes, this.#limits)
        return this.#feed({ type: 'fetched', from: peer, snapshot })
      })
      .catch((err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err)
        this.#log.debug({ peer, checksum: shortChecksum(checksum), reason }, 'fetch failed')
        if (err instanceof FetchError && err.reason === 'too-large') {
          this.#reportSenderLimit(peer, checksum, reason)
        }
        // Over this node's own limit, no provider will ever do: the engine refuses it once.
        const permanent = err instanceof FetchError && err.reason === 'over-limit'
        return this.#feed({ type: 'fetch-failed', from: peer, checksum, reason, permanent })
      })
  }

  /**
   * A peer that refuses to send a snapshot over its own maxSnapshotBytes
   * shows a configuration mismatch between nodes: said once per version, at
   * warn, with both sizes. (A snapshot over this node's own limit is refused
   * by the engine, once.)
   */
  #reportSenderLimit(peer: string, checksum: string, reason: string): void {
    if (this.#refusedBySender.has(checksum)) return
    // Bounded: a peer announcing ever new oversized versions must not grow this set.
    if (this.#refusedBySender.size >= MAX_REMEMBERED_REFUSALS) this.#refusedBySender.clear()
    this.#refusedBySender.add(checksum)
    this.#log.warn(
      { peer, checksum: shortChecksum(checksum), reason },
      'a peer refused to send a version over its maxSnapshotBytes',
    )
  }
}
