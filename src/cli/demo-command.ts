import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { checksumOf, shortChecksum } from '../snapshot/checksum.ts'
import { normalizeText } from '../source/normalize.ts'
import { LocalNode } from './local-node.ts'

const EXAMPLE = fileURLToPath(new URL('../../examples/honua/harbor-city.hcl', import.meta.url))
const NAMES = ['node-a', 'node-b', 'node-c']
/** Stand-ins for the secrets the example reads with env(); each instance has its own. */
const DEMO_ENV = {
  HARBOR_GIS_URL: 'postgres://demo@127.0.0.1/harbor',
  HARBOR_REDIS_URL: 'redis://127.0.0.1:6379',
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start three nodes on loopback, edit one file, show all three converge')
    .option('--timeout-ms <ms>', 'give up when not converged by then', '30000')
    .action(async (options: { timeoutMs: string }) => {
      process.exitCode = await runDemo(Number(options.timeoutMs))
    })
}

async function runDemo(timeoutMs: number): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), 'config-mesh-demo-'))
  const nodes: LocalNode[] = []
  try {
    for (const name of NAMES) nodes.push(await prepareNode(root, name))
    say(`starting ${nodes.length} nodes in ${root}`)
    await startCluster(nodes, timeoutMs)
    const edited = nodes[1]!
    const { checksum, editedAt } = await editLikeAnEditor(edited.configPath)
    say(`edited ${edited.name}'s file (rate limit 600 -> 900): version ${shortChecksum(checksum)}`)
    const times = await Promise.all(
      nodes.map((node) => appliedAfter(node, checksum, editedAt, timeoutMs)),
    )
    printTable(nodes, checksum, times)
    say(
      `converged: ${nodes.length}/${nodes.length} nodes on ${checksum} in ${Math.max(...times)} ms`,
    )
    return 0
  } catch (err) {
    say(`not converged: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  } finally {
    await Promise.all(nodes.map((node) => node.stop()))
    await rm(root, { recursive: true, force: true })
  }
}

async function prepareNode(root: string, name: string): Promise<LocalNode> {
  const configPath = join(root, name, 'harbor-city.hcl')
  await mkdir(join(root, name), { recursive: true })
  await writeFile(configPath, await readFile(EXAMPLE))
  return new LocalNode({
    name,
    configPath,
    stateDir: join(root, name, 'state'),
    args: ['--announce-interval-ms', '1000', '--preset', 'honua'],
    env: DEMO_ENV,
  })
}

/** Starts the first node, then the others seeded with every node already up; waits for links. */
async function startCluster(nodes: LocalNode[], timeoutMs: number): Promise<void> {
  const addresses: string[] = []
  for (const node of nodes) {
    addresses.push(await node.start(addresses, timeoutMs))
    say(`${node.name} listening on ${node.address}`)
  }
  await Promise.all(
    nodes.map((node) => node.waitForLog((line) => line.msg === 'applied version', timeoutMs)),
  )
  const peersOf = (node: LocalNode) =>
    new Set(node.logs.filter((l) => l.msg === 'peer connected').map((l) => l.peer))
  await Promise.all(
    nodes.map((node) => node.waitForLog(() => peersOf(node).size >= nodes.length - 1, timeoutMs)),
  )
  say('all nodes connected')
}

/** Saves the file the way most editors do: write a temporary file, rename it over the original. */
async function editLikeAnEditor(path: string): Promise<{ checksum: string; editedAt: number }> {
  const text = await readFile(path, 'utf8')
  const edited = text.replace('requests = 600', 'requests = 900')
  if (edited === text) throw new Error(`the example has no "requests = 600" to edit in ${path}`)
  const temporary = `${path}.swp`
  await writeFile(temporary, edited)
  const editedAt = Date.now()
  await rename(temporary, path)
  return { checksum: checksumOf(normalizeText(edited)), editedAt }
}

async function appliedAfter(
  node: LocalNode,
  checksum: string,
  editedAt: number,
  timeoutMs: number,
): Promise<number> {
  const line = await node.waitForLog(
    (l) => l.msg === 'applied version' && l.checksum === checksum,
    timeoutMs,
  )
  return (line.time as number) - editedAt
}

function printTable(nodes: LocalNode[], checksum: string, times: number[]): void {
  const rows = nodes.map((node, i) => [
    node.name,
    node.peerId ?? '?',
    shortChecksum(checksum),
    `${times[i]}`,
  ])
  const header = ['node', 'peer id', 'checksum', 'ms until applied']
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  const format = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd()
  say(format(header))
  for (const row of rows) say(format(row))
}

function say(line: string): void {
  process.stdout.write(`${line}\n`)
}
