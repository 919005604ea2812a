/**
 * config-mesh: one HCL configuration kept in sync across every instance of a
 * server, over libp2p, with no central store.
 *
 *   const node = await ConfigMeshNode.start({ configPath, stateDir, peers })
 *   node.on('change', ({ config }) => server.reconfigure(config))
 */
export type { ApplyCause, ConflictReport } from './engine/types.ts'
export { ConfigMeshNode } from './node/config-mesh-node.ts'
export type {
  AppliedConfig,
  ChangeEvent,
  ConfigMeshEvents,
  InvalidEvent,
  UnresolvedEvent,
} from './node/events.ts'
export { NodeEvent } from './node/events.ts'
export { type ConfigMeshComponents, type ConfigMeshInit, OptionError } from './node/options.ts'
export type { NodeStatus, SourceState, SourceWarning } from './node/status.ts'
export { honuaValidator } from './source/index.ts'
export type { ConfigTree, ConfigValue, ValidationIssue, Validator } from './source/types.ts'
