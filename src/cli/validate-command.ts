import type { Command } from 'commander'
import { formatIssue, loadSource, SourceError } from '../source/index.ts'
import { presetByName } from './presets.ts'

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a configuration file: parse, references, validator; exit 1 on errors')
    .argument('<file>', 'the HCL file to check')
    .option('--preset <name>', 'validator preset: honua or none', 'honua')
    .action(async (file: string, options: { preset: string }) => {
      const validator = presetByName(options.preset)
      try {
        const loaded = await loadSource(file, { validator })
        for (const warning of loaded.warnings) {
          process.stdout.write(`warning ${warning.path}: ${warning.message}\n`)
        }
        process.stdout.write(`ok ${file} (${counted(loaded.warnings.length, 'warning')})\n`)
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
