import { createHash } from 'node:crypto'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator'

/**
 * The engine's only source of randomness: a seeded generator passed in explicitly, so that the same
 * seed gives the same draws on any machine and any number of workers. Seeds may be text (a match
 * run's identity, a simulation's name); text is reduced to 32 bits through SHA-256.
 */
export interface SeededRandom {
  /** Uniform in [0, 1), 53 bits. */
  nextFloat (): number
  /** Uniform integer in [from, to], both inclusive. */
  nextInt (from: number, to: number): number
  /**
   * An independent stream derived from this one's seed and a label, so that adding draws to one
   * stream never shifts another (common random numbers across simulation arms).
   */
  fork (label: string): SeededRandom
}

export function seedFromText (text: string): number {
  return createHash('sha256').update(text).digest().readInt32BE(0)
}

class XoroshiroRandom implements SeededRandom {
  readonly #generator: RandomGenerator
  readonly #seedText: string

  constructor (seedText: string) {
    this.#seedText = seedText
    this.#generator = xoroshiro128plus(seedFromText(seedText))
  }

  nextFloat (): number {
    return uniformFloat64(this.#generator)
  }

  nextInt (from: number, to: number): number {
    return uniformInt(this.#generator, from, to)
  }

  fork (label: string): SeededRandom {
    return new XoroshiroRandom(`${this.#seedText}/${label}`)
  }
}

export function createRandom (seed: number | string): SeededRandom {
  return new XoroshiroRandom(String(seed))
}
