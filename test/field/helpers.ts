import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import pino from 'pino'
import { ConfigMeshNode } from '../../src/node/config-mesh-node.ts'
import type { ConfigMeshEvents } from '../../src/node/events.ts'
import type { ConfigMeshComponents, ConfigMeshInit } from '../../src/node/options.ts'
import { checksumOf } from '../../src/snapshot/checksum.ts'
import { normalizeText } from '../../src/source/normalize.ts'

/** Deadline for anything a few local nodes should do on a loaded 2-core machine. */
export const DEADLINE_MS = 20_000

/** One JSON log line a node wrote (pino's shape). */
export interface LogLine {
  readonly level: number
  readonly msg: string
  readonly component?: string
  readonly [field: string]: unknown
}

export const LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 } as const

type EventName = keyof ConfigMeshEvents

/**
 * Something that happened on one node: an event it emitted or a line it
 * logged. `seq` orders happenings across every node of a field, so a test can
 * ask what happened first after a given moment.
 */
export type Happening =
  | { readonly seq: number; readonly at: number; readonly kind: 'log'; readonly line: LogLine }
  | {
      readonly seq: number
      readonly at: number
      readonly kind: 'event'
      readonly event: EventName
      readonly payload: ConfigMeshEvents[EventName][0]
    }

const EVENTS: readonly EventName[] = [
  'change',
  'conflict',
  'invalid',
  'unresolved',
  'source:missing',
  'peer:join',
  'peer:leave',
]

/** The checksum a text gets once normalised, as every node computes it. */
export function checksumOfText(text: string): string {
  return checksumOf(normalizeText(text))
}

/** The 12-digit form the logs use. */
export function short(checksum: string): string {
  return checksum.slice(0, 12)
}

/** One node of a field: its folder, its running ConfigMeshNode, and everything it said. */
export class Member {
  readonly name: string
  readonly dir: string
  readonly configPath: string
  readonly stateDir: string
  readonly happenings: Happening[] = []
  /** Every log line as written, unparsed: what a secret must never appear in. */
  readonly rawLog: string[] = []
  node!: ConfigMeshNode
  readonly #field: Field

  constructor(field: Field, name: string, dir: string) {
    this.#field = field
    this.name = name
    this.dir = dir
    this.configPath = join(dir, 'app.hcl')
    this.stateDir = join(dir, 'state')
  }

  get peerId(): string {
    return this.node.peerId!
  }

  /** Log lines since `since` (a seq), optionally only those with this message. */
  logs(since = 0, msg?: string): LogLine[] {
    return this.happenings.flatMap((h) =>
      h.kind === 'log' && h.seq >= since && (msg === undefined || h.line.msg === msg)
        ? [h.line]
        : [],
    )
  }

  /** Payloads of `event` since `since` (a seq). */
  events<E extends EventName>(event: E, since = 0): ConfigMeshEvents[E][0][] {
    return this.happenings.flatMap((h) =>
      h.kind === 'event' && h.event === event && h.seq >= since
        ? [h.payload as ConfigMeshEvents[E][0]]
        : [],
    )
  }

  /** Checksums of the `change` events since `since`, in order. */
  changes(since = 0): string[] {
    return this.events('change', since).map((change) => change.checksum)
  }

  /** The head this node holds and serves, from its status. */
  head() {
    const status = this.node.status()
    return status.running ? status.head : undefined
  }

  /** Saves like most editors: write a temporary file, rename it over the original. */
  async save(text: string | Uint8Array): Promise<void> {
    const temporary = join(this.dir, `.app.hcl.${process.pid}.tmp`)
    await writeFile(temporary, text)
    await rename(temporary, this.configPath)
  }

  /** Starts (or starts again) the node over this member's folder. */
  async start(init: Partial<ConfigMeshInit> = {}, components: ConfigMeshComponents = {}) {
    const logger = pino(
      { level: 'trace', base: { node: this.name } },
      {
        write: (text: string) => {
          this.rawLog.push(text)
          this.#record({ kind: 'log', line: JSON.parse(text) as LogLine })
        },
      },
    )
    const node = new ConfigMeshNode(
      {
        configPath: this.configPath,
        stateDir: this.stateDir,
        ...this.#field.nodeDefaults(),
        logger,
        ...init,
      },
      components,
    )
    for (const event of EVENTS) {
      const emitter = node as unknown as NodeJS.EventEmitter
      emitter.on(event, (payload: ConfigMeshEvents[EventName][0]) =>
        this.#record({ kind: 'event', event, payload }),
      )
    }
    this.node = node
    this.#field.running.add(node)
    await node.start()
    return node
  }

