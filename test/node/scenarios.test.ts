import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import type { ConflictReport } from '../../src/engine/types.ts'
import type { ConfigMeshNode } from '../../src/node/config-mesh-node.ts'
import { checksumOf } from '../../src/snapshot/checksum.ts'
import { connected, InProcessCluster, until } from '../helpers/in-process.ts'

const BASE = 'rate_limit {\n  enabled  = true\n  requests = 100\n}\n'
const version = (requests: number) => BASE.replace('requests = 100', `requests = ${requests}`)

/**
 * The simulator's scenarios, on real libp2p nodes in one process over the
 * in-memory transport, each with its own files and state directory.
 */
describe('cluster scenarios over libp2p', () => {
  let cluster: InProcessCluster

  beforeEach(async () => {
    cluster = await InProcessCluster.create('memory')
  })

  afterEach(() => cluster.close())

  const edit = (name: string, text: string) => writeFile(join(cluster.root, name, 'app.hcl'), text)
  const on = (node: ConfigMeshNode, text: string) =>
    until(() => node.current()?.checksum === checksumOf(text), `${node.peerId} on ${text.trim()}`)
  const fileHolds = async (name: string, text: string) => {
    const deadline = Date.now() + 20_000
    while ((await readFile(join(cluster.root, name, 'app.hcl'), 'utf8')) !== text) {
      if (Date.now() > deadline) throw new Error(`${name}'s file never held ${text.trim()}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  const conflictsOf = (node: ConfigMeshNode) => {
    const seen: ConflictReport[] = []
    node.on('conflict', (report) => seen.push(report))
    return seen
  }

  it('two sides of a split each edit, then heal onto one head with the conflict reported', async () => {
    const a = await cluster.start('a', BASE)
    const b = await cluster.start('b', BASE, { peers: a.addresses() })
    const c = await cluster.start('c', BASE)
    const d = await cluster.start('d', BASE, { peers: c.addresses() })
    const reports = [a, b, c, d].map(conflictsOf)
    await Promise.all([connected(a, b), connected(c, d)])

    await edit('a', version(200))
    await on(b, version(200))
    await edit('c', version(300))
    await on(d, version(300))

    b.addPeer(c.addresses()[0]!)
    // C's edit was made later, so it has the larger clock stamp and wins on every node.
    await Promise.all([a, b, c, d].map((node) => on(node, version(300))))
    for (const node of [a, b]) {
      const report = reports[[a, b, c, d].indexOf(node)]!.find((r) => r.kind === 'concurrent')
      assert.ok(report, `${node.peerId} reported the conflict`)
      assert.equal(report.winner.checksum, checksumOf(version(300)))
      assert.equal(report.loser.checksum, checksumOf(version(200)))
    }
  })

  it('a node that missed three edits while down catches up on the newest one only', async () => {
    const a = await cluster.start('a', BASE)
    const b = await cluster.start('b', BASE, { peers: a.addresses() })
    await connected(a, b)
    await b.stop()
    for (const requests of [101, 102, 103]) {
      await edit('a', version(requests))
      await on(a, version(requests))
    }
    const restarted = await cluster.startAt(join(cluster.root, 'b'), { peers: a.addresses() })
    const applied: string[] = []
    restarted.on('change', (event) => applied.push(event.checksum))
    await on(restarted, version(103))
    assert.ok(!applied.includes(checksumOf(version(101))))
    assert.ok(!applied.includes(checksumOf(version(102))))
  })

  it('an edit made after seeing a version from a clock an hour fast still wins', async () => {
    const hourAhead = () => Date.now() + 3_600_000
    const fast = await cluster.start('fast', BASE, {}, { now: hourAhead })
    const honest = await cluster.start('honest', BASE, { peers: fast.addresses() })
    const reports = [fast, honest].map(conflictsOf)
    await connected(fast, honest)

    await edit('fast', version(500))
    await on(honest, version(500))
    // The edit below is made on top of the written-back file, as a person would.
    await fileHolds('honest', version(500))
    await edit('honest', version(600))
    await Promise.all([fast, honest].map((node) => on(node, version(600))))
    // Had the write-back and the edit reached the watcher as one change, the
    // edit may be reported as concurrent (the person may not have seen the
    // written version); whatever is reported, the later edit is the winner.
    for (const report of reports.flat()) {
      assert.equal(report.winner.checksum, checksumOf(version(600)))
    }
  })

  it('two files with equal (empty) vectors and different content converge, reported', async () => {
    const a = await cluster.start('a', version(700))
    const reports = conflictsOf(a)
    const b = await cluster.start('b', version(800), { peers: a.addresses() })
    await connected(a, b)
    await until(() => a.current()?.checksum === b.current()?.checksum, 'one head on both')
    assert.ok([checksumOf(version(700)), checksumOf(version(800))].includes(a.current()!.checksum))
    await until(
      () => reports.some((r) => r.kind === 'equal-vectors'),
      'equal-vectors reported on a',
    )
  })
})
