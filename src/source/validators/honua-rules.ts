import type { ConfigTree } from '../types.ts'
import {
  type Findings,
  isPresent,
  type LabeledBlock,
  labeledBlocks,
  listing,
  literalBoolean,
  literalNumber,
  literalString,
  referencedId,
  section,
  unlabeledBlocks,
} from './tree-access.ts'

/**
 * The rules of Honua's own configuration validator (its syntax and semantic
 * passes), restated over the hcl2json tree. Severities follow Honua's: what
 * Honua refuses is an error here, what it only reports is a warning. Defaults
 * follow Honua's too: a service's type is its id, a cache is an enabled
 * in-memory cache, a pool is 1..10 connections, the environment is
 * `development`, the version is "1.0"; a repeated block counts by its last
 * definition. A quoted reference names the id after its last dot.
 *
 * Where this preset parts from Honua, it is on purpose and only ever by a
 * warning: "info" as a log level (Honua's validator refuses it, its logging
 * reads it), a block or the honua block written twice, a reference written
 * with the wrong block type, and debug logging in production. It reports
 * every finding at once, where Honua skips its semantic pass after a syntax
 * error. Honua's runtime checks (database reachable, tables and columns
 * present) need the database and are not made here.
 */

export const LOG_LEVELS = ['trace', 'debug', 'information', 'warning', 'error', 'critical']
export const PROVIDERS = ['postgresql', 'sqlite', 'sqlserver', 'mysql', 'oracle']
export const GEOMETRY_TYPES = [
  'Point',
  'LineString',
  'Polygon',
  'MultiPoint',
  'MultiLineString',
  'MultiPolygon',
  'GeometryCollection',
  'Geometry',
]
export const FIELD_TYPES = [
  'int',
  'long',
  'string',
  'double',
  'float',
  'datetime',
  'date',
  'time',
  'bool',
  'boolean',
  'geometry',
  'binary',
]
export const CACHE_TYPES = ['redis', 'memory']
const BLOCK_TYPES = ['data_source', 'service', 'layer', 'cache'] as const

export interface HonuaModel {
  honua: ConfigTree | undefined
  honuaCount: number
  /** Lower-case; Honua's default when unset. */
  environment: string
  blocks: Record<(typeof BLOCK_TYPES)[number], LabeledBlock[]>
  repeated: { type: string; id: string }[]
  rateLimit: ConfigTree | undefined
}

export function readModel(tree: ConfigTree): HonuaModel {
  const honuaBodies = unlabeledBlocks(tree, 'honua')
  // Honua keeps the last of repeated blocks; so do the checks.
  const honua = honuaBodies.at(-1)
  const blocks = {} as HonuaModel['blocks']
  const repeated: HonuaModel['repeated'] = []
  for (const type of BLOCK_TYPES) {
    const found = labeledBlocks(tree, type)
    blocks[type] = found.blocks
    for (const id of found.repeated) repeated.push({ type, id })
  }
  return {
    honua,
    honuaCount: honuaBodies.length,
    environment: (literalString(honua?.environment) ?? 'development').toLowerCase(),
    blocks,
    repeated,
    rateLimit: unlabeledBlocks(tree, 'rate_limit')[0],
  }
}

export function checkGlobal(model: HonuaModel, findings: Findings): void {
  const { honua } = model
  if (model.honuaCount > 1) {
    const times = model.honuaCount
    findings.warning('honua', `the honua block is defined ${times} times; Honua keeps the last`)
  }
  // An unset version is Honua's default, "1.0"; only one set to nothing is refused.
  const version = honua?.version
  if (honua !== undefined && Object.hasOwn(honua, 'version') && !isPresent(version)) {
    findings.error('honua.version', 'honua.version must not be empty')
  } else if (literalString(version) !== undefined && !literalString(version)!.startsWith('1.')) {
    findings.warning(
      'honua.version',
      `unknown version "${version}"; expected one starting with "1."`,
    )
  }
  if (honua !== undefined && Object.hasOwn(honua, 'environment') && !isPresent(honua.environment)) {
    findings.error('honua.environment', 'honua.environment must not be empty')
  }
  const level = literalString(honua?.log_level)
  if (level?.toLowerCase() === 'info') {
    // Honua's own validator refuses "info"; its .NET logging reads it as
    // Information. Refusing would block files that run; a warning says it.
    findings.warning('honua.log_level', 'Honua\'s validator lists "information", not "info"')
  } else if (level !== undefined && !LOG_LEVELS.includes(level.toLowerCase())) {
    findings.error('honua.log_level', `invalid log level "${level}"; valid: ${listing(LOG_LEVELS)}`)
  }
  checkCors(section(honua, 'cors'), findings)
}

