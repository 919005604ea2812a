import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ConfigMeshNode } from '../../src/node/config-mesh-node.ts'

async function folder(t: TestContext): Promise<{ configPath: string; stateDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'config-mesh-lifecycle-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const configPath = join(dir, 'app.hcl')
  await writeFile(configPath, 'service "wfs" {\n  enabled = true\n}\n')
  return { configPath, stateDir: join(dir, 'state') }
}

function node(paths: { configPath: string; stateDir: string }): ConfigMeshNode {
  return new ConfigMeshNode({ ...paths, listen: ['/ip4/127.0.0.1/tcp/0'], env: {} })
}

describe('start and stop take turns', () => {
  it('a stop() called at any moment of a start() leaves the node stopped and its folder free', async (t) => {
    const paths = await folder(t)
    for (const delayMs of [0, 1, 5, 10, 20, 30, 60]) {
      const first = node(paths)
      const starting = first.start()
      await sleep(delayMs)
      await first.stop()
      await starting
      assert.equal(first.status().running, false, `stopped after ${delayMs} ms`)
      assert.deepEqual(first.addresses(), [])
      // The state directory's lock was released: another node takes the folder at once.
      const next = node(paths)
      await next.start()
      assert.ok(next.status().running)
      await next.stop()
    }
  })

  it('two start() calls start the node once; it can stop and start again', async (t) => {
    const paths = await folder(t)
    const mesh = node(paths)
    t.after(() => mesh.stop())
    await Promise.all([mesh.start(), mesh.start()])
    const status = mesh.status()
    assert.ok(status.running)
    const peerId = status.peerId
    await Promise.all([mesh.stop(), mesh.stop()])
    assert.equal(mesh.status().running, false)
    await mesh.start()
    const again = mesh.status()
    assert.ok(again.running)
    assert.equal(again.peerId, peerId, 'same key, same identity')
  })
})
