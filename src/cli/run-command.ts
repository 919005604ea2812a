import { readFile } from 'node:fs/promises'
import { type Command, InvalidArgumentError, Option } from 'commander'
import pino from 'pino'
import { InvalidOptionError } from '../net/index.ts'
import { ConfigMeshNode } from '../node/config-mesh-node.ts'
import { NODE_TIMING_DEFAULTS as D, OptionError } from '../node/options.ts'
import { presetByName } from './presets.ts'

interface RunOptions {
  config: string
  stateDir: string
  listen: string[]
  peer: string[]
  cluster: string
  preset?: string
  announceIntervalMs?: number
  fetchTimeoutMs?: number
  settleMs?: number
  maxSnapshotBytes?: number
  maxSourceBytes?: number
  writeBack: boolean
  maxClockAheadMs?: number
  logLevel: string
  allowPeer?: string[]
  privateNetworkKey?: string
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run one node: watch the file, sync it with peers, log every applied version')
    .requiredOption('--config <file>', 'the HCL file to watch and keep in sync')
    .requiredOption('--state-dir <dir>', 'where the node keeps its key and head')
    .option('--listen <multiaddr...>', 'addresses to listen on', ['/ip4/0.0.0.0/tcp/0'])
    .option('--peer <multiaddr...>', 'peers to dial and keep connected', [])
    .option('--cluster <name>', 'cluster name; nodes only sync within one', 'default')
    .option('--preset <name>', 'validator preset: honua or none', 'none')
    .option(
      '--announce-interval-ms <ms>',
      `anti-entropy period (default ${D.announceIntervalMs})`,
      integer,
    )
    .option('--fetch-timeout-ms <ms>', `fetch timeout (default ${D.fetchTimeoutMs})`, integer)
    .option(
      '--settle-ms <ms>',
      `quiet time before a file change is read (default ${D.settleMs})`,
      integer,
    )
    .option(
      '--max-snapshot-bytes <bytes>',
      `largest snapshot sent or accepted, both ends enforce it (default ${D.maxSnapshotBytes})`,
      integer,
    )
    .option(
      '--max-source-bytes <bytes>',
      `largest configuration file loaded (default ${D.maxSourceBytes})`,
      integer,
    )
    .option('--no-write-back', "do not write peers' versions to the file")
    .option(
      '--max-clock-ahead-ms <ms>',
      `refuse versions stamped further ahead of this clock (default ${D.maxClockAheadMs})`,
      integer,
    )
    .option(
      '--allow-peer <peer-id...>',
      'only these peers may connect (see `config-mesh id`); default: any peer of the cluster',
    )
    .option(
      '--private-network-key <file>',
      'a libp2p private network key file (see `config-mesh swarm-key`); keeps out nodes without it',
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'silent'])
        .default('info'),
    )
    .action(run)
}

async function run(options: RunOptions): Promise<void> {
  const logger = pino({ level: options.logLevel, base: { pid: process.pid } })
  const privateNetworkKey = await readKeyFile(options.privateNetworkKey)
  const node = await inFlagTerms(
    () =>
      new ConfigMeshNode({
        configPath: options.config,
        stateDir: options.stateDir,
        listen: options.listen,
        peers: options.peer,
        cluster: options.cluster,
        validator: presetByName(options.preset),
        announceIntervalMs: options.announceIntervalMs,
        fetchTimeoutMs: options.fetchTimeoutMs,
        settleMs: options.settleMs,
        maxSnapshotBytes: options.maxSnapshotBytes,
        maxSourceBytes: options.maxSourceBytes,
        writeBack: options.writeBack,
        maxClockAheadMs: options.maxClockAheadMs,
        allowPeers: options.allowPeer,
        privateNetworkKey,
        logger,
      }),
  )
  await inFlagTerms(() => node.start())
  for (const address of node.addresses()) process.stdout.write(`listening ${address}\n`)
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping')
      node.stop().then(resolve, (err: unknown) => {
        logger.error({ err: String(err) }, 'stop failed')
        resolve()
      })
    }
    process.once('SIGINT', shutdown)
    process.once('SIGTERM', shutdown)
  })
}

/**
 * The library checks options under its own names (`seeds[0]`,
 * `announceIntervalMs`); a person at the command line typed flags, so the
 * message leads with the flag.
 */
const FLAG_OF: Readonly<Record<string, string>> = {
  configPath: '--config',
  stateDir: '--state-dir',
  listen: '--listen',
  peers: '--peer',
  seeds: '--peer',
  cluster: '--cluster',
  announceIntervalMs: '--announce-interval-ms',
  fetchTimeoutMs: '--fetch-timeout-ms',
  settleMs: '--settle-ms',
  maxSnapshotBytes: '--max-snapshot-bytes',
  maxSourceBytes: '--max-source-bytes',
  maxClockAheadMs: '--max-clock-ahead-ms',
  allowPeers: '--allow-peer',
  privateNetworkKey: '--private-network-key',
}

async function inFlagTerms<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    if (!(err instanceof OptionError || err instanceof InvalidOptionError)) throw err
    const flag = FLAG_OF[/^[A-Za-z]+/.exec(err.message)?.[0] ?? '']
    if (flag === undefined) throw err
    throw new OptionError(`${flag}: ${err.message}`, { cause: err })
  }
}

/** The key file's bytes; its format is checked with the other options, by the node. */
async function readKeyFile(path: string | undefined): Promise<Uint8Array | undefined> {
  if (path === undefined) return undefined
  try {
    return new Uint8Array(await readFile(path))
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new OptionError(`--private-network-key: cannot read ${path} (${reason})`)
  }
}

function integer(value: string): number {
  const parsed = Number(value)
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError(`"${value}" is not a non-negative integer`)
  }
  return parsed
}
