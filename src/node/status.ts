import type { SyncEngine } from '../engine/engine.ts'
import type { EngineStatus } from '../engine/types.ts'
import type { MeshNetwork } from '../net/index.ts'
import type { Applier } from './applier.ts'
import type { AppliedConfig, UnresolvedEvent } from './events.ts'
import type { SourceFeed } from './source-feed.ts'

/** A validator's warning on the file's current content: where in the tree, and what. */
export interface SourceWarning {
  readonly path: string
  readonly message: string
}

/** What the node knows of its source file. */
export type SourceState =
  | { state: 'unknown' }
  | { state: 'ok'; warnings: readonly SourceWarning[] }
  | { state: 'missing' }
  | { state: 'invalid'; error: string }

/**
 * A node's status. Head and applied are reported apart: the head is what the
 * node holds and serves, applied is what its application runs; they differ
 * while the head cannot be resolved here.
 */
export type NodeStatus =
  | { running: false }
  | ({
      running: true
      peerId: string
      addresses: string[]
      peers: string[]
      source: SourceState
      applied: Omit<AppliedConfig, 'config'> | undefined
      unresolved: UnresolvedEvent | undefined
    } & Omit<EngineStatus, 'node'>)

export function describeStatus(
  running:
    | { engine: SyncEngine; network: MeshNetwork; source: SourceFeed; peerId: string }
    | undefined,
  applier: Applier,
): NodeStatus {
  if (running === undefined) return { running: false }
  const { node: _node, ...engine } = running.engine.status()
  const applied = applier.applied
  return {
    running: true,
    peerId: running.peerId,
    addresses: running.network.addresses(),
    peers: running.network.connectedPeers(),
    source: running.source.state,
    applied:
      applied === undefined
        ? undefined
        : {
            checksum: applied.checksum,
            vector: applied.vector,
            origin: applied.origin,
            appliedAt: applied.appliedAt,
          },
    unresolved: applier.unresolved,
    ...engine,
  }
}
