import { InvalidFieldError } from '../errors.js'

/**
 * A priority queue of simulation events: a binary min-heap keyed by time, then by the order in
 * which events were pushed (a sequence number). Two events at the same instant therefore come out
 * in insertion order on every run, which a heap alone does not promise.
 */
export class EventQueue<T> {
  readonly #times: number[] = []
  readonly #sequences: number[] = []
  readonly #items: T[] = []
  #nextSequence = 0

  get size (): number {
    return this.#items.length
  }

  /** Adds an event at `time` (any finite number, e.g. days since the start of the simulation). */
  push (time: number, item: T): void {
    if (typeof time !== 'number' || !Number.isFinite(time)) throw new InvalidFieldError('time', 'must be a finite number')
    this.#times.push(time)
    this.#sequences.push(this.#nextSequence++)
    this.#items.push(item)
    this.#siftUp(this.#items.length - 1)
  }

  /** Time of the next event, or undefined when the queue is empty. */
  peekTime (): number | undefined {
    return this.#times[0]
  }

  /** Removes and returns the earliest event (ties: first pushed first), or undefined when empty. */
  pop (): { time: number, item: T } | undefined {
    const count = this.#items.length
    if (count === 0) return undefined
    const time = this.#times[0] as number
    const item = this.#items[0] as T
    const lastTime = this.#times.pop() as number
    const lastSequence = this.#sequences.pop() as number
    const lastItem = this.#items.pop() as T
    if (count > 1) {
      this.#times[0] = lastTime
      this.#sequences[0] = lastSequence
      this.#items[0] = lastItem
      this.#siftDown(0)
    }
    return { time, item }
  }

  #before (a: number, b: number): boolean {
    const ta = this.#times[a] as number
    const tb = this.#times[b] as number
    return ta < tb || (ta === tb && (this.#sequences[a] as number) < (this.#sequences[b] as number))
  }

  #swap (a: number, b: number): void {
    const times = this.#times
    const sequences = this.#sequences
    const items = this.#items
    const t = times[a] as number; times[a] = times[b] as number; times[b] = t
    const s = sequences[a] as number; sequences[a] = sequences[b] as number; sequences[b] = s
    const i = items[a] as T; items[a] = items[b] as T; items[b] = i
  }

  #siftUp (index: number): void {
    let child = index
    while (child > 0) {
      const parent = (child - 1) >> 1
      if (!this.#before(child, parent)) break
      this.#swap(child, parent)
      child = parent
    }
  }

  #siftDown (index: number): void {
    const count = this.#items.length
    let parent = index
    for (;;) {
      const left = parent * 2 + 1
      if (left >= count) break
      const right = left + 1
      const smaller = right < count && this.#before(right, left) ? right : left
      if (!this.#before(smaller, parent)) break
      this.#swap(smaller, parent)
      parent = smaller
    }
  }
}
