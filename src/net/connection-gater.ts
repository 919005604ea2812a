import type { ConnectionGater, PeerId } from '@libp2p/interface'

/**
 * The allow-list as a libp2p connection gater. Three checkpoints cover
 * every way a connection can open:
 *
 * - denyDialPeer: outbound dials to a known peer id are refused before any
 *   socket is opened;
 * - denyOutboundEncryptedConnection: dials by address alone (a seed without
 *   /p2p/) learn the peer id in the Noise handshake and are dropped there;
 * - denyInboundEncryptedConnection: inbound connections are dropped right
 *   after the handshake authenticates the remote id, before any muxer, so an
 *   unlisted peer never opens a stream: no gossip, no fetch.
 *
 * Without an allow-list every peer is accepted (a private network key, when
 * set, has already kept out nodes without it).
 *
 * The refused side's own libp2p sees each such connection open and close;
 * MeshNetwork reports peers only once identify completes, so it reports
 * nothing for them.
 */
export function allowListGater(
  allowed: ReadonlySet<string> | undefined,
  onDenied: (peer: string, direction: 'inbound' | 'outbound') => void,
): ConnectionGater {
  if (allowed === undefined) return {}
  const deny = (direction: 'inbound' | 'outbound') => (peer: PeerId) => {
    const id = peer.toString()
    if (allowed.has(id)) return false
    onDenied(id, direction)
    return true
  }
  return {
    denyDialPeer: deny('outbound'),
    denyOutboundEncryptedConnection: deny('outbound'),
    denyInboundEncryptedConnection: deny('inbound'),
  }
}
