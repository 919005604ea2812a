import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { generateKey } from '@libp2p/pnet'
import pino from 'pino'
import {
  checkClusterName,
  fetchProtocol,
  headsTopic,
  InvalidOptionError,
  MeshNetwork,
  type MeshNetworkInit,
  peerIdOf,
} from '../../src/net/index.ts'
import { Recorder, TCP_ANY } from './helpers.ts'

const key = await generateKeyPair('Ed25519')
const base: MeshNetworkInit = { cluster: 'prod', privateKey: key, listen: [TCP_ANY], seeds: [] }

function refuses(init: Partial<MeshNetworkInit>, option: string, message: RegExp) {
  assert.throws(
    () => new MeshNetwork({ ...base, ...init }, new Recorder()),
    (err: unknown) =>
      err instanceof InvalidOptionError && err.option === option && message.test(err.message),
  )
}

describe('names on the wire', () => {
  it('builds the topic and protocol from the cluster name', () => {
    assert.equal(headsTopic('prod-eu.1'), '/config-mesh/prod-eu.1/heads/1')
    assert.equal(fetchProtocol('prod_eu'), '/config-mesh/prod_eu/fetch/1.0.0')
  })

  it('refuses cluster names that are not short tokens, naming the value', () => {
    for (const name of ['', 'a/b', '-x', 'with space', 'x'.repeat(65), '../etc']) {
      assert.throws(
        () => checkClusterName(name),
        (err: unknown) => {
          assert.ok(err instanceof InvalidOptionError)
          assert.match(err.message, /^cluster must be a name of 1 to 64 letters/)
          assert.ok(err.message.includes(`got "${name.slice(0, 40)}`), err.message)
          return true
        },
      )
    }
    assert.throws(() => headsTopic('a b'), /got "a b"/)
  })
})

describe('MeshNetwork options', () => {
  it('accepts the minimal init and a pino logger', () => {
    const net = new MeshNetwork(base, new Recorder(), pino({ level: 'silent' }))
    assert.equal(net.peerId, peerIdOf(key))
    assert.equal(net.started, false)
    assert.deepEqual(net.addresses(), [])
  })

  it('names the option, the value and the range of a bad number', () => {
    refuses({ maxConcurrentServes: 0 }, 'maxConcurrentServes', /from 1 to 1024, got 0$/)
    refuses({ fetchTimeoutMs: 1.5 }, 'fetchTimeoutMs', /got 1.5$/)
    refuses({ maxSnapshotBytes: -1 }, 'maxSnapshotBytes', /got -1$/)
    refuses({ seedRedialMinMs: 500, seedRedialMaxMs: 100 }, 'seedRedialMaxMs', /from 500/)
  })

  it('refuses bad addresses, peers, keys and transports', async () => {
    refuses({ cluster: 'a/b' }, 'cluster', /got "a\/b"/)
    refuses({ listen: ['not an address'] }, 'listen[0]', /a multiaddr/)
    refuses({ seeds: ['/ip4/127.0.0.1/tcp/1', 'nope'] }, 'seeds[1]', /got "nope"/)
    refuses({ allowPeers: ['someone'] }, 'allowPeers[0]', /a peer id, got "someone"/)
    refuses({ transport: 'udp' as 'tcp' }, 'transport', /got "udp"/)
    refuses({ privateNetworkKey: new Uint8Array(95) }, 'privateNetworkKey', /swarm key/)
    const rsa = await generateKeyPair('secp256k1')
    refuses({ privateKey: rsa }, 'privateKey', /Ed25519/)
  })

  it('refuses a seed the allow-list would never let it reach', async () => {
    const friend = peerIdOf(await generateKeyPair('Ed25519'))
    const stranger = peerIdOf(await generateKeyPair('Ed25519'))
    refuses(
      { allowPeers: [friend], seeds: [`/ip4/127.0.0.1/tcp/1/p2p/${stranger}`] },
      'seeds[0]',
      /a peer on allowPeers/,
    )
    const psk = new Uint8Array(95)
    generateKey(psk)
    new MeshNetwork(
      {
        ...base,
        allowPeers: [friend],
        seeds: [`/ip4/127.0.0.1/tcp/1/p2p/${friend}`],
        privateNetworkKey: psk,
      },
      new Recorder(),
    )
  })

  it('refuses missing handlers', () => {
    const handlers = { ...new Recorder(), head: undefined } as unknown as Recorder
    assert.throws(() => new MeshNetwork(base, handlers), /handlers\.head must be a function/)
  })
})
