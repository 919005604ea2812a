import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { checksumOf } from '../../src/snapshot/checksum.ts'
import { connected, InProcessCluster, nextEvent, until } from '../helpers/in-process.ts'

const BASE = 'service "wfs" {\n  enabled = true\n}\n'
const WITH_DATABASE = `${BASE}data_source "db" {\n  provider   = "postgresql"\n  connection = env("DB_URL")\n}\n`

describe('resolution on each node', () => {
  let cluster: InProcessCluster

  beforeEach(async () => {
    cluster = await InProcessCluster.create()
  })

  afterEach(() => cluster.close())

  it('keeps the last applied configuration when a reference cannot be resolved here, and still passes the head on', async () => {
    const a = await cluster.start('a', BASE, { env: { DB_URL: 'postgres://secret-of-a' } })
    const b = await cluster.start('b', BASE, { peers: a.addresses() })
    await connected(a, b)

    const unresolved = nextEvent(b, 'unresolved')
    await writeFile(join(cluster.root, 'a', 'app.hcl'), WITH_DATABASE)
    const [event] = await unresolved
    assert.equal(event.checksum, checksumOf(WITH_DATABASE))
    assert.match(event.message, /env\("DB_URL"\)/)
    assert.doesNotMatch(event.message, /secret-of-a/)

    const status = b.status()
    assert.ok(status.running)
    assert.equal(status.head?.checksum, checksumOf(WITH_DATABASE))
    assert.equal(status.applied?.checksum, checksumOf(BASE))
    assert.equal(b.current()?.checksum, checksumOf(BASE))

    // A third node that only knows b gets the new head from it, and resolves it with its own value.
    const c = await cluster.start('c', BASE, {
      peers: b.addresses(),
      env: { DB_URL: 'postgres://c' },
    })
    await until(() => c.current()?.checksum === checksumOf(WITH_DATABASE), 'c applied the edit')
    const database = (c.current()!.config.data_source as Record<string, { connection: string }[]>)
      .db
    assert.equal(database?.[0]?.connection, 'postgres://c')
  })

  it('re-resolves when a file() dependency changes, without a new cluster version', async () => {
    const secret = join(cluster.root, 'password.txt')
    await writeFile(secret, 'first')
    const text = `password = file("${secret}")\n`
    const node = await cluster.start('a', text)
    await until(() => node.current()?.config.password === 'first', 'first password applied')
    const headBefore = node.status().running ? node.status() : undefined

    // Written in place (truncate, then write), as a person or a script would:
    // resolution reads what the watcher saw settle, so the first dependency
    // change already carries the final value, never the emptied file.
    const changed = nextEvent(node, 'change', (e) => e.cause === 'dependency')
    await writeFile(secret, 'second')
    const [event] = await changed
    assert.equal(event.config.password, 'second')
    assert.equal(event.checksum, checksumOf(text))
    const after = node.status()
    assert.ok(after.running && headBefore?.running)
    assert.deepEqual(after.head, headBefore.head, 'no new version for a secret change')
  })

  it('keeps serving its head while the file is missing, and takes the file back when it returns', async () => {
    const a = await cluster.start('a', BASE)
    const b = await cluster.start('b', BASE, { peers: a.addresses() })
    await connected(a, b)
    const path = join(cluster.root, 'a', 'app.hcl')

    const missing = nextEvent(a, 'source:missing')
    await rm(path)
    await missing
    const status = a.status()
    assert.ok(status.running)
    assert.equal(status.source.state, 'missing')
    assert.equal(status.head?.checksum, checksumOf(BASE))
    assert.equal(a.current()?.checksum, checksumOf(BASE))

    const recreated = `${BASE}service "wms" {\n  enabled = true\n}\n`
    const onB = nextEvent(b, 'change', (e) => e.checksum === checksumOf(recreated))
    await writeFile(path, recreated)
    await onB
    assert.equal(a.current()?.checksum, checksumOf(recreated))
  })
})
