import type { NetworkSetup } from './network.ts'

/** How a misbehaving peer answers fetches (it announces validly signed headers that win). */
export type BadPeerKind =
  /** Serves the snapshot with altered text: the checksum no longer matches. */
  | 'corrupt'
  /** Serves the snapshot with its signature bytes flipped. */
  | 'bad-signature'
  /** Signs and serves a tree the validator refuses. */
  | 'invalid-tree'
  /** Serves bytes that are not a snapshot at all. */
  | 'garbage'
  /** Never answers a fetch. */
  | 'silent'
  /** Announces headers under another node's id, which fail verification. */
  | 'forged'
  /**
   * Its clock runs a year fast; it serves its versions intact and validly
   * signed. Taken, one would drag every clock a year ahead: it must be refused.
   */
  | 'far-future'

export const BAD_PEER_KINDS: readonly BadPeerKind[] = [
  'corrupt',
  'bad-signature',
  'invalid-tree',
  'garbage',
  'silent',
  'forged',
]

export interface NodeSetup {
  /** The node's wall clock runs this far from virtual time (up to an hour either way). */
  readonly skewMs: number
  /** The source file cannot be written (a ConfigMap): write-back fails and turns itself off. */
  readonly readOnly: boolean
  /** Pool index of the text the file holds before the node first starts. */
  readonly initialText: number
  /** The node starts only at its `join` step, from its (by then old) initial file. */
  readonly lateJoin: boolean
}

export type Step =
  /** Someone saves the file with pool text `text`. */
  | { readonly at: number; readonly kind: 'edit'; readonly node: number; readonly text: number }
  /** Someone saves a file the source layer refuses. */
  | { readonly at: number; readonly kind: 'invalid-edit'; readonly node: number }
  | {
      readonly at: number
      readonly kind: 'crash'
      readonly node: number
      readonly keepState: boolean
    }
  /** Starts a crashed node again, with a possibly different clock skew. */
  | {
      readonly at: number
      readonly kind: 'restart'
      readonly node: number
      readonly skewMs: number
    }
  /** `groups[slot]` is the side of the partition each slot is on (bad peers included). */
  | { readonly at: number; readonly kind: 'partition'; readonly groups: readonly number[] }
  | { readonly at: number; readonly kind: 'heal' }
  | { readonly at: number; readonly kind: 'join'; readonly node: number }
  | {
      readonly at: number
      readonly kind: 'bad-peer'
      readonly peer: number
      readonly behaviour: BadPeerKind
    }

export type StepKind = Step['kind']

export interface Schedule {
  readonly seed: number
  readonly nodes: readonly NodeSetup[]
  /** Number of bad-peer slots (after the nodes); each is switched on by a `bad-peer` step. */
  readonly badPeers: number
  readonly network: NetworkSetup
  /** Steps happen in [0, durationMs]; then every fault heals and the cluster must converge. */
  readonly durationMs: number
  readonly steps: readonly Step[]
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'edit':
      return `edit n${step.node} -> text ${step.text}`
    case 'invalid-edit':
      return `invalid edit n${step.node}`
    case 'crash':
      return `crash n${step.node} (${step.keepState ? 'state kept' : 'state lost'})`
    case 'restart':
      return `restart n${step.node} (skew ${step.skewMs} ms)`
    case 'partition':
      return `partition ${step.groups.join('')}`
    case 'heal':
      return 'heal'
    case 'join':
      return `join n${step.node}`
    case 'bad-peer':
      return `bad peer b${step.peer} (${step.behaviour})`
  }
}
