export { ConflictLog } from './conflict-log.ts'
export { SyncEngine } from './engine.ts'
export { FetchPlanner } from './fetch-planner.ts'
export type * from './types.ts'
