import { InvalidFieldError, UnknownReferenceTableError } from '../errors.js'
import { requireBoolean, requireNumber } from '../domain/input.js'
import type { NumericRange } from '../domain/input.js'
import { percentileFromUpperBounds } from './kdpi.js'

/** Accepted input ranges for EPTS. */
export const EPTS_INPUT_RANGES = {
  // Decimal years. The model was fitted on adult candidates; below 25 the age term is zero.
  ageYears: { min: 0, max: 120, unit: 'years' },
  // Decimal years since dialysis start; 0 when not on dialysis.
  dialysisYears: { min: 0, max: 80, unit: 'years' }
} as const satisfies Record<string, NumericRange>

export interface EptsInput {
  readonly ageYears: number
  readonly diabetes: boolean
  readonly priorSolidOrganTransplant: boolean
  /** Years on dialysis, with decimals; 0 when the candidate has never been on dialysis. */
  readonly dialysisYears: number
}

/**
 * One OPTN raw-EPTS→percentile mapping table. `upperBounds[p]` is the largest raw EPTS scoring p%
 * (raw in (upperBounds[p−1], upperBounds[p]] → p). A complete table has 100 bounds (0–99%) and
 * anything above the last is 100%. A table with fewer rows (the 2018 copy lacks 99%) cannot say
 * whether a raw value above its last bound is 99% or 100%.
 */
export interface EptsReferenceTable {
  readonly referenceYear: number
  readonly upperBounds: readonly number[]
  readonly source: string
}

export type EptsTables = readonly EptsReferenceTable[]

export interface EptsResult {
  readonly referenceYear: number
  /** Raw EPTS, the linear predictor of the survival model. */
  readonly raw: number
  /** EPTS percent 0–100; a lower bound when `eptsIsLowerBound`. */
  readonly epts: number
  /**
   * True when the table ends before 99% and the raw score lies above its last row: the true
   * percentile is `epts` or higher (up to 100), and the engine does not guess which.
   */
  readonly eptsIsLowerBound: boolean
  readonly source: string
}

/**
 * Raw EPTS score of an adult kidney candidate.
 * Source: OPTN "A Guide to Calculating and Interpreting the Estimated Post-Transplant Survival (EPTS)
 * Score" (https://optn.transplant.hrsa.gov/media/pn1pt2bc/epts_guide.pdf), as implemented in
 * transplantr R/epts.R.
 */
export function rawEpts (input: EptsInput): number {
  const age = requireNumber(input.ageYears, 'ageYears', EPTS_INPUT_RANGES.ageYears)
  const dm = requireBoolean(input.diabetes, 'diabetes') ? 1 : 0
  const priorTx = requireBoolean(input.priorSolidOrganTransplant, 'priorSolidOrganTransplant') ? 1 : 0
  const dialysisYears = requireNumber(input.dialysisYears, 'dialysisYears', EPTS_INPUT_RANGES.dialysisYears)
  const a = Math.max(age - 25, 0)
  const logDialysis = Math.log(dialysisYears + 1)
  const neverOnDialysis = dialysisYears === 0 ? 1 : 0
  return 0.047 * a - 0.015 * dm * a +
    0.398 * priorTx - 0.237 * dm * priorTx +
    0.315 * logDialysis - 0.099 * dm * logDialysis +
    0.130 * neverOnDialysis - 0.348 * dm * neverOnDialysis +
    1.262 * dm
}

/** A complete OPTN EPTS table has rows 0–99%; above its last row is 100%. */
const COMPLETE_EPTS_ROWS = 100

/**
 * EPTS percentile of a raw score (`raw ≤ upper → percent`, above the 99% row → 100).
 * Source: OPTN EPTS mapping tables (2018; March 2022).
 */
export function eptsFromRaw (raw: number, table: EptsReferenceTable): { epts: number, eptsIsLowerBound: boolean } {
  if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new InvalidFieldError('raw', 'must be a finite number')
  const epts = percentileFromUpperBounds(raw, table.upperBounds)
  const beyondTable = epts === table.upperBounds.length
  return { epts, eptsIsLowerBound: beyondTable && table.upperBounds.length < COMPLETE_EPTS_ROWS }
}

/** Raw EPTS and its percentile against one reference table. Source: OPTN EPTS guide and mapping tables. */
export function computeEpts (input: EptsInput, table: EptsReferenceTable): EptsResult {
  const raw = rawEpts(input)
  return { referenceYear: table.referenceYear, raw, ...eptsFromRaw(raw, table), source: table.source }
}

/** Picks the table for a reference year; without one, the newest. */
export function selectEptsTable (tables: EptsTables, referenceYear?: number): EptsReferenceTable {
  const years = tables.map((t) => t.referenceYear).sort((a, b) => a - b)
  if (years.length === 0) throw new UnknownReferenceTableError('referenceYear', 'has no EPTS reference table loaded')
  const year = referenceYear ?? (years[years.length - 1] as number)
  const table = tables.find((t) => t.referenceYear === year)
  if (table === undefined) throw new UnknownReferenceTableError('referenceYear', `must be one of ${years.join(', ')} (got ${String(referenceYear)})`)
  return table
}
