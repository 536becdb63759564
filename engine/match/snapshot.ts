import { compareAntigens, normaliseAntigen, normaliseTyping } from '../clinical/hla-antigens.js'
import { expandUnacceptable } from '../clinical/virtual-crossmatch.js'
import { canonicalJson, sha256Hex } from '../canonical-hash.js'
import { ABO_TYPES } from '../domain/abo.js'
import { CANDIDATE_STATUSES, type Candidate } from '../domain/candidate.js'
import { ACTIVITIES, type Authorisation, type Centre } from '../domain/centre.js'
import type { MatchLocus } from '../domain/hla.js'
import { requireBoolean, requireEnum, requireInteger, requireNumber, requireString, type NumericRange } from '../domain/input.js'
import { ORGAN_TYPES, type OrganType } from '../domain/organ.js'
import { InvalidFieldError, OutOfRangeError, UnknownValueError } from '../errors.js'

/**
 * The columnar waiting-list snapshot a match run reads: one SharedArrayBuffer holding a typed-array
 * column per candidate field (struct of arrays), plus a small side table of strings (candidate ids,
 * urgency classes, diagnosis groups, HLA phenotypes, antigen dictionary) and the centres. Candidates
 * are sorted by pseudonym, so the snapshot and its hash do not depend on input order. Worker threads
 * receive the buffer once (shared, not copied) and the side table once, and rebuild the views with
 * `attachWaitlistSnapshot`.
 */
export const SNAPSHOT_FORMAT = 1

/** Float64 columns: exact copies of the candidate's numbers; NaN marks an absent optional value. */
export const FLOAT_COLUMNS = [
  'waitingDays', 'dialysisDays', 'cpraPercent', 'vpraPercent', 'mmpPercent', 'meld', 'peld', 'eptsPercent',
  'ageYears', 'ageAtRegistrationYears', 'heightCm', 'weightKg', 'registeredAtDays', 'matchabilityScore',
  'waitlistSurvivalDays', 'postTransplantSurvivalDays',
  'maxDonorAgeYears', 'maxKdpi', 'minDonorWeightKg', 'maxDonorWeightKg', 'maxDistanceNm'
] as const
/** Uint16 columns: indexes into side tables. */
export const UINT16_COLUMNS = ['centre', 'urgency', 'diagnosisGroup', 'hlaA', 'hlaB', 'hlaDR'] as const
/** Uint8 columns: CANDIDATE_STATUSES index, ABO_TYPES index, flag bits, UK recipient risk quartile (0 = absent). */
export const UINT8_COLUMNS = ['status', 'abo', 'flags', 'ukRecipientRiskQuartile'] as const

export type FloatColumn = typeof FLOAT_COLUMNS[number]
export type Uint16Column = typeof UINT16_COLUMNS[number]
export type Uint8Column = typeof UINT8_COLUMNS[number]

/** Bits of the `flags` column. `acceptsDcd` takes two bits: 0 not stated, 1 yes, 2 no. */
export const FLAG_PRIOR_LIVING_DONOR = 1
export const FLAG_ELIGIBLE_FOR_A2 = 2
export const FLAG_ACCEPTS_DCD_SHIFT = 2
export const ACCEPTS_DCD_YES = 1
export const ACCEPTS_DCD_NO = 2

export type SnapshotColumns =
  { readonly [K in FloatColumn]: Float64Array } &
  { readonly [K in Uint16Column]: Uint16Array } &
  { readonly [K in Uint8Column]: Uint8Array } & {
    /** Candidate i's expanded unacceptable antigens are unacceptableCodes[offsets[i] .. offsets[i+1]). */
    readonly unacceptableOffsets: Uint32Array
    /** Indexes into `tables.antigens`. */
    readonly unacceptableCodes: Uint16Array
  }

export interface ColumnLayout {
  readonly name: string
  readonly type: 'f64' | 'u32' | 'u16' | 'u8'
  readonly byteOffset: number
  readonly length: number
}

