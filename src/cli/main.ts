import { Command, CommanderError } from 'commander'
import { InvalidOptionError } from '../net/index.ts'
import { OptionError } from '../node/options.ts'
import { registerDemoCommand } from './demo-command.ts'
import { registerIdentityCommands } from './identity-commands.ts'
import { packageVersion } from './package-version.ts'
import { registerRunCommand } from './run-command.ts'
import { registerValidateCommand } from './validate-command.ts'

/** The config-mesh command line. Exit codes: 0 ok, 1 refused input or failure, 2 usage. */
const program = new Command('config-mesh')
  .version(packageVersion())
  .description('Keep one HCL configuration in sync across server instances over libp2p')
  .showHelpAfterError()
  .exitOverride()

registerRunCommand(program)
registerValidateCommand(program)
registerIdentityCommands(program)
registerDemoCommand(program)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2)
  const message = err instanceof Error ? err.message : String(err)
  process.stderr.write(`config-mesh: ${message}\n`)
  // Options are checked by the node and by its network layer; either way it is a usage error.
  const usage = err instanceof OptionError || err instanceof InvalidOptionError
  process.exit(usage ? 2 : 1)
}
