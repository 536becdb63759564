import { requireEnum, requireInteger, requireNumber, requireString } from '../domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../errors.js'
import { checkModelParameters, DEFAULT_MODEL, type ModelParameters } from './model-parameters.js'

/**
 * Scenario definitions: which cohort to simulate and with which behaviour models. A scenario is
 * plain JSON, so it travels to worker threads and into result files unchanged; its content hash
 * identifies it in the results. The cohort is described, not contained: the CLI (or a worker)
 * builds it from the synthetic registry generator, outside the engine.
 */

export interface SyntheticCohortSpec {
  readonly kind: 'synthetic'
  readonly seed: number | string
  /** Synthetic registry country profile: 'national' (US-like) or 'compact' (Eurotransplant-like). */
  readonly profile: 'national' | 'compact'
  readonly startDate: string
  /** Kidney candidates on the list at the start date. */
  readonly candidates: number
  /** Kidney candidates registering per year during the simulation. */
  readonly candidateArrivalsPerYear: number
  /** Deceased donors per year with both kidneys recovered for transplant. */
  readonly donorsPerYear: number
}

export interface ScenarioDefinition {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly organType: 'kidney'
  readonly cohort: SyntheticCohortSpec
  readonly model: ModelParameters
  /** Years simulated when the caller does not say. */
  readonly defaultYears: number
}

/**
 * The default national kidney scenario, used for calibration (docs/simulation.md): a US-like country
 * at one tenth of US scale. Ratios from OPTN/SRTR figures: about 90,000 kidney candidates waiting and
 * about 40,000 new kidney registrations a year (hence 4,400 arrivals per 10,000 listed; approximate),
 * and 30,267 kidneys recovered in 2023 (21,849 transplanted, 8,418 not used; SRTR 2023 ADR Deceased
 * Organ Donation), about 3,300 per 10,000 listed, hence 1,650 two-kidney donors per 10,000 listed.
 */
export const NATIONAL_KIDNEY: ScenarioDefinition = Object.freeze({
  id: 'national-kidney',
  name: 'National kidney (US-like, 1:10 scale)',
  description: 'A US-like national kidney waiting list of 10,000 candidates with 4,400 registrations and 1,650 kidney donors a year; the calibration scenario.',
  organType: 'kidney',
  cohort: Object.freeze({ kind: 'synthetic', seed: 'national-kidney-v1', profile: 'national', startDate: '2024-01-01', candidates: 10_000, candidateArrivalsPerYear: 4_400, donorsPerYear: 1_650 }),
  model: DEFAULT_MODEL,
  defaultYears: 1
})

/**
 * Eurotransplant scale: about 15,000 kidney candidates at the start and 3,400 registrations a year,
 * so about 25,000 candidates over 3 years, with 1,600 kidney donors a year (the ETKidney simulator's
 * validation run: 14,647 incumbent and 9,393 new candidates, 4,326 donors over 2.75 years;
 * allocation-systems.md §4.2).
 */
export const ET_KIDNEY: ScenarioDefinition = Object.freeze({
  id: 'et-kidney',
  name: 'Eurotransplant-scale kidney',
  description: 'About 15,000 kidney candidates at the start, 3,400 registrations and 1,600 kidney donors a year (ETKidney simulator run size).',
  organType: 'kidney',
  cohort: Object.freeze({ kind: 'synthetic', seed: 'et-kidney-v1', profile: 'compact', startDate: '2024-01-01', candidates: 15_000, candidateArrivalsPerYear: 3_400, donorsPerYear: 1_600 }),
  model: DEFAULT_MODEL,
  defaultYears: 3
})

/**
 * US scale: about 100,000 kidney candidates waiting, 35,000 registrations and 10,000 kidney donors a
 * year (allocation-systems.md §4.1: "approximately 100,000" waiting; the donor count is the project
 * brief's scale target).
 */
