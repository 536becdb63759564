import { compareAntigens, normaliseAntigen, normaliseTyping } from '../../engine/clinical/hla-antigens.js'
import { ABO_TYPES } from '../../engine/domain/abo.js'
import type { AcceptanceCriteria } from '../../engine/domain/candidate.js'
import { ACTIVITIES } from '../../engine/domain/centre.js'
import { MATCH_LOCI, type HlaTyping } from '../../engine/domain/hla.js'
import { requireBoolean, requireEnum, requireInteger, requireNumber, requireString, requireTriState, type NumericRange } from '../../engine/domain/input.js'
import { ORGAN_TYPES } from '../../engine/domain/organ.js'
import { InvalidFieldError, MissingFieldError, OutOfRangeError, isEngineError } from '../../engine/errors.js'
import {
  SEXES, type AuthorisationEntry, type CandidateRecord, type CentreRecord, type DirectIdentifiers, type DonorRecord, type LiverLabs,
  type ProtectedAttributes
} from './records.js'

/**
 * Validation of imported records, field by field: every problem in a record is reported (not only the
 * first), each with the path of the field (`hla.A[1]`, `acceptance.maxKdpi`) and the rule it broke.
 * The checks are the engine's own (engine/domain/input.ts, engine/clinical/hla-antigens.ts); values
 * are normalised (antigen names, instants to UTC with milliseconds) but never defaulted or coerced.
 */

export interface FieldIssue {
  /** Path of the field inside the record. */
  readonly field: string
  /** The rule that was broken, in words a clerk can act on. */
  readonly reason: string
  /** Stable code: the engine error code, or an IMPORT_* code for problems found by the importer. */
  readonly code: string
}

/** Collects issues while a record is checked; `take` runs one check and records its failure. */
export class Issues {
  readonly list: FieldIssue[] = []

  take<T> (field: string, check: () => T): T | undefined {
    try {
      return check()
    } catch (error) {
      this.list.push(issueOf(error, field))
      return undefined
    }
  }

  add (field: string, reason: string, code = 'ENGINE_INVALID_FIELD'): void {
    this.list.push({ field, reason, code })
  }
}

export function issueOf (error: unknown, field: string): FieldIssue {
  if (isEngineError(error)) {
    const got = error instanceof OutOfRangeError ? ` (got ${error.value})` : ''
    return { field: error.field ?? field, reason: `${error.rule ?? error.message}${got}`, code: error.code }
  }
  // A non-engine error here is a defect in a check, reported rather than thrown so one bad row cannot stop an import.
  return { field, reason: error instanceof Error ? error.message : String(error), code: 'IMPORT_CHECK_FAILED' }
}

// ---------------------------------------------------------------------------------------------
// Value checks shared by the entities

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const MONTH = /^(\d{4})-(\d{2})$/
const FIRST_YEAR = 1900
const LAST_YEAR = 2200

function realDay (year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/** An ISO 8601 instant with a zone, or a calendar date (taken as 00:00 UTC); returned in UTC with milliseconds. */
export function requireInstantOrDate (value: unknown, field: string): string {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  const rule = `must be an ISO 8601 date-time with a zone (2025-03-01T14:05:00Z) or a date (2025-03-01), years ${FIRST_YEAR}-${LAST_YEAR}`
  if (typeof value !== 'string') throw new InvalidFieldError(field, rule)
  const date = DATE.exec(value)
  if (date !== null) return `${requireDateText(value, field)}T00:00:00.000Z`
  const match = INSTANT.exec(value)
  if (match === null) throw new InvalidFieldError(field, rule)
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number]
  if (year < FIRST_YEAR || year > LAST_YEAR || !realDay(year, month, day) || hour > 23 || minute > 59 || second > 59) throw new InvalidFieldError(field, rule)
  return new Date(value).toISOString()
}

