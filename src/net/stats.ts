/**
 * Counters of what the network layer saw, for status pages and metrics. They
 * only grow; a reader takes differences.
 */
export interface NetworkCounters {
  /** Announcements decoded and handed to the owner. */
  announcementsReceived: number
  /** Gossip messages or fetch requests refused as undecodable or forged. */
  invalidMessages: number
  /** Snapshots sent to peers. */
  snapshotsServed: number
  /** Fetches answered `busy` because maxConcurrentServes were running. */
  busyRefusals: number
}

export type MeshNetworkStats = Readonly<NetworkCounters>

export function newCounters(): NetworkCounters {
  return { announcementsReceived: 0, invalidMessages: 0, snapshotsServed: 0, busyRefusals: 0 }
}