export const US_KIDNEY: ScenarioDefinition = Object.freeze({
  id: 'us-kidney',
  name: 'US-scale kidney',
  description: 'About 100,000 kidney candidates at the start, 35,000 registrations and 10,000 kidney donors a year.',
  organType: 'kidney',
  cohort: Object.freeze({ kind: 'synthetic', seed: 'us-kidney-v1', profile: 'national', startDate: '2024-01-01', candidates: 100_000, candidateArrivalsPerYear: 35_000, donorsPerYear: 10_000 }),
  model: DEFAULT_MODEL,
  defaultYears: 1
})

/**
 * A small scenario for trying the simulator and the HTTP API: a simulated year takes well under a
 * second, so a request with several replications answers while one waits. Not calibrated.
 */
export const DEMO_KIDNEY: ScenarioDefinition = Object.freeze({
  id: 'demo-kidney',
  name: 'Demonstration kidney (small)',
  description: 'About 300 kidney candidates at the start, 120 registrations and 80 kidney donors a year; for trying the simulator, not for conclusions.',
  organType: 'kidney',
  cohort: Object.freeze({ kind: 'synthetic', seed: 'demo-kidney-v1', profile: 'compact', startDate: '2024-01-01', candidates: 300, candidateArrivalsPerYear: 120, donorsPerYear: 80 }),
  model: DEFAULT_MODEL,
  defaultYears: 1
})

export const SCENARIOS: Readonly<Record<string, ScenarioDefinition>> = Object.freeze({
  [DEMO_KIDNEY.id]: DEMO_KIDNEY,
  [NATIONAL_KIDNEY.id]: NATIONAL_KIDNEY,
  [ET_KIDNEY.id]: ET_KIDNEY,
  [US_KIDNEY.id]: US_KIDNEY
})

export function scenarioById (id: string): ScenarioDefinition {
  const scenario = Object.hasOwn(SCENARIOS, id) ? SCENARIOS[id] : undefined
  if (scenario === undefined) throw new UnknownValueError('scenario', `must be one of ${Object.keys(SCENARIOS).map((k) => JSON.stringify(k)).join(', ')} (got ${JSON.stringify(id)})`)
  return scenario
}

/** Checks a scenario (e.g. one read from a file); errors name the field and the accepted range. */
export function checkScenario (scenario: ScenarioDefinition): ScenarioDefinition {
  if (scenario === null || typeof scenario !== 'object') throw new InvalidFieldError('scenario', 'must be an object')
  requireString(scenario.id, 'scenario.id')
  requireString(scenario.name, 'scenario.name')
  if (scenario.organType !== 'kidney') throw new UnknownValueError('scenario.organType', 'must be "kidney": the simulator models kidney allocation only')
  const cohort = scenario.cohort
  if (cohort === null || typeof cohort !== 'object') throw new InvalidFieldError('scenario.cohort', 'must be an object')
  if (cohort.kind !== 'synthetic') throw new UnknownValueError('scenario.cohort.kind', 'must be "synthetic"')
  if (typeof cohort.seed !== 'string' && typeof cohort.seed !== 'number') throw new InvalidFieldError('scenario.cohort.seed', 'must be a number or a string')
  requireEnum(cohort.profile, 'scenario.cohort.profile', ['national', 'compact'] as const)
  requireString(cohort.startDate, 'scenario.cohort.startDate', /^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  requireInteger(cohort.candidates, 'scenario.cohort.candidates', { min: 0, max: 1_000_000, unit: 'candidates' })
  requireNumber(cohort.candidateArrivalsPerYear, 'scenario.cohort.candidateArrivalsPerYear', { min: 0, max: 1_000_000, unit: 'candidates per year' })
  requireNumber(cohort.donorsPerYear, 'scenario.cohort.donorsPerYear', { min: 0, max: 200_000, unit: 'donors per year' })
  requireInteger(scenario.defaultYears, 'scenario.defaultYears', { min: 1, max: 10, unit: 'years' })
  checkModelParameters(scenario.model, 'scenario.model')
  return scenario
}

/** Candidates a scenario's cohort holds over a number of years: those listed at the start and those who arrive. */
export function cohortCandidates (scenario: ScenarioDefinition, years: number): number {
  return Math.round(scenario.cohort.candidates + scenario.cohort.candidateArrivalsPerYear * years)
}
