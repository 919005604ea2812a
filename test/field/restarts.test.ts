import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  allApplied,
  checksumOfText,
  Field,
  Member,
  meshed,
  quiet,
  short,
  story,
  until,
} from './helpers.ts'

const version = (requests: number) =>
  `service "wfs" {\n  enabled = true\n}\n\nrate_limit {\n  requests = ${requests}\n}\n`

/** A head as plain data, to compare heads across a restart (signatures come back as Buffers). */
function plain(head: ReturnType<Member['head']>) {
  if (head === undefined) return undefined
  return { ...head, signature: Buffer.from(head.signature).toString('hex') }
}

test('F24: an unchanged restart makes no version, no change but the restore, and no burst of announcements', async (t) => {
  // A long period: every announcement in the window is one the restart caused.
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  const [a, b, c] = await field.startThree(version(100))
  await a.save(version(101))
  await allApplied([a, b, c], checksumOfText(version(101)))
  await quiet(field)
  const head = b.head()
  const fileBefore = await readFile(b.configPath)

  await b.stop()
  const from = field.mark()
  await b.start({ peers: [...a.node.addresses(), ...c.node.addresses()] })
  await meshed([a, b, c])
  await quiet(field)
  const happened = story(field, from)

  assert.deepEqual(
    b.events('change', from).map((e) => [e.checksum, e.cause]),
    [[head!.checksum, 'restore']],
    happened,
  )
  assert.deepEqual(plain(b.head()), plain(head), 'same head, same vector, same stamp')
  for (const m of [a, c]) assert.deepEqual(m.changes(from), [], `${m.name}: ${happened}`)
  const announced = field
    .since(from)
    .filter((h) => h.kind === 'log' && h.line.msg === 'announced head')
  assert.ok(announced.length <= 3, `${announced.length} announcements for one restart\n${happened}`)
  assert.deepEqual(await readFile(b.configPath), fileBefore, 'nothing written back')
  for (const msg of ['fetched snapshot', 'served snapshot']) {
    assert.deepEqual(
      field.since(from).filter((h) => h.kind === 'log' && h.line.msg === msg),
      [],
    )
  }
  assert.deepEqual(field.crashes, [])
})

test('F24: a node that missed edits adopts the cluster head, says its file was behind, writes it back, and edits on top of it', async (t) => {
  const field = await Field.create(t, { defaults: { announceIntervalMs: 60_000 } })
  const [a, b, c] = await field.startThree(version(100))
  await c.stop()
  await a.save(version(101))
  await allApplied([a, b], checksumOfText(version(101)))
  await a.save(version(102))
  const head = checksumOfText(version(102))
  await allApplied([a, b], head)

  const from = field.mark()
  await c.start({ peers: [...a.node.addresses(), ...b.node.addresses()] })
  await until(() => c.node.current()?.checksum === head, 'c adopts the head')
  assert.deepEqual(
    c.events('change', from).map((e) => [e.checksum, e.cause]),
    [
      [checksumOfText(version(100)), 'restore'],
      [head, 'peer'],
    ],
  )
  await until(async () => (await readFile(c.configPath, 'utf8')) === version(102), 'c written back')
  await until(
    () =>
      c
        .logs(from)
        .some(
          (l) =>
            l.msg === 'source file was behind the head; wrote the head back' &&
            l.checksum === short(head),
        ),
    `c says its file was behind\n${story(field, from)}`,
  )
  // The watcher reports the written file (the echo), then c is quiet: a person edits now.
  const wrote = c.happenings.find(
    (h) => h.seq >= from && h.kind === 'log' && h.line.msg.startsWith('source file was behind'),
  )!
  await until(() => c.logs(wrote.seq, 'source changed').length > 0, 'c reads the file it wrote')
  await quiet(field)
  const status = c.node.status()
  assert.ok(status.running && status.file?.checksum === head, 'c knows its file holds the head')
  // The next edit on c builds on the head: it dominates it, so nobody reports a conflict.
  const marker = version(103)
  await c.save(marker)
  await allApplied([a, b, c], checksumOfText(marker))
  for (const m of [a, b, c]) assert.deepEqual(m.events('conflict', from), [], story(field, from))
  assert.deepEqual(field.crashes, [])
})

/** A lone node that started on version 100 and then applied its own edit, version 101. */
async function loneNodeAfterAnEdit(field: Field) {
  const a = await field.start('a', version(100))
  await a.save(version(101))
  await until(() => a.node.current()?.checksum === checksumOfText(version(101)), 'a edited')
  return { a, head: a.head()! }
}

