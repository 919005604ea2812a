import { decodeAnnouncement, encodeAnnouncement } from '../../src/snapshot/announcement.ts'
import { HybridClock } from '../../src/snapshot/clock.ts'
import {
  buildSnapshot,
  DEFAULT_SNAPSHOT_LIMITS,
  encodeSnapshot,
  headerOf,
  type Snapshot,
} from '../../src/snapshot/snapshot.ts'
import { bogusText, parseText } from './content.ts'
import type { SimCrypto } from './crypto.ts'
import type { Network } from './network.ts'
import type { Directory, SimPeer } from './peer.ts'
import type { Prng } from './prng.ts'
import type { BadPeerKind } from './schedule-types.ts'
import type { VirtualClock } from './virtual-clock.ts'

/** How far ahead the bad peer's clock runs, so that its versions beat honest heads. */
const BAD_CLOCK_AHEAD_MS = 3_600_000
/** The far-future peer's lead: far past any engine's limit on a received stamp's lead. */
const FAR_FUTURE_AHEAD_MS = 365 * 86_400_000

/**
 * A peer that follows the protocol's shape but not its meaning. Every period
 * it makes a new version that wins under the winner rule (its clock runs an
 * hour fast and witnesses every stamp it hears), announces it with a valid
 * header, and then serves it broken in the way `kind` says. Honest nodes
 * must refuse what it serves and still converge among themselves.
 */
export class BadPeer implements SimPeer {
  readonly slot: number
  readonly id: string
  readonly #kind: BadPeerKind
  readonly #clock: VirtualClock
  readonly #network: Network
  readonly #directory: Directory
  readonly #crypto: SimCrypto
  readonly #rng: Prng
  readonly #periodMs: number
  readonly #hlc: HybridClock
  #version = 0
  #head: Snapshot | undefined
  #active = false

  constructor(
    slot: number,
    kind: BadPeerKind,
    world: { clock: VirtualClock; network: Network; directory: Directory; crypto: SimCrypto },
    rng: Prng,
    periodMs: number,
  ) {
    this.slot = slot
    this.id = `b${slot}`
    this.#kind = kind
    this.#clock = world.clock
    this.#network = world.network
    this.#directory = world.directory
    this.#crypto = world.crypto
    this.#rng = rng
    this.#periodMs = periodMs
    const ahead = kind === 'far-future' ? FAR_FUTURE_AHEAD_MS : BAD_CLOCK_AHEAD_MS
    this.#hlc = new HybridClock(this.id, () => this.#clock.now + ahead)
  }

  activate(): void {
    if (this.#active) return
    this.#active = true
    this.#network.setUp(this.slot, true)
    this.#round()
  }

  receiveAnnouncement(_from: string, bytes: Uint8Array): void {
    try {
      this.#hlc.witness(decodeAnnouncement(bytes, DEFAULT_SNAPSHOT_LIMITS).head.stamp)
    } catch {
      // Honest nodes only send decodable announcements; nothing to learn otherwise.
    }
  }

  answerHead(): Uint8Array | undefined {
    return this.#head === undefined ? undefined : this.#announcement(this.#head)
  }

  serveFetch(checksum: string): Uint8Array | string | undefined {
    const head = this.#head
    if (head === undefined || head.checksum !== checksum) return 'not my head'
    switch (this.#kind) {
      case 'corrupt':
        return encodeSnapshot({ ...head, text: `${head.text}# tampered\n` })
      case 'bad-signature':
        return encodeSnapshot({ ...head, signature: head.signature.map((byte) => byte ^ 0xff) })
      case 'invalid-tree':
      case 'far-future':
        return encodeSnapshot(head)
      case 'garbage':
        return new Uint8Array(64).map(() => this.#rng.int(0, 255))
      case 'silent':
        return undefined
      case 'forged':
        return 'not my head'
    }
  }

  /** One period: a new winning version, announced to everyone connected. */
  #round(): void {
    this.#head = this.#makeVersion()
    const bytes = this.#announcement(this.#head)
    for (let slot = 0; slot < this.#directory.slots; slot++) {
      if (!this.#network.connected(this.slot, slot)) continue
      this.#network.send(this.slot, slot, () =>
        this.#directory.peer(slot).receiveAnnouncement(this.id, bytes),
      )
    }
    this.#clock.after(this.#periodMs, () => this.#round())
  }

  #makeVersion(): Snapshot {
    const n = this.#version++
    const text = bogusText(n, this.#kind !== 'invalid-tree')
    const stamp = this.#hlc.tick()
    const draft = { text, tree: parseText(text), vector: { [this.id]: n + 1 }, stamp }
    const own = this.#crypto.signerFor(this.id)
    if (this.#kind !== 'forged') return buildSnapshot(draft, own)
    // Claims to be a real node's version, signed with the bad peer's own key.
    const victim = 'n0'
    const forger = { id: victim, sign: own.sign }
    return buildSnapshot({ ...draft, stamp: { ...stamp, node: victim } }, forger)
  }

  #announcement(head: Snapshot): Uint8Array {
    return encodeAnnouncement({ node: this.id, head: headerOf(head) })
  }
}
