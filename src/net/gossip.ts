import { type GossipSub, type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import {
  type Announcement,
  DecodeError,
  decodeAnnouncement,
  ed25519Verifier,
  encodeAnnouncement,
  MAX_ANNOUNCEMENT_BYTES,
  shortChecksum,
  verifyHeaderSignature,
} from '../snapshot/index.ts'
import { InvalidOptionError } from './errors.ts'
import { publicKeyOfPeer } from './identity.ts'
import { errorFields, type MeshLogger } from './logger.ts'
import type { MeshNetworkHandlers } from './options.ts'
import type { NetworkCounters } from './stats.ts'

export interface AnnouncementGossipInit {
  readonly topic: string
  readonly localPeer: string
  readonly maxVectorEntries: number
}

export interface AnnouncementGossipComponents {
  readonly handlers: Pick<MeshNetworkHandlers, 'announcement' | 'invalidMessage'>
  readonly counters: NetworkCounters
  readonly logger: MeshLogger
}

/**
 * Announcements on the heads topic. Every received message is checked in a
 * gossipsub topic validator, before gossipsub delivers or forwards it:
 *
 * - bytes that do not decode as an announcement are `Ignore`d: not delivered,
 *   not forwarded, but not held against the peer either, because a newer
 *   release announcing a format this one cannot read looks the same as
 *   garbage, and penalising it would cut a rolling upgrade out of the mesh;
 * - an announcement whose node is not the message's signed `from` is
 *   `Reject`ed: only the holder of a key can publish as its peer id (StrictSign
 *   messages carry a signature gossipsub has checked), so this is a forgery,
 *   and gossipsub lowers the sender's score for it;
 * - a head whose origin signature does not verify is `Reject`ed too: no
 *   honest node announces one, and stopping it here keeps it from being
 *   forwarded to, and refused by, every node of the cluster.
 *
 * The decoded announcement is kept per message object for the `message`
 * event that follows, so each message is decoded once.
 */
export class AnnouncementGossip {
  readonly #init: AnnouncementGossipInit
  readonly #components: AnnouncementGossipComponents
  readonly #decoded = new WeakMap<Message, Announcement>()
  readonly #verifier = ed25519Verifier(publicKeyOfPeer)
  readonly #onMessage = (event: CustomEvent<Message>) => this.#deliver(event.detail)
  readonly #validate = (source: PeerId, message: Message) => this.#check(source, message)

  constructor(init: AnnouncementGossipInit, components: AnnouncementGossipComponents) {
    this.#init = init
    this.#components = components
  }

  /** Needs a started gossipsub: it refuses subscriptions before start. */
  attach(pubsub: GossipSub): void {
    pubsub.topicValidators.set(this.#init.topic, this.#validate)
    pubsub.addEventListener('message', this.#onMessage)
    pubsub.subscribe(this.#init.topic)
  }

  detach(pubsub: GossipSub): void {
    pubsub.removeEventListener('message', this.#onMessage)
    pubsub.topicValidators.delete(this.#init.topic)
    pubsub.unsubscribe(this.#init.topic)
  }

  /**
   * Publishes; resolves to the number of peers it was sent to, which is 0 on a
   * lone node or before subscriptions are exchanged (normal, the next
   * periodic announcement and the head exchange on connect cover it).
   */
  async publish(pubsub: GossipSub, announcement: Announcement): Promise<number> {
    if (announcement.node !== this.#init.localPeer) {
      // Peers reject an announcement whose node is not its publisher: fail here, loudly.
      throw new InvalidOptionError('announcement.node', announcement.node, "this node's peer id")
    }
    const bytes = encodeAnnouncement(announcement)
    if (bytes.byteLength > MAX_ANNOUNCEMENT_BYTES) {
      // An oversized gossip message reaches nobody and says nothing; say it here.
      throw new InvalidOptionError(
        'announcement',
        bytes,
        `at most ${MAX_ANNOUNCEMENT_BYTES} bytes encoded (a header, never content)`,
      )
    }
    const result = await pubsub.publish(this.#init.topic, bytes)
    return result.recipients.length
  }

  #check(source: PeerId, message: Message): TopicValidatorResult {
    if (message.type !== 'signed') {
      // StrictSign already drops unsigned messages; without a signed `from` nothing can be trusted.
      this.#invalid(source.toString(), new DecodeError('announcement', 'message is not signed'))
      return TopicValidatorResult.Reject
    }
    const from = message.from.toString()
    let announcement: Announcement
    try {
      announcement = decodeAnnouncement(message.data, this.#init)
    } catch (err) {
      this.#invalid(from, err)
      return TopicValidatorResult.Ignore
    }
    if (announcement.node !== from) {
      const reason = `announces for ${announcement.node}, but was published by ${from}`
      this.#invalid(from, new DecodeError('announcement', reason))
      return TopicValidatorResult.Reject
    }
    try {
      verifyHeaderSignature(announcement.head, this.#verifier)
    } catch (err) {
      this.#invalid(from, err)
      return TopicValidatorResult.Reject
    }
    this.#decoded.set(message, announcement)
    return TopicValidatorResult.Accept
  }

  #deliver(message: Message): void {
    if (message.topic !== this.#init.topic) return
    const announcement = this.#decoded.get(message)
    if (announcement === undefined) return
    this.#decoded.delete(message)
    this.#components.counters.announcementsReceived++
    this.#components.logger.debug(
      { from: announcement.node, checksum: shortChecksum(announcement.head.checksum) },
      'announcement received',
    )
    this.#components.handlers.announcement(announcement.node, announcement)
  }

  #invalid(from: string, err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err))
    this.#components.counters.invalidMessages++
    this.#components.logger.debug({ from, ...errorFields(error) }, 'invalid announcement dropped')
    this.#components.handlers.invalidMessage?.(from, error)
  }
}