export function requireDateText (value: unknown, field: string): string {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  const rule = `must be a calendar date YYYY-MM-DD, years ${FIRST_YEAR}-${LAST_YEAR}`
  if (typeof value !== 'string') throw new InvalidFieldError(field, rule)
  const match = DATE.exec(value)
  if (match === null) throw new InvalidFieldError(field, rule)
  const [year, month, day] = match.slice(1, 4).map(Number) as [number, number, number]
  if (year < FIRST_YEAR || year > LAST_YEAR || !realDay(year, month, day)) throw new InvalidFieldError(field, rule)
  return value
}

export function requireMonthText (value: unknown, field: string): string {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  const rule = `must be a calendar month YYYY-MM, years ${FIRST_YEAR}-${LAST_YEAR}`
  if (typeof value !== 'string') throw new InvalidFieldError(field, rule)
  const match = MONTH.exec(value)
  if (match === null) throw new InvalidFieldError(field, rule)
  const [year, month] = match.slice(1, 3).map(Number) as [number, number]
  if (year < FIRST_YEAR || year > LAST_YEAR || month < 1 || month > 12) throw new InvalidFieldError(field, rule)
  return value
}

const LOCAL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const LOCAL_ID_RULE = 'must be 1-64 letters, digits, . _ or - (starting with a letter or digit)'
const COUNTRY = /^[A-Z]{2}$/
const COUNTRY_RULE = 'must be an ISO 3166-1 alpha-2 code in capitals, e.g. NL'

export function requireLocalId (value: unknown, field: string): string {
  return requireString(value, field, LOCAL_ID, LOCAL_ID_RULE)
}

/**
 * An HLA typing for the registry: antigen names normalised ('A02' → 'A2'), each locus sorted in
 * canonical order with a repeated antigen written once (both mean homozygous), and A, B and DR
 * typed with one or two antigens each (the registry refuses untyped match loci).
 */
export function requireTyping (value: unknown, field: string): HlaTyping {
  const typing = normaliseTyping(value, field)
  const tidy = (antigens: readonly string[]): string[] => [...new Set(antigens)].sort(compareAntigens)
  for (const locus of MATCH_LOCI) {
    if (typing[locus].length === 0) throw new InvalidFieldError(`${field}.${locus}`, `must list one or two HLA-${locus} antigens`)
  }
  const result: { A: string[], B: string[], C?: string[], DR: string[], DQ?: string[] } = { A: tidy(typing.A), B: tidy(typing.B), DR: tidy(typing.DR) }
  if (typing.C !== undefined && typing.C.length > 0) result.C = tidy(typing.C)
  if (typing.DQ !== undefined && typing.DQ.length > 0) result.DQ = tidy(typing.DQ)
  return result
}

/** A list of antigens, normalised, without repeats, in canonical order. */
export function requireAntigens (value: unknown, field: string): string[] {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  if (!Array.isArray(value)) throw new InvalidFieldError(field, 'must be a list of HLA antigens')
  const antigens = value.map((antigen, i) => normaliseAntigen(antigen as string, `${field}[${i}]`))
  return [...new Set(antigens)].sort(compareAntigens)
}

function requireObject (value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidFieldError(field, 'must be an object')
  return value as Record<string, unknown>
}

function refuseUnknownKeys (record: Record<string, unknown>, allowed: readonly string[], prefix: string, issues: Issues): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) issues.add(`${prefix}${key}`, `is not a field of this record; expected one of ${allowed.join(', ')}`, 'IMPORT_UNKNOWN_FIELD')
  }
}

/** The value at `key` when present (not undefined); null is refused like any wrong type. */
function optionalField<T> (record: Record<string, unknown>, key: string, field: string, issues: Issues, check: (value: unknown, field: string) => T): T | undefined {
  const value = record[key]
  if (value === undefined) return undefined
  return issues.take(field, () => check(value, field))
}

function number (range: NumericRange): (value: unknown, field: string) => number {
  return (value, field) => requireNumber(value, field, range)
}

function integer (range: NumericRange): (value: unknown, field: string) => number {
  return (value, field) => requireInteger(value, field, range)
}

