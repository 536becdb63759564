import type { AboType } from './abo.js'
import type { HlaAntigen, HlaTyping } from './hla.js'
import type { OrganType } from './organ.js'

/** Waiting-list status. Only `active` candidates (and urgent statuses) can receive offers. */
export const CANDIDATE_STATUSES = ['active', 'inactive', 'removed', 'transplanted', 'deceased'] as const
export type CandidateStatus = typeof CANDIDATE_STATUSES[number]

/** What the candidate's centre will accept for this candidate; offers outside it are bypassed. */
export interface AcceptanceCriteria {
  readonly maxDonorAgeYears?: number | undefined
  readonly maxKdpi?: number | undefined
  readonly acceptsDcd?: boolean | undefined
  readonly minDonorWeightKg?: number | undefined
  readonly maxDonorWeightKg?: number | undefined
  readonly maxDistanceNm?: number | undefined
}

/**
 * A waiting candidate as the engine sees it: clinical and registration facts, known by a pseudonym.
 * There is deliberately no field for sex, race/ethnicity, nationality, religion or payer: the engine
 * cannot rank on what it is never given. Values that a formula derives from a protected attribute
 * (MELD 3.0's sex term) arrive precomputed from the registry boundary.
 */
export interface Candidate {
  readonly id: string
  readonly organType: OrganType
  readonly centreId: string
  readonly status: CandidateStatus
  /** Urgency class named by the policy (e.g. "HU", "T", "status-1a", "status-1"); "elective" when none. */
  readonly urgency: string
  readonly registeredAt: string
  readonly ageYears: number
  readonly heightCm: number
  readonly weightKg: number
  readonly abo: AboType
  readonly hla: HlaTyping
  readonly unacceptableAntigens: readonly HlaAntigen[]
  readonly waitingDays: number
  readonly dialysisDays: number
  readonly cpraPercent: number
  readonly vpraPercent: number
  readonly mmpPercent: number
  readonly meld?: number | undefined
  readonly peld?: number | undefined
  readonly eptsPercent?: number | undefined
  /** UK recipient risk index quartile 1–4. */
  readonly ukRecipientRiskQuartile?: number | undefined
  /** UK matchability score 1–10. */
  readonly matchabilityScore?: number | undefined
  /**
   * Lung CAS inputs, computed at the registry boundary from the candidate's survival models (OPTN lung
   * CAS 2023): expected days alive within one year without a transplant (waiting-list restricted mean
   * survival, 0–365) and within five years after one (post-transplant, 0–1826).
   */
  readonly waitlistSurvivalDays?: number | undefined
  readonly postTransplantSurvivalDays?: number | undefined
  readonly priorLivingDonor: boolean
  readonly diagnosisGroup: string
  /** B candidates cleared (low anti-A titre) to receive A2/A2B kidneys under US rules. */
  readonly eligibleForA2Kidney: boolean
  readonly acceptance: AcceptanceCriteria
}
