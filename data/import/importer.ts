import { computeKdpi, selectKdpiTable, type KdpiReferenceTable } from '../../engine/clinical/kdpi.js'
import { requireEnum } from '../../engine/domain/input.js'
import { kdpiTables } from '../reference/clinical-tables.js'
import { ENTITIES, type Entity } from './columns.js'
import { csvField, readCentreCsvRows, readCsvRows, toCsv, type FileIssue } from './csv.js'
import { readJsonRows, toJson } from './json.js'
import type { CandidateRecord, CentreRecord, DonorRecord } from './records.js'
import { validateCandidate, validateCentre, validateDonor, type FieldIssue } from './validate.js'

/**
 * Import and export of centres, candidates and donors as CSV or JSON. Every bad row is reported with
 * its line, field and reason; by default (`all-or-nothing`) nothing is returned for import when any
 * row is bad, and `valid-rows` returns the good rows alongside the issues.
 */

export const IMPORT_FORMATS = ['csv', 'json'] as const
export type ImportFormat = typeof IMPORT_FORMATS[number]
export const IMPORT_MODES = ['all-or-nothing', 'valid-rows'] as const
export type ImportMode = typeof IMPORT_MODES[number]

export interface ImportIssue {
  /** 1-based line of the file where the bad row (or the bad header) starts. */
  readonly line: number
  /** 1-based position of the record in the file (0 for problems with the file itself). */
  readonly record: number
  /** The record's id, when it could be read. */
  readonly id?: string
  /** CSV column name, or the field's path in a JSON record. */
  readonly field: string
  readonly reason: string
  readonly code: string
}

export interface ImportOptions {
  readonly format: ImportFormat
  /** Default all-or-nothing. */
  readonly mode?: ImportMode | undefined
  /** Centre ids that references must name (candidates' centreId, donors' hospitalCentreId); unchecked when absent. */
  readonly centreIds?: ReadonlySet<string> | undefined
  /** Donors: table for KDRI/KDPI when both are empty (default: newest refit-2024 OPTN table). */
  readonly kdpiTable?: KdpiReferenceTable | undefined
}

export interface ImportResult<T> {
  readonly entity: Entity
  readonly format: ImportFormat
  /** True when the records may be written: no issues, or mode valid-rows. */
  readonly accepted: boolean
  /** Valid records in file order; empty when an all-or-nothing import found any issue. */
  readonly records: readonly T[]
  /** Data rows (records) read from the file. */
  readonly rowCount: number
  readonly validCount: number
  readonly issues: readonly ImportIssue[]
}

interface Row {
  readonly line: number
  readonly value: unknown
  readonly issues: readonly FieldIssue[]
  readonly readable: boolean
}

function readRows (entity: Entity, format: ImportFormat, text: string): { rows: Row[], fileIssues: FileIssue[] } {
  if (typeof text !== 'string') return { rows: [], fileIssues: [{ line: 1, field: '', reason: 'must be text', code: 'IMPORT_NOT_TEXT' }] }
  if (format === 'json') {
    const { rows, fileIssues } = readJsonRows(text)
    return { rows: rows.map((row) => ({ ...row, issues: [], readable: true })), fileIssues }
  }
  return entity === 'centres' ? readCentreCsvRows(text) : readCsvRows(text, entity)
}

const VALIDATORS = {
  centres: validateCentre,
  candidates: validateCandidate,
  donors: validateDonor
} as const

function idOf (value: unknown): string | undefined {
  const id = (value as { id?: unknown } | null)?.id
  return typeof id === 'string' && id.length > 0 ? id : undefined
}

function withScores (donor: DonorRecord, table: KdpiReferenceTable): DonorRecord {
  if (donor.kdri !== undefined || donor.kdpi !== undefined) return donor
  const result = computeKdpi({
    ageYears: donor.ageYears,
    heightCm: donor.heightCm,
    weightKg: donor.weightKg,
    hypertension: donor.hypertension,
    diabetes: donor.diabetes,
    causeOfDeathCva: donor.causeOfDeathCva,
    creatinineMgDl: donor.creatinineMgDl,
    dcd: donor.pathway === 'DCD'
  }, table)
  return { ...donor, kdri: Math.round(result.kdriRao * 1e6) / 1e6, kdpi: result.kdpi }
}