/**
 * Accepted ranges of imported numbers: physiological limits, the same as the registry's own checks
 * (data/db), so that a file this importer accepts is never refused half-way by the registry.
 */
export const IMPORT_RANGES = {
  heightCm: { min: 20, max: 260, unit: 'cm' },
  weightKg: { min: 0.5, max: 350, unit: 'kg' },
  percent: { min: 0, max: 100, unit: '%' },
  meld: { min: 6, max: 40, unit: 'points' },
  peld: { min: -20, max: 100, unit: 'points' },
  quartile: { min: 1, max: 4, unit: '' },
  matchability: { min: 1, max: 10, unit: '' },
  donorAgeYears: { min: 0, max: 120, unit: 'years' },
  distanceNm: { min: 0, max: 13000, unit: 'NM' },
  latitude: { min: -90, max: 90, unit: 'degrees' },
  longitude: { min: -180, max: 180, unit: 'degrees' },
  creatinineMgDl: { min: 0.01, max: 40, unit: 'mg/dL' },
  bilirubinMgDl: { min: 0.01, max: 100, unit: 'mg/dL' },
  inr: { min: 0.1, max: 20, unit: '' },
  sodiumMmolL: { min: 90, max: 200, unit: 'mmol/L' },
  albuminGDl: { min: 0.1, max: 10, unit: 'g/dL' },
  kdri: { min: 0.1, max: 10, unit: '' }
} as const satisfies Record<string, NumericRange>

function protectedAttributes (value: unknown, issues: Issues): ProtectedAttributes | undefined {
  const record = issues.take('protectedAttributes', () => requireObject(value, 'protectedAttributes'))
  if (record === undefined) return undefined
  refuseUnknownKeys(record, ['sex', 'raceEthnicity', 'nationality', 'residence'], 'protectedAttributes.', issues)
  const result: { -readonly [K in keyof ProtectedAttributes]: ProtectedAttributes[K] } = {}
  const sex = optionalField(record, 'sex', 'protectedAttributes.sex', issues, (v, f) => requireEnum(v, f, SEXES))
  const raceEthnicity = optionalField(record, 'raceEthnicity', 'protectedAttributes.raceEthnicity', issues, (v, f) => requireString(v, f))
  const nationality = optionalField(record, 'nationality', 'protectedAttributes.nationality', issues, (v, f) => requireString(v, f, COUNTRY, COUNTRY_RULE))
  const residence = optionalField(record, 'residence', 'protectedAttributes.residence', issues, (v, f) => requireString(v, f, COUNTRY, COUNTRY_RULE))
  if (sex !== undefined) result.sex = sex
  if (raceEthnicity !== undefined) result.raceEthnicity = raceEthnicity
  if (nationality !== undefined) result.nationality = nationality
  if (residence !== undefined) result.residence = residence
  return result
}

function identifiers (value: unknown, issues: Issues): DirectIdentifiers | undefined {
  const record = issues.take('identifiers', () => requireObject(value, 'identifiers'))
  if (record === undefined) return undefined
  refuseUnknownKeys(record, ['name', 'nationalId', 'birthDate'], 'identifiers.', issues)
  const result: { -readonly [K in keyof DirectIdentifiers]: DirectIdentifiers[K] } = {}
  const name = optionalField(record, 'name', 'identifiers.name', issues, (v, f) => requireString(v, f))
  const nationalId = optionalField(record, 'nationalId', 'identifiers.nationalId', issues, (v, f) => requireString(v, f))
  const birthDate = optionalField(record, 'birthDate', 'identifiers.birthDate', issues, requireDateText)
  if (name !== undefined) result.name = name
  if (nationalId !== undefined) result.nationalId = nationalId
  if (birthDate !== undefined) result.birthDate = birthDate
  return result
}

// ---------------------------------------------------------------------------------------------
// Centres

const CENTRE_FIELDS = ['id', 'name', 'country', 'region', 'latitudeDeg', 'longitudeDeg', 'authorisations'] as const
const AUTHORISATION_FIELDS = ['organType', 'activity', 'validFrom', 'validUntil', 'decisionReference', 'suspendedFrom'] as const

