import type { EngineAction, EngineEvent } from '../../src/engine/types.ts'
import type { Snapshot } from '../../src/snapshot/snapshot.ts'
import type { SimNode } from './sim-node.ts'

/** What one simulated process offers the others over the network. */
export interface SimPeer {
  readonly slot: number
  readonly id: string
  /** The peer's gossip: an encoded announcement from `from`. */
  receiveAnnouncement(from: string, bytes: Uint8Array): void
  /** The answer to a head request: an encoded announcement, or nothing. */
  answerHead(): Uint8Array | undefined
  /** The answer to a fetch: snapshot bytes, a refusal reason, or silence. */
  serveFetch(checksum: string): Uint8Array | string | undefined
}

/** Finds processes by slot, and the slot of a peer id (undefined once that id is gone). */
export interface Directory {
  peer(slot: number): SimPeer
  slotOf(id: string): number | undefined
  readonly slots: number
}

export type EngineInput = EngineEvent | { type: 'start' }

/** Watches every engine call of every node: the invariants live behind this. */
export interface Observer {
  called(
    node: SimNode,
    input: EngineInput,
    before: Snapshot | undefined,
    actions: readonly EngineAction[],
  ): void
  /** Just before the driver carries out `action` (the disk still holds what it held). */
  carrying(node: SimNode, action: EngineAction): void
  threw(node: SimNode, input: EngineInput, err: unknown): void
  /** The node asked to be ticked at the same instant over and over. */
  busy(node: SimNode): void
}
