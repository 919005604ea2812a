import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { cli } from '../helpers/cli.ts'
import {
  appliedChecksums,
  DEADLINE_MS,
  EXAMPLE_CONFIG,
  ProcessCluster,
  saveLikeAnEditor,
  waitApplied,
  waitConnected,
} from '../helpers/process-cluster.ts'

/**
 * A locked-down cluster set up the way an operator would, with the command
 * line alone: `config-mesh swarm-key` for the private network key, `config-mesh
 * id` for the allow-list, then `config-mesh run` with both. A listed peer with
 * the key syncs; a peer with the key but not listed, and a node without the
 * key, get nothing, not even a connection.
 */
describe('access control from the command line', { timeout: 180_000 }, () => {
  let cluster: ProcessCluster

  before(async () => {
    cluster = await ProcessCluster.create()
  })

  after(() => cluster.close())

  it('a listed peer with the key syncs; an unlisted peer and a keyless node get nothing', async () => {
    const key = join(cluster.root, 'swarm.key')
    const generated = await cli('swarm-key')
    assert.equal(generated.code, 0, generated.stderr)
    assert.match(generated.stdout, /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    await writeFile(key, generated.stdout)

    const withKey = ['--private-network-key', key]
    const b = await cluster.addNode('b', undefined, withKey)
    const listed = await cli('id', '--state-dir', b.stateDir)
    assert.equal(listed.code, 0, listed.stderr)
    const bId = listed.stdout.trim()
    const a = await cluster.addNode('a', undefined, [
      ...withKey,
      '--allow-peer',
      bId,
      '--log-level',
      'debug',
    ])
    const debug = ['--log-level', 'debug']
    const unlisted = await cluster.addNode('unlisted', undefined, [...withKey, ...debug])
    const keyless = await cluster.addNode('keyless', undefined, debug)

    const addressA = await a.start([])
    await b.start([addressA])
    assert.equal(b.peerId, bId, '`config-mesh id` names the id the node then runs with')
    await unlisted.start([addressA])
    await keyless.start([addressA])

    await waitConnected(b, [a])
    const refused = (line: { msg?: string; peer?: unknown }) =>
      line.msg === 'connection refused: peer not on allowPeers' && line.peer === unlisted.peerId
    await a.waitForLog(refused, DEADLINE_MS)
    const unreachable = (line: { msg?: string }) =>
      line.msg === 'seed unreachable; redialling with backoff'
    await keyless.waitForLog(unreachable, DEADLINE_MS)

    const edited = (await readFile(EXAMPLE_CONFIG, 'utf8')).replace(
      'requests = 600',
      'requests = 650',
    )
    const checksum = await saveLikeAnEditor(a.configPath, edited)
    await waitApplied(b, checksum)
    // Neither outsider ever connects or receives anything: no announcement, no snapshot.
    const received = new Set([
      'peer connected',
      'announcement received',
      'fetched snapshot',
      'applied version',
    ])
    for (const outsider of [unlisted, keyless]) {
      assert.ok(!appliedChecksums(outsider).includes(checksum), `${outsider.name} got the edit`)
      const heard = outsider.logs.filter(
        (l) => received.has(String(l.msg)) && l.cause !== 'genesis',
      )
      assert.deepEqual(heard, [], `${outsider.name} heard from the cluster`)
    }
  })

  it('names an unreadable key file and a malformed peer id, exiting 2', async () => {
    const missing = join(cluster.root, 'no-such.key')
    const run = ['run', '--config', 'x.hcl', '--state-dir', join(cluster.root, 'cli-state')]
    const noKey = await cli(...run, '--private-network-key', missing)
    assert.equal(noKey.code, 2)
    assert.match(noKey.stderr, /--private-network-key: cannot read .*no-such\.key \(ENOENT\)/)

    const badKey = join(cluster.root, 'bad.key')
    await writeFile(badKey, 'not a key')
    const bad = await cli(...run, '--private-network-key', badKey)
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /privateNetworkKey must be a libp2p swarm key .*got 9 bytes/)
    assert.doesNotMatch(bad.stderr, /not a key/)

    const badPeer = await cli(...run, '--allow-peer', 'alice')
    assert.equal(badPeer.code, 2)
    assert.match(badPeer.stderr, /allowPeers\[0\] must be a peer id, got "alice"/)
  })
})
