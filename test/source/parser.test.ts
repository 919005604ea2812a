import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { promisify } from 'node:util'
import { SourceError } from '../../src/source/errors.ts'
import { parseSource } from '../../src/source/load.ts'
import { HclParser, HclSyntaxError } from '../../src/source/parser.ts'
import type { ConfigTree } from '../../src/source/types.ts'
import { tempDir } from './helpers.ts'

const parser = new HclParser()
after(() => parser.close())

/** About `bytes` of realistic Honua layers. */
function bigConfig(bytes: number): string {
  const blocks: string[] = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const block = `layer "l${i}" {\n  title       = "Layer ${i}"\n  data_source = data_source.db\n  table       = "public.t${i}"\n  geometry {\n    type = "Point"\n    srid = 4326\n  }\n  services = [service.a, service.b]\n}\n`
    blocks.push(block)
    size += block.length
  }
  return blocks.join('')
}

test('parses HCL in the worker', async () => {
  assert.deepEqual(await parser.parse('a.hcl', 'a = 1\nb { c = "x" }\n'), { a: 1, b: [{ c: 'x' }] })
})

test("rejects invalid HCL with hcl2json's message", async () => {
  await assert.rejects(parser.parse('x.hcl', 'a = 1\nb =\n'), (error: unknown) => {
    return error instanceof HclSyntaxError && error.message.includes('x.hcl:2,')
  })
})

test('F12 timers keep firing on the main thread while a 500 KB file is loaded', async () => {
  const text = bigConfig(500 * 1024)
  await parser.parse('warm.hcl', 'a = 1\n')
  const ticks: number[] = []
  const interval = setInterval(() => ticks.push(performance.now()), 20)
  const started = performance.now()
  let tree: ConfigTree
  try {
    // The whole pipeline: scanning, ${env:} rewrite, hcl2json and the checks.
    tree = (await parseSource('big.hcl', text, { parser })).tree
  } finally {
    clearInterval(interval)
  }
  const finished = performance.now()
  assert.ok(Object.keys(tree.layer as object).length > 1000)
  // Parsing on this thread would leave one gap as long as the whole parse. Instead the
  // interval keeps firing: several ticks, and no gap anywhere near the parse's length.
  const marks = [started, ...ticks, finished]
  const longestGap = Math.max(...marks.slice(1).map((mark, i) => mark - marks[i]!))
  const duration = finished - started
  assert.ok(ticks.length >= 5, `only ${ticks.length} ticks in ${duration.toFixed(0)} ms`)
  assert.ok(
    longestGap < Math.max(250, duration / 2),
    `longest gap ${longestGap.toFixed(0)} ms of ${duration.toFixed(0)} ms`,
  )
})

test('a parse over its timeout is refused, and the next parse gets a fresh worker', async () => {
  const own = new HclParser()
  try {
    await assert.rejects(
      own.parse('slow.hcl', bigConfig(300 * 1024), { timeoutMs: 5 }),
      (error: unknown) => {
        return (
          error instanceof SourceError && error.reason === 'timeout' && error.file === 'slow.hcl'
        )
      },
    )
    assert.deepEqual(await own.parse('next.hcl', 'a = 2\n'), { a: 2 })
  } finally {
    await own.close()
  }
})

test('queued parses are answered in order', async () => {
  const results = await Promise.all([1, 2, 3].map((n) => parser.parse(`${n}.hcl`, `n = ${n}\n`)))
  assert.deepEqual(results, [{ n: 1 }, { n: 2 }, { n: 3 }])
})

test('an idle parse worker does not keep the process alive', async (t) => {
  const dir = await tempDir(t)
  const parserUrl = new URL('../../src/source/parser.ts', import.meta.url).href
  const script = join(dir, 'parse-and-exit.mjs')
  await writeFile(
    script,
    `import { parseHcl } from ${JSON.stringify(parserUrl)}\nconst tree = await parseHcl('a.hcl', 'a = 1')\nprocess.stdout.write(JSON.stringify(tree))\n`,
  )
  // Exits by itself once the parse is done; the timeout only bounds a failure.
  const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 20_000 })
  assert.equal(stdout, '{"a":1}')
})