function checkCors(cors: ConfigTree | undefined, findings: Findings): void {
  if (cors === undefined) return
  const anyOrigin = literalBoolean(cors.allow_any_origin, false)
  if (anyOrigin && literalBoolean(cors.allow_credentials, false)) {
    findings.error('honua.cors', 'CORS cannot allow credentials when allow_any_origin is true')
  }
  const origins = cors.allowed_origins
  const none = origins === undefined || (Array.isArray(origins) && origins.length === 0)
  if (!anyOrigin && none) {
    findings.warning(
      'honua.cors.allowed_origins',
      'no CORS origins configured: browsers will be refused',
    )
  }
}

export function checkDataSources(model: HonuaModel, findings: Findings): void {
  const sources = model.blocks.data_source
  if (sources.length === 0) findings.warning('data_source', 'no data sources defined')
  for (const { body, path } of sources) {
    const provider = body.provider
    if (!isPresent(provider)) findings.error(`${path}.provider`, 'provider is required')
    else {
      const name = literalString(provider)
      if (name !== undefined && !PROVIDERS.includes(name.toLowerCase())) {
        findings.warning(
          `${path}.provider`,
          `unknown provider "${name}"; expected one of ${listing(PROVIDERS)}`,
        )
      }
    }
    if (!isPresent(body.connection)) findings.error(`${path}.connection`, 'connection is required')
    const pool = section(body, 'pool')
    if (pool !== undefined) checkPool(pool, `${path}.pool`, findings)
  }
}

function checkPool(pool: ConfigTree, path: string, findings: Findings): void {
  const min = wholeNumber(pool, 'min_size', 1, path, findings)
  const max = wholeNumber(pool, 'max_size', 10, path, findings)
  const timeout = wholeNumber(pool, 'timeout', 30, path, findings)
  if (min !== undefined && min < 0) findings.error(`${path}.min_size`, 'min_size must be >= 0')
  if (max !== undefined && max < 1) findings.error(`${path}.max_size`, 'max_size must be >= 1')
  if (min !== undefined && max !== undefined && min > max) {
    findings.error(path, `min_size (${min}) cannot be greater than max_size (${max})`)
  }
  if (timeout !== undefined && timeout < 0)
    findings.error(`${path}.timeout`, 'timeout must be >= 0')
}

/** A whole-number setting, its default when absent, undefined when unknown (a reference) or wrong. */
function wholeNumber(
  body: ConfigTree,
  key: string,
  fallback: number,
  path: string,
  findings: Findings,
): number | undefined {
  const value = body[key]
  if (value === undefined) return fallback
  const number = literalNumber(value)
  if (number !== undefined && Number.isInteger(number)) return number
  if (literalString(value) !== undefined || typeof value !== 'string') {
    findings.error(`${path}.${key}`, `${key} must be a whole number`)
  }
  return undefined
}

export function checkServices(model: HonuaModel, findings: Findings): void {
  const services = model.blocks.service
  if (services.length === 0) findings.warning('service', 'no services defined')
  const used = new Set<string>()
  for (const layer of model.blocks.layer) {
    for (const ref of layerServices(layer)) used.add(ref.id)
  }
  for (const { id, body, path } of services) {
    if (Object.hasOwn(body, 'type') && !isPresent(body.type)) {
      findings.error(`${path}.type`, 'service type is required when set')
    }
    const type = (literalString(body.type) || id).toLowerCase()
    const positive = (key: string) => {
      const value = literalNumber(body[key])
      if (value !== undefined && value < 1) findings.error(`${path}.${key}`, `${key} must be >= 1`)
    }
    if (type === 'odata') ['max_page_size', 'default_page_size'].forEach(positive)
    if (type === 'ogc_api') positive('item_limit')
    if (literalBoolean(body.enabled, true) && !used.has(id)) {
      findings.warning(path, `service "${id}" is enabled but no layer uses it`)
    }
  }
}

export function layerServices(layer: LabeledBlock): { id: string; type?: string; index: number }[] {
  const list = layer.body.services
  if (!Array.isArray(list)) return []
  return list.flatMap((value, index) => {
    const ref = referencedId(value)
    return ref === undefined ? [] : [{ ...ref, index }]
  })
}