/** The side table: plain JSON, cloned once to each worker. */
export interface SnapshotTables {
  readonly format: typeof SNAPSHOT_FORMAT
  readonly organType: OrganType
  readonly at: string
  readonly count: number
  readonly layout: readonly ColumnLayout[]
  /** Candidate pseudonyms in snapshot order (sorted). */
  readonly candidateIds: readonly string[]
  readonly urgencies: readonly string[]
  readonly diagnosisGroups: readonly string[]
  /** Every antigen that appears in some candidate's expanded unacceptable set, sorted (locus, number). */
  readonly antigens: readonly string[]
  /** Distinct recipient typings per locus (antigen lists), indexed by the hlaA/hlaB/hlaDR columns; [] = untyped. */
  readonly hlaPhenotypes: Readonly<Record<MatchLocus, ReadonlyArray<readonly string[]>>>
  /** Centres sorted by id, indexed by the `centre` column. */
  readonly centres: readonly Centre[]
}

export interface WaitlistSnapshot {
  readonly organType: OrganType
  /** The instant the snapshot describes (ISO 8601, UTC). */
  readonly at: string
  readonly count: number
  /** SHA-256 over the side table's canonical JSON and the column bytes. */
  readonly hash: string
  /** Shared column bytes plus the side table's UTF-8 JSON length. */
  readonly byteLength: number
  readonly buffer: SharedArrayBuffer
  readonly tables: SnapshotTables
  readonly columns: SnapshotColumns
}

/** What a worker needs to rebuild a snapshot: the shared buffer, the side table, the hash. */
export interface WaitlistSnapshotParts {
  readonly buffer: SharedArrayBuffer
  readonly tables: SnapshotTables
  readonly hash: string
}

const DAY_MS = 86_400_000
const YEAR_MS = 365.25 * DAY_MS
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/
const DATE_OR_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

/** Reads an ISO 8601 instant (with Z or an offset) and returns its UTC form and milliseconds. */
export function parseInstant (value: unknown, field: string): { iso: string, ms: number } {
  const text = requireString(value, field, INSTANT, 'must be an ISO 8601 instant with a time zone, e.g. 2024-05-01T08:30:00Z')
  const ms = Date.parse(text)
  if (!Number.isFinite(ms)) throw new InvalidFieldError(field, 'must be a real calendar instant')
  return { iso: new Date(ms).toISOString(), ms }
}

function parseDateOrInstant (value: unknown, field: string): number {
  const text = requireString(value, field, DATE_OR_INSTANT, 'must be an ISO 8601 date or instant, e.g. 2021-03-15 or 2021-03-15T10:00:00Z')
  const ms = Date.parse(DATE.test(text) ? `${text}T00:00:00Z` : text)
  if (!Number.isFinite(ms)) throw new InvalidFieldError(field, 'must be a real calendar date')
  return ms
}

function optionalNumber (value: unknown, field: string, range: NumericRange): number {
  return value === undefined || value === null ? Number.NaN : requireNumber(value, field, range)
}

function requireObject (value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidFieldError(field, 'must be an object')
  return value as Record<string, unknown>
}

const RANGES = {
  days: { min: 0, max: 36_525, unit: 'days' },
  percent: { min: 0, max: 100, unit: '%' },
  age: { min: 0, max: 120, unit: 'years' },
  height: { min: 20, max: 260, unit: 'cm' },
  weight: { min: 0.3, max: 400, unit: 'kg' },
  meld: { min: 6, max: 40, unit: '' },
  peld: { min: -20, max: 100, unit: '' },
  quartile: { min: 1, max: 4, unit: '' },
  matchability: { min: 1, max: 10, unit: '' },
  waitlistSurvival: { min: 0, max: 365, unit: 'days' },
  postTransplantSurvival: { min: 0, max: 1826, unit: 'days' },
  distance: { min: 0, max: 13_000, unit: 'NM' },
  latitude: { min: -90, max: 90, unit: 'degrees' },
  longitude: { min: -180, max: 180, unit: 'degrees' }
} as const

/**
 * A candidate checked and reduced to what the columns hold. Exported for builders that keep checked
 * candidates between snapshots (data/db/snapshot-source.ts) and only recompute what depends on the instant.
 */
