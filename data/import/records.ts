import type { AboType } from '../../engine/domain/abo.js'
import type { AcceptanceCriteria, Candidate, CandidateStatus } from '../../engine/domain/candidate.js'
import type { Activity, Centre } from '../../engine/domain/centre.js'
import type { DonationPathway, Donor } from '../../engine/domain/donor.js'
import type { HlaAntigen, HlaTyping } from '../../engine/domain/hla.js'
import type { TriState } from '../../engine/domain/input.js'
import type { OrganType } from '../../engine/domain/organ.js'

/**
 * Registry records: what the registry stores about a centre, candidate or donor, as import, export
 * and the synthetic generator exchange them. They differ from the engine's domain types in three
 * ways: time-dependent values are stored as their dates (birth month, registration, dialysis start),
 * not as ages and day counts; protected attributes and direct identifiers travel with the record
 * (the registry stores them apart, the engine never sees them); and the clinical facts behind derived
 * scores (diabetes, prior transplant, liver labs) are kept so scores can be recomputed.
 */

export const SEXES = ['female', 'male', 'other', 'unknown'] as const
export type Sex = typeof SEXES[number]

/** For equity monitoring and reporting only; never part of a match snapshot. */
export interface ProtectedAttributes {
  readonly sex?: Sex | undefined
  /** Free-text category as the registry records it (the synthetic data use white/black/hispanic/asian/other). */
  readonly raceEthnicity?: string | undefined
  /** ISO 3166-1 alpha-2. */
  readonly nationality?: string | undefined
  /** ISO 3166-1 alpha-2 of the country of residence. */
  readonly residence?: string | undefined
}

/** Direct identifiers; the registry encrypts them at rest. */
export interface DirectIdentifiers {
  readonly name?: string | undefined
  readonly nationalId?: string | undefined
  /** YYYY-MM-DD. */
  readonly birthDate?: string | undefined
}

/** Laboratory values behind MELD 3.0 / PELD. */
export interface LiverLabs {
  readonly bilirubinMgDl: number
  readonly inr: number
  readonly creatinineMgDl: number
  readonly sodiumMmolL: number
  readonly albuminGDl: number
  readonly dialysisTwiceInPastWeek: boolean
  /** PELD only (children under 12): height or weight below −2 SD. */
  readonly growthFailure?: boolean | undefined
}

/** An authorisation as the registry records it: a decision with a reference, suspended from an instant. */
export interface AuthorisationEntry {
  readonly organType: OrganType
  readonly activity: Activity
  /** First valid day, YYYY-MM-DD. */
  readonly validFrom: string
  /** Last valid day (inclusive); absent for open-ended. */
  readonly validUntil?: string | undefined
  /** The competent authority's decision number. */
  readonly decisionReference: string
  /** ISO 8601 instant from which the authorisation is suspended; absent when not suspended. */
  readonly suspendedFrom?: string | undefined
}

export interface CentreRecord {
  readonly id: string
  readonly name: string
  /** ISO 3166-1 alpha-2. */
  readonly country: string
  readonly region: string
  readonly latitudeDeg: number
  readonly longitudeDeg: number
  readonly authorisations: readonly AuthorisationEntry[]
}

export interface CandidateRecord {
  readonly id: string
  readonly organType: OrganType
  readonly centreId: string
  /** Status on the record's date; outcomes (transplanted, removed, deceased) are later events, not imported states. */
  readonly status: Extract<CandidateStatus, 'active' | 'inactive'>
  readonly urgency: string
  /** ISO 8601 instant (UTC). */
  readonly registeredAt: string
  /** ISO 8601 instant from which waiting time counts (dialysis start or listing, whichever came first for kidneys). */
  readonly waitingTimeFrom: string
  /** YYYY-MM: the registry keeps only the month (the full date is a direct identifier). */
  readonly birthMonth: string
  readonly heightCm: number
  readonly weightKg: number
  readonly abo: AboType
  readonly hla: HlaTyping
  readonly unacceptableAntigens: readonly HlaAntigen[]
  /** ISO 8601 instant of the start of maintenance dialysis; absent when never dialysed. */
  readonly dialysisFrom?: string | undefined
  readonly cpraPercent: number
  readonly vpraPercent: number
  readonly mmpPercent: number
  readonly meld?: number | undefined
  readonly peld?: number | undefined
  readonly eptsPercent?: number | undefined
  readonly ukRecipientRiskQuartile?: number | undefined
  readonly matchabilityScore?: number | undefined
  readonly priorLivingDonor: boolean
  readonly diagnosisGroup: string
  readonly eligibleForA2Kidney: boolean
  readonly acceptance: AcceptanceCriteria
  /** Facts behind EPTS; optional because not every source records them. */
  readonly diabetes?: boolean | undefined
  readonly priorSolidOrganTransplant?: boolean | undefined
  readonly liverLabs?: LiverLabs | undefined
  readonly protectedAttributes?: ProtectedAttributes | undefined
  readonly identifiers?: DirectIdentifiers | undefined
}

