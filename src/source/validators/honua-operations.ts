import type { ConfigTree } from '../types.ts'
import type { HonuaModel } from './honua-rules.ts'
import { CACHE_TYPES } from './honua-rules.ts'
import {
  type Findings,
  isPresent,
  listing,
  literalBoolean,
  literalNumber,
  literalString,
  referencedId,
  section,
} from './tree-access.ts'

/**
 * Honua's rules about caches, rate limiting, ids and production settings:
 * the checks that look across blocks rather than inside one.
 */

export function checkCaches(model: HonuaModel, findings: Findings): void {
  for (const { id, body, path } of model.blocks.cache) {
    const type = (literalString(body.type) ?? 'memory').toLowerCase()
    if (Object.hasOwn(body, 'type') && !isPresent(body.type)) {
      findings.error(`${path}.type`, 'cache type is required when set')
    } else if (literalString(body.type) !== undefined && !CACHE_TYPES.includes(type)) {
      findings.warning(
        `${path}.type`,
        `unknown cache type "${body.type}"; expected one of ${listing(CACHE_TYPES)}`,
      )
    }
    if (type === 'redis' && !isPresent(body.connection)) {
      findings.error(`${path}.connection`, 'a redis cache requires a connection')
    }
    const requiredIn = Array.isArray(body.required_in) ? body.required_in : []
    const required = requiredIn.some(
      (environment) =>
        typeof environment === 'string' && environment.toLowerCase() === model.environment,
    )
    if (required && !literalBoolean(body.enabled, true)) {
      findings.error(
        `${path}.enabled`,
        `cache "${id}" is required in the "${model.environment}" environment but is disabled`,
      )
    }
  }
}

export function checkRateLimit(model: HonuaModel, findings: Findings): void {
  const rateLimit = model.rateLimit
  if (rateLimit === undefined) return
  const store = rateLimit.store
  if (Object.hasOwn(rateLimit, 'store') && !isPresent(store)) {
    findings.error('rate_limit.store', 'store must not be empty')
  }
  if (literalString(store)?.toLowerCase() === 'redis') {
    const redis = model.blocks.cache.some(
      ({ body }) =>
        literalString(body.type)?.toLowerCase() === 'redis' && literalBoolean(body.enabled, true),
    )
    if (!redis) {
      findings.warning(
        'rate_limit.store',
        'rate limiting uses redis but no enabled cache has type = "redis"',
      )
    }
  }
  const rules = section(rateLimit, 'rules')
  const names = rules === undefined ? [] : Object.keys(rules)
  if (names.length === 0) findings.warning('rate_limit.rules', 'no rate limit rules defined')
  for (const name of names) checkRule(section(rules, name), `rate_limit.rules.${name}`, findings)
}

function checkRule(rule: ConfigTree | undefined, path: string, findings: Findings): void {
  if (rule === undefined) {
    findings.error(path, 'a rule must be an object with requests and window')
    return
  }
  const requests = literalNumber(rule.requests)
  if (requests !== undefined && (!Number.isInteger(requests) || requests < 1)) {
    findings.error(`${path}.requests`, 'requests must be a whole number >= 1')
  }
  const window = rule.window
  if (Object.hasOwn(rule, 'window') && !isPresent(window)) {
    findings.error(`${path}.window`, 'window must not be empty')
  }
  // Honua reads the digits as an integer that must be positive: "05m" and "+5m" pass.
  const text = literalString(window)
  const count = /^\+?(\d+)[smhd]$/.exec(text ?? '')?.[1]
  if (text !== undefined && text !== '' && (count === undefined || Number(count) === 0)) {
    findings.warning(
      `${path}.window`,
      `invalid window "${text}"; expected <number><s|m|h|d>, such as 1m`,
    )
  }
}

/**
 * Honua looks blocks up by id alone, so an id may name only one block of any
 * type. The same block written twice is only a warning: Honua keeps the last.
 */
export function checkDuplicateIds(model: HonuaModel, findings: Findings): void {
  for (const { type, id } of model.repeated) {
    findings.warning(
      `${type}.${id}`,
      `${type} "${id}" is defined more than once; Honua keeps the last`,
    )
  }
  for (const type of ['data_source', 'service', 'layer', 'cache'] as const) {
    for (const { id, path } of model.blocks[type]) {
      if (id.trim() === '') findings.error(path, `a ${type} id is required`)
    }
  }
  const owner = new Map<string, string>()
  for (const type of ['data_source', 'service', 'layer', 'cache'] as const) {
    for (const { id, path } of model.blocks[type]) {
      const first = owner.get(id)
      if (first === undefined) owner.set(id, type)
      else findings.error(path, `duplicate id "${id}": already used by a ${first} block`)
    }
  }
}

export function checkProduction(model: HonuaModel, findings: Findings): void {
  if (model.environment !== 'production') return
  const level = literalString(model.honua?.log_level)?.toLowerCase()
  if (level === 'debug' || level === 'trace') {
    findings.warning(
      'honua.log_level',
      `log level "${level}" in production logs too much and may expose data`,
    )
  }
  if (literalBoolean(section(model.honua, 'cors')?.allow_any_origin, false)) {
    findings.warning('honua.cors.allow_any_origin', 'CORS allows any origin in production')
  }
  const caches = model.blocks.cache
  const memoryOnly = caches.every(
    ({ body }) => (literalString(body.type) ?? 'memory').toLowerCase() === 'memory',
  )
  if (caches.length > 0 && memoryOnly) {
    findings.warning(
      'cache',
      'only in-memory caches in production (a cache without type is in-memory)',
    )
  }
  if (model.rateLimit === undefined || !literalBoolean(model.rateLimit.enabled, true)) {
    findings.warning('rate_limit', 'rate limiting is not enabled in production')
  }
}

export function checkUnusedDataSources(model: HonuaModel, findings: Findings): void {
  const sources = model.blocks.data_source
  if (sources.length < 2) return
  const used = new Set(model.blocks.layer.map(({ body }) => referencedId(body.data_source)?.id))
  for (const { id, path } of sources) {
    if (!used.has(id)) findings.warning(path, `data source "${id}" is not used by any layer`)
  }
}
