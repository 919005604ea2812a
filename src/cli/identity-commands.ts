import { generateKey } from '@libp2p/pnet'
import type { Command } from 'commander'
import { peerIdOf, privateKeyFromSeed } from '../net/index.ts'
import { DEFAULT_SNAPSHOT_LIMITS } from '../snapshot/index.ts'
import { StateDirectory } from '../store/index.ts'

/**
 * What an operator needs before the first start of a locked-down cluster:
 * each node's peer id, for the others' `--allow-peer` lists, and one private
 * network key that every node is given.
 */
export function registerIdentityCommands(program: Command): void {
  program
    .command('id')
    .description("print this node's peer id, creating its key in the state directory if none")
    .requiredOption('--state-dir <dir>', 'the state directory the node will run with')
    .action(printPeerId)

  program
    .command('swarm-key')
    .description('print a new private network key (libp2p pnet); give every node the same file')
    .action(() => {
      // 95 bytes: the pnet header lines and 64 hex digits of a 32-byte key.
      const key = new Uint8Array(95)
      generateKey(key)
      process.stdout.write(new TextDecoder().decode(key))
    })
}

async function printPeerId(options: { stateDir: string }): Promise<void> {
  // Through the state directory and its lock, so the key is made exactly where
  // and how `run` makes it, and never while a running node holds the folder.
  const state = await StateDirectory.open(options.stateDir, DEFAULT_SNAPSHOT_LIMITS)
  try {
    const key = await state.loadOrCreateKey()
    process.stdout.write(`${peerIdOf(privateKeyFromSeed(key.seed, key.publicKey))}\n`)
  } finally {
    await state.close()
  }
}
