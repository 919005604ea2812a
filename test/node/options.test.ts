import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OptionError, resolveInit } from '../../src/node/options.ts'

describe('node options', () => {
  const required = { configPath: '/etc/app.hcl', stateDir: '/var/lib/mesh' }

  it('fills defaults and freezes the result', () => {
    const init = resolveInit(required)
    assert.equal(init.announceIntervalMs, 5000)
    assert.equal(init.writeBack, true)
    assert.deepEqual(init.listen, ['/ip4/0.0.0.0/tcp/0'])
    assert.ok(Object.isFrozen(init))
  })

  it('keeps defaults for options given as undefined', () => {
    assert.equal(resolveInit({ ...required, fetchTimeoutMs: undefined }).fetchTimeoutMs, 5000)
  })

  it('names the option, the value and the range when a value is out of range', () => {
    assert.throws(
      () => resolveInit({ ...required, announceIntervalMs: 10 }),
      (err: Error) =>
        err instanceof OptionError &&
        err.message === 'announceIntervalMs: 10 is not an integer from 50 to 3600000',
    )
    assert.throws(
      () => resolveInit({ ...required, maxSnapshotBytes: 1.5 }),
      /maxSnapshotBytes: 1.5/,
    )
  })

  it('names a missing required option', () => {
    assert.throws(
      () => resolveInit({ configPath: '', stateDir: '/x' }),
      /configPath: required, got ""/,
    )
  })

  it('refuses an unknown transport and an empty listen list', () => {
    assert.throws(
      () => resolveInit({ ...required, transport: 'udp' as 'tcp' }),
      /transport: udp is not 'tcp' or 'memory'/,
    )
    assert.throws(() => resolveInit({ ...required, listen: [] }), /listen: needs at least one/)
  })

  it('refuses options of the wrong kind, naming each, rather than running with them', () => {
    const wrong: [Record<string, unknown>, RegExp][] = [
      [{ writeBack: 'no' }, /writeBack: "no" is not true or false/],
      [{ env: 'x' }, /env: "x" is not an object of variables/],
      [{ validator: 'honua' }, /validator: "honua" is not a function/],
      [{ logger: {} }, /logger: an object is not a pino logger/],
      [{ announceIntervalMs: '5000' }, /announceIntervalMs: "5000" is not an integer/],
    ]
    for (const [option, message] of wrong) {
      assert.throws(() => resolveInit({ ...required, ...option } as never), message)
    }
    assert.throws(() => resolveInit(null as never), /options: an object is required, got null/)
  })
})
