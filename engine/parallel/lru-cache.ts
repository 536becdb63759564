/**
 * A small least-recently-used map. Worker threads keep attached snapshots, compiled policies and
 * prepared match contexts in these, so a worker's memory stays bounded however many snapshots and
 * policies a long-lived pool sees.
 */
export class LruCache<K, V> {
  readonly capacity: number
  readonly #entries = new Map<K, V>()

  constructor (capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer (got ${capacity})`)
    this.capacity = capacity
  }

  get size (): number {
    return this.#entries.size
  }

  /** The value, marked as most recently used. */
  get (key: K): V | undefined {
    const value = this.#entries.get(key)
    if (value !== undefined) {
      // A Map iterates in insertion order, so re-inserting moves the key to the young end.
      this.#entries.delete(key)
      this.#entries.set(key, value)
    }
    return value
  }

  has (key: K): boolean {
    return this.#entries.has(key)
  }

  /** Stores the value as most recently used, evicting the least recently used entry when full. */
  set (key: K, value: V): void {
    this.#entries.delete(key)
    this.#entries.set(key, value)
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next()
      /* c8 ignore next */
      if (oldest.done === true) return
      this.#entries.delete(oldest.value)
    }
  }

  keys (): K[] {
    return [...this.#entries.keys()]
  }
}