function authorisationEntry (value: unknown, field: string, issues: Issues): AuthorisationEntry | undefined {
  const record = issues.take(field, () => requireObject(value, field))
  if (record === undefined) return undefined
  refuseUnknownKeys(record, AUTHORISATION_FIELDS, `${field}.`, issues)
  const organType = issues.take(`${field}.organType`, () => requireEnum(record.organType, `${field}.organType`, ORGAN_TYPES))
  const activity = issues.take(`${field}.activity`, () => requireEnum(record.activity, `${field}.activity`, ACTIVITIES))
  const validFrom = issues.take(`${field}.validFrom`, () => requireDateText(record.validFrom, `${field}.validFrom`))
  const validUntil = optionalField(record, 'validUntil', `${field}.validUntil`, issues, requireDateText)
  const decisionReference = issues.take(`${field}.decisionReference`, () => requireString(record.decisionReference, `${field}.decisionReference`))
  const suspendedFrom = optionalField(record, 'suspendedFrom', `${field}.suspendedFrom`, issues, requireInstantOrDate)
  if (validFrom !== undefined && validUntil !== undefined && validUntil < validFrom) issues.add(`${field}.validUntil`, `must not be before validFrom (${validFrom})`)
  if (organType === undefined || activity === undefined || validFrom === undefined || decisionReference === undefined) return undefined
  const entry: { -readonly [K in keyof AuthorisationEntry]: AuthorisationEntry[K] } = { organType, activity, validFrom, decisionReference }
  if (validUntil !== undefined) entry.validUntil = validUntil
  if (suspendedFrom !== undefined) entry.suspendedFrom = suspendedFrom
  return entry
}

/** Checks one centre; returns the record and every issue found. */
export function validateCentre (value: unknown): { record?: CentreRecord, issues: FieldIssue[] } {
  const issues = new Issues()
  const record = issues.take('', () => requireObject(value, 'centre'))
  if (record === undefined) return { issues: issues.list }
  refuseUnknownKeys(record, CENTRE_FIELDS, '', issues)
  const id = issues.take('id', () => requireLocalId(record.id, 'id'))
  const name = issues.take('name', () => requireString(record.name, 'name'))
  const country = issues.take('country', () => requireString(record.country, 'country', COUNTRY, COUNTRY_RULE))
  const region = issues.take('region', () => requireString(record.region, 'region'))
  const latitudeDeg = issues.take('latitudeDeg', () => requireNumber(record.latitudeDeg, 'latitudeDeg', IMPORT_RANGES.latitude))
  const longitudeDeg = issues.take('longitudeDeg', () => requireNumber(record.longitudeDeg, 'longitudeDeg', IMPORT_RANGES.longitude))
  const list = issues.take('authorisations', () => {
    if (record.authorisations === undefined || record.authorisations === null) throw new MissingFieldError('authorisations')
    if (!Array.isArray(record.authorisations)) throw new InvalidFieldError('authorisations', 'must be a list (possibly empty)')
    return record.authorisations as unknown[]
  })
  const authorisations = (list ?? []).map((entry, i) => authorisationEntry(entry, `authorisations[${i}]`, issues))
  if (issues.list.length > 0) return { issues: issues.list }
  return {
    record: {
      id: id as string,
      name: name as string,
      country: country as string,
      region: region as string,
      latitudeDeg: latitudeDeg as number,
      longitudeDeg: longitudeDeg as number,
      authorisations: authorisations as AuthorisationEntry[]
    },
    issues: []
  }
}

// ---------------------------------------------------------------------------------------------
// Candidates