export function checkLayers(model: HonuaModel, findings: Findings): void {
  if (model.blocks.layer.length === 0) findings.warning('layer', 'no layers defined')
  for (const layer of model.blocks.layer) {
    const { body, path } = layer
    for (const key of ['title', 'data_source', 'table', 'id_field']) {
      if (!isPresent(body[key])) findings.error(`${path}.${key}`, `${key} is required`)
    }
    const geometry = section(body, 'geometry')
    if (geometry !== undefined) checkGeometry(geometry, `${path}.geometry`, findings)
    checkFields(body, path, findings)
    if (geometry !== undefined) checkFieldConsistency(body, geometry, path, findings)
    checkLayerReferences(model, layer, findings)
  }
}

function checkGeometry(geometry: ConfigTree, path: string, findings: Findings): void {
  if (!isPresent(geometry.column)) findings.error(`${path}.column`, 'geometry column is required')
  const type = geometry.type
  if (!isPresent(type)) findings.error(`${path}.type`, 'geometry type is required')
  else if (literalString(type) !== undefined && !GEOMETRY_TYPES.includes(literalString(type)!)) {
    findings.error(
      `${path}.type`,
      `invalid geometry type "${type}"; valid: ${listing(GEOMETRY_TYPES)}`,
    )
  }
  const srid = literalNumber(geometry.srid)
  if (srid !== undefined && srid < 0) findings.error(`${path}.srid`, 'srid must be >= 0')
  if (srid === 0) findings.warning(`${path}.srid`, 'srid 0 is undefined; set e.g. 4326 (WGS 84)')
}

function checkFields(body: ConfigTree, path: string, findings: Findings): void {
  const fields = section(body, 'fields')
  const fieldNames = fields === undefined ? [] : Object.keys(fields)
  if (!literalBoolean(body.introspect_fields, true) && fieldNames.length === 0) {
    findings.error(`${path}.fields`, 'fields must be defined when introspect_fields is false')
  }
  for (const name of fieldNames) {
    const field = section(fields, name)
    const type = field?.type
    if (!isPresent(type)) findings.error(`${path}.fields.${name}.type`, 'field type is required')
    else if (
      literalString(type) !== undefined &&
      !FIELD_TYPES.includes(literalString(type)!.toLowerCase())
    ) {
      findings.warning(
        `${path}.fields.${name}.type`,
        `unknown field type "${type}"; expected one of ${listing(FIELD_TYPES)}`,
      )
    }
  }
}

/** With explicit fields, the geometry column, id and display fields should be among them. */
function checkFieldConsistency(
  body: ConfigTree,
  geometry: ConfigTree,
  path: string,
  findings: Findings,
): void {
  const fields = section(body, 'fields')
  if (fields === undefined || Object.keys(fields).length === 0) return
  const named: [string, ConfigTree, string][] = [
    [`${path}.geometry.column`, geometry, 'column'],
    [`${path}.id_field`, body, 'id_field'],
    [`${path}.display_field`, body, 'display_field'],
  ]
  for (const [where, owner, key] of named) {
    const name = literalString(owner[key])
    if (name !== undefined && name !== '' && !Object.hasOwn(fields, name)) {
      findings.warning(where, `"${name}" is not among the layer's fields`)
    }
  }
}

function checkLayerReferences(model: HonuaModel, layer: LabeledBlock, findings: Findings): void {
  const { body, path } = layer
  const dataSources = model.blocks.data_source.map((block) => block.id)
  const source = referencedId(body.data_source)
  if (source !== undefined) {
    // Honua reads only the id after the last dot, whatever the prefix says.
    if (source.type !== undefined && source.type !== 'data_source') {
      findings.warning(
        `${path}.data_source`,
        `written as a ${source.type}; Honua reads the id only`,
      )
    }
    if (!dataSources.includes(source.id)) {
      findings.error(
        `${path}.data_source`,
        `refers to undefined data source "${source.id}"; defined: ${listing(dataSources)}`,
      )
    }
  }
  const services = new Map(model.blocks.service.map((block) => [block.id, block.body]))
  const refs = layerServices(layer)
  for (const ref of refs) {
    if (ref.type !== undefined && ref.type !== 'service') {
      const where = `${path}.services[${ref.index}]`
      findings.warning(where, `written as a ${ref.type}; Honua reads the id only`)
    }
    if (!services.has(ref.id)) {
      findings.error(
        `${path}.services[${ref.index}]`,
        `refers to undefined service "${ref.id}"; defined: ${listing(services.keys())}`,
      )
    }
  }
  if (refs.length === 0)
    findings.warning(`${path}.services`, 'the layer is not exposed by any service')
  else if (
    !refs.some((ref) => literalBoolean(services.get(ref.id)?.enabled, services.has(ref.id)))
  ) {
    findings.warning(
      `${path}.services`,
      "none of the layer's services is enabled: it will not be reachable",
    )
  }
}
