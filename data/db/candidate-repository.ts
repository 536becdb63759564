import { ABO_TYPES, type AboType } from '../../engine/domain/abo.js'
import { isAuthorised } from '../../engine/domain/centre.js'
import { CANDIDATE_STATUSES, type AcceptanceCriteria, type Candidate, type CandidateStatus } from '../../engine/domain/candidate.js'
import type { HlaAntigen, HlaTyping } from '../../engine/domain/hla.js'
import { requireBoolean, requireEnum, requireInteger, requireNumber, requireString } from '../../engine/domain/input.js'
import { ORGAN_TYPES, type OrganType } from '../../engine/domain/organ.js'
import { InvalidFieldError, MissingFieldError, UnknownValueError } from '../../engine/errors.js'
import { pinRow } from '../audit/audit-log.js'
import { pseudonym, pseudonymPattern } from '../security/pseudonym.js'
import type { CentreRepository } from './centre-repository.js'
import type { RegistryContext } from './context.js'
import { bit, requireActor, statement, writeTransaction } from './context.js'
import type { DirectIdentifiers, IdentityRepository, ProtectedAttributes } from './identity-repository.js'
import {
  ageYearsFromBirthMonth, optional, requireAntigenList, requireHlaTyping, requireInstant, requireMonth, wholeDaysBetween
} from './values.js'

/** Clinical values that change over a candidate's time on the list; each recording replaces the whole set. */
export interface ClinicalValues {
  /** Urgency class named by the policy ("HU", "status-1a", "status-1"); "elective" when none. */
  readonly urgency: string
  readonly heightCm: number
  readonly weightKg: number
  /** Start of chronic dialysis (ISO instant), when on dialysis. */
  readonly dialysisFrom?: string | undefined
  readonly cpraPercent: number
  readonly vpraPercent: number
  readonly mmpPercent: number
  readonly meld?: number | undefined
  readonly peld?: number | undefined
  readonly eptsPercent?: number | undefined
  readonly ukRecipientRiskQuartile?: number | undefined
  readonly matchabilityScore?: number | undefined
  /** Lung CAS inputs (OPTN lung CAS 2023), computed at the registry boundary: days alive in 1 year without, 5 years with a transplant. */
  readonly waitlistSurvivalDays?: number | undefined
  readonly postTransplantSurvivalDays?: number | undefined
  readonly acceptance: AcceptanceCriteria
}

export interface CandidateRegistration {
  /**
   * The registering programme's own registration number. Only its keyed-HMAC pseudonym is kept; it
   * should not be a national id (that goes in `identifiers`).
   */
  readonly localId: string
  readonly organType: OrganType
  readonly centreId: string
  readonly registeredAt: string
  /** When waiting time starts counting, if earlier than registration (e.g. dialysis start under US kidney rules). */
  readonly waitingTimeFrom?: string | undefined
  /** YYYY-MM: the only birth information outside the encrypted identifiers; ages are computed from it. */
  readonly birthMonth: string
  readonly abo: AboType
  readonly hla: HlaTyping
  readonly priorLivingDonor: boolean
  readonly diagnosisGroup: string
  readonly eligibleForA2Kidney: boolean
  /** Status on registration. */
  readonly status: 'active' | 'inactive'
  readonly clinical: ClinicalValues
  readonly unacceptableAntigens: readonly HlaAntigen[]
  readonly identifiers?: DirectIdentifiers | undefined
  readonly protectedAttributes?: ProtectedAttributes | undefined
}

export interface StatusChange {
  readonly status: CandidateStatus
  readonly effectiveAt: string
  readonly reason: string
}

export interface StatusHistoryEntry extends StatusChange {
  readonly recordedAt: string
}

/** A row of the as-of query: the registration joined with the status, clinical values and antigens in force. */
export interface CandidateAsOfRow {
  id: string
  organ_type: OrganType
  centre_id: string
  registered_at: string
  waiting_time_from: string
  birth_month: string
  abo: AboType
  hla_json: string
  prior_living_donor: number
  diagnosis_group: string
  eligible_for_a2_kidney: number
  status: CandidateStatus
  antigens_json: string
  urgency: string
  height_cm: number
  weight_kg: number
  dialysis_from: string | null
  cpra_percent: number
  vpra_percent: number
  mmp_percent: number
  meld: number | null
  peld: number | null
  epts_percent: number | null
  uk_recipient_risk_quartile: number | null
  matchability_score: number | null
  waitlist_survival_days: number | null
  post_transplant_survival_days: number | null
  acceptance_json: string
}