const CANDIDATE_FIELDS = [
  'id', 'organType', 'centreId', 'status', 'urgency', 'registeredAt', 'waitingTimeFrom', 'birthMonth', 'heightCm', 'weightKg', 'abo',
  'hla', 'unacceptableAntigens', 'dialysisFrom', 'cpraPercent', 'vpraPercent', 'mmpPercent', 'meld', 'peld', 'eptsPercent',
  'ukRecipientRiskQuartile', 'matchabilityScore', 'priorLivingDonor', 'diagnosisGroup', 'eligibleForA2Kidney', 'acceptance',
  'diabetes', 'priorSolidOrganTransplant', 'liverLabs', 'protectedAttributes', 'identifiers'
] as const
const ACCEPTANCE_FIELDS = ['maxDonorAgeYears', 'maxKdpi', 'acceptsDcd', 'minDonorWeightKg', 'maxDonorWeightKg', 'maxDistanceNm'] as const
const LIVER_LAB_FIELDS = ['bilirubinMgDl', 'inr', 'creatinineMgDl', 'sodiumMmolL', 'albuminGDl', 'dialysisTwiceInPastWeek', 'growthFailure'] as const
/** Statuses a candidate can be imported with: outcomes (transplanted, removed, deceased) are recorded as events. */
export const IMPORT_CANDIDATE_STATUSES = ['active', 'inactive'] as const

function acceptance (value: unknown, issues: Issues): AcceptanceCriteria | undefined {
  const record = issues.take('acceptance', () => requireObject(value, 'acceptance'))
  if (record === undefined) return undefined
  refuseUnknownKeys(record, ACCEPTANCE_FIELDS, 'acceptance.', issues)
  const result: { -readonly [K in keyof AcceptanceCriteria]: AcceptanceCriteria[K] } = {}
  const maxDonorAgeYears = optionalField(record, 'maxDonorAgeYears', 'acceptance.maxDonorAgeYears', issues, number(IMPORT_RANGES.donorAgeYears))
  const maxKdpi = optionalField(record, 'maxKdpi', 'acceptance.maxKdpi', issues, number(IMPORT_RANGES.percent))
  const acceptsDcd = optionalField(record, 'acceptsDcd', 'acceptance.acceptsDcd', issues, requireBoolean)
  const minDonorWeightKg = optionalField(record, 'minDonorWeightKg', 'acceptance.minDonorWeightKg', issues, number(IMPORT_RANGES.weightKg))
  const maxDonorWeightKg = optionalField(record, 'maxDonorWeightKg', 'acceptance.maxDonorWeightKg', issues, number(IMPORT_RANGES.weightKg))
  const maxDistanceNm = optionalField(record, 'maxDistanceNm', 'acceptance.maxDistanceNm', issues, number(IMPORT_RANGES.distanceNm))
  if (minDonorWeightKg !== undefined && maxDonorWeightKg !== undefined && maxDonorWeightKg < minDonorWeightKg) {
    issues.add('acceptance.maxDonorWeightKg', `must not be below minDonorWeightKg (${minDonorWeightKg} kg)`)
  }
  if (maxDonorAgeYears !== undefined) result.maxDonorAgeYears = maxDonorAgeYears
  if (maxKdpi !== undefined) result.maxKdpi = maxKdpi
  if (acceptsDcd !== undefined) result.acceptsDcd = acceptsDcd
  if (minDonorWeightKg !== undefined) result.minDonorWeightKg = minDonorWeightKg
  if (maxDonorWeightKg !== undefined) result.maxDonorWeightKg = maxDonorWeightKg
  if (maxDistanceNm !== undefined) result.maxDistanceNm = maxDistanceNm
  return result
}