test('F24: a node with no peers starts from its state, or from its file when the file was edited while it was down', async (t) => {
  const field = await Field.create(t)
  const { a, head } = await loneNodeAfterAnEdit(field)

  // Restarted alone and unchanged: its state, as it was.
  await a.stop()
  let from = field.mark()
  await a.start()
  assert.deepEqual(
    a.events('change', from).map((e) => [e.checksum, e.cause]),
    [[head.checksum, 'restore']],
  )
  assert.deepEqual(plain(a.head()), plain(head))

  // Edited while down: the file is a local edit on top of the recorded version.
  await a.stop()
  await writeFile(a.configPath, version(102))
  from = field.mark()
  await a.start()
  const edited = checksumOfText(version(102))
  assert.deepEqual(
    a.events('change', from).map((e) => [e.checksum, e.cause]),
    [[edited, 'local-edit']],
  )
  assert.equal(a.head()!.vector[a.peerId], (head.vector[a.peerId] ?? 0) + 1)

  // The file gone while it was down: its state, and the source reported missing.
  await a.stop()
  await rm(a.configPath)
  from = field.mark()
  await a.start()
  assert.deepEqual(
    a.events('change', from).map((e) => [e.checksum, e.cause]),
    [[edited, 'restore']],
  )
  assert.equal(a.events('source:missing', from).length, 1)
  assert.deepEqual(field.crashes, [])
})

test('F24: a node restarted after a crash starts from its state even when the stale lock names its own pid, as pid 1 in a container does', async (t) => {
  const field = await Field.create(t)
  const { a, head } = await loneNodeAfterAnEdit(field)
  await a.stop()
  // A crash leaves the lock behind; the container restarts the process under the same pid.
  await writeFile(join(a.stateDir, 'lock'), String(process.pid))

  const from = field.mark()
  await a.start()
  assert.deepEqual(
    a.events('change', from).map((e) => [e.checksum, e.cause]),
    [[head.checksum, 'restore']],
  )
  // The lock still keeps a second node of this same process out of the directory.
  await assert.rejects(
    new Member(field, 'a-again', a.dir).start(),
    (err: Error) => err.name === 'StateDirectoryError',
  )
  assert.deepEqual(field.crashes, [])
})

test('F24: a start that fails because its port is taken leaves the node stopped and its state free; started again, it runs from its state', async (t) => {
  const field = await Field.create(t, { transport: 'tcp' })
  const a = await field.start('a', version(100))
  await a.save(version(101))
  await until(() => a.node.current()?.checksum === checksumOfText(version(101)), 'a edited')
  const head = a.head()!
  await a.stop()

  const taken = createServer().listen(0, '127.0.0.1')
  await once(taken, 'listening')
  t.after(() => taken.close())
  const port = (taken.address() as AddressInfo).port
  await assert.rejects(a.start({ listen: [`/ip4/127.0.0.1/tcp/${port}`] }))
  assert.deepEqual(a.node.status(), { running: false })

  // Another start over the same folder (a supervisor's retry) gets the directory and runs.
  const from = field.mark()
  const again = new Member(field, 'a', a.dir)
  await again.start()
  assert.ok(again.node.addresses().length > 0)
  assert.deepEqual(
    again.events('change', from).map((e) => [e.checksum, e.cause]),
    [[head.checksum, 'restore']],
  )
  assert.deepEqual(field.crashes, [])
})

test('F24: a node whose edit lost a conflict, restarted, never gives its next edit the same count', async (t) => {
  const field = await Field.create(t)
  const a = await field.start('a', version(100))
  // b's clock runs a minute ahead, so its concurrent edit wins the conflict.
  const ahead = { now: () => Date.now() + 60_000 }
  const b = await field.start('b', version(100), {}, ahead)
  await a.save(version(101))
  await until(() => a.head()?.checksum === checksumOfText(version(101)), 'a edited')
  assert.deepEqual(a.head()?.vector, { [a.peerId]: 1 })
  await b.save(version(102))
  await until(() => b.head()?.checksum === checksumOfText(version(102)), 'b edited')

  await a.node.addPeer(b.node.addresses()[0]!)
  await allApplied([a, b], checksumOfText(version(102)))
  await until(() => a.events('conflict').length > 0, 'a reports the conflict')
  // a's file is written back: head and file now hold b's edit, which has no entry for a.
  await until(
    () => {
      const status = a.node.status()
      return status.running && status.file?.checksum === checksumOfText(version(102))
    },
    `a's file holds the head\n${story(field, 0)}`,
  )
  assert.deepEqual(a.head()?.vector, { [b.peerId]: 1 })

  await a.stop()
  await a.start()
  await a.save(version(103))
  await until(() => a.head()?.checksum === checksumOfText(version(103)), 'a edited after restart')
  // Its first edit was {a: 1}; this one must not be named {a: 1} again.
  assert.deepEqual(a.head()?.vector, { [a.peerId]: 2, [b.peerId]: 1 })
  assert.deepEqual(field.crashes, [])
})