/**
 * Candidates registered at `@at` or before, with the status, clinical values and unacceptable antigens
 * in force at `@at` (the latest row effective at or before it; ties go to the later recording).
 * With `@knownAt`, only rows recorded by then count: the list as the registry knew it at that moment,
 * which is what a replay of a past match run must rebuild (a later, back-dated entry then shows up as
 * a difference instead of silently changing history).
 */
function candidatesAsOfSql (filter: 'c.id = @id' | 'c.organ_type = @organType'): string {
  return `
WITH picked AS (
  SELECT c.id AS candidate_id,
    (SELECT h.status FROM candidate_status_history h
      WHERE h.candidate_id = c.id AND h.effective_at <= @at AND (@knownAt IS NULL OR h.recorded_at <= @knownAt)
      ORDER BY h.effective_at DESC, h.id DESC LIMIT 1) AS status,
    (SELECT v.id FROM candidate_clinical_values v
      WHERE v.candidate_id = c.id AND v.effective_at <= @at AND (@knownAt IS NULL OR v.recorded_at <= @knownAt)
      ORDER BY v.effective_at DESC, v.id DESC LIMIT 1) AS clinical_id,
    (SELECT u.antigens_json FROM candidate_unacceptable_antigens u
      WHERE u.candidate_id = c.id AND u.effective_at <= @at AND (@knownAt IS NULL OR u.recorded_at <= @knownAt)
      ORDER BY u.effective_at DESC, u.id DESC LIMIT 1) AS antigens_json
  FROM candidates c
  WHERE ${filter} AND c.registered_at <= @at
    AND (@knownAt IS NULL OR c.recorded_at <= @knownAt)
)
SELECT c.id, c.organ_type, c.centre_id, c.registered_at, c.waiting_time_from, c.birth_month, c.abo, c.hla_json,
  c.prior_living_donor, c.diagnosis_group, c.eligible_for_a2_kidney, p.status, p.antigens_json,
  v.urgency, v.height_cm, v.weight_kg, v.dialysis_from, v.cpra_percent, v.vpra_percent, v.mmp_percent, v.meld, v.peld,
  v.epts_percent, v.uk_recipient_risk_quartile, v.matchability_score, v.waitlist_survival_days,
  v.post_transplant_survival_days, v.acceptance_json
FROM picked p
JOIN candidates c ON c.id = p.candidate_id
JOIN candidate_clinical_values v ON v.id = p.clinical_id
ORDER BY c.id`
}

/** One candidate by pseudonym (a literal filter, so SQLite uses the primary key). */
export const CANDIDATE_AS_OF_SQL = candidatesAsOfSql('c.id = @id')
/** Every candidate of an organ type (uses the organ_type, registered_at index). */
export const CANDIDATES_OF_ORGAN_AS_OF_SQL = candidatesAsOfSql('c.organ_type = @organType')

/** Builds the engine's Candidate from an as-of row: waiting days, dialysis days and age are computed at `at`. */
export function candidateFromRow (row: CandidateAsOfRow, at: string): Candidate {
  const acceptance = JSON.parse(row.acceptance_json) as AcceptanceCriteria
  return {
    id: row.id,
    organType: row.organ_type,
    centreId: row.centre_id,
    status: row.status,
    urgency: row.urgency,
    registeredAt: row.registered_at,
    ageYears: ageYearsFromBirthMonth(row.birth_month, at),
    heightCm: row.height_cm,
    weightKg: row.weight_kg,
    abo: row.abo,
    hla: JSON.parse(row.hla_json) as HlaTyping,
    unacceptableAntigens: JSON.parse(row.antigens_json) as HlaAntigen[],
    waitingDays: wholeDaysBetween(row.waiting_time_from, at),
    dialysisDays: row.dialysis_from === null ? 0 : wholeDaysBetween(row.dialysis_from, at),
    cpraPercent: row.cpra_percent,
    vpraPercent: row.vpra_percent,
    mmpPercent: row.mmp_percent,
    ...(row.meld === null ? {} : { meld: row.meld }),
    ...(row.peld === null ? {} : { peld: row.peld }),
    ...(row.epts_percent === null ? {} : { eptsPercent: row.epts_percent }),
    ...(row.uk_recipient_risk_quartile === null ? {} : { ukRecipientRiskQuartile: row.uk_recipient_risk_quartile }),
    ...(row.matchability_score === null ? {} : { matchabilityScore: row.matchability_score }),
    ...(row.waitlist_survival_days === null ? {} : { waitlistSurvivalDays: row.waitlist_survival_days }),
    ...(row.post_transplant_survival_days === null ? {} : { postTransplantSurvivalDays: row.post_transplant_survival_days }),
    priorLivingDonor: row.prior_living_donor === 1,
    diagnosisGroup: row.diagnosis_group,
    eligibleForA2Kidney: row.eligible_for_a2_kidney === 1,
    acceptance
  }
}