function liverLabs (value: unknown, issues: Issues): LiverLabs | undefined {
  const record = issues.take('liverLabs', () => requireObject(value, 'liverLabs'))
  if (record === undefined) return undefined
  refuseUnknownKeys(record, LIVER_LAB_FIELDS, 'liverLabs.', issues)
  const lab = (key: string, range: NumericRange): number | undefined => issues.take(`liverLabs.${key}`, () => requireNumber(record[key], `liverLabs.${key}`, range))
  const bilirubinMgDl = lab('bilirubinMgDl', IMPORT_RANGES.bilirubinMgDl)
  const inr = lab('inr', IMPORT_RANGES.inr)
  const creatinineMgDl = lab('creatinineMgDl', IMPORT_RANGES.creatinineMgDl)
  const sodiumMmolL = lab('sodiumMmolL', IMPORT_RANGES.sodiumMmolL)
  const albuminGDl = lab('albuminGDl', IMPORT_RANGES.albuminGDl)
  const dialysisTwiceInPastWeek = issues.take('liverLabs.dialysisTwiceInPastWeek', () => requireBoolean(record.dialysisTwiceInPastWeek, 'liverLabs.dialysisTwiceInPastWeek'))
  const growthFailure = optionalField(record, 'growthFailure', 'liverLabs.growthFailure', issues, requireBoolean)
  if (bilirubinMgDl === undefined || inr === undefined || creatinineMgDl === undefined || sodiumMmolL === undefined || albuminGDl === undefined || dialysisTwiceInPastWeek === undefined) return undefined
  return growthFailure === undefined
    ? { bilirubinMgDl, inr, creatinineMgDl, sodiumMmolL, albuminGDl, dialysisTwiceInPastWeek }
    : { bilirubinMgDl, inr, creatinineMgDl, sodiumMmolL, albuminGDl, dialysisTwiceInPastWeek, growthFailure }
}

