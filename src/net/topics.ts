import { InvalidOptionError } from './errors.ts'

/**
 * Names on the wire. The cluster name is part of every protocol string, so
 * nodes of different clusters that happen to connect never exchange
 * announcements or snapshots: gossipsub keeps topics apart, and multistream
 * negotiation refuses a fetch protocol the other side does not handle.
 *
 * The trailing numbers are protocol versions. They are append-only: a change
 * of message layout gets a new number, never a reuse of an old one.
 */
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** Throws InvalidOptionError unless `cluster` is a short token usable inside a protocol id. */
export function checkClusterName(cluster: unknown): string {
  if (typeof cluster !== 'string' || !CLUSTER_NAME.test(cluster)) {
    throw new InvalidOptionError(
      'cluster',
      cluster,
      'a name of 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    )
  }
  return cluster
}

/** The gossipsub topic carrying announcements of heads. */
export function headsTopic(cluster: string): string {
  return `/config-mesh/${checkClusterName(cluster)}/heads/1`
}

/** The request/response protocol for snapshots and heads. */
export function fetchProtocol(cluster: string): string {
  return `/config-mesh/${checkClusterName(cluster)}/fetch/1.0.0`
}
