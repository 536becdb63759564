import type { CandidateRegistration, ClinicalValues } from '../db/candidate-repository.js'
import { writeTransaction } from '../db/context.js'
import type { DeceasedDonorRegistration } from '../db/donor-repository.js'
import { InvalidFieldError, MissingFieldError, OutOfRangeError, UnknownValueError, isEngineError } from '../../engine/errors.js'
import type { Registry } from '../registry.js'
import type { CandidateRecord, CentreRecord, DonorRecord } from './records.js'

/**
 * Writes imported (or generated) records into the registry through its repositories, so every row
 * gets the same checks, pseudonyms, encryption and audit entries as one entered by hand. Everything
 * runs in one transaction: an error in any record leaves the registry exactly as it was.
 */

export interface ApplyRecords {
  readonly centres?: readonly CentreRecord[] | undefined
  readonly candidates?: readonly CandidateRecord[] | undefined
  readonly donors?: readonly DonorRecord[] | undefined
}

export interface ApplyProgress {
  readonly entity: 'centres' | 'candidates' | 'donors'
  readonly done: number
  readonly total: number
}

export interface ApplyOptions {
  /** User id recorded in the audit log for every change. */
  readonly actor: string
  /** Called after every `progressEvery` records of each kind (default 1,000) and at the end of each kind. */
  readonly onProgress?: ((progress: ApplyProgress) => void) | undefined
  readonly progressEvery?: number | undefined
}

export interface ApplySummary {
  readonly centres: number
  readonly authorisations: number
  readonly suspensions: number
  readonly candidates: number
  readonly donors: number
}

/**
 * Re-raises a repository error located at its record (`candidates[12].centreId`), with the same class
 * and code, the record's id in the rule, and the original error as its cause.
 */
function locate (error: unknown, entity: string, index: number, id: string): never {
  if (!isEngineError(error)) throw error
  const field = `${entity}[${index}]${error.field === undefined ? '' : `.${error.field}`}`
  const rule = `${error.rule ?? error.message} (record ${id})`
  const located = error instanceof OutOfRangeError
    ? new OutOfRangeError(field, error.value, error.min, error.max, error.unit)
    : error instanceof UnknownValueError
      ? new UnknownValueError(field, rule)
      : error instanceof MissingFieldError ? new MissingFieldError(field, rule) : new InvalidFieldError(field, rule)
  Object.defineProperty(located, 'cause', { value: error })
  throw located
}

function clinicalValues (record: CandidateRecord, withDialysis: boolean): ClinicalValues {
  const values: { -readonly [K in keyof ClinicalValues]: ClinicalValues[K] } = {
    urgency: record.urgency,
    heightCm: record.heightCm,
    weightKg: record.weightKg,
    cpraPercent: record.cpraPercent,
    vpraPercent: record.vpraPercent,
    mmpPercent: record.mmpPercent,
    acceptance: record.acceptance
  }
  if (withDialysis && record.dialysisFrom !== undefined) values.dialysisFrom = record.dialysisFrom
  if (record.meld !== undefined) values.meld = record.meld
  if (record.peld !== undefined) values.peld = record.peld
  if (record.eptsPercent !== undefined) values.eptsPercent = record.eptsPercent
  if (record.ukRecipientRiskQuartile !== undefined) values.ukRecipientRiskQuartile = record.ukRecipientRiskQuartile
  if (record.matchabilityScore !== undefined) values.matchabilityScore = record.matchabilityScore
  return values
}

/** Registers one centre with its authorisations and suspensions; returns what was written. */
export function applyCentre (registry: Registry, centre: CentreRecord, actor: string): { authorisations: number, suspensions: number } {
  registry.centres.register({
    id: centre.id,
    name: centre.name,
    country: centre.country,
    region: centre.region,
    latitudeDeg: centre.latitudeDeg,
    longitudeDeg: centre.longitudeDeg
  }, actor)
  let suspensions = 0
  for (const entry of centre.authorisations) {
    const id = registry.centres.grantAuthorisation(centre.id, {
      organType: entry.organType,
      activity: entry.activity,
      validFrom: entry.validFrom,
      validUntil: entry.validUntil,
      decisionReference: entry.decisionReference
    }, actor)
    if (entry.suspendedFrom !== undefined) {
      registry.centres.suspendAuthorisation(id, { from: entry.suspendedFrom, reason: 'suspended (imported record)' }, actor)
      suspensions++
    }
  }
  return { authorisations: centre.authorisations.length, suspensions }
}