export interface CheckedCandidate {
  readonly id: string
  /** The registration instant in milliseconds (registeredAtDays is this over a day; kept exact for retiming). */
  readonly registeredMs: number
  readonly floats: Readonly<Record<FloatColumn, number>>
  readonly centreId: string
  readonly urgency: string
  readonly diagnosisGroup: string
  readonly hla: Readonly<Record<MatchLocus, readonly string[]>>
  readonly status: number
  readonly abo: number
  readonly flags: number
  readonly ukRecipientRiskQuartile: number
  readonly unacceptable: readonly string[]
}

/**
 * Checks one candidate for a snapshot of `organType` at `atMs` (errors name `candidates[index].…`) and
 * reduces it to column values: HLA typings and unacceptable antigens normalised, the latter expanded.
 */
export function checkSnapshotCandidate (candidate: unknown, index: number, organType: OrganType, atMs: number, centreIds: ReadonlySet<string>): CheckedCandidate {
  const field = `candidates[${index}]`
  const c = requireObject(candidate, field) as Partial<Record<keyof Candidate, unknown>>
  const id = requireString(c.id, `${field}.id`)
  const candidateOrgan = requireEnum(c.organType, `${field}.organType`, ORGAN_TYPES)
  if (candidateOrgan !== organType) throw new InvalidFieldError(`${field}.organType`, `must be "${organType}", the organ of this snapshot (got "${candidateOrgan}")`)
  const centreId = requireString(c.centreId, `${field}.centreId`)
  if (!centreIds.has(centreId)) throw new UnknownValueError(`${field}.centreId`, `must name one of the centres given (got "${centreId}")`)
  const registeredMs = parseDateOrInstant(c.registeredAt, `${field}.registeredAt`)
  if (registeredMs > atMs) throw new InvalidFieldError(`${field}.registeredAt`, 'must not be after the snapshot time')
  const ageYears = requireNumber(c.ageYears, `${field}.ageYears`, RANGES.age)
  const hla = normaliseTyping(c.hla, `${field}.hla`)
  if (!Array.isArray(c.unacceptableAntigens)) throw new InvalidFieldError(`${field}.unacceptableAntigens`, 'must be a list of HLA antigens (empty when none)')
  const listed = c.unacceptableAntigens.map((a: unknown, i: number) => normaliseAntigen(a as string, `${field}.unacceptableAntigens[${i}]`))
  const acceptance = requireObject(c.acceptance, `${field}.acceptance`)
  const minWeight = optionalNumber(acceptance.minDonorWeightKg, `${field}.acceptance.minDonorWeightKg`, RANGES.weight)
  const maxWeight = optionalNumber(acceptance.maxDonorWeightKg, `${field}.acceptance.maxDonorWeightKg`, RANGES.weight)
  if (minWeight > maxWeight) throw new InvalidFieldError(`${field}.acceptance.minDonorWeightKg`, `must not exceed maxDonorWeightKg (${maxWeight} kg)`)
  const acceptsDcd = acceptance.acceptsDcd === undefined || acceptance.acceptsDcd === null ? 0
    : requireBoolean(acceptance.acceptsDcd, `${field}.acceptance.acceptsDcd`) ? ACCEPTS_DCD_YES : ACCEPTS_DCD_NO
  const quartile = c.ukRecipientRiskQuartile === undefined || c.ukRecipientRiskQuartile === null
    ? 0 : requireInteger(c.ukRecipientRiskQuartile, `${field}.ukRecipientRiskQuartile`, RANGES.quartile)
  const flags = (requireBoolean(c.priorLivingDonor, `${field}.priorLivingDonor`) ? FLAG_PRIOR_LIVING_DONOR : 0) |
    (requireBoolean(c.eligibleForA2Kidney, `${field}.eligibleForA2Kidney`) ? FLAG_ELIGIBLE_FOR_A2 : 0) |
    (acceptsDcd << FLAG_ACCEPTS_DCD_SHIFT)
  const floats: Record<FloatColumn, number> = {
    waitingDays: requireNumber(c.waitingDays, `${field}.waitingDays`, RANGES.days),
    dialysisDays: requireNumber(c.dialysisDays, `${field}.dialysisDays`, RANGES.days),
    cpraPercent: requireNumber(c.cpraPercent, `${field}.cpraPercent`, RANGES.percent),
    vpraPercent: requireNumber(c.vpraPercent, `${field}.vpraPercent`, RANGES.percent),
    mmpPercent: requireNumber(c.mmpPercent, `${field}.mmpPercent`, RANGES.percent),
    meld: optionalNumber(c.meld, `${field}.meld`, RANGES.meld),
    peld: optionalNumber(c.peld, `${field}.peld`, RANGES.peld),
    eptsPercent: optionalNumber(c.eptsPercent, `${field}.eptsPercent`, RANGES.percent),
    ageYears,
    // Clamped at 0: a registration recorded before birth (a data-entry slip of days) is age 0.
    ageAtRegistrationYears: Math.max(0, ageYears - (atMs - registeredMs) / YEAR_MS),
    heightCm: requireNumber(c.heightCm, `${field}.heightCm`, RANGES.height),
    weightKg: requireNumber(c.weightKg, `${field}.weightKg`, RANGES.weight),
    registeredAtDays: registeredMs / DAY_MS,
    matchabilityScore: optionalNumber(c.matchabilityScore, `${field}.matchabilityScore`, RANGES.matchability),
    waitlistSurvivalDays: optionalNumber(c.waitlistSurvivalDays, `${field}.waitlistSurvivalDays`, RANGES.waitlistSurvival),
    postTransplantSurvivalDays: optionalNumber(c.postTransplantSurvivalDays, `${field}.postTransplantSurvivalDays`, RANGES.postTransplantSurvival),
    maxDonorAgeYears: optionalNumber(acceptance.maxDonorAgeYears, `${field}.acceptance.maxDonorAgeYears`, RANGES.age),
    maxKdpi: optionalNumber(acceptance.maxKdpi, `${field}.acceptance.maxKdpi`, RANGES.percent),
    minDonorWeightKg: minWeight,
    maxDonorWeightKg: maxWeight,
    maxDistanceNm: optionalNumber(acceptance.maxDistanceNm, `${field}.acceptance.maxDistanceNm`, RANGES.distance)
  }
  const phenotype = (locus: MatchLocus): string[] => [...new Set(hla[locus])].sort(compareAntigens)
  return {
    id,
    registeredMs,
    floats,
    centreId,
    urgency: requireString(c.urgency, `${field}.urgency`),
    diagnosisGroup: requireString(c.diagnosisGroup, `${field}.diagnosisGroup`),
    hla: { A: phenotype('A'), B: phenotype('B'), DR: phenotype('DR') },
    status: CANDIDATE_STATUSES.indexOf(requireEnum(c.status, `${field}.status`, CANDIDATE_STATUSES)),
    abo: ABO_TYPES.indexOf(requireEnum(c.abo, `${field}.abo`, ABO_TYPES)),
    flags,
    ukRecipientRiskQuartile: quartile,
    unacceptable: [...expandUnacceptable(listed)].sort(compareAntigens)
  }
}

