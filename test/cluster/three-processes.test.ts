import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import {
  appliedChecksums,
  checksumOfText,
  DEADLINE_MS,
  EXAMPLE_CONFIG,
  ProcessCluster,
  saveLikeAnEditor,
  waitApplied,
  waitConnected,
  waitFor,
} from '../helpers/process-cluster.ts'

/**
 * Three real `config-mesh run` processes talking libp2p over TCP on
 * loopback, each with its own file and state directory.
 */
describe('three nodes in separate processes', { timeout: 180_000 }, () => {
  let cluster: ProcessCluster
  let original: string

  before(async () => {
    original = await readFile(EXAMPLE_CONFIG, 'utf8')
    cluster = await ProcessCluster.create()
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => cluster.addNode(name)))
    const addressA = await a!.start([])
    const addressB = await b!.start([addressA])
    await c!.start([addressA, addressB])
    await Promise.all([
      waitConnected(a!, [b!, c!]),
      waitConnected(b!, [a!, c!]),
      waitConnected(c!, [a!, b!]),
    ])
  })

  after(() => cluster.close())

  it('applies an edit made on one node on all three', async () => {
    const [a, b, c] = cluster.nodes
    const edited = original.replace('requests = 600', 'requests = 700')
    const checksum = await saveLikeAnEditor(b!.configPath, edited)
    for (const node of [a!, b!, c!]) {
      const line = await waitApplied(node, checksum)
      assert.equal(line.cause, node === b ? 'local-edit' : 'peer')
    }
    // Write-back: every node's file now holds the edit, so its next edit starts from it.
    for (const node of [a!, c!]) {
      await waitFor(async () => (await readFile(node.configPath, 'utf8')) === edited)
    }
  })

  it('refuses a file that does not parse, naming file and line, and changes nothing', async () => {
    const [a, b, c] = cluster.nodes
    const before = [a!, b!, c!].map((node) => appliedChecksums(node).length)
    const current = await readFile(b!.configPath, 'utf8')
    const broken = current.replace(
      'enabled = true\n  store   = "redis"',
      'enabled =\n  store   = "redis"',
    )
    assert.notEqual(broken, current, 'the test must actually break the file')
    await saveLikeAnEditor(b!.configPath, broken)
    const refusal = await b!.waitForLog(
      (l) => l.msg?.startsWith('configuration file refused') === true,
      DEADLINE_MS,
    )
    const brokenLine = broken.split('\n').findIndex((line) => line.trim() === 'enabled =') + 1
    assert.match(String(refusal.reason), new RegExp(`app\\.hcl:${brokenLine}`))
    // A valid edit after the broken one is the next version everywhere: nothing came in between.
    const fixed = current.replace('requests = 6000', 'requests = 6500')
    const checksum = await saveLikeAnEditor(b!.configPath, fixed)
    for (const [i, node] of [a!, b!, c!].entries()) {
      await waitApplied(node, checksum)
      assert.deepEqual(appliedChecksums(node).slice(before[i]), [checksum])
    }
  })

  it('catches up on an edit made while it was stopped', async () => {
    const [a, b, c] = cluster.nodes
    await c!.stop()
    const current = await readFile(a!.configPath, 'utf8')
    const checksum = await saveLikeAnEditor(
      a!.configPath,
      current.replace('ttl         = 900', 'ttl         = 1200'),
    )
    await waitApplied(a!, checksum)
    await waitApplied(b!, checksum)
    const since = c!.logs.length
    await c!.start([a!.address!, b!.address!])
    const line = await waitApplied(c!, checksum, since)
    assert.equal(line.cause, 'peer')
    const headText = await readFile(a!.configPath, 'utf8')
    await waitFor(async () => (await readFile(c!.configPath, 'utf8')) === headText)
  })
})

describe('a node started alone', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster

  before(async () => {
    cluster = await ProcessCluster.create()
  })

  after(() => cluster.close())

  it('serves its own file, then joins peers that start later', async () => {
    const text = await readFile(EXAMPLE_CONFIG, 'utf8')
    const alone = await cluster.addNode('alone')
    const addressAlone = await alone.start([])
    const genesis = await waitApplied(alone, checksumOfText(text))
    assert.equal(genesis.cause, 'genesis')

    const late = await cluster.addNode('late')
    await late.start([addressAlone])
    await waitConnected(late, [alone])
    const edited = text.replace('requests = 600', 'requests = 650')
    const checksum = await saveLikeAnEditor(late.configPath, edited)
    await waitApplied(alone, checksum)
    assert.deepEqual(appliedChecksums(alone), [checksumOfText(text), checksum])
  })

  it('adopts the cluster head when it starts from an old file, instead of reverting it', async () => {
    const [alone] = cluster.nodes
    const head = alone!.appliedChecksum()!
    const old = await cluster.addNode('from-old-image')
    await old.start([alone!.address!])
    const line = await waitApplied(old, head)
    assert.equal(line.cause, 'peer')
    assert.equal(alone!.appliedChecksum(), head, 'the old file must not revert the cluster')
  })
})
