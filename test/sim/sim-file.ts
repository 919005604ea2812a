import type { SourceContent } from '../../src/engine/source-file.ts'
import type { Snapshot } from '../../src/snapshot/snapshot.ts'
import { readSource } from './content.ts'
import type { Prng } from './prng.ts'
import type { VirtualClock } from './virtual-clock.ts'

/** Longest a file change waits before the watcher reads it (the settle window). */
export const MAX_WATCH_SETTLE_MS = 300
/** Longest the source layer takes to parse what the watcher read. */
export const MAX_PARSE_MS = 200

/** What the driver knew of a text it read from the file and handed to the engine. */
export interface SourceReading {
  /** The last write before the read was this node's own write-back. */
  readonly byEngine: boolean
  /** A person changed the text since the driver last knew it. */
  readonly userChange: boolean
}

/** Where the file side hands its results. */
export interface FileDriver {
  /** A read reaches the engine: valid content, or undefined for a file the source layer refuses. */
  deliver(source: SourceContent | undefined, reading: SourceReading): void
  /** A write-back finished: written, skipped because the file changed, or refused (read-only). */
  writeDone(checksum: string, outcome: 'written-back' | 'changed' | 'read-only'): void
}

/**
 * A node's watched file, its watcher and its write-back queue, across the
 * node's crashes (the file survives them; what was in flight does not).
 *
 * The watcher reads a change once the file has settled (changes within the
 * window fold into one read) and hands what it read over after parsing, in
 * read order, so an echo can reach the engine after later writes. Writes land
 * in the order issued (write-file-atomic queues them) and report in order.
 *
 * Write-back is a compare-and-swap against what the engine had been handed
 * when it decided to write: if the file changed since (a save not yet read,
 * or read and still parsing), the write is skipped and reported as failed,
 * so a person's save is never overwritten before the engine has seen it.
 */
export class SimFile {
  text: string | undefined
  readonly #clock: VirtualClock
  readonly #rng: Prng
  readonly #readOnly: boolean
  readonly #echoWindowMs: number
  #driver: FileDriver | undefined
  /** Bumped when a process opens or closes the file: what was in flight is dropped. */
  #process = 0
  #seq = 0
  /** Who wrote the file last: a person (or the initial deploy) or the node's write-back. */
  #author: 'user' | 'engine' = 'user'
  /** The valid text the engine was last handed, or last wrote. */
  #knownText: string | undefined
  /** The file change the engine has been handed (its own writes, or reads it received). */
  #knownSeq = 0
  /** Texts of recent write-backs, by virtual time issued. */
  readonly #writeBacks = new Map<string, number>()
  #readScheduled = false
  #lastSourceAt = 0
  #lastWriteAt = 0
  #queuedWrites = 0
  #writeEpoch = 0
  /** The text before a write that landed but whose report has not been handed over yet. */
  #unreported: string | undefined
  /**
   * Set by a crash in that gap: the state directory still says the file holds
   * this text. A person restoring exactly it while the node is down cannot be
   * told from a write that never landed (only file metadata could), so the
   * engine rightly takes it for the stale file and writes the head back.
   */
  #ambiguous: string | undefined

  constructor(
    clock: VirtualClock,
    rng: Prng,
    options: { text: string; readOnly: boolean; echoWindowMs: number },
  ) {
    this.#clock = clock
    this.#rng = rng
    this.text = options.text
    this.#readOnly = options.readOnly
    this.#echoWindowMs = options.echoWindowMs
  }

  /** A process starts watching the file; returns what it reads at start. */
  open(driver: FileDriver): { source: SourceContent | undefined; reading: SourceReading } {
    this.#driver = driver
    this.#process++
    this.#readScheduled = false
    this.#knownSeq = this.#seq
    this.#queuedWrites = 0
    const source = readSource(this.text)
    const reading = this.#handOver(this.text, this.#author, source !== undefined)
    const ambiguous = this.text === this.#ambiguous
    this.#ambiguous = undefined
    return { source, reading: ambiguous ? { ...reading, userChange: false } : reading }
  }

