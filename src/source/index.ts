export {
  DependencyWatcher,
  DependencyWatcherEvent,
  type DependencyWatcherEvents,
} from './dependency-watcher.ts'
export {
  formatIssue,
  ResolutionError,
  type ResolutionReason,
  SourceError,
  type SourceIssue,
  type SourceReason,
} from './errors.ts'
export { assertNotGlob, DEFAULT_MAX_SOURCE_BYTES } from './file-checks.ts'
export {
  type LoadedSource,
  type LoadOptions,
  loadSource,
  type ParsedSource,
  parseSource,
} from './load.ts'
export type { SourceLogger } from './logger.ts'
export { normalizeText } from './normalize.ts'
export {
  HclParser,
  type HclParserInit,
  HclSyntaxError,
  type ParseCallOptions,
  parseHcl,
} from './parser.ts'
export {
  type ResolveContext,
  type Resolved,
  resolveReferences,
  unresolvedReferences,
} from './references.ts'
export { blockReference } from './template.ts'
export type { ConfigTree, ConfigValue, ValidationIssue, Validator } from './types.ts'
export { honuaValidator } from './validators/honua.ts'
export {
  SourceWatcher,
  type SourceWatcherComponents,
  SourceWatcherEvent,
  type SourceWatcherEvents,
  type SourceWatcherInit,
  type WatchedText,
} from './watcher.ts'
