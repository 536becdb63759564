import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { InvalidFieldError } from '../../engine/errors.js'
import { COLUMNS, columnForField, type Column, type Entity } from './columns.js'
import type { AuthorisationEntry, CandidateRecord, CentreRecord, DonorRecord } from './records.js'
import { issueOf, type FieldIssue } from './validate.js'

/**
 * CSV ↔ plain objects. Parsing (csv-parse, RFC 4180) keeps each record's line number; each cell is
 * converted by its column's type, and the result is the nested object that JSON import reads too, so
 * both formats pass the same validation. Writing (csv-stringify) is the exact inverse: every column in
 * the documented order, empty cells for absent values.
 */

/** One data row of a CSV file, converted to the record shape, or the issues found converting it. */
export interface CsvRow {
  /** 1-based line on which the row starts. */
  readonly line: number
  readonly value: Record<string, unknown>
  readonly issues: readonly FieldIssue[]
  /** False when the row could not be turned into a record at all (wrong cell count, inconsistent centre row). */
  readonly readable: boolean
}

/** A problem that stops the whole file from being read (bad CSV syntax, a bad header). */
export interface FileIssue {
  readonly line: number
  readonly field: string
  readonly reason: string
  readonly code: string
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/
const TRUE = new Set(['true', 'yes'])
const FALSE = new Set(['false', 'no'])

/** Converts one non-empty cell to the JSON value its column type stands for. */
export function convertCell (text: string, column: Column): unknown {
  switch (column.type) {
    case 'number':
      if (!NUMBER.test(text)) throw new InvalidFieldError(column.name, 'must be a number written with digits and a decimal point, e.g. 1.25 (no thousands separators)')
      return Number(text)
    case 'boolean': {
      const lower = text.toLowerCase()
      if (TRUE.has(lower)) return true
      if (FALSE.has(lower)) return false
      throw new InvalidFieldError(column.name, 'must be true or false')
    }
    case 'tri': {
      const lower = text.toLowerCase()
      if (TRUE.has(lower)) return true
      if (FALSE.has(lower)) return false
      if (lower === 'unknown') return 'unknown'
      throw new InvalidFieldError(column.name, 'must be true, false or unknown')
    }
    case 'antigens':
      return text.split(/[\s,;]+/).filter((part) => part.length > 0)
    default:
      return text
  }
}

function formatCell (value: unknown, column: Column): string {
  if (value === undefined || value === null) return ''
  if (column.type === 'antigens') return (value as readonly string[]).join(' ')
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return String(value)
}

function setPath (target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let node = target
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as string
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[parts[parts.length - 1] as string] = value
}

function getPath (source: unknown, path: string): unknown {
  let node = source
  for (const key of path.split('.')) {
    if (node === undefined || node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

interface ParsedCsv {
  readonly header: readonly string[]
  readonly rows: ReadonlyArray<{ line: number, cells: readonly string[] }>
}

function readCsv (text: string): ParsedCsv | FileIssue {
  let records: Array<{ record: string[], info: { lines: number } }>
  try {
    records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as Array<{ record: string[], info: { lines: number } }>
  } catch (error) {
    const { code, lines, message } = error as { code?: string, lines?: number, message: string }
    return { line: lines ?? 1, field: '', reason: `is not valid CSV: ${message}`, code: `IMPORT_CSV_${code ?? 'INVALID'}` }
  }
  const [first, ...rest] = records
  if (first === undefined) return { line: 1, field: '', reason: 'is empty: a header row is required', code: 'IMPORT_EMPTY' }
  // csv-parse reports the line a record ends on; a quoted cell spanning lines moves its start up.
  const startLine = (r: { record: string[], info: { lines: number } }): number =>
    r.info.lines - r.record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0)
  return { header: first.record, rows: rest.map((r) => ({ line: startLine(r), cells: r.record })) }
}

function checkHeader (header: readonly string[], columns: readonly Column[]): FileIssue[] {
  const issues: FileIssue[] = []
  const known = new Map(columns.map((c) => [c.name, c]))
  const seen = new Set<string>()
  header.forEach((name) => {
    if (!known.has(name)) issues.push({ line: 1, field: name, reason: `is not a column of this file; expected ${columns.map((c) => c.name).join(', ')}`, code: 'IMPORT_UNKNOWN_COLUMN' })
    if (seen.has(name)) issues.push({ line: 1, field: name, reason: 'appears twice in the header', code: 'IMPORT_DUPLICATE_COLUMN' })
    seen.add(name)
  })
  for (const c of columns) {
    if (c.required && !seen.has(c.name)) issues.push({ line: 1, field: c.name, reason: 'is a required column and is missing from the header', code: 'IMPORT_MISSING_COLUMN' })
  }
  return issues
}

/** Groups that exist only when one of their cells is filled (an all-empty group means "not recorded"). */
const OPTIONAL_GROUPS = ['liverLabs', 'protectedAttributes', 'identifiers'] as const

function rowToValue (header: readonly string[], cells: readonly string[], columns: readonly Column[], line: number): CsvRow {
  const byName = new Map(columns.map((c) => [c.name, c]))
  const issues: FieldIssue[] = []
  if (cells.length !== header.length) {
    issues.push({ field: '', reason: `has ${cells.length} cells where the header has ${header.length}`, code: 'IMPORT_CELL_COUNT' })
    return { line, value: { id: cells[header.indexOf('id')] }, issues, readable: false }
  }
  const value: Record<string, unknown> = {}
  // Always-present groups: a candidate without centre criteria still has an (empty) acceptance object.
  if (columns.some((c) => c.path.startsWith('acceptance.'))) value.acceptance = {}
  if (columns.some((c) => c.path === 'hla.A')) value.hla = {}
  header.forEach((name, i) => {
    const column = byName.get(name)
    const text = cells[i] as string
    if (column === undefined) return
    if (text === '') {
      // An empty required list is an empty list (no unacceptable antigens); other empty cells are absent values.
      if (column.type === 'antigens' && column.required) setPath(value, column.path, [])
      return
    }
    try {
      setPath(value, column.path, convertCell(text, column))
    } catch (error) {
      issues.push(issueOf(error, column.name))
    }
  })
  for (const group of OPTIONAL_GROUPS) {
    if (value[group] !== undefined && Object.keys(value[group] as object).length === 0) delete value[group]
  }
  return { line, value, issues, readable: true }
}

/** Reads a CSV file of centres, candidates or donors into record-shaped objects, one per data row. */
export function readCsvRows (text: string, entity: Exclude<Entity, 'centres'>): { rows: CsvRow[], fileIssues: FileIssue[] } {
  const parsed = readCsv(text)
  if (!('header' in parsed)) return { rows: [], fileIssues: [parsed] }
  const columns = COLUMNS[entity]
  const headerIssues = checkHeader(parsed.header, columns)
  if (headerIssues.length > 0) return { rows: [], fileIssues: headerIssues }
  return { rows: parsed.rows.map((row) => rowToValue(parsed.header, row.cells, columns, row.line)), fileIssues: [] }
}

const CENTRE_OWN_COLUMNS = ['id', 'name', 'country', 'region', 'latitudeDeg', 'longitudeDeg'] as const

/**
 * Reads a centres CSV (one row per authorisation) into one object per centre, at the line of its
 * first row. A later row whose centre columns differ from the first is an issue at that later line.
 */
export function readCentreCsvRows (text: string): { rows: CsvRow[], fileIssues: FileIssue[] } {
  const parsed = readCsv(text)
  if (!('header' in parsed)) return { rows: [], fileIssues: [parsed] }
  const headerIssues = checkHeader(parsed.header, COLUMNS.centres)
  if (headerIssues.length > 0) return { rows: [], fileIssues: headerIssues }
  const byName = new Map(COLUMNS.centres.map((c) => [c.name, c]))
  const centres = new Map<string, { line: number, value: Record<string, unknown>, issues: FieldIssue[], own: Record<string, string>, readable: boolean }>()
  const order: Array<{ line: number, value: Record<string, unknown>, issues: FieldIssue[], readable: boolean }> = []
  for (const row of parsed.rows) {
    const cells = new Map(parsed.header.map((name, i) => [name, row.cells[i] ?? '']))
    if (row.cells.length !== parsed.header.length) {
      order.push({ line: row.line, value: { id: cells.get('id') }, issues: [{ field: '', reason: `has ${row.cells.length} cells where the header has ${parsed.header.length}`, code: 'IMPORT_CELL_COUNT' }], readable: false })
      continue
    }
    const own = Object.fromEntries(CENTRE_OWN_COLUMNS.map((name) => [name, cells.get(name) ?? ''])) as Record<string, string>
    const issues: FieldIssue[] = []
    const authorisation: Record<string, unknown> = {}
    for (const column of COLUMNS.centres) {
      const text = cells.get(column.name) ?? ''
      if (text === '' || !column.path.startsWith('authorisations[].')) continue
      try {
        authorisation[column.path.slice('authorisations[].'.length)] = convertCell(text, column)
      } catch (error) {
        issues.push(issueOf(error, column.name))
      }
    }
    const existing = centres.get(own.id as string)
    if (existing !== undefined && own.id !== '') {
      let consistent = true
      for (const name of CENTRE_OWN_COLUMNS) {
        if (own[name] !== existing.own[name]) {
          consistent = false
          order.push({ line: row.line, value: { id: own.id }, issues: [{ field: name, reason: `differs from the first row of centre ${own.id as string} (line ${existing.line}): "${own[name] as string}" vs "${existing.own[name] as string}"`, code: 'IMPORT_INCONSISTENT_CENTRE' }], readable: false })
        }
      }
      if (issues.length > 0) order.push({ line: row.line, value: { id: own.id }, issues, readable: false })
      else if (consistent && Object.keys(authorisation).length > 0) (existing.value.authorisations as unknown[]).push(authorisation)
      continue
    }
    const value: Record<string, unknown> = { authorisations: Object.keys(authorisation).length > 0 ? [authorisation] : [] }
    for (const name of CENTRE_OWN_COLUMNS) {
      const text = own[name] as string
      if (text === '') continue
      try {
        value[name] = convertCell(text, byName.get(name) as Column)
      } catch (error) {
        issues.push(issueOf(error, name))
      }
    }
    const entry = { line: row.line, value, issues, own, readable: true }
    if (own.id !== '') centres.set(own.id as string, entry)
    order.push(entry)
  }
  return { rows: order.map(({ line, value, issues, readable }) => ({ line, value, issues, readable })), fileIssues: [] }
}

/** The CSV column name for a field of a validation issue (`hla.A[1]` → `hlaA`). */
export function csvField (entity: Entity, field: string): string {
  return columnForField(COLUMNS[entity], field)
}

function rowsFor (entity: Entity, records: readonly object[]): string[][] {
  const columns = COLUMNS[entity]
  if (entity !== 'centres') return records.map((record) => columns.map((c) => formatCell(getPath(record, c.path), c)))
  const rows: string[][] = []
  for (const centre of records as readonly CentreRecord[]) {
    const entries: ReadonlyArray<AuthorisationEntry | undefined> = centre.authorisations.length > 0 ? centre.authorisations : [undefined]
    for (const entry of entries) {
      rows.push(columns.map((c) => c.path.startsWith('authorisations[].')
        ? formatCell(entry === undefined ? undefined : (entry as unknown as Record<string, unknown>)[c.path.slice('authorisations[].'.length)], c)
        : formatCell(getPath(centre, c.path), c)))
    }
  }
  return rows
}

/** Writes records as CSV: a header with every column of the entity, then one row per record (per authorisation for centres). */
export function toCsv (entity: 'centres', records: readonly CentreRecord[]): string
export function toCsv (entity: 'candidates', records: readonly CandidateRecord[]): string
export function toCsv (entity: 'donors', records: readonly DonorRecord[]): string
export function toCsv (entity: Entity, records: readonly object[]): string
export function toCsv (entity: Entity, records: readonly object[]): string {
  return stringify(rowsFor(entity, records), { header: true, columns: COLUMNS[entity].map((c) => c.name), record_delimiter: 'unix' })
}
