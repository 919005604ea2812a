import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { type GossipSub, type GossipsubOpts, gossipsub, StrictSign } from '@libp2p/gossipsub'
import { type Identify, identify } from '@libp2p/identify'
import type { ConnectionGater, Libp2p } from '@libp2p/interface'
import { memory } from '@libp2p/memory'
import { type Ping, ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { MeshNetworkOptions } from './options.ts'

export type MeshServices = {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
}

export type MeshLibp2p = Libp2p<MeshServices>

/**
 * Builds, without starting, the libp2p node of the design's Wire section:
 * TCP (or the in-process memory transport for tests), Noise, Yamux,
 * Identify, Ping and gossipsub, with the optional pnet protector and the
 * allow-list gater. No peer discovery: a node meets the cluster through its
 * seeds and the peers that dial it.
 */
export async function createMeshLibp2p(
  options: MeshNetworkOptions,
  topic: string,
  connectionGater: ConnectionGater,
): Promise<MeshLibp2p> {
  const psk = options.privateNetworkKey
  return createLibp2p<MeshServices>({
    start: false,
    privateKey: options.privateKey,
    addresses: { listen: [...options.listen] },
    transports: [options.transport === 'memory' ? memory() : tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater,
    ...(psk === undefined ? {} : { connectionProtector: preSharedKey({ psk }) }),
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub(gossipOptions(topic)),
    },
  })
}

/**
 * Gossipsub for a cluster of a few to a few dozen nodes carrying one small
 * message per node per announce interval. Defaults are kept except:
 *
 * - globalSignaturePolicy StrictSign (the default, pinned here because two
 *   guarantees rest on it): every message is signed and carries from + seqno,
 *   so (a) the message id is from + seqno, unique per publish, and an
 *   unchanged periodic announcement is delivered every time instead of being
 *   dropped as a duplicate, as content-hash ids would; never set
 *   msgIdFn to a hash of the data; and (b) `from` is authenticated, which is
 *   what lets gossip.ts refuse an announcement made for another node.
 * - allowPublishToZeroTopicPeers: publishing on a lone node, or right after a
 *   dial before subscriptions are exchanged, is normal here and must not
 *   throw NoPeersSubscribedToTopic.
 * - emitSelf false: the engine knows its own head; its own announcements
 *   coming back would only be noise.
 * - allowedTopics: only the heads topic is tracked, so a peer subscribing to
 *   thousands of topics cannot grow our subscription maps.
 *
 * Kept on purpose: floodPublish (default true) sends our own announcements
 * to every subscribed peer, not only our mesh peers, so delivery does not
 * wait for the mesh to form; the 1 s heartbeat only maintains the mesh for
 * forwarded messages, which is plenty at one announcement per node per
 * interval.
 */
function gossipOptions(topic: string): Partial<GossipsubOpts> {
  return {
    globalSignaturePolicy: StrictSign,
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    allowedTopics: [topic],
  }
}
