import type { Candidate } from '../domain/candidate.js'
import type { Centre } from '../domain/centre.js'
import type { Donor } from '../domain/donor.js'
import { requireBoolean, requireInteger, requireString } from '../domain/input.js'
import { parseInstant } from '../match/snapshot.js'
import { InvalidFieldError, UnknownValueError } from '../errors.js'

/**
 * The population a simulation runs over: the waiting list at the start date, the candidates who
 * register later, and the donors who arrive. A cohort comes from the synthetic registry generator or
 * from an import; the simulator does not care which. It is the same in every arm and every
 * replication (as in SRTR's SAMs, which replay one set of candidates and organs many times).
 */

/**
 * Attributes used only to measure equity (sex, race/ethnicity, residence). They never reach a match
 * run: the snapshot has no column for them and the policy vocabulary no word for them.
 */
export interface EquityAttributes {
  readonly sex: string
  readonly raceEthnicity: string
  /** Country of residence (ISO 3166-1 alpha-2 or a registry code). */
  readonly residence: string
}

export interface CohortCandidate {
  /**
   * The engine's view of the candidate when it enters the simulation: at the start date for those
   * already listed, at registration for later arrivals (`registeredAt` then gives the arrival time).
   * The simulator advances age, waiting days and dialysis days from there.
   */
  readonly candidate: Candidate
  /** Clinical facts behind EPTS (post-transplant survival) that the engine's Candidate does not carry. */
  readonly diabetes: boolean
  readonly priorSolidOrganTransplant: boolean
  /**
   * ISO 8601 instant maintenance dialysis started or will start, when known. Without it a candidate
   * counts as dialysed from `candidate.dialysisDays` before entry, or as never dialysed when that is 0.
   */
  readonly dialysisFrom?: string | undefined
  readonly equity: EquityAttributes
}

export interface CohortDonor {
  readonly donor: Donor
  /** ISO 8601 instant the donor is reported: the arrival time of its organs. */
  readonly reportedAt: string
  /** Kidneys recovered for transplant (1 or 2). */
  readonly kidneys: number
}

export interface SimulationCohort {
  readonly organType: 'kidney'
  /** Start of the simulation, YYYY-MM-DD (00:00 UTC). */
  readonly startDate: string
  readonly centres: readonly Centre[]
  readonly candidates: readonly CohortCandidate[]
  readonly donors: readonly CohortDonor[]
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

/**
 * Checks the cohort's own structure. Candidate, donor and centre records are checked in detail by
 * the snapshot builder and the match run, which name the offending field.
 */
export function checkCohort (cohort: SimulationCohort): SimulationCohort {
  if (cohort === null || typeof cohort !== 'object') throw new InvalidFieldError('cohort', 'must be an object')
  if (cohort.organType !== 'kidney') throw new UnknownValueError('cohort.organType', 'must be "kidney": the simulator models kidney allocation only')
  requireString(cohort.startDate, 'cohort.startDate', DATE, 'must be a date YYYY-MM-DD')
  if (!Number.isFinite(Date.parse(`${cohort.startDate}T00:00:00Z`))) throw new InvalidFieldError('cohort.startDate', 'must be a real calendar date')
  if (!Array.isArray(cohort.centres) || cohort.centres.length === 0) throw new InvalidFieldError('cohort.centres', 'must be a non-empty list')
  if (!Array.isArray(cohort.candidates)) throw new InvalidFieldError('cohort.candidates', 'must be a list')
  if (!Array.isArray(cohort.donors)) throw new InvalidFieldError('cohort.donors', 'must be a list')
  cohort.candidates.forEach((entry, i) => {
    const field = `cohort.candidates[${i}]`
    if (entry === null || typeof entry !== 'object' || entry.candidate === null || typeof entry.candidate !== 'object') throw new InvalidFieldError(`${field}.candidate`, 'must be a candidate object')
    if (entry.candidate.organType !== 'kidney') throw new InvalidFieldError(`${field}.candidate.organType`, 'must be "kidney"')
    requireBoolean(entry.diabetes, `${field}.diabetes`)
    requireBoolean(entry.priorSolidOrganTransplant, `${field}.priorSolidOrganTransplant`)
    if (entry.dialysisFrom !== undefined) parseInstant(entry.dialysisFrom, `${field}.dialysisFrom`)
    if (entry.equity === null || typeof entry.equity !== 'object') throw new InvalidFieldError(`${field}.equity`, 'must be an object with sex, raceEthnicity and residence')
    requireString(entry.equity.sex, `${field}.equity.sex`)
    requireString(entry.equity.raceEthnicity, `${field}.equity.raceEthnicity`)
    requireString(entry.equity.residence, `${field}.equity.residence`)
  })
  cohort.donors.forEach((entry, i) => {
    const field = `cohort.donors[${i}]`
    if (entry === null || typeof entry !== 'object' || entry.donor === null || typeof entry.donor !== 'object') throw new InvalidFieldError(`${field}.donor`, 'must be a donor object')
    parseInstant(entry.reportedAt, `${field}.reportedAt`)
    requireInteger(entry.kidneys, `${field}.kidneys`, { min: 1, max: 2, unit: 'kidneys' })
  })
  return cohort
}
