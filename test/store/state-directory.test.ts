import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { decode, encode } from '../../src/snapshot/codec.ts'
import {
  buildSnapshot,
  DEFAULT_SNAPSHOT_LIMITS,
  ed25519Signer,
  ed25519Verifier,
  genesisStamp,
  withEntry,
} from '../../src/snapshot/index.ts'
import { generateNodeKey, StateDirectory, StateDirectoryError } from '../../src/store/index.ts'

describe('state directory', () => {
  let root: string

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'config-mesh-store-'))
  })

  afterEach(() => rm(root, { recursive: true, force: true }))

  it('keeps the node key across openings, readable by its owner only', async () => {
    const first = await StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS)
    const key = await first.loadOrCreateKey()
    await first.close()
    const second = await StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS)
    assert.deepEqual(await second.loadOrCreateKey(), key)
    await second.close()
    assert.equal((await stat(join(root, 'node.key'))).mode & 0o777, 0o600)
  })

  it('refuses a second process while the first holds the lock, and frees it on close', async () => {
    const first = await StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS)
    await writeFile(join(root, 'lock'), String(process.ppid))
    await assert.rejects(StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS), StateDirectoryError)
    await writeFile(join(root, 'lock'), String(process.pid))
    await first.close()
    const again = await StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS)
    await again.close()
  })

  it('takes over a lock left by a process that is gone', async () => {
    await writeFile(join(root, 'lock'), '999999999')
    const dir = await StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS)
    assert.equal(await readFile(join(root, 'lock'), 'utf8'), String(process.pid))
    await dir.close()
  })

  it('saves and loads head and file version together', async () => {
    const dir = await StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS)
    assert.deepEqual(await dir.load(), { status: 'absent' })
    const head = sampleSnapshot('a = 1\n')
    const file = { checksum: head.checksum, vector: head.vector }
    await dir.save({ head, file })
    const loaded = await dir.load()
    assert.equal(loaded.status, 'ok')
    if (loaded.status !== 'ok') return
    assert.equal(loaded.state.head?.checksum, head.checksum)
    assert.deepEqual(loaded.state.head?.tree, head.tree)
    assert.deepEqual(loaded.state.head?.vector, head.vector)
    assert.deepEqual(loaded.state.file, file)
    await dir.close()
  })

  it('keeps the count of own edits, and refuses a state file whose count is malformed', async () => {
    const dir = await StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS)
    const head = sampleSnapshot('a = 1\n')
    await dir.save({ head, file: undefined, ownEdits: 7 })
    const loaded = await dir.load()
    assert.equal(loaded.status === 'ok' && loaded.state.ownEdits, 7)

    const record = decode(await readFile(join(root, 'state')), 'state', 1 << 20) as object
    await writeFile(join(root, 'state'), encode({ ...record, ownEdits: -1 }))
    const refused = await dir.load()
    assert.equal(refused.status, 'corrupt')
    assert.match(refused.status === 'corrupt' ? refused.reason : '', /own edit count/)
    await dir.close()
  })

  it('ends with the newest of a burst of saves', async () => {
    const dir = await StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS)
    const versions = Array.from({ length: 20 }, (_, i) => sampleSnapshot(`a = ${i}\n`))
    await Promise.all(versions.map((head) => dir.save({ head, file: undefined })))
    const loaded = await dir.load()
    assert.equal(loaded.status === 'ok' && loaded.state.head?.checksum, versions.at(-1)!.checksum)
    await dir.close()
  })

  it('moves a corrupt state file aside and reports it, instead of failing or deleting it', async () => {
    const dir = await StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS)
    await writeFile(join(root, 'state'), Buffer.from([0xc1, 0x00, 0xff]))
    const loaded = await dir.load()
    assert.equal(loaded.status, 'corrupt')
    const files = await readdir(root)
    assert.ok(
      files.some((name) => name.startsWith('state.corrupt-')),
      files.join(', '),
    )
    assert.ok(!files.includes('state'))
    await dir.close()
  })

  it('with a verifier, takes a head altered on disk for corrupt: moved aside, never loaded', async () => {
    const dir = await StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS)
    const verifier = ed25519Verifier((origin) => (origin === 'node-a' ? key.publicKey : undefined))
    const head = sampleSnapshot('a = 42\n')
    await dir.save({ head, file: undefined })
    assert.equal((await dir.load(verifier)).status, 'ok')

    // One value changed in the stored tree, its header and signature left as they were.
    const tree = { a: 43 }
    await dir.save({ head: { ...head, tree, treeBytes: encode(tree) }, file: undefined })
    const unchecked = await dir.load()
    assert.equal(unchecked.status, 'ok', 'the format alone is intact')
    const loaded = await dir.load(verifier)
    assert.equal(loaded.status, 'corrupt')
    if (loaded.status !== 'corrupt') return
    assert.match(
      loaded.reason,
      /head fails verification: tree of [0-9a-f]{64} does not match its digest/,
    )
    assert.ok((await readdir(root)).includes(loaded.movedTo.slice(root.length + 1)))
    await dir.close()
  })

  it('refuses to replace a damaged node key, which would change the node identity', async () => {
    await writeFile(join(root, 'node.key'), 'not a key')
    const dir = await StateDirectory.open(root, DEFAULT_SNAPSHOT_LIMITS)
    await assert.rejects(dir.loadOrCreateKey(), /node key is corrupt|not an Ed25519 key/)
    await dir.close()
  })
})

const key = generateNodeKey()
const signer = ed25519Signer('node-a', key.seed, key.publicKey)

function sampleSnapshot(text: string) {
  const count = Number(text.match(/\d+/)?.[0] ?? 0)
  return buildSnapshot(
    {
      text,
      tree: { a: count },
      vector: withEntry({}, 'node-a', count + 1),
      stamp: { ...genesisStamp('node-a'), wallMs: 1000 + count },
    },
    signer,
  )
}
