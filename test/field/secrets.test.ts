import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { FetchError, MeshNetwork, peerIdOf } from '../../src/net/index.ts'
import {
  allApplied,
  checksumOfText,
  Field,
  type Member,
  meshed,
  settled,
  story,
  until,
} from './helpers.ts'

let probeCounter = 0

/** A bare network node with its own key, to try the fetch protocol from outside the cluster. */
async function probe(t: import('node:test').TestContext, seeds: string[]) {
  const privateKey = await generateKeyPair('Ed25519')
  const net = new MeshNetwork(
    {
      cluster: 'default',
      privateKey,
      listen: [`/memory/config-mesh-field-probe-${process.pid}-${++probeCounter}`],
      seeds,
      transport: 'memory',
      fetchTimeoutMs: 2000,
    },
    {
      head: () => undefined,
      snapshot: () => undefined,
      announcement: () => {},
      peerConnected: () => {},
    },
  )
  t.after(() => net.stop())
  return { net, peerId: peerIdOf(privateKey), start: () => net.start() }
}

/** Every file under `dir`, as bytes. */
async function filesUnder(dir: string): Promise<Array<{ path: string; bytes: Buffer }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const path = join(entry.parentPath, entry.name)
        return { path, bytes: await readFile(path) }
      }),
  )
}

test('F25: a password resolved from env() and file() appears in no log line at trace level, no event payload, no state file and no snapshot; an unlisted peer cannot fetch', async (t) => {
  const secret = {
    password: `pw-one-${randomUUID()}`,
    next: `pw-two-${randomUUID()}`,
    apiKey: `key-one-${randomUUID()}`,
    nextApiKey: `key-two-${randomUUID()}`,
  }
  const field = await Field.create(t)
  const apiKeyFile = join(field.root, 'api-key.txt')
  await writeFile(apiKeyFile, secret.apiKey)
  const config = (variable: string, requests: number) =>
    [
      'data_source "db" {',
      '  provider   = "postgresql"',
      `  connection = "postgres://app:\${env:${variable}}@db.internal/harbor"`,
      `  password   = env("${variable}")`,
      '}',
      'cache {',
      `  api_key = file("${apiKeyFile}")`,
      '}',
      'rate_limit {',
      `  requests = ${requests}`,
      '}',
      '',
    ].join('\n')
  const env = { DB_PASSWORD: secret.password, DB_PASSWORD_NEXT: secret.next }

  // Two sides that edit apart and then meet: a conflict; the later edit (a's) wins.
  const listed = await probe(t, [])
  const b = await field.start('b', config('DB_PASSWORD', 100), { env })
  const a = await field.start('a', config('DB_PASSWORD', 100), {
    env,
    allowPeers: [b.peerId, listed.peerId],
  })
  // c lacks the new variable: the head that uses it cannot be resolved there.
  const c = await field.start('c', config('DB_PASSWORD', 100), {
    env: { DB_PASSWORD: secret.password },
    peers: b.node.addresses(),
  })
  await meshed([b, c])
  await settled([b, c])
  await b.save(config('DB_PASSWORD', 200))
  await allApplied([b, c], checksumOfText(config('DB_PASSWORD', 200)))
  const changed = config('DB_PASSWORD_NEXT', 300)
  await a.save(changed)
  await until(
    () => a.node.current()?.checksum === checksumOfText(changed),
    'a changed the password',
  )
  b.node.addPeer(a.node.addresses()[0]!)
  await allApplied([a, b], checksumOfText(changed))
  await until(() => [a, b].every((m) => m.events('conflict').length > 0), 'the conflict reported')
  await until(() => c.events('unresolved').length > 0, 'c cannot resolve the new password')

  // A broken save of the password line, refused.
  await a.save(changed.replace('env("DB_PASSWORD_NEXT")', 'env("DB_PASSWORD_NEXT"'))
  await until(() => a.events('invalid').length > 0, 'a refuses the broken save')
  // The file() secret changes: resolved again, no new version.
  await writeFile(apiKeyFile, secret.nextApiKey)
  const usesNextKey = (m: Member) =>
    (m.node.current()?.config.cache as Array<{ api_key: string }>)?.[0]?.api_key ===
    secret.nextApiKey
  await until(() => usesNextKey(a) && usesNextKey(b), 'the new api key applied')
  // The application did get the secrets: they were there to leak.
  const config0 = a.node.current()?.config ?? {}
  const db = (config0.data_source as Record<string, Array<Record<string, string>>>).db![0]!
  assert.equal(db.password, secret.next)
  assert.equal(db.connection, `postgres://app:${secret.next}@db.internal/harbor`)

  // An unlisted peer is never let in; a listed one, on the same terms, is.
  const d = await field.start('d', config('DB_PASSWORD', 100), { env, peers: a.node.addresses() })
  const unlisted = await probe(t, a.node.addresses())
  await unlisted.start()
  await listed.start()
  listed.net.addSeed(a.node.addresses()[0]!)
  await until(() => listed.net.connectedPeers().includes(a.peerId), 'the listed probe connects')
  const head = a.head()!.checksum
  const served = await listed.net.fetchSnapshot(a.peerId, head)
  await assert.rejects(unlisted.net.fetchSnapshot(a.peerId, head), FetchError)
  await until(
    () => a.logs(0, 'connection refused: peer not on allowPeers').some((l) => l.peer === d.peerId),
    'a refuses d',
  )
  assert.ok(
    !a.node.status().running || !(a.node.status() as { peers: string[] }).peers.includes(d.peerId),
  )
  assert.equal(d.node.current()?.checksum, checksumOfText(config('DB_PASSWORD', 100)))

  // Nowhere but in the application's own configuration.
  const secrets = Object.values(secret)
  const leaks: string[] = []
  const look = (where: string, text: string) => {
    for (const value of secrets) if (text.includes(value)) leaks.push(`${where}: ${value}`)
  }
  for (const m of field.members) {
    for (const [i, line] of m.rawLog.entries()) look(`${m.name} log line ${i}`, line)
    for (const h of m.happenings) {
      if (h.kind === 'event' && h.event !== 'change')
        look(`${m.name} ${h.event} event`, JSON.stringify(h.payload))
    }
    for (const file of await filesUnder(m.stateDir)) look(file.path, file.bytes.toString('latin1'))
    look(m.configPath, await readFile(m.configPath, 'utf8'))
  }
  look('the snapshot a peer fetched', Buffer.from(served).toString('latin1'))
  assert.deepEqual(leaks, [], story(field, 0))
  // The run logged plenty at trace level: the search above had material.
  assert.ok([a, b, c].every((m) => m.rawLog.length > 20))
  assert.ok(a.rawLog.some((line) => JSON.parse(line).level === 10 || JSON.parse(line).level === 20))
  assert.deepEqual(field.crashes, [])
})