export interface DonorRecord {
  readonly id: string
  readonly kind: 'deceased'
  readonly pathway: DonationPathway
  readonly hospitalCentreId: string
  /** ISO 8601 instant at which the donor was reported (arrival time in a simulation). */
  readonly reportedAt: string
  readonly ageYears: number
  readonly heightCm: number
  readonly weightKg: number
  readonly abo: AboType
  readonly hla: HlaTyping
  readonly creatinineMgDl: number
  readonly hypertension: TriState
  readonly diabetes: TriState
  readonly causeOfDeathCva: boolean
  /** anoxia, head-trauma, cerebrovascular or other (cerebrovascular ⇔ causeOfDeathCva). */
  readonly causeOfDeath?: string | undefined
  /** KDRI_RAO of the OPTN refit-2024 formula (unscaled), and the KDPI against the newest reference table. */
  readonly kdri?: number | undefined
  readonly kdpi?: number | undefined
  readonly ukDonorRiskQuartile?: number | undefined
  readonly protectedAttributes?: ProtectedAttributes | undefined
  readonly identifiers?: DirectIdentifiers | undefined
}

const MS_PER_DAY = 86_400_000

function wholeDays (fromMs: number, toMs: number): number {
  return Math.max(0, Math.floor((toMs - fromMs) / MS_PER_DAY))
}

/** Completed years from a birth month to an instant, the birthday taken as the 15th of the month. */
export function ageFromBirthMonth (birthMonth: string, at: string): number {
  const [year, month] = birthMonth.split('-').map(Number) as [number, number]
  const instant = new Date(at)
  let age = instant.getUTCFullYear() - year
  if (instant.getUTCMonth() + 1 < month || (instant.getUTCMonth() + 1 === month && instant.getUTCDate() < 15)) age -= 1
  return Math.max(0, age)
}

/**
 * The engine's view of a candidate record at an instant: age, waiting days and dialysis days are
 * counted to `asOf`; protected attributes, identifiers and lab values are left behind.
 */
export function candidateAsOf (record: CandidateRecord, asOf: string): Candidate {
  const at = Date.parse(asOf)
  const candidate: Candidate = {
    id: record.id,
    organType: record.organType,
    centreId: record.centreId,
    status: record.status,
    urgency: record.urgency,
    registeredAt: record.registeredAt,
    ageYears: ageFromBirthMonth(record.birthMonth, asOf),
    heightCm: record.heightCm,
    weightKg: record.weightKg,
    abo: record.abo,
    hla: record.hla,
    unacceptableAntigens: record.unacceptableAntigens,
    waitingDays: wholeDays(Date.parse(record.waitingTimeFrom), at),
    dialysisDays: record.dialysisFrom === undefined || Date.parse(record.dialysisFrom) > at ? 0 : wholeDays(Date.parse(record.dialysisFrom), at),
    cpraPercent: record.cpraPercent,
    vpraPercent: record.vpraPercent,
    mmpPercent: record.mmpPercent,
    priorLivingDonor: record.priorLivingDonor,
    diagnosisGroup: record.diagnosisGroup,
    eligibleForA2Kidney: record.eligibleForA2Kidney,
    acceptance: record.acceptance,
    meld: record.meld,
    peld: record.peld,
    eptsPercent: record.eptsPercent,
    ukRecipientRiskQuartile: record.ukRecipientRiskQuartile,
    matchabilityScore: record.matchabilityScore
  }
  return candidate
}

/** The engine's view of a centre at an instant: an authorisation is suspended once its suspension has begun. */
export function centreAsOf (record: CentreRecord, asOf: string): Centre {
  const at = Date.parse(asOf)
  return {
    id: record.id,
    name: record.name,
    country: record.country,
    region: record.region,
    latitudeDeg: record.latitudeDeg,
    longitudeDeg: record.longitudeDeg,
    authorisations: record.authorisations.map((a) => {
      const suspended = a.suspendedFrom !== undefined && Date.parse(a.suspendedFrom) <= at
      return a.validUntil === undefined
        ? { organType: a.organType, activity: a.activity, validFrom: a.validFrom, suspended }
        : { organType: a.organType, activity: a.activity, validFrom: a.validFrom, validUntil: a.validUntil, suspended }
    })
  }
}

/** The engine's view of a donor record, placed at its hospital. */
export function donorAt (record: DonorRecord, hospital: Centre): Donor {
  return {
    id: record.id,
    kind: record.kind,
    pathway: record.pathway,
    ageYears: record.ageYears,
    heightCm: record.heightCm,
    weightKg: record.weightKg,
    abo: record.abo,
    hla: record.hla,
    creatinineMgDl: record.creatinineMgDl,
    hypertension: record.hypertension,
    diabetes: record.diabetes,
    causeOfDeathCva: record.causeOfDeathCva,
    kdri: record.kdri,
    kdpi: record.kdpi,
    ukDonorRiskQuartile: record.ukDonorRiskQuartile,
    hospitalCentreId: hospital.id,
    country: hospital.country,
    region: hospital.region,
    latitudeDeg: hospital.latitudeDeg,
    longitudeDeg: hospital.longitudeDeg
  }
}
