import assert from 'node:assert/strict'
import { test } from 'node:test'
import { honuaValidator } from '../../src/source/validators/honua.ts'
import { checksumOfText, Field, until } from '../field/helpers.ts'

const WITH_UNUSED_SOURCE = `honua {
  version = "1.0"
}

service "wfs" {
  enabled = true
}

data_source "gis" {
  provider   = "postgresql"
  connection = env("DB")
}

data_source "archive" {
  provider   = "postgresql"
  connection = env("ARCHIVE_DB")
}

layer "parcels" {
  title       = "Parcels"
  data_source = data_source.gis
  table       = "parcels"
  id_field    = "id"
  services    = [service.wfs]
}
`
const ALL_USED = WITH_UNUSED_SOURCE.replace(/data_source "archive" \{[^}]*\}\n\n/, '')

test('validation warnings are kept in status with their paths, logged once per content, and cleared when fixed', async (t) => {
  const field = await Field.create(t)
  const env = { DB: 'postgres://gis', ARCHIVE_DB: 'postgres://archive-password' }
  const a = await field.start('a', WITH_UNUSED_SOURCE, { validator: honuaValidator, env })

  const status = a.node.status()
  assert.ok(status.running && status.source.state === 'ok')
  assert.deepEqual(
    status.source.warnings.map((w) => w.path),
    ['data_source.archive'],
    JSON.stringify(status.source.warnings),
  )
  const logged = a.logs(0).filter((l) => String(l.msg).includes('validation warning'))
  assert.equal(logged.length, 1, JSON.stringify(logged))
  assert.match(JSON.stringify(logged[0]), /data_source\.archive/)
  assert.ok(!a.rawLog.some((line) => line.includes('archive-password')), 'no resolved value logged')

  // Warnings do not refuse: the edit that fixes them applies, and they clear.
  const since = field.mark()
  await a.save(ALL_USED)
  await until(() => a.changes(since).includes(checksumOfText(ALL_USED)), 'the fix applied')
  const fixed = a.node.status()
  assert.ok(fixed.running && fixed.source.state === 'ok')
  assert.deepEqual(fixed.source.warnings, [])
  const later = a.logs(since).filter((l) => String(l.msg).includes('validation warning'))
  assert.deepEqual(later, [])
})
