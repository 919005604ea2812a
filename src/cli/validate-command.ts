import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import {
  type ConfigTree,
  formatIssue,
  loadSource,
  SourceError,
  unresolvedReferences,
} from '../source/index.ts'
import { presetByName } from './presets.ts'

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a configuration file: parse, references, validator; exit 1 on errors')
    .argument('<file>', 'the HCL file to check')
    .option('--preset <name>', 'validator preset: honua or none (as for run)', 'none')
    .action(async (file: string, options: { preset: string }) => {
      const validator = presetByName(options.preset)
      try {
        const loaded = await loadSource(file, { validator })
        for (const warning of loaded.warnings) {
          process.stdout.write(`warning ${warning.path}: ${warning.message}\n`)
        }
        const unresolved = unresolvedHere(loaded.tree)
        for (const reference of unresolved) process.stdout.write(`warning ${reference}\n`)
        const warnings = loaded.warnings.length + unresolved.length
        process.stdout.write(`ok ${file} (${counted(warnings, 'warning')})\n`)
      } catch (err) {
        if (!(err instanceof SourceError)) throw err
        for (const issue of err.issues)
          process.stdout.write(`error ${formatIssue(err.file, issue)}\n`)
        process.stdout.write(`refused ${file} (${counted(err.issues.length, 'error')})\n`)
        process.exitCode = 1
      }
    })
}

/** `1 error`, `2 errors`. */
function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/**
 * References are resolved on each node from its own environment, so one that
 * cannot be resolved where `validate` runs is a warning, not an error: the
 * nodes may well have it. Only the reference is named, never a value.
 */
function unresolvedHere(tree: ConfigTree): string[] {
  const context = { env: process.env, readFile: (path: string) => readFileSync(path, 'utf8') }
  return unresolvedReferences(tree, context).map(
    (err) =>
      `not resolvable in this environment (a node without it keeps its last configuration): ${err.message}`,
  )
}
