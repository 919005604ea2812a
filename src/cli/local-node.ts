import { type ChildProcess, spawn } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** One JSON log line of a node (pino's shape), or a plain line as `{ msg }`. */
export interface LogLine {
  readonly msg?: string
  readonly level?: number
  readonly time?: number
  readonly [field: string]: unknown
}

export interface LocalNodeInit {
  name: string
  configPath: string
  stateDir: string
  /** Extra `config-mesh run` arguments (--announce-interval-ms, --preset, ...). */
  args?: string[]
  env?: Readonly<Record<string, string | undefined>>
}

/** The command's entry beside this module, from the sources or from the compiled dist/. */
const CLI = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './main.ts' : './main.js', import.meta.url),
)

/**
 * A `config-mesh run` child process on loopback, with its log lines parsed as
 * they arrive so that callers can wait on what the node says it did. Used by
 * the demo and by the multi-process tests: real processes, real TCP.
 */
export class LocalNode extends EventEmitter<{ log: [LogLine]; exit: [number | null] }> {
  readonly name: string
  readonly configPath: string
  readonly stateDir: string
  readonly logs: LogLine[] = []
  readonly #init: LocalNodeInit
  #child: ChildProcess | undefined
  #exited: Promise<number | null> = Promise.resolve(null)
  address: string | undefined
  peerId: string | undefined

  constructor(init: LocalNodeInit) {
    super()
    this.#init = init
    this.name = init.name
    this.configPath = init.configPath
    this.stateDir = init.stateDir
  }

  /** The child's process id while it runs. */
  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null
  }

  /** Spawns the node and resolves with its dialable address once it listens. */
  async start(peers: readonly string[], timeoutMs = 20_000): Promise<string> {
    const args = [CLI, 'run', '--config', this.configPath, '--state-dir', this.stateDir]
    args.push('--listen', '/ip4/127.0.0.1/tcp/0', ...(this.#init.args ?? []))
    if (peers.length > 0) args.push('--peer', ...peers)
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...this.#init.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.#child = child
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
    child.once('exit', (code) => this.emit('exit', code))
    this.#readLines(child)
    const listening = await this.waitForLog(
      (line) => line.msg?.startsWith('listening ') === true,
      timeoutMs,
    )
    this.address = listening.msg!.slice('listening '.length)
    this.peerId = this.address.split('/p2p/')[1]
    return this.address
  }

  /** Resolves with the first log line (past or future) that matches, or rejects after `timeoutMs`. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs: number, since = 0): Promise<LogLine> {
    const found = this.logs.slice(since).find(match)
    if (found !== undefined) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const onLog = (line: LogLine) => {
        if (!match(line)) return
        cleanup()
        resolve(line)
      }
      const onExit = (code: number | null) => {
        cleanup()
        reject(
          new Error(
            `${this.name} exited with code ${code} while waiting; last lines:\n${this.tail()}`,
          ),
        )
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(
          new Error(
            `${this.name}: no matching log line within ${timeoutMs} ms; last lines:\n${this.tail()}`,
          ),
        )
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        this.off('log', onLog)
        this.off('exit', onExit)
      }
      this.on('log', onLog)
      this.on('exit', onExit)
    })
  }

  /** The checksum of the last version this node applied. */
  appliedChecksum(): string | undefined {
    return this.logs.findLast((line) => line.msg === 'applied version')?.checksum as
      | string
      | undefined
  }

  /** Stops the node gracefully (SIGTERM), killing it if it does not exit in time. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const child = this.#child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    await this.#exited
    clearTimeout(timer)
  }

  /** Kills the node at once, as a crash would. */
  async kill(): Promise<void> {
    const child = this.#child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGKILL')
    await this.#exited
  }

  tail(lines = 8): string {
    return this.logs
      .slice(-lines)
      .map((line) => JSON.stringify(line))
      .join('\n')
  }

  #readLines(child: ChildProcess): void {
    const record = (text: string) => {
      const line = parseLine(text)
      this.logs.push(line)
      this.emit('log', line)
    }
    createInterface({ input: child.stdout! }).on('line', record)
    createInterface({ input: child.stderr! }).on('line', (text) => record(`stderr: ${text}`))
  }
}

function parseLine(text: string): LogLine {
  if (text.startsWith('{')) {
    try {
      return JSON.parse(text) as LogLine
    } catch {
      // Not JSON after all: keep it as plain text below.
    }
  }
  return { msg: text }
}