export function importRecords (entity: 'centres', text: string, options: ImportOptions): ImportResult<CentreRecord>
export function importRecords (entity: 'candidates', text: string, options: ImportOptions): ImportResult<CandidateRecord>
export function importRecords (entity: 'donors', text: string, options: ImportOptions): ImportResult<DonorRecord>
export function importRecords (entity: Entity, text: string, options: ImportOptions): ImportResult<CentreRecord | CandidateRecord | DonorRecord>
export function importRecords (entity: Entity, text: string, options: ImportOptions): ImportResult<CentreRecord | CandidateRecord | DonorRecord> {
  requireEnum(entity, 'entity', ENTITIES)
  const format = requireEnum(options.format, 'format', IMPORT_FORMATS)
  const mode = requireEnum(options.mode ?? 'all-or-nothing', 'mode', IMPORT_MODES)
  const { rows, fileIssues } = readRows(entity, format, text)
  const issues: ImportIssue[] = fileIssues.map((issue) => ({ ...issue, record: 0 }))
  const records: Array<CentreRecord | CandidateRecord | DonorRecord> = []
  const firstLineOfId = new Map<string, number>()
  const table = entity === 'donors' ? options.kdpiTable ?? selectKdpiTable(kdpiTables, 'refit-2024') : undefined
  const fieldName = (field: string): string => (format === 'csv' ? csvField(entity, field) : field)

  rows.forEach((row, index) => {
    const id = idOf(row.value)
    const rowIssues: FieldIssue[] = [...row.issues]
    let record: CentreRecord | CandidateRecord | DonorRecord | undefined
    // A row that could not be read at all (wrong cell count, inconsistent centre row) is not validated;
    // otherwise every field is checked, and a field whose cell could not be converted is reported once.
    if (row.readable) {
      const checked = VALIDATORS[entity](row.value)
      const reported = new Set(row.issues.map((issue) => fieldName(issue.field)))
      for (const issue of checked.issues) if (!reported.has(fieldName(issue.field))) rowIssues.push(issue)
      if (rowIssues.length === 0) record = checked.record
    }
    // Centre CSV rows repeat their centre's id by design; an unreadable row is already reported.
    if (id !== undefined && row.readable) {
      const first = firstLineOfId.get(id)
      if (first !== undefined) rowIssues.push({ field: 'id', reason: `repeats the id of the record on line ${first}`, code: 'IMPORT_DUPLICATE_ID' })
      else firstLineOfId.set(id, row.line)
    }
    // References are checked on the raw value, so an otherwise bad row still reports an unknown centre.
    const referenceField = entity === 'candidates' ? 'centreId' : entity === 'donors' ? 'hospitalCentreId' : undefined
    const reference = referenceField === undefined ? undefined : (row.value as Record<string, unknown> | null)?.[referenceField]
    if (referenceField !== undefined && options.centreIds !== undefined && typeof reference === 'string' && reference !== '' && !options.centreIds.has(reference)) {
      rowIssues.push({ field: referenceField, reason: `names no known centre ("${reference}")`, code: 'IMPORT_UNKNOWN_REFERENCE' })
    }
    if (rowIssues.length > 0) {
      for (const issue of rowIssues) {
        issues.push({ line: row.line, record: index + 1, ...(id === undefined ? {} : { id }), field: fieldName(issue.field), reason: issue.reason, code: issue.code })
      }
      return
    }
    if (record === undefined) return
    if (entity === 'donors' && table !== undefined) {
      try {
        record = withScores(record as DonorRecord, table)
      } catch (error) {
        issues.push({ line: row.line, record: index + 1, ...(id === undefined ? {} : { id }), field: 'kdri', reason: `could not be computed: ${(error as Error).message}`, code: 'IMPORT_SCORE_FAILED' })
        return
      }
    }
    records.push(record)
  })

  const accepted = issues.length === 0 || (mode === 'valid-rows' && fileIssues.length === 0)
  return {
    entity,
    format,
    accepted,
    records: accepted ? records : [],
    rowCount: rows.length,
    validCount: records.length,
    issues
  }
}

/** Writes records in a format that importRecords reads back to the same records. */
export function exportRecords (entity: 'centres', format: ImportFormat, records: readonly CentreRecord[]): string
export function exportRecords (entity: 'candidates', format: ImportFormat, records: readonly CandidateRecord[]): string
export function exportRecords (entity: 'donors', format: ImportFormat, records: readonly DonorRecord[]): string
export function exportRecords (entity: Entity, format: ImportFormat, records: readonly object[]): string
export function exportRecords (entity: Entity, format: ImportFormat, records: readonly object[]): string {
  requireEnum(entity, 'entity', ENTITIES)
  return requireEnum(format, 'format', IMPORT_FORMATS) === 'csv' ? toCsv(entity, records) : toJson(records)
}
