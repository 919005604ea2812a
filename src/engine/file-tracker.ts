import type { FileVersion } from './types.ts'

/** A write-back whose echo the watcher has not reported yet. */
interface PendingWrite {
  readonly version: FileVersion
  /** Engine wall time the write was issued; echoes later than the window are not waited for. */
  readonly at: number
  /** The driver reported the write done (`written-back`). */
  landed: boolean
}

/** A write-back as the tracker reports it back: what was written, and when it was issued. */
export interface IssuedWrite {
  readonly version: FileVersion
  /** Engine wall time the write was issued. */
  readonly at: number
}

/** Pending writes given up on: their echo never came. */
export interface LapsedWrites {
  /** The last of them that the driver reported done, if any. */
  readonly landed: IssuedWrite | undefined
  /** Whether any of them was never reported done. */
  readonly unlanded: boolean
}

/** Writes under way, bounded: a watcher that never reports would otherwise grow the list forever. */
const MAX_PENDING_WRITES = 16

/**
 * What the engine knows of its source file: which version it holds, which
 * version the watcher last reported, and which write-backs the watcher has
 * still to report back.
 *
 * The watcher reports the node's own writes like any other change (the
 * echo), and what it reports may have been read before a write landed: the
 * source layer reads, then parses (a second or more for a large file),
 * while the engine moves on. So, while writes are pending:
 *
 * - a report of a pending write's text is its echo, not an edit;
 * - a report of the last reported text again is a stale read, not an edit
 *   (it would otherwise re-publish an old version);
 * - a real edit builds on the last reported version: the person may not
 *   have seen what was written. If they had, the cost is a conflict report;
 *   the other way round it would be a silent lost update.
 *
 * A pending write whose echo has not come within `echoWindowMs` will not
 * come (the watcher folded it into a later change); it lapses, so that a
 * later save of the same text counts as an edit.
 */
export class FileTracker {
  readonly #echoWindowMs: number
  readonly #pending: PendingWrite[] = []
  /** What the file holds as far as this node knows, written-back reports included. */
  #version: FileVersion | undefined
  /** What the watcher (or the start) last reported the file holding. */
  #reported: FileVersion | undefined

  constructor(restored: FileVersion | undefined, echoWindowMs: number) {
    this.#version = restored
    this.#reported = restored
    this.#echoWindowMs = echoWindowMs
  }

  /** The version the file holds, as far as this node knows (what is persisted). */
  get version(): FileVersion | undefined {
    return this.#version
  }

  /** What a local edit reported now builds on. */
  get base(): FileVersion | undefined {
    return this.#pending.length > 0 ? this.#reported : this.#version
  }

  /** True while some write-back has not been reported back by the watcher. */
  get writing(): boolean {
    return this.#pending.length > 0
  }

  /** The watcher reported the file holding `version`; returns whether the known version changed. */
  reported(version: FileVersion): boolean {
    this.#reported = version
    return this.#know(version)
  }

  /** A write-back of `version` was issued at `now`. */
  wrote(version: FileVersion, now: number): void {
    this.#pending.push({ version, at: now, landed: false })
    if (this.#pending.length > MAX_PENDING_WRITES) this.#pending.shift()
  }

  /**
   * The driver finished writing `checksum`: returns the version written if it
   * was pending, and from now on takes the file to hold it (so a crash before
   * the echo does not leave the state saying otherwise).
   */
  writtenBack(checksum: string): FileVersion | undefined {
    const pending = this.#pending.find((write) => write.version.checksum === checksum)
    if (pending === undefined) return undefined
    pending.landed = true
    return pending.version
  }

  /** The file holds `version` by the driver's word, not the watcher's. */
  written(version: FileVersion): boolean {
    return this.#know(version)
  }

  /** The file holds the last reported version after all (a write that may never have landed). */
  backToReported(): boolean {
    return this.#reported === undefined ? false : this.#know(this.#reported)
  }

  /** Same content, better metadata (a settled twin): wherever `version`'s content is recorded. */
  revise(version: FileVersion): boolean {
    if (this.#reported?.checksum === version.checksum) this.#reported = version
    return this.#version?.checksum === version.checksum && this.#know(version)
  }

  /** A write-back failed: its echo will never come. */
  writeFailed(checksum: string): void {
    const index = this.#pending.findIndex((pending) => pending.version.checksum === checksum)
    if (index >= 0) this.#pending.splice(index, 1)
  }

  /**
   * The watcher reported `checksum`. Returns the version written when it is
   * the echo of a pending write; undefined otherwise. Earlier writes stay
   * pending even so: the report may be a person's save of the very text a
   * later write was about to write, read before the earlier ones landed.
   * Writes whose echo the watcher folded into a later change lapse.
   */
  echo(checksum: string): IssuedWrite | undefined {
    // The newest write of this text explains the report; older ones of the same text go with it.
    const newest = this.#pending.findLast((pending) => pending.version.checksum === checksum)
    if (newest === undefined) return undefined
    const rest = this.#pending.filter((pending) => pending.version.checksum !== checksum)
    this.#pending.splice(0, this.#pending.length, ...rest)
    return { version: newest.version, at: newest.at }
  }

  /** A report of the last reported text while writes are pending: read before they landed. */
  isStaleRead(checksum: string): boolean {
    return this.#pending.length > 0 && this.#reported?.checksum === checksum
  }

  /** True when some pending write was issued after `at` (engine wall ms). */
  pendingAfter(at: number): boolean {
    return this.#pending.some((pending) => pending.at > at)
  }

  /** When the oldest pending write lapses if its echo has not come (wall ms); undefined if none. */
  lapsesAt(): number | undefined {
    const oldest = this.#pending[0]
    return oldest === undefined ? undefined : oldest.at + this.#echoWindowMs + 1
  }

  /** Gives up on writes whose echo is overdue; undefined when none is. */
  lapse(now: number): LapsedWrites | undefined {
    let lapsed: { landed: IssuedWrite | undefined; unlanded: boolean } | undefined
    while (this.#pending.length > 0) {
      const first = this.#pending[0] as PendingWrite
      if (first.at + this.#echoWindowMs >= now) break
      this.#pending.shift()
      lapsed ??= { landed: undefined, unlanded: false }
      if (first.landed) lapsed.landed = { version: first.version, at: first.at }
      else lapsed.unlanded = true
    }
    return lapsed
  }

  #know(version: FileVersion): boolean {
    const current = this.#version
    if (current?.checksum === version.checksum && current.vector === version.vector) return false
    this.#version = version
    return true
  }
}
