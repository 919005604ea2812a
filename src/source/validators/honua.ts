import type { ConfigTree, ValidationIssue, Validator } from '../types.ts'
import {
  checkCaches,
  checkDuplicateIds,
  checkProduction,
  checkRateLimit,
  checkUnusedDataSources,
} from './honua-operations.ts'
import {
  checkDataSources,
  checkGlobal,
  checkLayers,
  checkServices,
  readModel,
} from './honua-rules.ts'
import { Findings } from './tree-access.ts'

/**
 * Validator preset for Honua configurations: the checks Honua's own
 * validator makes (required settings, allowed values, pool bounds, layer
 * references to undefined data sources or services, duplicate ids across
 * block types, caches required in the current environment but disabled) plus
 * production warnings. Pass another Validator to use different rules.
 */
export const honuaValidator: Validator = (tree: ConfigTree): ValidationIssue[] => {
  const model = readModel(tree)
  const findings = new Findings()
  checkGlobal(model, findings)
  checkDataSources(model, findings)
  checkServices(model, findings)
  checkLayers(model, findings)
  checkCaches(model, findings)
  checkRateLimit(model, findings)
  checkDuplicateIds(model, findings)
  checkUnusedDataSources(model, findings)
  checkProduction(model, findings)
  return findings.issues
}
