import { InvalidFieldError } from '../../engine/errors.js'
import type { SeededRandom } from '../../engine/random.js'

/**
 * Draws from common distributions on top of the engine's seeded generator. Every draw goes through
 * `SeededRandom`, so a seed fixes the whole output. Normal deviates use Box–Muller; the second deviate
 * of each pair is kept for the next call, which halves the cost without changing determinism.
 */
export class Draw {
  readonly #random: SeededRandom
  #spareNormal: number | undefined

  constructor (random: SeededRandom) {
    this.#random = random
  }

  /** Uniform in [0, 1). */
  float (): number {
    return this.#random.nextFloat()
  }

  /** Uniform in [min, max). */
  uniform (min: number, max: number): number {
    return min + (max - min) * this.#random.nextFloat()
  }

  /** Uniform integer in [min, max], both inclusive. */
  int (min: number, max: number): number {
    return this.#random.nextInt(min, max)
  }

  chance (probability: number): boolean {
    return this.#random.nextFloat() < probability
  }

  normal (mean = 0, sd = 1): number {
    if (this.#spareNormal !== undefined) {
      const spare = this.#spareNormal
      this.#spareNormal = undefined
      return mean + sd * spare
    }
    let u = 0
    while (u === 0) u = this.#random.nextFloat()
    const v = this.#random.nextFloat()
    const radius = Math.sqrt(-2 * Math.log(u))
    this.#spareNormal = radius * Math.sin(2 * Math.PI * v)
    return mean + sd * radius * Math.cos(2 * Math.PI * v)
  }

  /** Normal clamped into [min, max]: a clamp, not a rejection, so the draw count per call is fixed. */
  clampedNormal (mean: number, sd: number, min: number, max: number): number {
    return Math.min(max, Math.max(min, this.normal(mean, sd)))
  }

  /** Log-normal with the given median and standard deviation of the logarithm. */
  logNormal (median: number, sdLog: number): number {
    return median * Math.exp(this.normal(0, sdLog))
  }

  exponential (mean: number): number {
    return -mean * Math.log(1 - this.#random.nextFloat())
  }

  /** Index drawn from a cumulative distribution (last entry 1). */
  index (cumulative: Float64Array): number {
    const u = this.#random.nextFloat()
    let low = 0
    let high = cumulative.length - 1
    while (low < high) {
      const mid = (low + high) >>> 1
      if (u < (cumulative[mid] as number)) high = mid
      else low = mid + 1
    }
    return low
  }

  pick<T> (table: Categorical<T>): T {
    return table.values[this.index(table.cumulative)] as T
  }
}

/** A discrete distribution ready to sample: values and their cumulative probabilities. */
export interface Categorical<T> {
  readonly values: readonly T[]
  readonly probabilities: readonly number[]
  readonly cumulative: Float64Array
}

/** Builds a categorical distribution from weights (normalised here; zero weights are dropped). */
export function categorical<T> (entries: ReadonlyArray<readonly [T, number]>): Categorical<T> {
  const kept = entries.filter(([, weight]) => weight > 0)
  if (kept.length === 0) throw new InvalidFieldError('weights', 'must include at least one positive weight')
  const total = kept.reduce((sum, [, weight]) => sum + weight, 0)
  const cumulative = new Float64Array(kept.length)
  let running = 0
  kept.forEach(([, weight], i) => {
    running += weight / total
    cumulative[i] = running
  })
  cumulative[kept.length - 1] = 1
  return { values: kept.map(([value]) => value), probabilities: kept.map(([, weight]) => weight / total), cumulative }
}

/** An age band: [minYears, maxYears) with its share. */
export type AgeBand = readonly [minYears: number, maxYears: number, share: number]

/** Age in decimal years: a band by share, then uniform inside it. */
export function drawAge (draw: Draw, bands: Categorical<readonly [number, number]>): number {
  const [min, max] = draw.pick(bands)
  return draw.uniform(min, max)
}

export function ageBands (bands: readonly AgeBand[]): Categorical<readonly [number, number]> {
  return categorical(bands.map(([min, max, share]) => [[min, max] as const, share] as const))
}
