import { InvalidFieldError, OutOfRangeError } from '../errors.js'

/**
 * Summary statistics for simulation replications: mean, sample standard deviation, and the 95%
 * confidence interval of the mean from Student's t distribution (the replications are independent
 * runs, so the usual t interval applies; with common random numbers the paired differences between
 * policies are summarised the same way).
 */

/** A mean with its 95% interval; `lower`/`upper` equal the mean when fewer than 2 values exist. */
export interface Interval {
  readonly mean: number
  readonly lower: number
  readonly upper: number
  /** Sample standard deviation (n − 1 denominator); 0 with one value. */
  readonly sd: number
  readonly n: number
}

function requireValues (values: readonly number[], field: string): void {
  if (!Array.isArray(values) || values.length === 0) throw new InvalidFieldError(field, 'must be a non-empty list of numbers')
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i])) throw new InvalidFieldError(`${field}[${i}]`, 'must be a finite number')
  }
}

export function mean (values: readonly number[]): number {
  requireValues(values, 'values')
  let sum = 0
  for (const v of values) sum += v
  return sum / values.length
}

/** Sample standard deviation (denominator n − 1); 0 for a single value. */
export function sampleSd (values: readonly number[]): number {
  const m = mean(values)
  if (values.length < 2) return 0
  let squares = 0
  for (const v of values) squares += (v - m) ** 2
  return Math.sqrt(squares / (values.length - 1))
}

/** Median (average of the two middle values for an even count). */
export function median (values: readonly number[]): number {
  requireValues(values, 'values')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] as number : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

// Lanczos approximation of ln Γ(x), g = 7, n = 9 (coefficients as published by Godfrey; Numerical
// Recipes 3rd ed. §6.1 discusses the method). Accurate to about 1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
]

export function logGamma (x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x)
  const z = x - 1
  let sum = LANCZOS[0] as number
  for (let i = 1; i < 9; i++) sum += (LANCZOS[i] as number) / (z + i)
  const t = z + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
}

/** Continued fraction of the incomplete beta function (modified Lentz method). */
function betaContinuedFraction (x: number, a: number, b: number): number {
  const tiny = 1e-300
  let c = 1
  let d = 1 - (a + b) * x / (a + 1)
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m
    let numerator = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
    d = 1 + numerator * d; if (Math.abs(d) < tiny) d = tiny
    c = 1 + numerator / c; if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    numerator = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
    d = 1 + numerator * d; if (Math.abs(d) < tiny) d = tiny
    c = 1 + numerator / c; if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const step = d * c
    h *= step
    if (Math.abs(step - 1) < 1e-15) break
  }
  return h
}

/** Regularised incomplete beta function I_x(a, b), for 0 ≤ x ≤ 1 and a, b > 0. */
export function regularizedBeta (x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2)
    ? front * betaContinuedFraction(x, a, b) / a
    : 1 - front * betaContinuedFraction(1 - x, b, a) / b
}

/** Cumulative distribution function of Student's t with `df` degrees of freedom. */
export function studentTCdf (t: number, df: number): number {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5)
  return t >= 0 ? 1 - tail : tail
}

/**
 * Quantile of Student's t distribution: the t with P(T ≤ t) = p. Found by bisection on the CDF
 * (about 60 halvings reach double precision), which is plenty for a handful of intervals per run.
 */
export function studentTQuantile (p: number, df: number): number {
  if (typeof p !== 'number' || !(p > 0 && p < 1)) throw new OutOfRangeError('p', p, 0, 1, '(exclusive)')
  if (typeof df !== 'number' || !(df > 0) || !Number.isFinite(df)) throw new InvalidFieldError('df', 'must be a positive finite number')
  if (p === 0.5) return 0
  let low = -1
  let high = 1
  while (studentTCdf(low, df) > p) low *= 2
  while (studentTCdf(high, df) < p) high *= 2
  for (let i = 0; i < 200 && high - low > 1e-13 * Math.max(1, Math.abs(high)); i++) {
    const middle = (low + high) / 2
    if (studentTCdf(middle, df) < p) low = middle
    else high = middle
  }
  return (low + high) / 2
}

/** Mean and 95% confidence interval of the mean: mean ± t(0.975, n − 1) × sd / √n. */
export function confidenceInterval95 (values: readonly number[]): Interval {
  const m = mean(values)
  const n = values.length
  if (n < 2) return { mean: m, lower: m, upper: m, sd: 0, n }
  const sd = sampleSd(values)
  const half = studentTQuantile(0.975, n - 1) * sd / Math.sqrt(n)
  return { mean: m, lower: m - half, upper: m + half, sd, n }
}
