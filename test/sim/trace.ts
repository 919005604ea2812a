import type { EngineAction } from '../../src/engine/types.ts'
import type { SnapshotHeader } from '../../src/snapshot/snapshot.ts'
import { formatVector } from '../../src/snapshot/version-vector.ts'
import type { EngineInput, Observer } from './peer.ts'
import type { SimNode } from './sim-node.ts'
import type { VirtualClock } from './virtual-clock.ts'

/** A version in a trace line: origin, stamp (ms from epoch + counter), vector, short checksum. */
export function describeHeader(header: SnapshotHeader | undefined, epochMs: number): string {
  if (header === undefined) return '-'
  const { wallMs, counter, node } = header.stamp
  const wall = wallMs === 0 ? 'genesis' : `${wallMs - epochMs}.${counter}`
  return `${node}@${wall}${formatVector(header.vector)}#${header.checksum.slice(0, 6)}`
}

function describeInput(input: EngineInput, epochMs: number): string {
  const h = (header: SnapshotHeader) => describeHeader(header, epochMs)
  switch (input.type) {
    case 'announcement':
      return `announcement from ${input.from}: ${h(input.head)}`
    case 'fetched':
      return `fetched from ${input.from}: ${h(input.snapshot)}`
    case 'fetch-failed':
      return `fetch-failed ${input.from} #${input.checksum.slice(0, 6)}: ${input.reason.slice(0, 60)}`
    case 'source':
      return `source ${JSON.stringify(input.text.slice(0, 40))}`
    case 'written-back':
    case 'write-back-failed':
      return `${input.type} #${input.checksum.slice(0, 6)}`
    case 'peer-connected':
    case 'peer-disconnected':
      return `${input.type} ${input.peer}`
    default:
      return input.type
  }
}

function describeAction(action: EngineAction, epochMs: number): string {
  const h = (header: SnapshotHeader) => describeHeader(header, epochMs)
  switch (action.type) {
    case 'persist':
      return `persist head=${h(action.state.head as SnapshotHeader)} file=#${action.state.file?.checksum.slice(0, 6)}${formatVector(action.state.file?.vector ?? {})}`
    case 'apply':
      return `apply(${action.cause}) ${h(action.snapshot)}`
    case 'settle':
      return `settle ${h(action.head)}`
    case 'announce':
      return 'announce'
    case 'request-head':
      return `request-head ${action.peer}`
    case 'fetch':
      return `fetch ${action.peer} #${action.checksum.slice(0, 6)}`
    case 'write-back':
      return `write-back #${action.snapshot.checksum.slice(0, 6)}`
    case 'conflict':
      return `conflict(${action.report.kind}) ${h(action.report.winner)} over ${h(action.report.loser)}`
    case 'refuse':
      return `refuse ${action.from} #${action.checksum.slice(0, 6)}: ${action.reason.slice(0, 60)}`
  }
}

/** An observer that writes one line per engine call, for replaying a failure by eye. */
export function tracer(
  clock: VirtualClock,
  epochMs: number,
  write: (line: string) => void,
): Observer {
  return {
    called(node: SimNode, input: EngineInput, _before, actions: readonly EngineAction[]) {
      const what = actions.map((action) => describeAction(action, epochMs)).join('; ')
      const file = node.fileText?.match(/version = (\S+)/)?.[1] ?? '?'
      write(
        `${clock.now - epochMs} ${node.id} [file v${file}] ${describeInput(input, epochMs)} => ${what}`,
      )
    },
    carrying: () => undefined,
    threw: (node, input, err) =>
      write(`${clock.now - epochMs} ${node.id} ${input.type} THREW ${String(err)}`),
    busy: (node) => write(`${clock.now - epochMs} ${node.id} BUSY`),
  }
}

/** Observers in a row. */
export function observers(...list: Observer[]): Observer {
  return {
    called: (...args) => {
      for (const o of list) o.called(...args)
    },
    carrying: (...args) => {
      for (const o of list) o.carrying(...args)
    },
    threw: (...args) => {
      for (const o of list) o.threw(...args)
    },
    busy: (...args) => {
      for (const o of list) o.busy(...args)
    },
  }
}