function requireAcceptance (value: unknown, field: string): AcceptanceCriteria {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidFieldError(field, 'must be an object (empty when the centre accepts any offer)')
  }
  const record = value as Record<string, unknown>
  const known = ['maxDonorAgeYears', 'maxKdpi', 'acceptsDcd', 'minDonorWeightKg', 'maxDonorWeightKg', 'maxDistanceNm']
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) throw new InvalidFieldError(`${field}.${key}`, `is not an acceptance criterion (${known.join(', ')})`)
  }
  const weight = { min: 0.5, max: 350, unit: 'kg' }
  const criteria: Record<string, number | boolean | undefined> = {
    maxDonorAgeYears: optional(record.maxDonorAgeYears, `${field}.maxDonorAgeYears`, (v, f) => requireNumber(v, f, { min: 0, max: 120, unit: 'years' })),
    maxKdpi: optional(record.maxKdpi, `${field}.maxKdpi`, (v, f) => requireNumber(v, f, { min: 0, max: 100, unit: '%' })),
    acceptsDcd: optional(record.acceptsDcd, `${field}.acceptsDcd`, requireBoolean),
    minDonorWeightKg: optional(record.minDonorWeightKg, `${field}.minDonorWeightKg`, (v, f) => requireNumber(v, f, weight)),
    maxDonorWeightKg: optional(record.maxDonorWeightKg, `${field}.maxDonorWeightKg`, (v, f) => requireNumber(v, f, weight)),
    maxDistanceNm: optional(record.maxDistanceNm, `${field}.maxDistanceNm`, (v, f) => requireNumber(v, f, { min: 0, max: 13_000, unit: 'NM' }))
  }
  return Object.fromEntries(Object.entries(criteria).filter(([, item]) => item !== undefined)) as AcceptanceCriteria
}

/** Checks a set of clinical values; ranges are physiological or the score's own range, and no wider than the snapshot builder accepts. */
export function requireClinicalValues (value: unknown, field: string, effectiveAt: string): ClinicalValues & { dialysisFrom?: string } {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidFieldError(field, 'must be an object')
  const v = value as Record<string, unknown>
  const percent = { min: 0, max: 100, unit: '%' }
  const dialysisFrom = optional(v.dialysisFrom, `${field}.dialysisFrom`, requireInstant)
  if (dialysisFrom !== undefined && dialysisFrom > effectiveAt) {
    throw new InvalidFieldError(`${field}.dialysisFrom`, `must not be after the values take effect (${effectiveAt})`)
  }
  const values = {
    urgency: requireString(v.urgency, `${field}.urgency`),
    heightCm: requireNumber(v.heightCm, `${field}.heightCm`, { min: 20, max: 260, unit: 'cm' }),
    weightKg: requireNumber(v.weightKg, `${field}.weightKg`, { min: 0.5, max: 350, unit: 'kg' }),
    dialysisFrom,
    cpraPercent: requireNumber(v.cpraPercent, `${field}.cpraPercent`, percent),
    vpraPercent: requireNumber(v.vpraPercent, `${field}.vpraPercent`, percent),
    mmpPercent: requireNumber(v.mmpPercent, `${field}.mmpPercent`, percent),
    meld: optional(v.meld, `${field}.meld`, (x, f) => requireNumber(x, f, { min: 6, max: 40, unit: '' })),
    peld: optional(v.peld, `${field}.peld`, (x, f) => requireNumber(x, f, { min: -20, max: 100, unit: '' })),
    eptsPercent: optional(v.eptsPercent, `${field}.eptsPercent`, (x, f) => requireNumber(x, f, percent)),
    ukRecipientRiskQuartile: optional(v.ukRecipientRiskQuartile, `${field}.ukRecipientRiskQuartile`, (x, f) => requireInteger(x, f, { min: 1, max: 4, unit: '' })),
    matchabilityScore: optional(v.matchabilityScore, `${field}.matchabilityScore`, (x, f) => requireInteger(x, f, { min: 1, max: 10, unit: '' })),
    waitlistSurvivalDays: optional(v.waitlistSurvivalDays, `${field}.waitlistSurvivalDays`, (x, f) => requireNumber(x, f, { min: 0, max: 365, unit: 'days' })),
    postTransplantSurvivalDays: optional(v.postTransplantSurvivalDays, `${field}.postTransplantSurvivalDays`, (x, f) => requireNumber(x, f, { min: 0, max: 1826, unit: 'days' })),
    acceptance: requireAcceptance(v.acceptance, `${field}.acceptance`)
  }
  return Object.fromEntries(Object.entries(values).filter(([, item]) => item !== undefined)) as unknown as ClinicalValues & { dialysisFrom?: string }
}

