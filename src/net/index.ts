/**
 * The network layer: a libp2p node that gossips announcements of heads and
 * moves snapshots between peers on request. It decides nothing about
 * versions; see MeshNetwork.
 */
export {
  describeValue,
  FetchError,
  type FetchFailure,
  InvalidOptionError,
  NetworkNotStartedError,
} from './errors.ts'
export {
  canonicalPeerId,
  peerIdOf,
  privateKeyFromSeed,
  publicKeyOfPeer,
  rawEd25519Key,
} from './identity.ts'
export type { MeshLogger } from './logger.ts'
export { MeshNetwork } from './mesh-network.ts'
export {
  MESH_NETWORK_DEFAULTS,
  type MeshNetworkHandlers,
  type MeshNetworkInit,
} from './options.ts'
export { redialDelay } from './seed-dialer.ts'
export type { MeshNetworkStats } from './stats.ts'
export { checkClusterName, fetchProtocol, headsTopic } from './topics.ts'
export {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  FETCH_FORMAT,
  type FetchRequest,
  type FetchResponse,
  MAX_HEAD_RESPONSE_BYTES,
  MAX_REQUEST_BYTES,
  RESPONSE_ENVELOPE_BYTES,
  snapshotFrameLimit,
} from './wire.ts'
