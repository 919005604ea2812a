#!/usr/bin/env node
// Launcher for the config-mesh command. The sources are TypeScript run by
// Node's type stripping, which needs Node.js 22.18 or newer.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `config-mesh needs Node.js 22.18 or newer; this is ${process.version}. ` +
      'Run it through npm (npx config-mesh ...), which uses the Node.js the project pins.\n',
  )
  process.exit(2)
}
await import('../src/cli/main.ts')
