import { SyncEngine } from '../../src/engine/engine.ts'
import type { EngineAction, EngineEvent, EngineInit, EngineState } from '../../src/engine/types.ts'
import { buildSnapshot, headerOf, type Snapshot } from '../../src/snapshot/snapshot.ts'
import type { VersionVector } from '../../src/snapshot/version-vector.ts'
import type { ConfigTree, ValidationIssue } from '../../src/source/types.ts'
import { simCrypto } from '../sim/crypto.ts'

/** Signing for tests: the simulator's HMAC stand-in (same interfaces as Ed25519). */
export const crypto = simCrypto('hmac')

/** A small valid configuration per number; its tree validates. */
export function source(n: number): { text: string; tree: ConfigTree } {
  return { text: `version = ${n}\n`, tree: { version: n } }
}

/** Refuses trees whose version is negative. */
export function validate(tree: ConfigTree): ValidationIssue[] {
  const version = tree.version
  if (typeof version === 'number' && version >= 0) return []
  return [{ severity: 'error', path: 'version', message: 'must be a non-negative number' }]
}

export const T0 = 1_700_000_000_000

/** A snapshot made by `origin` (as if it edited), signed with its key. */
export function version(
  origin: string,
  n: number,
  vector: VersionVector,
  wallMs: number,
  counter = 0,
): Snapshot {
  const { text, tree } = source(n)
  return buildSnapshot(
    { text, tree, vector, stamp: { wallMs, counter, node: origin } },
    crypto.signerFor(origin),
  )
}

/**
 * One engine with a hand-driven clock: every call returns the actions, so a
 * test reads as events in, actions out.
 */
export class TestEngine {
  readonly id: string
  readonly engine: SyncEngine
  now: number

  constructor(
    id: string,
    options: { init?: EngineInit; restored?: EngineState; now?: number } = {},
  ) {
    this.id = id
    this.now = options.now ?? T0
    this.engine = new SyncEngine(
      { announceJitter: 0, ...options.init },
      {
        now: () => this.now,
        random: () => 0.5,
        signer: crypto.signerFor(id),
        verifier: crypto.verifier,
        validate,
      },
      options.restored,
    )
  }

  start(src?: { text: string; tree: ConfigTree }): EngineAction[] {
    return this.engine.start(src)
  }

  handle(event: EngineEvent): EngineAction[] {
    return this.engine.handle(event)
  }

  /** Moves the clock forward and ticks. */
  tick(ms: number): EngineAction[] {
    this.now += ms
    return this.engine.handle({ type: 'tick' })
  }

  announce(from: string, snapshot: Snapshot): EngineAction[] {
    return this.handle({ type: 'announcement', from, head: headerOf(snapshot) })
  }

  /** Announcement from `from`, then its fetch answered with the snapshot. */
  receive(from: string, snapshot: Snapshot): EngineAction[] {
    return [...this.announce(from, snapshot), ...this.handle({ type: 'fetched', from, snapshot })]
  }

  edit(n: number): EngineAction[] {
    return this.handle({ type: 'source', ...source(n) })
  }
}

export function ofType<T extends EngineAction['type']>(
  actions: readonly EngineAction[],
  type: T,
): Extract<EngineAction, { type: T }>[] {
  return actions.filter(
    (action): action is Extract<EngineAction, { type: T }> => action.type === type,
  )
}

export function types(actions: readonly EngineAction[]): string[] {
  return actions.map((action) => action.type)
}
