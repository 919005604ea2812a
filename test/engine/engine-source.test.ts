import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { beats } from '../../src/snapshot/order.ts'
import { compareVectors } from '../../src/snapshot/version-vector.ts'
import { ofType, source, T0, TestEngine, types, version } from './harness.ts'

const HOUR = 3_600_000

/** Node a started from text 1, then given b's version (text 2, {b:1}) and its write-back done. */
function afterWriteBack(): TestEngine {
  const a = new TestEngine('a')
  a.start(source(1))
  const actions = a.receive('b', version('b', 2, { b: 1 }, T0 + 10))
  assert.equal(ofType(actions, 'write-back').length, 1)
  a.handle({ type: 'written-back', checksum: ofType(actions, 'write-back')[0]!.snapshot.checksum })
  return a
}

describe('genesis', () => {
  it('starts from the file with an empty vector and stamp zero', () => {
    const actions = new TestEngine('a').start(source(1))
    assert.deepEqual(types(actions), ['persist', 'apply', 'announce'])
    const [apply] = ofType(actions, 'apply')
    assert.equal(apply?.cause, 'genesis')
    assert.deepEqual(apply?.snapshot.vector, {})
    assert.equal(apply?.snapshot.stamp.wallMs, 0)
  })

  it('with neither state nor file, waits for a peer', () => {
    assert.deepEqual(new TestEngine('a').start(), [])
  })
})

describe('local edits', () => {
  it('an edit of a file holding the head dominates and beats the head', () => {
    const a = new TestEngine('a')
    const [genesis] = ofType(a.start(source(1)), 'apply')
    const actions = a.edit(2)
    const [edit] = ofType(actions, 'apply')
    assert.equal(edit?.cause, 'local-edit')
    assert.equal(compareVectors(edit!.snapshot.vector, genesis!.snapshot.vector), 'after')
    assert.ok(beats(edit!.snapshot, genesis!.snapshot))
    assert.deepEqual(ofType(actions, 'conflict'), [])
    assert.deepEqual(types(actions).slice(0, 1), ['persist'])
  })

  it('a save of the same text makes no version (F05)', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    assert.deepEqual(a.edit(1), [])
  })

  it('an edit of a stale file is concurrent with the head and reported once', () => {
    const a = new TestEngine('a', { init: { writeBack: false } })
    a.start(source(1))
    const peer = version('b', 2, { b: 1 }, T0 + 10)
    a.receive('b', peer)
    const actions = a.edit(3)
    const [conflict] = ofType(actions, 'conflict')
    assert.equal(conflict?.report.kind, 'concurrent')
    assert.equal(conflict?.report.loser.checksum, peer.checksum)
    assert.equal(ofType(actions, 'apply')[0]?.cause, 'local-edit')
    assert.deepEqual(ofType(a.announce('b', peer), 'conflict'), [])
  })

  it('an edit made after receiving a version an hour ahead beats it (F23)', () => {
    const a = new TestEngine('a', { now: T0 - HOUR })
    a.start(source(1))
    const fast = version('b', 2, { b: 1 }, T0 + HOUR)
    const [write] = ofType(a.receive('b', fast), 'write-back')
    a.handle({ type: 'written-back', checksum: write!.snapshot.checksum })
    a.edit(2) // the watcher's echo: the file now shows b's version, which the person edits
    const [edit] = ofType(a.edit(3), 'apply')
    assert.ok(beats(edit!.snapshot, fast))
    assert.equal(compareVectors(edit!.snapshot.vector, fast.vector), 'after')
  })

  it('refuses a local tree with a reserved key and keeps the head (F15)', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    const tree = JSON.parse('{"version": 2, "__proto__": {"x": 1}}')
    const actions = a.handle({ type: 'source', text: 'version = 2\n', tree })
    assert.deepEqual(types(actions), ['refuse'])
    assert.match(ofType(actions, 'refuse')[0]!.reason, /reserved key __proto__/)
    assert.equal(a.engine.head?.text, source(1).text)
  })
})