  /** The process stopped: reads and writes in flight die with it. */
  close(): void {
    this.#driver = undefined
    this.#process++
    this.#ambiguous = this.#unreported
    this.#unreported = undefined
  }

  /** Someone saves the file (the node may be up or down). */
  userWrite(text: string): void {
    this.text = text
    this.#author = 'user'
    this.#seq++
    if (this.#driver !== undefined) this.#scheduleRead()
  }

  /**
   * The driver's write-back: the atomic write lands a little later (temp file,
   * fsync, rename), and is reported a little after that; a crash in either gap
   * is part of what is simulated.
   */
  writeBack(snapshot: Snapshot): void {
    const process = this.#process
    this.#writeBacks.set(snapshot.text, this.#clock.now)
    // The file must still hold what the engine had seen when it decided to write,
    // plus this driver's own writes queued before this one.
    const expected = this.#knownSeq + this.#queuedWrites++
    const epoch = this.#writeEpoch
    const landsAt = Math.max(this.#lastWriteAt, this.#clock.now + this.#rng.int(1, 30))
    this.#lastWriteAt = landsAt
    this.#clock.at(landsAt, () => {
      if (this.#process !== process) return
      this.#queuedWrites--
      if (this.#readOnly) return this.#driver?.writeDone(snapshot.checksum, 'read-only')
      if (this.#seq !== expected || this.#writeEpoch !== epoch) {
        // Every write queued behind this one was decided on the same stale view.
        this.#writeEpoch++
        return this.#driver?.writeDone(snapshot.checksum, 'changed')
      }
      this.#land(snapshot, process)
    })
  }

  #land(snapshot: Snapshot, process: number): void {
    this.#unreported ??= this.#knownText
    this.text = snapshot.text
    this.#knownText = snapshot.text
    this.#author = 'engine'
    this.#seq++
    this.#knownSeq = this.#seq
    this.#scheduleRead()
    const reportAt = Math.max(this.#lastWriteAt, this.#clock.now + this.#rng.int(1, 20))
    this.#lastWriteAt = reportAt
    this.#clock.at(reportAt, () => {
      if (this.#process !== process) return
      this.#unreported = undefined
      this.#driver?.writeDone(snapshot.checksum, 'written-back')
    })
  }

  #scheduleRead(): void {
    if (this.#readScheduled) return
    this.#readScheduled = true
    const process = this.#process
    this.#clock.after(this.#rng.int(10, MAX_WATCH_SETTLE_MS), () => {
      if (this.#process !== process) return
      this.#readScheduled = false
      const seq = this.#seq
      const text = this.text
      const author = this.#author
      const source = readSource(text)
      const at = Math.max(this.#lastSourceAt, this.#clock.now + this.#rng.int(0, MAX_PARSE_MS))
      this.#lastSourceAt = at
      this.#clock.at(at, () => {
        if (this.#process !== process) return
        // The engine has now been handed everything up to this read.
        this.#knownSeq = Math.max(this.#knownSeq, seq)
        const reading = this.#handOver(text, author, source !== undefined)
        const coincides = source !== undefined && this.#coincides(source.text)
        this.#driver?.deliver(source, coincides ? { ...reading, userChange: false } : reading)
      })
    })
  }

  /**
   * A person saved the very text this node was writing back at about the same
   * time: the engine cannot tell that save from the echo of its write, and
   * either way the text is a version it already has.
   */
  #coincides(text: string): boolean {
    const at = this.#writeBacks.get(text)
    return at !== undefined && this.#clock.now - at <= this.#echoWindowMs
  }

  /**
   * A read is handed to the engine: where did its text come from, and is it
   * news to the engine? Compared with what the engine was last handed (or
   * wrote): a read lost in a crash before it was handed over never counts.
   */
  #handOver(text: string | undefined, author: 'user' | 'engine', valid: boolean): SourceReading {
    const reading = {
      byEngine: author === 'engine',
      userChange: author === 'user' && text !== this.#knownText,
    }
    // An invalid text is refused before the engine sees it; the next valid one compares with the last valid one.
    if (valid) this.#knownText = text
    return reading
  }
}
