/**
 * Virtual time for the simulator: a queue of callbacks ordered by time, then
 * by the order they were scheduled, so that a run is a pure function of its
 * seed. Nothing waits on real time.
 */
interface Entry {
  readonly at: number
  readonly seq: number
  readonly run: () => void
}

export class VirtualClock {
  #now: number
  #seq = 0
  readonly #heap: Entry[] = []

  constructor(startMs: number) {
    this.#now = startMs
  }

  get now(): number {
    return this.#now
  }

  get pending(): number {
    return this.#heap.length
  }

  /** Runs `run` at virtual time `at` (never earlier than now). */
  at(at: number, run: () => void): void {
    this.#push({ at: Math.max(at, this.#now), seq: this.#seq++, run })
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.#now + delayMs, run)
  }

  /** Runs everything due up to and including `until`, then sets the time to `until`. */
  runUntil(until: number): void {
    while (this.#heap.length > 0 && (this.#heap[0] as Entry).at <= until) {
      const entry = this.#pop()
      this.#now = entry.at
      entry.run()
    }
    this.#now = Math.max(this.#now, until)
  }

  #push(entry: Entry): void {
    const heap = this.#heap
    heap.push(entry)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break
      ;[heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry]
      i = parent
    }
  }

  #pop(): Entry {
    const heap = this.#heap
    const top = heap[0] as Entry
    const last = heap.pop() as Entry
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < heap.length && before(heap[left] as Entry, heap[smallest] as Entry)) {
          smallest = left
        }
        if (right < heap.length && before(heap[right] as Entry, heap[smallest] as Entry)) {
          smallest = right
        }
        if (smallest === i) break
        ;[heap[i], heap[smallest]] = [heap[smallest] as Entry, heap[i] as Entry]
        i = smallest
      }
    }
    return top
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}
