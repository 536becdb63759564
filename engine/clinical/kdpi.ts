import { InvalidFieldError, UnknownReferenceTableError } from '../errors.js'
import { requireEnum } from '../domain/input.js'
import { KDRI_FORMULAS, computeKdri } from './kdri.js'
import type { KdriFormula, KdriInput, KdriResult } from './kdri.js'

/** A table row whose published value is disputed between transcriptions of the OPTN document. */
export interface KdpiUnresolvedRow {
  readonly percent: number
  /** The bound other transcriptions give instead of `upperBounds[percent]`. */
  readonly alternativeUpperBound: number
}

/**
 * One OPTN KDRI→KDPI mapping table with the constants printed with it. The engine does no I/O:
 * tables are loaded and validated by the data layer and passed in.
 */
export interface KdpiReferenceTable {
  readonly formula: KdriFormula
  /** Year of the reference population (donors recovered that year), not the year of publication. */
  readonly referenceYear: number
  /** Median KDRI_RAO of the reference population; KDRI_median = KDRI_RAO / scalingFactor. */
  readonly scalingFactor: number
  readonly prevalenceHypertension: number
  readonly prevalenceDiabetes: number
  /**
   * 101 strictly increasing bounds, index = KDPI percent: KDRI_median in (upperBounds[p−1], upperBounds[p]]
   * maps to p (the first row is 0 < x ≤ upperBounds[0]). upperBounds[100] is the reference population's
   * maximum; OPTN's open-ended last row maps anything above it to 100 as well.
   */
  readonly upperBounds: readonly number[]
  readonly unresolvedRows: readonly KdpiUnresolvedRow[]
  readonly source: string
}

/** The tables a caller may choose from, e.g. every table the data layer loaded. */
export type KdpiTables = readonly KdpiReferenceTable[]

export interface KdpiResult extends KdriResult {
  readonly referenceYear: number
  readonly scalingFactor: number
  /** KDRI_RAO / scalingFactor: 1.0 is the median donor of the reference population. */
  readonly kdriMedian: number
  /** Kidney Donor Profile Index, whole percent 0–100. */
  readonly kdpi: number
  /**
   * Other KDPI values that a disputed table row would give for this donor; empty when the table is
   * certain at this point. The consensus value is in `kdpi`.
   */
  readonly kdpiAlternatives: readonly number[]
  readonly source: string
}

/** Percent p for the first bound ≥ x; above the last bound the answer is `bounds.length` (the open-ended row). */
export function percentileFromUpperBounds (x: number, bounds: readonly number[]): number {
  let low = 0
  let high = bounds.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (x <= (bounds[mid] as number)) high = mid
    else low = mid + 1
  }
  return low
}

/**
 * KDPI percent for a KDRI_median, per the OPTN mapping convention `lower < x ≤ upper → percent`.
 * Source: OPTN "Guide to Calculating and Interpreting the KDPI" (Apr 2025) and the OPTN mapping tables.
 */
export function kdpiFromKdriMedian (kdriMedian: number, table: KdpiReferenceTable): number {
  if (typeof kdriMedian !== 'number' || !Number.isFinite(kdriMedian) || kdriMedian <= 0) {
    throw new InvalidFieldError('kdriMedian', 'must be a positive finite number')
  }
  // The open-ended last row: above the observed maximum is still 100.
  return Math.min(percentileFromUpperBounds(kdriMedian, table.upperBounds), 100)
}

function alternativesFor (kdriMedian: number, kdpi: number, table: KdpiReferenceTable): number[] {
  const alternatives = new Set<number>()
  for (const row of table.unresolvedRows) {
    const bounds = [...table.upperBounds]
    bounds[row.percent] = row.alternativeUpperBound
    const other = Math.min(percentileFromUpperBounds(kdriMedian, bounds), 100)
    if (other !== kdpi) alternatives.add(other)
  }
  return [...alternatives].sort((a, b) => a - b)
}

/**
 * KDRI, KDRI_median and KDPI of a donor against one reference table. The formula is the table's own,
 * so a Rao table can never be applied to refit coefficients (the mix-up found in kidney.epi 2024).
 * Source: OPTN "Guide to Calculating and Interpreting the KDPI" (Apr 2025).
 */
export function computeKdpi (input: KdriInput, table: KdpiReferenceTable): KdpiResult {
  const kdri = computeKdri(table.formula, input, table)
  const kdriMedian = kdri.kdriRao / table.scalingFactor
  const kdpi = kdpiFromKdriMedian(kdriMedian, table)
  return {
    ...kdri,
    referenceYear: table.referenceYear,
    scalingFactor: table.scalingFactor,
    kdriMedian,
    kdpi,
    kdpiAlternatives: alternativesFor(kdriMedian, kdpi, table),
    source: table.source
  }
}

/** The reference years available for a formula, oldest first. */
export function kdpiReferenceYears (tables: KdpiTables, formula: KdriFormula): number[] {
  return tables.filter((t) => t.formula === formula).map((t) => t.referenceYear).sort((a, b) => a - b)
}

/**
 * Picks the table for (formula, referenceYear); without a year, the newest reference population for
 * the formula. An unknown year raises UnknownReferenceTableError naming the years available.
 */
export function selectKdpiTable (tables: KdpiTables, formula: KdriFormula, referenceYear?: number): KdpiReferenceTable {
  requireEnum(formula, 'formula', KDRI_FORMULAS)
  const years = kdpiReferenceYears(tables, formula)
  if (years.length === 0) throw new UnknownReferenceTableError('formula', `has no KDPI reference table loaded for ${formula}`)
  const year = referenceYear ?? (years[years.length - 1] as number)
  const table = tables.find((t) => t.formula === formula && t.referenceYear === year)
  if (table === undefined) {
    throw new UnknownReferenceTableError('referenceYear', `must be one of ${years.join(', ')} for formula ${formula} (got ${String(referenceYear)})`)
  }
  return table
}