describe('write-back', () => {
  it('writes a peer version back and does not take its echo for an edit', () => {
    const a = afterWriteBack()
    assert.deepEqual(a.edit(2), [])
  })

  it('does not take a late echo for an edit after the head moved on', () => {
    const a = afterWriteBack()
    a.receive('c', version('c', 3, { b: 1, c: 1 }, T0 + 20))
    assert.deepEqual(ofType(a.edit(2), 'apply'), [])
    assert.deepEqual(ofType(a.edit(3), 'apply'), [])
    assert.equal(a.engine.head?.text, source(3).text)
  })

  it('takes the old text, read before the write-back landed, for a stale read', () => {
    const a = afterWriteBack()
    assert.deepEqual(a.edit(1), [])
    assert.equal(a.engine.head?.text, source(2).text)
  })

  it('builds an edit read before the write-back landed on the version before it', () => {
    const a = afterWriteBack()
    const actions = a.edit(3)
    const [edit] = ofType(actions, 'apply')
    assert.deepEqual(edit?.snapshot.vector, { a: 1 })
    assert.equal(ofType(actions, 'conflict')[0]?.report.kind, 'concurrent')
  })

  it('writes the head back when a late echo shows the file behind it', () => {
    const a = afterWriteBack()
    a.edit(3)
    const actions = a.edit(2)
    assert.equal(ofType(actions, 'write-back')[0]?.snapshot.text, source(3).text)
  })

  it('takes a save of the written text as an edit once the echo is overdue', () => {
    const a = afterWriteBack()
    a.edit(3)
    a.tick(10_001)
    assert.equal(ofType(a.edit(2), 'apply')[0]?.cause, 'local-edit')
  })

  it('takes the old text saved over a write-back as an edit once its echo is overdue', () => {
    const a = afterWriteBack()
    assert.deepEqual(a.edit(1), [])
    const actions = a.tick(10_001)
    const [edit] = ofType(actions, 'apply')
    assert.equal(edit?.snapshot.text, source(1).text)
    assert.equal(compareVectors(edit!.snapshot.vector, { b: 1 }), 'after')
  })

  it('retries a failed write, but never over a file left invalid', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    const [write] = ofType(a.receive('b', version('b', 2, { b: 1 }, T0 + 10)), 'write-back')
    const checksum = write!.snapshot.checksum
    a.handle({ type: 'write-back-failed', checksum, disable: false })
    assert.equal(ofType(a.tick(1000), 'write-back').length, 1)
    a.handle({ type: 'write-back-failed', checksum, disable: false })
    a.handle({ type: 'source-unusable', reason: 'invalid' })
    assert.deepEqual(ofType(a.tick(60_000), 'write-back'), [])
  })

  it('stops writing back once the file proves read-only', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    const [write] = ofType(a.receive('b', version('b', 2, { b: 1 }, T0 + 10)), 'write-back')
    a.handle({ type: 'write-back-failed', checksum: write!.snapshot.checksum, disable: true })
    const later = a.receive('b', version('b', 3, { b: 2 }, T0 + 20))
    assert.deepEqual(ofType(later, 'write-back'), [])
    assert.deepEqual(ofType(a.tick(60_000), 'write-back'), [])
  })
})

describe('restarts', () => {
  it('takes the stored head when the file is unchanged, and makes no version (F24)', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    a.edit(2)
    const again = new TestEngine('a', { restored: a.engine.state, now: T0 + 1000 })
    const actions = again.start(source(2))
    assert.deepEqual(types(actions), ['apply', 'announce'])
    assert.equal(ofType(actions, 'apply')[0]?.cause, 'restore')
  })

  it('takes an edit made while down as a local edit on the recorded base', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    a.edit(2)
    const again = new TestEngine('a', { restored: a.engine.state, now: T0 + 1000 })
    const [edit] = ofType(again.start(source(3)), 'apply')
    assert.equal(edit?.cause, 'local-edit')
    assert.deepEqual(edit?.snapshot.vector, { a: 2 })
  })

  it('writes the head back when the file is behind it (a crash before the write landed)', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    a.receive('b', version('b', 2, { b: 1 }, T0 + 10))
    const again = new TestEngine('a', { restored: a.engine.state, now: T0 + 1000 })
    const actions = again.start(source(1))
    assert.deepEqual(types(actions), ['apply', 'announce', 'write-back'])
    assert.equal(ofType(actions, 'write-back')[0]?.snapshot.text, source(2).text)
  })

  it('never reuses an edit count, even after losing a conflict and restarting', () => {
    const a = new TestEngine('a')
    a.start(source(1))
    a.edit(2)
    // b's concurrent edit wins (made later): a's edit {a:1} is in neither head nor file now.
    const [write] = ofType(a.receive('b', version('b', 3, { b: 1 }, T0 + 60_000)), 'write-back')
    a.handle({ type: 'written-back', checksum: write!.snapshot.checksum })
    a.edit(3)
    const again = new TestEngine('a', { restored: a.engine.state, now: T0 + 120_000 })
    again.start(source(3))
    const [edit] = ofType(again.edit(4), 'apply')
    assert.deepEqual(edit?.snapshot.vector, { a: 2, b: 1 })
  })
})