/**
 * Waiting-list registrations. A candidate is known everywhere by `C-…`, the HMAC pseudonym of its
 * registration number; status, clinical values and unacceptable antigens are histories, so the list
 * can be rebuilt as it stood at any instant.
 */
export class CandidateRepository {
  readonly #ctx: RegistryContext
  readonly #centres: CentreRepository
  readonly #identity: IdentityRepository

  constructor (ctx: RegistryContext, centres: CentreRepository, identity: IdentityRepository) {
    this.#ctx = ctx
    this.#centres = centres
    this.#identity = identity
  }

  /** The pseudonym a registration number gets (the same number always gives the same pseudonym under one key). */
  idFor (localId: string): string {
    return pseudonym(this.#ctx.keys.pseudonymKey, 'candidate', localId)
  }

  register (input: CandidateRegistration, actor: string): Candidate {
    const who = requireActor(actor)
    const id = this.idFor(input.localId)
    const organType = requireEnum(input.organType, 'organType', ORGAN_TYPES)
    const registeredAt = requireInstant(input.registeredAt, 'registeredAt')
    const waitingTimeFrom = optional(input.waitingTimeFrom, 'waitingTimeFrom', requireInstant) ?? registeredAt
    if (waitingTimeFrom > registeredAt) throw new InvalidFieldError('waitingTimeFrom', `must not be after registeredAt (${registeredAt})`)
    const registration = {
      organType,
      centreId: requireString(input.centreId, 'centreId'),
      registeredAt,
      waitingTimeFrom,
      birthMonth: requireMonth(input.birthMonth, 'birthMonth'),
      abo: requireEnum(input.abo, 'abo', ABO_TYPES),
      hla: requireHlaTyping(input.hla, 'hla'),
      priorLivingDonor: requireBoolean(input.priorLivingDonor, 'priorLivingDonor'),
      diagnosisGroup: requireString(input.diagnosisGroup, 'diagnosisGroup'),
      eligibleForA2Kidney: requireBoolean(input.eligibleForA2Kidney, 'eligibleForA2Kidney')
    }
    if (registration.birthMonth > registeredAt.slice(0, 7)) throw new InvalidFieldError('birthMonth', `must not be after registeredAt (${registeredAt})`)
    const status = requireEnum(input.status, 'status', ['active', 'inactive'] as const)
    const clinical = requireClinicalValues(input.clinical, 'clinical', registeredAt)
    const antigens = requireAntigenList(input.unacceptableAntigens, 'unacceptableAntigens')
    const centre = this.#centres.get(registration.centreId, registeredAt)
    if (!isAuthorised(centre, organType, 'transplant', registeredAt)) {
      throw new InvalidFieldError('centreId', `holds no valid, unsuspended ${organType} transplant authorisation on ${registeredAt.slice(0, 10)}`)
    }
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      if (statement(db, 'SELECT 1 FROM candidates WHERE id = ?').get(id) !== undefined) {
        throw new InvalidFieldError('localId', 'is already registered')
      }
      const recordedAt = now()
      statement(db, `INSERT INTO candidates (id, organ_type, centre_id, registered_at, waiting_time_from, birth_month, abo, hla_json,
          prior_living_donor, diagnosis_group, eligible_for_a2_kidney, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, json(?), ?, ?, ?, ?)`).run(
        id, organType, registration.centreId, registeredAt, waitingTimeFrom, registration.birthMonth, registration.abo,
        JSON.stringify(registration.hla), bit(registration.priorLivingDonor), registration.diagnosisGroup, bit(registration.eligibleForA2Kidney), recordedAt)
      const rows = [
        pinRow(db, 'candidates', id),
        this.#insertStatus(id, { status, effectiveAt: registeredAt, reason: 'registered' }, recordedAt),
        this.#insertClinical(id, registeredAt, clinical, recordedAt),
        this.#insertAntigens(id, registeredAt, antigens, recordedAt)
      ]
      // The birth month stays out of the log: the pinned row digest covers it.
      const { birthMonth: _birthMonth, ...logged } = registration
      audit.append({ actor: who, action: 'candidate.registered', entityType: 'candidate', entityId: id, payload: { ...logged, status, clinical, unacceptableAntigens: antigens, rows } })
      if (input.identifiers !== undefined) this.#identity.recordIdentifiers(id, 'candidate', input.identifiers, who)
      if (input.protectedAttributes !== undefined) this.#identity.recordProtectedAttributes(id, 'candidate', input.protectedAttributes, who)
      return this.get(id, registeredAt)
    })
  }

  changeStatus (candidateId: string, change: StatusChange, actor: string): void {
    const who = requireActor(actor)
    const registeredAt = this.#registeredAt(candidateId)
    const status = requireEnum(change.status, 'status', CANDIDATE_STATUSES)
    const effectiveAt = this.#effectiveAt(change.effectiveAt, registeredAt)
    const reason = requireString(change.reason, 'reason')
    const { db, audit, now } = this.#ctx
    writeTransaction(db, () => {
      const pin = this.#insertStatus(candidateId, { status, effectiveAt, reason }, now())
      audit.append({ actor: who, action: 'candidate.status-changed', entityType: 'candidate', entityId: candidateId, payload: { status, effectiveAt, reason, rows: [pin] } })
    })
  }

  recordClinicalValues (candidateId: string, input: { effectiveAt: string, values: ClinicalValues }, actor: string): void {
    const who = requireActor(actor)
    const registeredAt = this.#registeredAt(candidateId)
    const effectiveAt = this.#effectiveAt(input.effectiveAt, registeredAt)
    const values = requireClinicalValues(input.values, 'values', effectiveAt)
    const { db, audit, now } = this.#ctx
    writeTransaction(db, () => {
      const pin = this.#insertClinical(candidateId, effectiveAt, values, now())
      audit.append({ actor: who, action: 'candidate.clinical-values-recorded', entityType: 'candidate', entityId: candidateId, payload: { effectiveAt, values, rows: [pin] } })
    })
  }

  setUnacceptableAntigens (candidateId: string, input: { effectiveAt: string, antigens: readonly HlaAntigen[] }, actor: string): void {
    const who = requireActor(actor)
    const registeredAt = this.#registeredAt(candidateId)
    const effectiveAt = this.#effectiveAt(input.effectiveAt, registeredAt)
    const antigens = requireAntigenList(input.antigens, 'antigens')
    const { db, audit, now } = this.#ctx
    writeTransaction(db, () => {
      const pin = this.#insertAntigens(candidateId, effectiveAt, antigens, now())
      audit.append({ actor: who, action: 'candidate.unacceptable-antigens-set', entityType: 'candidate', entityId: candidateId, payload: { effectiveAt, antigens, rows: [pin] } })
    })
  }

  /** The candidate as the engine would see it at instant `at`. */
  get (candidateId: string, at: string): Candidate {
    const instant = requireInstant(at, 'at')
    const registeredAt = this.#registeredAt(candidateId)
    if (registeredAt > instant) throw new InvalidFieldError('at', `is before the candidate was registered (${registeredAt})`)
    const row = statement(this.#ctx.db, CANDIDATE_AS_OF_SQL).get({ at: instant, knownAt: null, id: candidateId }) as CandidateAsOfRow
    return candidateFromRow(row, instant)
  }

  /**
   * Every candidate registered at or before `at` for an organ type, as of `at`, ordered by pseudonym;
   * with `knownAt`, as the registry knew it at that moment (rows recorded later are ignored).
   */
  listAsOf (organType: OrganType, at: string, knownAt?: string): Candidate[] {
    const instant = requireInstant(at, 'at')
    const known = optional(knownAt, 'knownAt', requireInstant)
    const type = requireEnum(organType, 'organType', ORGAN_TYPES)
    const rows = statement(this.#ctx.db, CANDIDATES_OF_ORGAN_AS_OF_SQL).all({ at: instant, knownAt: known ?? null, organType: type }) as CandidateAsOfRow[]
    return rows.map((row) => candidateFromRow(row, instant))
  }

  statusHistory (candidateId: string): StatusHistoryEntry[] {
    this.#registeredAt(candidateId)
    const rows = statement(this.#ctx.db, `SELECT status, effective_at, reason, recorded_at FROM candidate_status_history
      WHERE candidate_id = ? ORDER BY effective_at, id`).all(candidateId) as Array<{ status: CandidateStatus, effective_at: string, reason: string, recorded_at: string }>
    return rows.map((row) => ({ status: row.status, effectiveAt: row.effective_at, reason: row.reason, recordedAt: row.recorded_at }))
  }

  #registeredAt (candidateId: string): string {
    const id = requireString(candidateId, 'candidateId', pseudonymPattern('candidate'), 'must be a candidate pseudonym (C-…)')
    const registeredAt = statement(this.#ctx.db, 'SELECT registered_at FROM candidates WHERE id = ?').pluck().get(id) as string | undefined
    if (registeredAt === undefined) throw new UnknownValueError('candidateId', `names no registered candidate (${id})`)
    return registeredAt
  }

  #effectiveAt (value: unknown, registeredAt: string): string {
    const effectiveAt = requireInstant(value, 'effectiveAt')
    if (effectiveAt < registeredAt) throw new InvalidFieldError('effectiveAt', `must not be before the registration (${registeredAt})`)
    return effectiveAt
  }

  #insertStatus (candidateId: string, change: StatusChange, recordedAt: string): ReturnType<typeof pinRow> {
    const { db } = this.#ctx
    const id = statement(db, `INSERT INTO candidate_status_history (candidate_id, status, effective_at, reason, recorded_at)
      VALUES (?, ?, ?, ?, ?)`).run(candidateId, change.status, change.effectiveAt, change.reason, recordedAt).lastInsertRowid
    return pinRow(db, 'candidate_status_history', id)
  }

  #insertClinical (candidateId: string, effectiveAt: string, v: ClinicalValues, recordedAt: string): ReturnType<typeof pinRow> {
    const { db } = this.#ctx
    const id = statement(db, `INSERT INTO candidate_clinical_values (candidate_id, effective_at, urgency, height_cm, weight_kg, dialysis_from,
        cpra_percent, vpra_percent, mmp_percent, meld, peld, epts_percent, uk_recipient_risk_quartile, matchability_score,
        waitlist_survival_days, post_transplant_survival_days, acceptance_json, recorded_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      candidateId, effectiveAt, v.urgency, v.heightCm, v.weightKg, v.dialysisFrom ?? null, v.cpraPercent, v.vpraPercent, v.mmpPercent,
      v.meld ?? null, v.peld ?? null, v.eptsPercent ?? null, v.ukRecipientRiskQuartile ?? null, v.matchabilityScore ?? null,
      v.waitlistSurvivalDays ?? null, v.postTransplantSurvivalDays ?? null, JSON.stringify(v.acceptance), recordedAt).lastInsertRowid
    return pinRow(db, 'candidate_clinical_values', id)
  }

  #insertAntigens (candidateId: string, effectiveAt: string, antigens: readonly HlaAntigen[], recordedAt: string): ReturnType<typeof pinRow> {
    const { db } = this.#ctx
    const id = statement(db, `INSERT INTO candidate_unacceptable_antigens (candidate_id, effective_at, antigens_json, recorded_at)
      VALUES (?, ?, ?, ?)`).run(candidateId, effectiveAt, JSON.stringify(antigens), recordedAt).lastInsertRowid
    return pinRow(db, 'candidate_unacceptable_antigens', id)
  }
}
