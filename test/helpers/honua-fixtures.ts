import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Real Honua configuration files, kept outside this repository (they belong
 * to the Honua project, so they are read in place and never copied in).
 *
 * Where they are: `$CONFIG_MESH_HONUA_FIXTURES` if set; else
 * `shared/fixtures/honua/` beside this checkout; else beside the checkout this
 * one was cloned from (a clone of a local checkout in a temporary folder, as a
 * fresh-clone check makes). Where none of these exists, the tests that need
 * them are skipped with that reason; everything else still runs, and the
 * project's own Honua-shaped example is tested either way.
 */
export const HONUA_FIXTURE_NAMES = [
  'honua.test.config.hcl',
  'production.honua',
  'real-world-gis.honua',
] as const

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const RELATIVE = join('shared', 'fixtures', 'honua')

function candidates(): string[] {
  const found: string[] = []
  const fromEnv = process.env.CONFIG_MESH_HONUA_FIXTURES
  if (fromEnv !== undefined && fromEnv !== '') found.push(resolve(fromEnv))
  found.push(join(dirname(resolve(ROOT)), RELATIVE))
  const origin = originPath()
  if (origin !== undefined) found.push(join(dirname(origin), RELATIVE))
  return found
}

/** The folder this checkout was cloned from, when that is a local path. */
function originPath(): string | undefined {
  try {
    const url = execFileSync('git', ['-C', ROOT, 'config', '--get', 'remote.origin.url'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
    const path = url.startsWith('file://') ? fileURLToPath(url) : url
    return isAbsolute(path) ? resolve(path) : undefined
  } catch {
    // Not a git checkout, or no origin: there is no clone source to look beside.
    return undefined
  }
}

const searched = candidates()
const dir = searched.find((path) =>
  HONUA_FIXTURE_NAMES.every((name) => existsSync(join(path, name))),
)

/** The fixtures folder, or undefined when it is nowhere to be found. */
export const HONUA_FIXTURES_DIR: string | undefined = dir

/**
 * For `test(name, { skip: skipWithoutFixtures }, ...)`: false when the
 * fixtures are here, else the reason, which the test report shows.
 */
export const skipWithoutFixtures: string | false =
  dir === undefined
    ? `Honua fixtures not found (looked in ${searched.join(', ')}; set CONFIG_MESH_HONUA_FIXTURES)`
    : false

/** The path of one fixture; only called by tests that are not skipped. */
export function honuaFixture(name: (typeof HONUA_FIXTURE_NAMES)[number]): string {
  if (dir === undefined) throw new Error(String(skipWithoutFixtures))
  return join(dir, name)
}