  async stop(): Promise<void> {
    await this.node.stop()
    this.#field.running.delete(this.node)
  }

  #record(
    happening: { kind: 'log'; line: LogLine } | Omit<Happening & { kind: 'event' }, 'seq' | 'at'>,
  ) {
    this.happenings.push({ ...happening, seq: this.#field.nextSeq(), at: Date.now() } as Happening)
  }
}

export interface FieldInit {
  transport?: 'tcp' | 'memory'
  /** Options every node of the field starts with (a node's own init overrides them). */
  defaults?: Partial<ConfigMeshInit>
}

let memoryCounter = 0

/**
 * Several ConfigMeshNodes in this process over real libp2p, each with its own
 * file and state directory under one temporary folder, every event and log
 * line recorded in one order. Stopped and removed when the test ends. Any
 * unhandled rejection or uncaught exception while the field runs is kept in
 * `crashes` (the test asserts there is none).
 */
export class Field {
  readonly root: string
  readonly members: Member[] = []
  readonly running = new Set<ConfigMeshNode>()
  readonly crashes: unknown[] = []
  readonly #init: FieldInit
  #seq = 0

  private constructor(root: string, init: FieldInit) {
    this.root = root
    this.#init = init
  }

  static async create(t: TestContext, init: FieldInit = {}): Promise<Field> {
    const field = new Field(await mkdtemp(join(tmpdir(), 'config-mesh-field-')), init)
    const onCrash = (reason: unknown) => field.crashes.push(reason)
    process.on('unhandledRejection', onCrash)
    process.on('uncaughtException', onCrash)
    t.after(async () => {
      await Promise.all([...field.running].map((node) => node.stop()))
      process.off('unhandledRejection', onCrash)
      process.off('uncaughtException', onCrash)
      await rm(field.root, { recursive: true, force: true, maxRetries: 5 })
    })
    return field
  }

  /** The seq the next happening will get: "everything from now on". */
  mark(): number {
    return this.#seq
  }

  nextSeq(): number {
    return this.#seq++
  }

  nodeDefaults(): Partial<ConfigMeshInit> {
    const transport = this.#init.transport ?? 'memory'
    const listen =
      transport === 'tcp'
        ? ['/ip4/127.0.0.1/tcp/0']
        : [`/memory/config-mesh-field-${process.pid}-${++memoryCounter}`]
    return {
      transport,
      listen,
      announceIntervalMs: 300,
      fetchTimeoutMs: 2000,
      settleMs: 100,
      env: {},
      ...this.#init.defaults,
    }
  }

  /** A new member with an empty folder, not started: for tests that lay out the file themselves. */
  async prepare(name: string): Promise<Member> {
    const member = new Member(this, name, join(this.root, name))
    await mkdir(member.dir, { recursive: true })
    this.members.push(member)
    return member
  }

  /** Writes `text` as a new member's file and starts its node. */
  async start(
    name: string,
    text: string | Uint8Array,
    init: Partial<ConfigMeshInit> = {},
    components: ConfigMeshComponents = {},
  ): Promise<Member> {
    const member = new Member(this, name, join(this.root, name))
    await mkdir(member.dir, { recursive: true })
    await writeFile(member.configPath, text)
    this.members.push(member)
    await member.start(init, components)
    return member
  }

  /**
   * Starts members a, b and c on `texts` (one text for all, or one each), b
   * seeded with a and c with both, and waits until they are connected and on
   * one settled head: the cluster most field cases begin from.
   */
  async startThree(
    texts: string | readonly [string, string, string],
  ): Promise<[Member, Member, Member]> {
    const [ta, tb, tc] = typeof texts === 'string' ? [texts, texts, texts] : texts
    const a = await this.start('a', ta)
    const b = await this.start('b', tb, { peers: a.node.addresses() })
    const c = await this.start('c', tc, { peers: [...a.node.addresses(), ...b.node.addresses()] })
    await meshed([a, b, c])
    await settled([a, b, c])
    return [a, b, c]
  }

  /** Every happening on every member since `since`, in the order they happened. */
  since(since: number): Array<Happening & { member: string }> {
    return this.members
      .flatMap((m) =>
        m.happenings.filter((h) => h.seq >= since).map((h) => ({ ...h, member: m.name })),
      )
      .sort((a, b) => a.seq - b.seq)
  }
}

/** Resolves once `check` holds, looking every 20 ms; rejects naming `what` after the deadline. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = DEADLINE_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Waits until every member applies `checksum`; on timeout, says what each one runs. */
export async function allApplied(members: readonly Member[], checksum: string): Promise<void> {
  try {
    await until(
      () => members.every((m) => m.node.current()?.checksum === checksum),
      `${members.map((m) => m.name).join(', ')} applied ${short(checksum)}`,
    )
  } catch (err) {
    const running = members.map((m) => `${m.name} on ${short(m.node.current()?.checksum ?? '-')}`)
    throw new Error(`${(err as Error).message} (${running.join(', ')})`)
  }
}

/** Waits until every pair of members is connected. */
export function meshed(members: readonly Member[]): Promise<void> {
  const peersOf = (m: Member) => {
    const status = m.node.status()
    return status.running ? status.peers : []
  }
  return until(
    () =>
      members.every((m) =>
        members.every((other) => other === m || peersOf(m).includes(other.peerId)),
      ),
    'every member connected to every other',
  )
}

/**
 * Waits until every member holds the very same head (checksum, stamp and
 * origin: twins settled) and wants nothing more: the quiet state a test
 * starts from.
 */
export function settled(members: readonly Member[]): Promise<void> {
  const key = (m: Member) => {
    const status = m.node.status()
    if (!status.running || status.head === undefined) return 'none'
    if (status.wanted !== undefined || status.fetching !== undefined) return `busy-${m.name}`
    const { checksum, origin, stamp } = status.head
    return `${checksum}/${origin}/${stamp.wallMs}/${stamp.counter}`
  }
  return until(
    () => new Set(members.map(key)).size === 1 && key(members[0]!) !== 'none',
    'every member on one settled head',
  )
}

/**
 * Waits until nothing has happened on any member for `quietMs`: the tail of
 * what a test set up (announcements of a settled head, write-backs) is over.
 * Only meaningful with a long announce interval.
 */
export function quiet(field: Field, quietMs = 400): Promise<void> {
  const last = () =>
    Math.max(
      0,
      ...field.members.flatMap((m) =>
        m.happenings
          .filter((h) => h.kind === 'event' || h.line.level >= LEVEL.debug)
          .map((h) => h.at),
      ),
    )
  return until(() => Date.now() - last() >= quietMs, `${quietMs} ms without activity`)
}

/** What happened since `since`, one line each, for assertion messages. */
export function story(field: Field, since: number): string {
  return field
    .since(since)
    .filter((h) => h.kind === 'event' || (h.line.level ?? 0) >= LEVEL.debug)
    .map((h) =>
      h.kind === 'event'
        ? `${h.member} event ${h.event} ${JSON.stringify(h.payload).slice(0, 160)}`
        : `${h.member} ${h.line.component ?? ''}: ${h.line.msg} ${String(h.line.checksum ?? '')}`,
    )
    .join('\n')
}

/**
 * Saves `text` on `editor` as a marker edit, waits until every member applied
 * it, and checks that it is the first thing any member applied, announced,
 * fetched or served since `from`: whatever the test did before leaked nowhere.
 */
export async function markerFirstSince(
  field: Field,
  members: readonly Member[],
  editor: Member,
  text: string,
  from: number,
): Promise<void> {
  const marker = checksumOfText(text)
  await editor.save(text)
  await allApplied(members, marker)
  const happened = story(field, from)
  for (const m of members) {
    assert.deepEqual(m.changes(from), [marker], `${m.name} applied only the marker\n${happened}`)
    for (const msg of ['announced head', 'fetched snapshot', 'served snapshot', 'fetch failed']) {
      for (const line of m.logs(from, msg)) {
        assert.equal(line.checksum, short(marker), `${m.name} ${msg}: only the marker\n${happened}`)
      }
    }
  }
}
