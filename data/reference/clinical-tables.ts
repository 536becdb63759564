import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'
import type { KdriFormula } from '../../engine/clinical/kdri.js'
import type { KdpiReferenceTable, KdpiTables, KdpiUnresolvedRow } from '../../engine/clinical/kdpi.js'
import type { EptsReferenceTable, EptsTables } from '../../engine/clinical/epts.js'

/**
 * Loads the OPTN KDPI and EPTS reference tables shipped in this folder (sources in README.md),
 * once, synchronously, at import. Every table is validated; a damaged file stops the process at
 * start-up rather than producing a wrong percentile later.
 */

export const REFERENCE_FILES = {
  kdpiOptn: 'kdpi-mapping-optn-2014-2024.csv',
  kdpiScalingFactors: 'kdpi-scaling-factors.csv',
  kdpiRefitRefpop2024: 'kdpi-mapping-refit-refpop2024.csv',
  kdpiRefitRefpop2024Footer: 'kdpi-scaling-factors-refit-refpop2024.csv',
  epts2018: 'epts-mapping-2018.csv',
  epts2022: 'epts-mapping-2022.csv'
} as const

/** A reference CSV is missing or breaks a rule the tables must obey. */
export class ReferenceTableError extends Error {
  override name = 'ReferenceTableError'
  readonly code = 'DATA_REFERENCE_TABLE_INVALID'
  readonly file: string
  readonly line: number | undefined
  constructor (file: string, message: string, line?: number) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${message}`)
    this.file = file
    this.line = line
  }
}

/**
 * The CSVs live beside this module in the source tree. Compiled code runs from dist/data/reference/,
 * which holds no CSVs, so the second place tried is the source folder seen from there.
 */
export function locateReferenceFile (fileName: string, moduleUrl: string = import.meta.url, exists: (path: string) => boolean = existsSync): string {
  const candidates = [new URL(`./${fileName}`, moduleUrl), new URL(`../../../data/reference/${fileName}`, moduleUrl)]
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate)
    if (exists(path)) return path
  }
  throw new ReferenceTableError(fileName, `not found; looked in ${candidates.map((c) => fileURLToPath(c)).join(' and ')}`)
}

interface Row {
  readonly line: number
  readonly cells: Readonly<Record<string, string>>
}

function readRows (text: string, file: string, required: readonly string[]): Row[] {
  let records: Array<{ info: { lines: number }, record: Record<string, string> }>
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, bom: true })
  } catch (error) {
    throw new ReferenceTableError(file, `is not valid CSV: ${(error as Error).message}`)
  }
  const first = records[0]
  if (first === undefined) throw new ReferenceTableError(file, 'has no rows')
  for (const column of required) {
    if (!(column in first.record)) throw new ReferenceTableError(file, `lacks the column ${column}`)
  }
  return records.map(({ info, record }) => ({ line: info.lines, cells: record }))
}

function cell (row: Row, column: string, file: string): string {
  const value = row.cells[column]
  if (value === undefined || value === '') throw new ReferenceTableError(file, `${column} is empty`, row.line)
  return value
}

function numberCell (row: Row, column: string, file: string): number {
  const text = cell(row, column, file)
  const value = Number(text)
  if (!Number.isFinite(value)) throw new ReferenceTableError(file, `${column} is not a number (${text})`, row.line)
  return value
}

function integerCell (row: Row, column: string, file: string): number {
  const value = numberCell(row, column, file)
  if (!Number.isInteger(value)) throw new ReferenceTableError(file, `${column} is not a whole number (${value})`, row.line)
  return value
}

function probabilityCell (row: Row, column: string, file: string): number {
  const value = numberCell(row, column, file)
  if (value < 0 || value > 1) throw new ReferenceTableError(file, `${column} must lie in 0..1 (got ${value})`, row.line)
  return value
}

function positiveCell (row: Row, column: string, file: string): number {
  const value = numberCell(row, column, file)
  if (value <= 0) throw new ReferenceTableError(file, `${column} must be positive (got ${value})`, row.line)
  return value
}

/** Sentinel OPTN prints as the upper bound of its open-ended last KDPI row. */
const OPEN_ENDED_UPPER = 999999999

/** The formula names used in the source CSVs, mapped to the engine's. */
const CSV_FORMULAS: Readonly<Record<string, KdriFormula>> = {
  rao_2009: 'rao-2009',
  refit_2024: 'refit-2024',
  refit_2024_no_race_no_hcv: 'refit-2024'
}

function formulaCell (row: Row, file: string): KdriFormula {
  const text = cell(row, 'formula', file)
  const formula = CSV_FORMULAS[text]
  if (formula === undefined) throw new ReferenceTableError(file, `formula ${text} is not one of ${Object.keys(CSV_FORMULAS).join(', ')}`, row.line)
  return formula
}

interface BoundRow { line: number, percent: number, upper: number, lower?: number }

/**
 * Checks one KDPI table's rows: percents 0..100 in order, then the open-ended 100 row; bounds strictly
 * increasing; when lower bounds are given, each equals the previous upper bound (the first is 0).
 */
function kdpiUpperBounds (rows: readonly BoundRow[], file: string, label: string): number[] {
  if (rows.length !== 102) throw new ReferenceTableError(file, `${label}: expected 102 rows (0–100% and the open-ended row), found ${rows.length}`)
  const bounds: number[] = []
  let previous = 0
  rows.forEach((row, index) => {
    const expectedPercent = Math.min(index, 100)
    if (row.percent !== expectedPercent) throw new ReferenceTableError(file, `${label}: expected percent ${expectedPercent}, found ${row.percent}`, row.line)
    if (row.lower !== undefined && row.lower !== previous) {
      throw new ReferenceTableError(file, `${label}: lower bound ${row.lower} does not continue the previous upper bound ${previous}`, row.line)
    }
    if (!(row.upper > previous)) throw new ReferenceTableError(file, `${label}: upper bound ${row.upper} is not above ${previous}`, row.line)
    if (index === 101) {
      if (row.upper !== OPEN_ENDED_UPPER) throw new ReferenceTableError(file, `${label}: the last row must be the open-ended ${OPEN_ENDED_UPPER}`, row.line)
    } else {
      bounds.push(row.upper)
    }
    previous = row.upper
  })
  return bounds
}

interface ScalingRow { formula: KdriFormula, scalingFactor: number, prevalenceHypertension: number, prevalenceDiabetes: number }

/**
 * Parses kdpi-mapping-optn-2014-2024.csv with kdpi-scaling-factors.csv: one table per
 * (formula, reference population year). The two files are joined on kidney.epi's year label, since the
 * refit table is labelled 2024 there although its reference population is 2023.
 */
export function parseKdpiOptnTables (mappingCsv: string, scalingCsv: string): KdpiReferenceTable[] {
  const scalingFile = REFERENCE_FILES.kdpiScalingFactors
  const scaling = new Map<string, ScalingRow>()
  for (const row of readRows(scalingCsv, scalingFile, ['kidney.epi_year_label', 'formula', 'scaling_factor', 'htn_prob_unknown', 'dm_prob_unknown'])) {
    const label = cell(row, 'kidney.epi_year_label', scalingFile)
    if (scaling.has(label)) throw new ReferenceTableError(scalingFile, `year label ${label} appears twice`, row.line)
    scaling.set(label, {
      formula: formulaCell(row, scalingFile),
      scalingFactor: positiveCell(row, 'scaling_factor', scalingFile),
      prevalenceHypertension: probabilityCell(row, 'htn_prob_unknown', scalingFile),
      prevalenceDiabetes: probabilityCell(row, 'dm_prob_unknown', scalingFile)
    })
  }

  const file = REFERENCE_FILES.kdpiOptn
  const groups = new Map<string, { label: string, formula: KdriFormula, referenceYear: number, rows: BoundRow[] }>()
  for (const row of readRows(mappingCsv, file, ['kidney.epi_year_label', 'formula', 'reference_population_year', 'kdri_scaled_lower_exclusive', 'kdri_scaled_upper_inclusive', 'kdpi_percent'])) {
    const label = cell(row, 'kidney.epi_year_label', file)
    const formula = formulaCell(row, file)
    const referenceYear = integerCell(row, 'reference_population_year', file)
    const key = `${formula}/${referenceYear}`
    let group = groups.get(key)
    if (group === undefined) {
      group = { label, formula, referenceYear, rows: [] }
      groups.set(key, group)
    } else if (group.label !== label) {
      throw new ReferenceTableError(file, `${key} mixes year labels ${group.label} and ${label}`, row.line)
    }
    group.rows.push({
      line: row.line,
      percent: integerCell(row, 'kdpi_percent', file),
      lower: numberCell(row, 'kdri_scaled_lower_exclusive', file),
      upper: numberCell(row, 'kdri_scaled_upper_inclusive', file)
    })
  }

  return [...groups.values()].map((group) => {
    const constants = scaling.get(group.label)
    if (constants === undefined) throw new ReferenceTableError(scalingFile, `has no scaling factor for year label ${group.label}`)
    if (constants.formula !== group.formula) {
      throw new ReferenceTableError(scalingFile, `year label ${group.label} is ${constants.formula} there but ${group.formula} in ${file}`)
    }
    return {
      formula: group.formula,
      referenceYear: group.referenceYear,
      scalingFactor: constants.scalingFactor,
      prevalenceHypertension: constants.prevalenceHypertension,
      prevalenceDiabetes: constants.prevalenceDiabetes,
      upperBounds: kdpiUpperBounds(group.rows, file, `${group.formula} ${group.referenceYear}`),
      unresolvedRows: [],
      source: `OPTN KDRI-to-KDPI mapping table, ${group.formula} formula, ${group.referenceYear} reference population (as carried in kidney.epi sysdata, year label ${group.label})`
    }
  })
}

/**
 * Parses kdpi-mapping-refit-refpop2024.csv (consensus of four transcriptions) with its footer constants.
 * Rows flagged UNRESOLVED keep the consensus bound and record transcription B's as the alternative.
 */
export function parseKdpiRefitRefpop2024Table (mappingCsv: string, footerCsv: string): KdpiReferenceTable {
  const footerFile = REFERENCE_FILES.kdpiRefitRefpop2024Footer
  const footerRows = readRows(footerCsv, footerFile, ['formula', 'reference_population_year', 'scaling_factor', 'htn_prob_unknown', 'dm_prob_unknown', 'source'])
  if (footerRows.length !== 1) throw new ReferenceTableError(footerFile, `expected one row, found ${footerRows.length}`)
  const footer = footerRows[0] as Row
  const formula = formulaCell(footer, footerFile)

  const file = REFERENCE_FILES.kdpiRefitRefpop2024
  const rows = readRows(mappingCsv, file, ['kdpi_percent', 'kdri_scaled_upper_inclusive_consensus', 'transcription_B_ts_fullprec', 'flag'])
  const unresolvedRows: KdpiUnresolvedRow[] = []
  const boundRows = rows.map((row) => {
    const percent = integerCell(row, 'kdpi_percent', file)
    if ((row.cells.flag ?? '').includes('UNRESOLVED')) {
      unresolvedRows.push({ percent, alternativeUpperBound: numberCell(row, 'transcription_B_ts_fullprec', file) })
    }
    return { line: row.line, percent, upper: numberCell(row, 'kdri_scaled_upper_inclusive_consensus', file) }
  })
  const upperBounds = kdpiUpperBounds(boundRows, file, `${formula} refpop 2024`)
  for (const row of unresolvedRows) {
    // An alternative must keep the table increasing, or it could not have been the published value.
    const below = row.percent === 0 ? 0 : upperBounds[row.percent - 1] as number
    const above = upperBounds[row.percent + 1] ?? Number.POSITIVE_INFINITY
    if (!(row.alternativeUpperBound > below && row.alternativeUpperBound < above)) {
      throw new ReferenceTableError(file, `the alternative bound ${row.alternativeUpperBound} for ${row.percent}% breaks the ordering`)
    }
  }
  return {
    formula,
    referenceYear: integerCell(footer, 'reference_population_year', footerFile),
    scalingFactor: positiveCell(footer, 'scaling_factor', footerFile),
    prevalenceHypertension: probabilityCell(footer, 'htn_prob_unknown', footerFile),
    prevalenceDiabetes: probabilityCell(footer, 'dm_prob_unknown', footerFile),
    upperBounds,
    unresolvedRows,
    source: cell(footer, 'source', footerFile)
  }
}

/** Where OPTN publishes each EPTS table; appended to the transcription's own source note. */
const EPTS_PUBLISHED_AT: Readonly<Record<number, string>> = {
  2018: 'https://optn.transplant.hrsa.gov/media/2973/epts_mapping_table_2018.pdf',
  2022: 'https://optn.transplant.hrsa.gov/media/g3xfajp4/epts_mapping_table.pdf'
}

/** Parses one EPTS mapping CSV: percents 0, 1, 2… in order, at most 0–99, bounds strictly increasing. */
export function parseEptsTable (csv: string, referenceYear: number, file: string): EptsReferenceTable {
  const rows = readRows(csv, file, ['epts_percent', 'raw_epts_upper_inclusive', 'source'])
  if (rows.length > 100) throw new ReferenceTableError(file, `has ${rows.length} rows; an EPTS table has at most 100 (0–99%)`)
  const upperBounds: number[] = []
  const sources = new Set<string>()
  rows.forEach((row, index) => {
    const percent = integerCell(row, 'epts_percent', file)
    if (percent !== index) throw new ReferenceTableError(file, `expected percent ${index}, found ${percent}`, row.line)
    const upper = numberCell(row, 'raw_epts_upper_inclusive', file)
    const previous = upperBounds[index - 1]
    if (previous !== undefined && !(upper > previous)) throw new ReferenceTableError(file, `upper bound ${upper} is not above ${previous}`, row.line)
    upperBounds.push(upper)
    sources.add(cell(row, 'source', file))
  })
  if (sources.size !== 1) throw new ReferenceTableError(file, 'rows name different sources')
  const publishedAt = EPTS_PUBLISHED_AT[referenceYear]
  const source = [...sources][0] as string
  return { referenceYear, upperBounds, source: publishedAt === undefined ? source : `${source}; published at ${publishedAt}` }
}

/** Reads a reference CSV by file name; replaced in tests. */
export type ReadReferenceFile = (fileName: string) => string

const readFromDisk: ReadReferenceFile = (fileName) => readFileSync(locateReferenceFile(fileName), 'utf8')

export interface ClinicalTables {
  readonly kdpiTables: KdpiTables
  readonly eptsTables: EptsTables
}

export function loadClinicalTables (read: ReadReferenceFile = readFromDisk): ClinicalTables {
  const kdpiTables = [
    ...parseKdpiOptnTables(read(REFERENCE_FILES.kdpiOptn), read(REFERENCE_FILES.kdpiScalingFactors)),
    parseKdpiRefitRefpop2024Table(read(REFERENCE_FILES.kdpiRefitRefpop2024), read(REFERENCE_FILES.kdpiRefitRefpop2024Footer))
  ]
  const seen = new Set<string>()
  for (const table of kdpiTables) {
    const key = `${table.formula} ${table.referenceYear}`
    if (seen.has(key)) throw new ReferenceTableError(REFERENCE_FILES.kdpiOptn, `two KDPI tables for ${key}`)
    seen.add(key)
  }
  const eptsTables = [
    parseEptsTable(read(REFERENCE_FILES.epts2018), 2018, REFERENCE_FILES.epts2018),
    parseEptsTable(read(REFERENCE_FILES.epts2022), 2022, REFERENCE_FILES.epts2022)
  ]
  return { kdpiTables: Object.freeze(kdpiTables), eptsTables: Object.freeze(eptsTables) }
}

const loaded = loadClinicalTables()

/** Every KDPI table: Rao 2014–2023 and refit on the 2023 and 2024 reference populations. */
export const kdpiTables: KdpiTables = loaded.kdpiTables
/** EPTS tables 2018 (lacks the 99% row) and 2022. */
export const eptsTables: EptsTables = loaded.eptsTables
