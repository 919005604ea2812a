/**
 * Convergence benchmark: N real `config-mesh run` processes on loopback, a
 * series of edits saved like an editor on random nodes, and for every node
 * the time from the save to its `applied version` log line. Prints latency
 * percentiles (HdrHistogram) and each process's resident memory.
 *
 *   npm run bench -- --nodes 5 --edits 20
 */
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as hdr from 'hdr-histogram-js'
import { LocalNode } from '../src/cli/local-node.ts'
import { checksumOf } from '../src/snapshot/checksum.ts'
import { normalizeText } from '../src/source/normalize.ts'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5' },
    edits: { type: 'string', default: '20' },
    'gap-ms': { type: 'string', default: '500' },
  },
})
const nodeCount = Number(values.nodes)
const editCount = Number(values.edits)
const gapMs = Number(values['gap-ms'])
const EXAMPLE = new URL('../examples/honua/harbor-city.hcl', import.meta.url)
const ENV = {
  HARBOR_GIS_URL: 'postgres://bench@127.0.0.1/h',
  HARBOR_REDIS_URL: 'redis://127.0.0.1',
}

const root = await mkdtemp(join(tmpdir(), 'config-mesh-bench-'))
const nodes: LocalNode[] = []
try {
  const text = await readFile(EXAMPLE, 'utf8')
  for (let i = 0; i < nodeCount; i++) {
    await mkdir(join(root, `n${i}`))
    await writeFile(join(root, `n${i}`, 'app.hcl'), text)
    nodes.push(
      new LocalNode({
        name: `n${i}`,
        configPath: join(root, `n${i}`, 'app.hcl'),
        stateDir: join(root, `n${i}`, 'state'),
        args: ['--announce-interval-ms', '1000', '--log-level', 'info'],
        env: ENV,
      }),
    )
  }
  const addresses: string[] = []
  for (const node of nodes) addresses.push(await node.start(addresses.slice(-3)))
  await Promise.all(
    nodes.map((node) => node.waitForLog((l) => l.msg === 'applied version', 30_000)),
  )
  const latency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000 })
  let current = text
  for (let edit = 1; edit <= editCount; edit++) {
    const origin = nodes[Math.floor(Math.random() * nodes.length)]!
    current = current.replace(/requests = \d+/, `requests = ${1000 + edit}`)
    const checksum = checksumOf(normalizeText(current))
    await writeFile(`${origin.configPath}.tmp`, current)
    const savedAt = Date.now()
    await rename(`${origin.configPath}.tmp`, origin.configPath)
    const lines = await Promise.all(
      nodes.map((node) =>
        node.waitForLog((l) => l.msg === 'applied version' && l.checksum === checksum, 30_000),
      ),
    )
    for (const line of lines) latency.recordValue(Math.max(1, (line.time as number) - savedAt))
    await new Promise((resolve) => setTimeout(resolve, gapMs))
  }
  const rss = await Promise.all(nodes.map((node) => residentMiB(node.pid)))
  console.log(`nodes ${nodeCount}, edits ${editCount}, applies measured ${latency.totalCount}`)
  for (const p of [50, 90, 99, 100]) {
    console.log(`save -> applied p${p}: ${latency.getValueAtPercentile(p)} ms`)
  }
  console.log(`resident memory per node: ${rss.map((m) => `${m} MiB`).join(', ')}`)
} finally {
  await Promise.all(nodes.map((node) => node.stop()))
  await rm(root, { recursive: true, force: true })
}

async function residentMiB(pid: number | undefined): Promise<string> {
  if (pid === undefined) return '?'
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kib = Number(status.match(/VmRSS:\s+(\d+)/)?.[1])
  return Number.isFinite(kib) ? (kib / 1024).toFixed(0) : '?'
}
