#!/usr/bin/env node
// Launcher for the config-mesh command: the compiled package (dist/) where it
// is installed from npm, the TypeScript sources in a checkout of the project
// (run by Node's type stripping, which needs Node.js 22.18 or newer).
import { existsSync } from 'node:fs'

const fromSources = existsSync(new URL('../src/cli/main.ts', import.meta.url))
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (fromSources && major === 22 && minor < 18)) {
  process.stderr.write(
    `config-mesh needs Node.js ${fromSources ? '22.18' : '22'} or newer; this is ${process.version}. ` +
      'In a checkout, run it through npm (npx config-mesh ...), which uses the Node.js the project pins.\n',
  )
  process.exit(2)
}
await import(fromSources ? '../src/cli/main.ts' : '../dist/cli/main.js')