/**
 * The same checked candidate seen at another instant `atMs`. Only waiting days, dialysis days and age
 * change with the instant (the caller recomputes them the way it did for `checkSnapshotCandidate`);
 * age at registration follows from them. The same ranges are checked, so the columns are exactly what
 * `buildWaitlistSnapshot` writes for that candidate at that instant.
 */
export function retimeSnapshotCandidate (row: CheckedCandidate, index: number, atMs: number, timed: { readonly waitingDays: number, readonly dialysisDays: number, readonly ageYears: number }): CheckedCandidate {
  const field = `candidates[${index}]`
  if (row.registeredMs > atMs) throw new InvalidFieldError(`${field}.registeredAt`, 'must not be after the snapshot time')
  const ageYears = requireNumber(timed.ageYears, `${field}.ageYears`, RANGES.age)
  const floats: Record<FloatColumn, number> = {
    ...row.floats,
    waitingDays: requireNumber(timed.waitingDays, `${field}.waitingDays`, RANGES.days),
    dialysisDays: requireNumber(timed.dialysisDays, `${field}.dialysisDays`, RANGES.days),
    ageYears,
    ageAtRegistrationYears: Math.max(0, ageYears - (atMs - row.registeredMs) / YEAR_MS)
  }
  return { ...row, floats }
}