/** Checks one candidate; returns the record and every issue found. */
export function validateCandidate (value: unknown): { record?: CandidateRecord, issues: FieldIssue[] } {
  const issues = new Issues()
  const r = issues.take('', () => requireObject(value, 'candidate'))
  if (r === undefined) return { issues: issues.list }
  refuseUnknownKeys(r, CANDIDATE_FIELDS, '', issues)
  const req = <T>(key: string, check: (value: unknown, field: string) => T): T | undefined => issues.take(key, () => check(r[key], key))
  const opt = <T>(key: string, check: (value: unknown, field: string) => T): T | undefined => optionalField(r, key, key, issues, check)

  const id = req('id', requireLocalId)
  const organType = req('organType', (v, f) => requireEnum(v, f, ORGAN_TYPES))
  const centreId = req('centreId', requireLocalId)
  const status = req('status', (v, f) => requireEnum(v, f, IMPORT_CANDIDATE_STATUSES))
  const urgency = req('urgency', (v, f) => requireString(v, f))
  const registeredAt = req('registeredAt', requireInstantOrDate)
  const waitingTimeFrom = req('waitingTimeFrom', requireInstantOrDate)
  const birthMonth = req('birthMonth', requireMonthText)
  const heightCm = req('heightCm', number(IMPORT_RANGES.heightCm))
  const weightKg = req('weightKg', number(IMPORT_RANGES.weightKg))
  const abo = req('abo', (v, f) => requireEnum(v, f, ABO_TYPES))
  const hla = req('hla', requireTyping)
  const unacceptableAntigens = req('unacceptableAntigens', requireAntigens)
  const dialysisFrom = opt('dialysisFrom', requireInstantOrDate)
  const cpraPercent = req('cpraPercent', number(IMPORT_RANGES.percent))
  const vpraPercent = req('vpraPercent', number(IMPORT_RANGES.percent))
  const mmpPercent = req('mmpPercent', number(IMPORT_RANGES.percent))
  const meld = opt('meld', integer(IMPORT_RANGES.meld))
  const peld = opt('peld', integer(IMPORT_RANGES.peld))
  const eptsPercent = opt('eptsPercent', number(IMPORT_RANGES.percent))
  const ukRecipientRiskQuartile = opt('ukRecipientRiskQuartile', integer(IMPORT_RANGES.quartile))
  const matchabilityScore = opt('matchabilityScore', integer(IMPORT_RANGES.matchability))
  const priorLivingDonor = req('priorLivingDonor', requireBoolean)
  const diagnosisGroup = req('diagnosisGroup', (v, f) => requireString(v, f))
  const eligibleForA2Kidney = req('eligibleForA2Kidney', requireBoolean)
  const acceptanceCriteria = r.acceptance === undefined ? issues.take('acceptance', () => { throw new MissingFieldError('acceptance') }) : acceptance(r.acceptance, issues)
  const diabetes = opt('diabetes', requireBoolean)
  const priorSolidOrganTransplant = opt('priorSolidOrganTransplant', requireBoolean)
  const labs = r.liverLabs === undefined ? undefined : liverLabs(r.liverLabs, issues)
  const protectedValue = r.protectedAttributes === undefined ? undefined : protectedAttributes(r.protectedAttributes, issues)
  const identity = r.identifiers === undefined ? undefined : identifiers(r.identifiers, issues)

  if (registeredAt !== undefined && waitingTimeFrom !== undefined && waitingTimeFrom > registeredAt) {
    issues.add('waitingTimeFrom', `must not be after registeredAt (${registeredAt})`)
  }
  if (registeredAt !== undefined && birthMonth !== undefined && birthMonth > registeredAt.slice(0, 7)) {
    issues.add('birthMonth', `must not be after registeredAt (${registeredAt.slice(0, 7)})`)
  }
  if (birthMonth !== undefined && dialysisFrom !== undefined && dialysisFrom.slice(0, 7) < birthMonth) {
    issues.add('dialysisFrom', `must not be before birthMonth (${birthMonth})`)
  }
  if (identity?.birthDate !== undefined && birthMonth !== undefined && identity.birthDate.slice(0, 7) !== birthMonth) {
    issues.add('identifiers.birthDate', `must fall in birthMonth (${birthMonth})`)
  }
  if (issues.list.length > 0) return { issues: issues.list }

  const record: { -readonly [K in keyof CandidateRecord]: CandidateRecord[K] } = {
    id: id as string,
    organType: organType as CandidateRecord['organType'],
    centreId: centreId as string,
    status: status as CandidateRecord['status'],
    urgency: urgency as string,
    registeredAt: registeredAt as string,
    waitingTimeFrom: waitingTimeFrom as string,
    birthMonth: birthMonth as string,
    heightCm: heightCm as number,
    weightKg: weightKg as number,
    abo: abo as CandidateRecord['abo'],
    hla: hla as HlaTyping,
    unacceptableAntigens: unacceptableAntigens as string[],
    cpraPercent: cpraPercent as number,
    vpraPercent: vpraPercent as number,
    mmpPercent: mmpPercent as number,
    priorLivingDonor: priorLivingDonor as boolean,
    diagnosisGroup: diagnosisGroup as string,
    eligibleForA2Kidney: eligibleForA2Kidney as boolean,
    acceptance: acceptanceCriteria as AcceptanceCriteria
  }
  if (dialysisFrom !== undefined) record.dialysisFrom = dialysisFrom
  if (meld !== undefined) record.meld = meld
  if (peld !== undefined) record.peld = peld
  if (eptsPercent !== undefined) record.eptsPercent = eptsPercent
  if (ukRecipientRiskQuartile !== undefined) record.ukRecipientRiskQuartile = ukRecipientRiskQuartile
  if (matchabilityScore !== undefined) record.matchabilityScore = matchabilityScore
  if (diabetes !== undefined) record.diabetes = diabetes
  if (priorSolidOrganTransplant !== undefined) record.priorSolidOrganTransplant = priorSolidOrganTransplant
  if (labs !== undefined) record.liverLabs = labs
  if (protectedValue !== undefined) record.protectedAttributes = protectedValue
  if (identity !== undefined) record.identifiers = identity
  return { record, issues: [] }
}

// ---------------------------------------------------------------------------------------------
// Donors

const DONOR_FIELDS = [
  'id', 'kind', 'pathway', 'hospitalCentreId', 'reportedAt', 'ageYears', 'heightCm', 'weightKg', 'abo', 'hla', 'creatinineMgDl',
  'hypertension', 'diabetes', 'causeOfDeathCva', 'causeOfDeath', 'kdri', 'kdpi', 'ukDonorRiskQuartile', 'protectedAttributes', 'identifiers'
] as const

