import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const CLI = fileURLToPath(new URL('../../bin/config-mesh.js', import.meta.url))

/** What one `config-mesh` run printed, and how it exited. */
export interface CliOutcome {
  code: number
  stdout: string
  stderr: string
}

/** Runs the `config-mesh` command to its end, as a user would from a shell. */
export function cli(...args: string[]): Promise<CliOutcome> {
  return cliWithEnv(process.env, ...args)
}

/** The same, with exactly the environment `env`. */
export async function cliWithEnv(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}