/**
 * Registers one candidate. Clinical values take effect at registration; a dialysis start after
 * registration (a candidate listed before dialysis) is recorded as a second set of values from that day.
 */
export function applyCandidate (registry: Registry, record: CandidateRecord, actor: string): string {
  const dialysisLater = record.dialysisFrom !== undefined && Date.parse(record.dialysisFrom) > Date.parse(record.registeredAt)
  const registration: CandidateRegistration = {
    localId: record.id,
    organType: record.organType,
    centreId: record.centreId,
    registeredAt: record.registeredAt,
    waitingTimeFrom: record.waitingTimeFrom,
    birthMonth: record.birthMonth,
    abo: record.abo,
    hla: record.hla,
    priorLivingDonor: record.priorLivingDonor,
    diagnosisGroup: record.diagnosisGroup,
    eligibleForA2Kidney: record.eligibleForA2Kidney,
    status: record.status,
    clinical: clinicalValues(record, !dialysisLater),
    unacceptableAntigens: record.unacceptableAntigens,
    identifiers: record.identifiers,
    protectedAttributes: record.protectedAttributes
  }
  const candidate = registry.candidates.register(registration, actor)
  if (dialysisLater) {
    registry.candidates.recordClinicalValues(candidate.id, { effectiveAt: record.dialysisFrom as string, values: clinicalValues(record, true) }, actor)
  }
  return candidate.id
}

export function applyDonor (registry: Registry, record: DonorRecord, actor: string): string {
  const registration: DeceasedDonorRegistration = {
    localId: record.id,
    hospitalCentreId: record.hospitalCentreId,
    reportedAt: record.reportedAt,
    ageYears: record.ageYears,
    heightCm: record.heightCm,
    weightKg: record.weightKg,
    abo: record.abo,
    hla: record.hla,
    creatinineMgDl: record.creatinineMgDl,
    hypertension: record.hypertension,
    diabetes: record.diabetes,
    pathway: record.pathway,
    causeOfDeathCva: record.causeOfDeathCva,
    kdri: record.kdri,
    kdpi: record.kdpi,
    ukDonorRiskQuartile: record.ukDonorRiskQuartile,
    identifiers: record.identifiers,
    protectedAttributes: record.protectedAttributes
  }
  return registry.donors.registerDeceased(registration, actor).id
}

/**
 * Writes centres, then candidates, then donors, in one transaction. A failing record rolls back every
 * record written before it and raises an error whose field names the record (`candidates[12].centreId`).
 */
export function applyRecords (registry: Registry, records: ApplyRecords, options: ApplyOptions): ApplySummary {
  const every = Math.max(1, options.progressEvery ?? 1000)
  const report = (entity: ApplyProgress['entity'], done: number, total: number): void => {
    if (options.onProgress !== undefined && (done % every === 0 || done === total)) options.onProgress({ entity, done, total })
  }
  return writeTransaction(registry.db, () => {
    let authorisations = 0
    let suspensions = 0
    const centres = records.centres ?? []
    centres.forEach((centre, i) => {
      try {
        const written = applyCentre(registry, centre, options.actor)
        authorisations += written.authorisations
        suspensions += written.suspensions
      } catch (error) {
        locate(error, 'centres', i, centre.id)
      }
      report('centres', i + 1, centres.length)
    })
    const candidates = records.candidates ?? []
    candidates.forEach((candidate, i) => {
      try {
        applyCandidate(registry, candidate, options.actor)
      } catch (error) {
        locate(error, 'candidates', i, candidate.id)
      }
      report('candidates', i + 1, candidates.length)
    })
    const donors = records.donors ?? []
    donors.forEach((donor, i) => {
      try {
        applyDonor(registry, donor, options.actor)
      } catch (error) {
        locate(error, 'donors', i, donor.id)
      }
      report('donors', i + 1, donors.length)
    })
    return { centres: centres.length, authorisations, suspensions, candidates: candidates.length, donors: donors.length }
  })
}