function checkCentre (centre: unknown, index: number): Centre {
  const field = `centres[${index}]`
  const c = requireObject(centre, field)
  if (!Array.isArray(c.authorisations)) throw new InvalidFieldError(`${field}.authorisations`, 'must be a list (empty when none)')
  const authorisations: Authorisation[] = c.authorisations.map((a: unknown, i: number) => {
    const f = `${field}.authorisations[${i}]`
    const record = requireObject(a, f)
    const validFrom = requireString(record.validFrom, `${f}.validFrom`, DATE, 'must be a date YYYY-MM-DD')
    const validUntil = record.validUntil === undefined || record.validUntil === null ? undefined : requireString(record.validUntil, `${f}.validUntil`, DATE, 'must be a date YYYY-MM-DD')
    return {
      organType: requireEnum(record.organType, `${f}.organType`, ORGAN_TYPES),
      activity: requireEnum(record.activity, `${f}.activity`, ACTIVITIES),
      validFrom,
      ...(validUntil === undefined ? {} : { validUntil }),
      suspended: requireBoolean(record.suspended, `${f}.suspended`)
    }
  })
  authorisations.sort((x, y) => {
    const kx = canonicalJson(x)
    const ky = canonicalJson(y)
    return kx < ky ? -1 : kx > ky ? 1 : 0
  })
  return {
    id: requireString(c.id, `${field}.id`),
    name: requireString(c.name, `${field}.name`),
    country: requireString(c.country, `${field}.country`, /^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as NL'),
    region: requireString(c.region, `${field}.region`),
    latitudeDeg: requireNumber(c.latitudeDeg, `${field}.latitudeDeg`, RANGES.latitude),
    longitudeDeg: requireNumber(c.longitudeDeg, `${field}.longitudeDeg`, RANGES.longitude),
    authorisations
  }
}

function byText (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Interns values: returns the sorted distinct values and each value's index in that list. */
function intern (values: readonly string[]): { table: string[], index: Map<string, number> } {
  const table = [...new Set(values)].sort(byText)
  return { table, index: new Map(table.map((v, i) => [v, i])) }
}

function layoutFor (count: number, codeCount: number): ColumnLayout[] {
  const layout: ColumnLayout[] = []
  let offset = 0
  const add = (name: string, type: ColumnLayout['type'], length: number): void => {
    layout.push({ name, type, byteOffset: offset, length })
    const size = type === 'f64' ? 8 : type === 'u32' ? 4 : type === 'u16' ? 2 : 1
    offset += Math.ceil((length * size) / 8) * 8 // keep every column 8-byte aligned
  }
  for (const name of FLOAT_COLUMNS) add(name, 'f64', count)
  add('unacceptableOffsets', 'u32', count + 1)
  for (const name of UINT16_COLUMNS) add(name, 'u16', count)
  add('unacceptableCodes', 'u16', codeCount)
  for (const name of UINT8_COLUMNS) add(name, 'u8', count)
  return layout
}

function layoutBytes (layout: readonly ColumnLayout[]): number {
  const last = layout[layout.length - 1] as ColumnLayout
  const size = last.type === 'f64' ? 8 : last.type === 'u32' ? 4 : last.type === 'u16' ? 2 : 1
  return last.byteOffset + Math.ceil((last.length * size) / 8) * 8
}

function viewColumns (buffer: SharedArrayBuffer, layout: readonly ColumnLayout[]): SnapshotColumns {
  const columns: Record<string, Float64Array | Uint32Array | Uint16Array | Uint8Array> = {}
  for (const column of layout) {
    switch (column.type) {
      case 'f64': columns[column.name] = new Float64Array(buffer, column.byteOffset, column.length); break
      case 'u32': columns[column.name] = new Uint32Array(buffer, column.byteOffset, column.length); break
      case 'u16': columns[column.name] = new Uint16Array(buffer, column.byteOffset, column.length); break
      case 'u8': columns[column.name] = new Uint8Array(buffer, column.byteOffset, column.length); break
    }
  }
  return columns as unknown as SnapshotColumns
}

/**
 * SHA-256 of the canonical JSON of `{ tables, columnsSha256 }`, given the tables' canonical JSON. The
 * object is written by hand (RFC 8785 puts "columnsSha256" before "tables"), so the tables, which hold
 * every candidate id, are canonicalised once and the same text also gives the snapshot's size.
 */
function snapshotHash (tablesJson: string, buffer: SharedArrayBuffer): string {
  return sha256Hex(`{"columnsSha256":"${sha256Hex(new Uint8Array(buffer))}","tables":${tablesJson}}`)
}

function hashSnapshot (tables: SnapshotTables, buffer: SharedArrayBuffer): string {
  return snapshotHash(canonicalJson(tables), buffer)
}

function sizeOf (tables: SnapshotTables, buffer: SharedArrayBuffer): number {
  return buffer.byteLength + new TextEncoder().encode(JSON.stringify(tables)).byteLength
}

const MAX_UINT16 = 65_535

function checkTableSize (size: number, field: string, what: string): void {
  if (size > MAX_UINT16) throw new OutOfRangeError(field, size, 0, MAX_UINT16, what)
}

/**
 * Builds the columnar snapshot of a waiting list for one organ at one instant. Every candidate and
 * centre is checked (errors name the field, e.g. `candidates[3].cpraPercent`); unacceptable antigens
 * are normalised and expanded to splits and broads once, here, so match runs compare integer codes.
 */
export function buildWaitlistSnapshot (input: { organType: OrganType, at: string, candidates: readonly Candidate[], centres: readonly Centre[] }): WaitlistSnapshot {
  const organType = requireEnum(input.organType, 'organType', ORGAN_TYPES)
  const at = parseInstant(input.at, 'at')
  if (!Array.isArray(input.candidates)) throw new InvalidFieldError('candidates', 'must be a list')
  if (!Array.isArray(input.centres)) throw new InvalidFieldError('centres', 'must be a list')
  const centres = checkSnapshotCentres(input.centres)
  const centreIds = new Set(centres.map((c) => c.id))
  const rows = input.candidates.map((c, i) => checkSnapshotCandidate(c, i, organType, at.ms, centreIds))
  return assembleWaitlistSnapshot({ organType, at: at.iso, centres, candidates: rows })
}

/** Checks the centres of a snapshot and sorts them by id (the order the `centre` column indexes). */
export function checkSnapshotCentres (input: readonly unknown[]): Centre[] {
  const centres = input.map(checkCentre).sort((a, b) => byText(a.id, b.id))
  centres.forEach((centre, i) => {
    if (i > 0 && (centres[i - 1] as Centre).id === centre.id) throw new InvalidFieldError('centres', `lists centre "${centre.id}" twice`)
  })
  checkTableSize(centres.length, 'centres', 'centres')
  return centres
}

/**
 * The snapshot of checked candidates (`checkSnapshotCandidate`, in any order) and checked centres
 * (`checkSnapshotCentres`) at instant `at` (ISO 8601 UTC, as `parseInstant` writes it): what
 * `buildWaitlistSnapshot` returns for the same candidates, byte for byte.
 */
export function assembleWaitlistSnapshot (input: { organType: OrganType, at: string, centres: readonly Centre[], candidates: readonly CheckedCandidate[] }): WaitlistSnapshot {
  const { organType, at, centres } = input
  const centreIndex = new Map(centres.map((c, i) => [c.id, i]))
  const rows = [...input.candidates]
  rows.sort((a, b) => byText(a.id, b.id))
  rows.forEach((row, i) => {
    if (i > 0 && (rows[i - 1] as CheckedCandidate).id === row.id) throw new InvalidFieldError('candidates', `lists candidate "${row.id}" twice`)
  })

  const count = rows.length
  const urgencies = intern(rows.map((r) => r.urgency))
  const diagnosisGroups = intern(rows.map((r) => r.diagnosisGroup))
  const antigenTable = [...new Set(rows.flatMap((r) => r.unacceptable))].sort(compareAntigens)
  const antigenIndex = new Map(antigenTable.map((a, i) => [a, i]))
  const typingKeys = {
    A: rows.map((r) => r.hla.A.join(',')),
    B: rows.map((r) => r.hla.B.join(',')),
    DR: rows.map((r) => r.hla.DR.join(','))
  }
  const phenotypes = { A: intern(typingKeys.A), B: intern(typingKeys.B), DR: intern(typingKeys.DR) }
  checkTableSize(urgencies.table.length, 'candidates[].urgency', 'distinct urgency classes')
  checkTableSize(diagnosisGroups.table.length, 'candidates[].diagnosisGroup', 'distinct diagnosis groups')
  for (const locus of ['A', 'B', 'DR'] as const) checkTableSize(phenotypes[locus].table.length, `candidates[].hla.${locus}`, 'distinct typings')

  const codeCount = rows.reduce((sum, r) => sum + r.unacceptable.length, 0)
  const layout = layoutFor(count, codeCount)
  const buffer = new SharedArrayBuffer(layoutBytes(layout))
  const columns = viewColumns(buffer, layout)

  // Column by column: one property name per inner loop keeps the reads monomorphic.
  for (const name of FLOAT_COLUMNS) {
    const column = columns[name]
    for (let i = 0; i < count; i++) column[i] = (rows[i] as CheckedCandidate).floats[name]
  }
  let code = 0
  rows.forEach((row, i) => {
    columns.centre[i] = centreIndex.get(row.centreId) as number
    columns.urgency[i] = urgencies.index.get(row.urgency) as number
    columns.diagnosisGroup[i] = diagnosisGroups.index.get(row.diagnosisGroup) as number
    columns.hlaA[i] = phenotypes.A.index.get(typingKeys.A[i] as string) as number
    columns.hlaB[i] = phenotypes.B.index.get(typingKeys.B[i] as string) as number
    columns.hlaDR[i] = phenotypes.DR.index.get(typingKeys.DR[i] as string) as number
    columns.status[i] = row.status
    columns.abo[i] = row.abo
    columns.flags[i] = row.flags
    columns.ukRecipientRiskQuartile[i] = row.ukRecipientRiskQuartile
    columns.unacceptableOffsets[i] = code
    for (const antigen of row.unacceptable) columns.unacceptableCodes[code++] = antigenIndex.get(antigen) as number
  })
  columns.unacceptableOffsets[count] = code

  const split = (table: readonly string[]): string[][] => table.map((key) => key === '' ? [] : key.split(','))
  const tables: SnapshotTables = {
    format: SNAPSHOT_FORMAT,
    organType,
    at,
    count,
    layout,
    candidateIds: rows.map((r) => r.id),
    urgencies: urgencies.table,
    diagnosisGroups: diagnosisGroups.table,
    antigens: antigenTable,
    hlaPhenotypes: { A: split(phenotypes.A.table), B: split(phenotypes.B.table), DR: split(phenotypes.DR.table) },
    centres
  }
  const tablesJson = canonicalJson(tables)
  // The canonical text has the same length as JSON.stringify's (same strings and numbers, other key order).
  const byteLength = buffer.byteLength + new TextEncoder().encode(tablesJson).byteLength
  return Object.freeze({ organType, at, count, hash: snapshotHash(tablesJson, buffer), byteLength, buffer, tables, columns })
}

/** The parts a worker thread needs; the buffer is shared, never copied. */
export function waitlistSnapshotParts (snapshot: WaitlistSnapshot): WaitlistSnapshotParts {
  return { buffer: snapshot.buffer, tables: snapshot.tables, hash: snapshot.hash }
}

/**
 * Rebuilds a snapshot from its parts (inside a worker). With `verify`, the hash is recomputed and a
 * mismatch is refused; without it the views are rebuilt in microseconds.
 */
export function attachWaitlistSnapshot (parts: WaitlistSnapshotParts, options: { verify?: boolean } = {}): WaitlistSnapshot {
  const { buffer, tables, hash } = parts
  if (tables.format !== SNAPSHOT_FORMAT) throw new InvalidFieldError('tables.format', `must be ${SNAPSHOT_FORMAT}`)
  if (buffer.byteLength !== layoutBytes(tables.layout)) throw new InvalidFieldError('buffer', 'does not match the snapshot layout')
  if (options.verify === true && hashSnapshot(tables, buffer) !== hash) throw new InvalidFieldError('hash', 'does not match the snapshot content')
  return Object.freeze({ organType: tables.organType, at: tables.at, count: tables.count, hash, byteLength: sizeOf(tables, buffer), buffer, tables, columns: viewColumns(buffer, tables.layout) })
}