/** Checks one deceased donor; returns the record and every issue found. */
export function validateDonor (value: unknown): { record?: DonorRecord, issues: FieldIssue[] } {
  const issues = new Issues()
  const r = issues.take('', () => requireObject(value, 'donor'))
  if (r === undefined) return { issues: issues.list }
  refuseUnknownKeys(r, DONOR_FIELDS, '', issues)
  const req = <T>(key: string, check: (value: unknown, field: string) => T): T | undefined => issues.take(key, () => check(r[key], key))
  const opt = <T>(key: string, check: (value: unknown, field: string) => T): T | undefined => optionalField(r, key, key, issues, check)

  const id = req('id', requireLocalId)
  req('kind', (v, f) => requireEnum(v, f, ['deceased'] as const))
  const pathway = req('pathway', (v, f) => requireEnum(v, f, ['DBD', 'DCD'] as const))
  const hospitalCentreId = req('hospitalCentreId', requireLocalId)
  const reportedAt = req('reportedAt', requireInstantOrDate)
  const ageYears = req('ageYears', number(IMPORT_RANGES.donorAgeYears))
  const heightCm = req('heightCm', number(IMPORT_RANGES.heightCm))
  const weightKg = req('weightKg', number(IMPORT_RANGES.weightKg))
  const abo = req('abo', (v, f) => requireEnum(v, f, ABO_TYPES))
  const hla = req('hla', requireTyping)
  const creatinineMgDl = req('creatinineMgDl', number(IMPORT_RANGES.creatinineMgDl))
  const hypertension = req('hypertension', requireTriState)
  const diabetes = req('diabetes', requireTriState)
  const causeOfDeathCva = req('causeOfDeathCva', requireBoolean)
  const causeOfDeath = opt('causeOfDeath', (v, f) => requireString(v, f))
  const kdri = opt('kdri', number(IMPORT_RANGES.kdri))
  const kdpi = opt('kdpi', number(IMPORT_RANGES.percent))
  const ukDonorRiskQuartile = opt('ukDonorRiskQuartile', integer(IMPORT_RANGES.quartile))
  const protectedValue = r.protectedAttributes === undefined ? undefined : protectedAttributes(r.protectedAttributes, issues)
  const identity = r.identifiers === undefined ? undefined : identifiers(r.identifiers, issues)
  if (causeOfDeath !== undefined && causeOfDeathCva !== undefined && (causeOfDeath === 'cerebrovascular') !== causeOfDeathCva) {
    issues.add('causeOfDeath', `must be "cerebrovascular" exactly when causeOfDeathCva is true (causeOfDeathCva is ${String(causeOfDeathCva)})`)
  }
  if (issues.list.length > 0) return { issues: issues.list }
  const record: { -readonly [K in keyof DonorRecord]: DonorRecord[K] } = {
    id: id as string,
    kind: 'deceased',
    pathway: pathway as DonorRecord['pathway'],
    hospitalCentreId: hospitalCentreId as string,
    reportedAt: reportedAt as string,
    ageYears: ageYears as number,
    heightCm: heightCm as number,
    weightKg: weightKg as number,
    abo: abo as DonorRecord['abo'],
    hla: hla as HlaTyping,
    creatinineMgDl: creatinineMgDl as number,
    hypertension: hypertension as DonorRecord['hypertension'],
    diabetes: diabetes as DonorRecord['diabetes'],
    causeOfDeathCva: causeOfDeathCva as boolean
  }
  if (causeOfDeath !== undefined) record.causeOfDeath = causeOfDeath
  if (kdri !== undefined) record.kdri = kdri
  if (kdpi !== undefined) record.kdpi = kdpi
  if (ukDonorRiskQuartile !== undefined) record.ukDonorRiskQuartile = ukDonorRiskQuartile
  if (protectedValue !== undefined) record.protectedAttributes = protectedValue
  if (identity !== undefined) record.identifiers = identity
  return { record, issues: [] }
}
