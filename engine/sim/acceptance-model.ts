import { requireBoolean, requireNumber } from '../domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../errors.js'

/**
 * Offer and acceptance models. An offer is decided in two steps, as in the Eurotransplant ETKidney
 * simulator (de Ferrante et al., arXiv 2502.15001; allocation-systems.md §2.3): first the centre
 * decides whether it will use this donor's kidney for any of its patients (centre-level), then,
 * if it will, whether the offered patient takes it (patient-level). SRTR's KPSAM uses a single
 * patient-level logistic model (allocation-systems.md §2.1); setting the centre model to always
 * accept reduces this to that design.
 */

/** What an acceptance decision may depend on. Units are in the names; `NaN` KDPI means unknown. */
export interface OfferFeatures {
  readonly donorAgeYears: number
  readonly donorKdpi: number
  readonly donorDcd: boolean
  readonly donorDiabetes: boolean
  readonly donorHypertension: boolean
  readonly donorCreatinineMgDl: number
  readonly candidateAgeYears: number
  readonly candidateCpraPercent: number
  readonly candidatePriorTransplant: boolean
  /** HLA-A, -B (broad) and -DR (split) mismatches, 0–2 each. */
  readonly mismatchA: number
  readonly mismatchB: number
  readonly mismatchDR: number
  readonly distanceNm: number
  /** Offers of this donor's kidneys already made (declined) before this one. */
  readonly previousOffers: number
  /** True when the organ is in rescue (expedited) allocation. */
  readonly rescue: boolean
}

export interface AcceptanceModel {
  readonly kind: AcceptanceModelKind
  /**
   * Probability that the centre is willing to use the organ for one of its patients; `centreEffect`
   * is the centre's random intercept on the logit scale (0 for an average centre).
   */
  centreProbability (features: OfferFeatures, centreEffect: number): number
  /** Probability that the offered patient (through the centre) accepts, given the centre is willing. */
  patientProbability (features: OfferFeatures): number
}

export const ACCEPTANCE_MODEL_KINDS = ['logistic', 'always-accept'] as const
export type AcceptanceModelKind = typeof ACCEPTANCE_MODEL_KINDS[number]

/**
 * Centre-level logit coefficients. Each term multiplies the transformed feature named in its key;
 * "per10" terms are per 10 units, "Over50" terms count only the part above 50 (a linear spline).
 */
export interface CentreAcceptanceCoefficients {
  readonly intercept: number
  readonly donorAgeOver50Per10Years: number
  readonly kdpiPer10Points: number
  readonly dcd: number
  readonly donorDiabetes: number
  readonly donorHypertension: number
  readonly creatinineOver1_5PerMgDl: number
  readonly distancePer100Nm: number
  /** Times ln(1 + previous offers): kidneys declined many times are declined more (a signal of quality). */
  readonly logPreviousOffers: number
  /** Added in rescue allocation. */
  readonly rescue: number
  /** Standard deviation of the centres' random intercepts on the logit scale. */
  readonly centreEffectSd: number
}

/** Patient-level logit coefficients, conditional on the centre being willing. */
export interface PatientAcceptanceCoefficients {
  readonly intercept: number
  readonly mismatchTotalPerMismatch: number
  readonly zeroMismatch: number
  /** Times max(0, donor age − candidate age)/10: an older kidney for a younger patient. */
  readonly donorOlderPer10Years: number
  /** Highly sensitised candidates (cPRA ≥ 80%) rarely refuse a compatible kidney. */
  readonly cpraAtLeast80: number
  readonly priorTransplant: number
  readonly candidateAgeOver60Per10Years: number
}

export interface AcceptanceParameters {
  readonly kind: AcceptanceModelKind
  readonly centre: CentreAcceptanceCoefficients
  readonly patient: PatientAcceptanceCoefficients
}

/**
 * Default coefficients. The directions and rough sizes follow the published ETKidney simulator
 * acceptance models (files `coefs_center_acceptance_ETKAS.csv` and `coefs_recipient_driven_ETKAS.csv`
 * of hansdeferrante/Eurotransplant_ETKidney_simulator: donor diabetes −0.30 / −0.67, hypertension
 * −0.11 / −0.18, DCD −0.27, creatinine above 1.5 mg/dL penalised, HLA mismatches −0.1 to −0.4 per
 * mismatch level, zero-mismatch and paediatric terms) and the SRTR finding that hard-to-place
 * kidneys are declined repeatedly (allocation-systems.md §4.1). The values themselves are
 * assumptions of this project, set so that the default national-kidney scenario lands near the
 * SRTR non-use share (docs/simulation.md): the published models use covariates the synthetic
 * registry does not have (urine protein, malignancy, viral serology) and country effects that do
 * not transfer.
 */
export const DEFAULT_ACCEPTANCE: AcceptanceParameters = Object.freeze({
  kind: 'logistic',
  centre: Object.freeze({
    intercept: -0.6,
    donorAgeOver50Per10Years: -0.9,
    kdpiPer10Points: -0.22,
    dcd: -0.3,
    donorDiabetes: -0.3,
    donorHypertension: -0.11,
    creatinineOver1_5PerMgDl: -0.25,
    distancePer100Nm: -0.04,
    logPreviousOffers: -0.35,
    rescue: 0.8,
    centreEffectSd: 0.5
  }),
  patient: Object.freeze({
    intercept: 0.7,
    mismatchTotalPerMismatch: -0.12,
    zeroMismatch: 0.3,
    donorOlderPer10Years: -0.3,
    cpraAtLeast80: 0.8,
    priorTransplant: -0.13,
    candidateAgeOver60Per10Years: 0.2
  })
})

/** 1 / (1 + e^−x), written so that large |x| neither overflows nor loses the tail. */
export function logistic (x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x))
  const e = Math.exp(x)
  return e / (1 + e)
}

/** The centre-level linear predictor (logit), without the centre's random intercept. */
export function centreLogit (c: CentreAcceptanceCoefficients, f: OfferFeatures): number {
  const kdpi = Number.isNaN(f.donorKdpi) ? 50 : f.donorKdpi
  return c.intercept +
    c.donorAgeOver50Per10Years * Math.max(0, f.donorAgeYears - 50) / 10 +
    c.kdpiPer10Points * kdpi / 10 +
    (f.donorDcd ? c.dcd : 0) +
    (f.donorDiabetes ? c.donorDiabetes : 0) +
    (f.donorHypertension ? c.donorHypertension : 0) +
    c.creatinineOver1_5PerMgDl * Math.max(0, f.donorCreatinineMgDl - 1.5) +
    c.distancePer100Nm * f.distanceNm / 100 +
    c.logPreviousOffers * Math.log1p(f.previousOffers) +
    (f.rescue ? c.rescue : 0)
}

/** The patient-level linear predictor (logit). */
export function patientLogit (p: PatientAcceptanceCoefficients, f: OfferFeatures): number {
  const total = f.mismatchA + f.mismatchB + f.mismatchDR
  return p.intercept +
    p.mismatchTotalPerMismatch * total +
    (total === 0 ? p.zeroMismatch : 0) +
    p.donorOlderPer10Years * Math.max(0, f.donorAgeYears - f.candidateAgeYears) / 10 +
    (f.candidateCpraPercent >= 80 ? p.cpraAtLeast80 : 0) +
    (f.candidatePriorTransplant ? p.priorTransplant : 0) +
    p.candidateAgeOver60Per10Years * Math.max(0, f.candidateAgeYears - 60) / 10
}

/**
 * Logistic centre-level and patient-level acceptance: P = 1/(1 + e^−logit). The logistic form is
 * the one used by SRTR's SAMs and the ETKidney simulator (allocation-systems.md §2).
 */
export function createLogisticAcceptanceModel (parameters: AcceptanceParameters): AcceptanceModel {
  const { centre, patient } = checkAcceptanceParameters(parameters)
  return {
    kind: 'logistic',
    centreProbability: (features, centreEffect) => logistic(centreLogit(centre, features) + centreEffect),
    patientProbability: (features) => logistic(patientLogit(patient, features))
  }
}

/** Every offer is accepted: for pure-ranking studies, where only the order of the list matters. */
export const ALWAYS_ACCEPT: AcceptanceModel = Object.freeze({
  kind: 'always-accept',
  centreProbability: () => 1,
  patientProbability: () => 1
})

export function createAcceptanceModel (parameters: AcceptanceParameters): AcceptanceModel {
  if (parameters === null || typeof parameters !== 'object') throw new InvalidFieldError('acceptance', 'must be an object')
  switch (parameters.kind) {
    case 'logistic': return createLogisticAcceptanceModel(parameters)
    case 'always-accept': return ALWAYS_ACCEPT
    default: throw new UnknownValueError('acceptance.kind', `must be one of ${ACCEPTANCE_MODEL_KINDS.map((k) => JSON.stringify(k)).join(', ')}`)
  }
}

const COEFFICIENT = { min: -50, max: 50, unit: 'logit' } as const

function checkCoefficients<T extends object> (value: unknown, field: string, template: T): T {
  if (value === null || typeof value !== 'object') throw new InvalidFieldError(field, 'must be an object')
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!(key in template)) throw new InvalidFieldError(`${field}.${key}`, `is not a coefficient of this model (known: ${Object.keys(template).join(', ')})`)
  }
  for (const key of Object.keys(template)) requireNumber(record[key], `${field}.${key}`, key === 'centreEffectSd' ? { min: 0, max: 5, unit: 'logit' } : COEFFICIENT)
  return value as T
}

/** Checks that every coefficient is present and finite; unknown coefficient names are refused. */
export function checkAcceptanceParameters (parameters: AcceptanceParameters, field = 'acceptance'): AcceptanceParameters {
  if (parameters === null || typeof parameters !== 'object') throw new InvalidFieldError(field, 'must be an object')
  if (!(ACCEPTANCE_MODEL_KINDS as readonly string[]).includes(parameters.kind)) {
    throw new UnknownValueError(`${field}.kind`, `must be one of ${ACCEPTANCE_MODEL_KINDS.map((k) => JSON.stringify(k)).join(', ')}`)
  }
  checkCoefficients(parameters.centre, `${field}.centre`, DEFAULT_ACCEPTANCE.centre)
  checkCoefficients(parameters.patient, `${field}.patient`, DEFAULT_ACCEPTANCE.patient)
  return parameters
}

/** Validates one offer's features (used by tests and by callers outside the simulator loop). */
export function checkOfferFeatures (features: OfferFeatures): OfferFeatures {
  if (features === null || typeof features !== 'object') throw new InvalidFieldError('features', 'must be an object')
  requireNumber(features.donorAgeYears, 'features.donorAgeYears', { min: 0, max: 120, unit: 'years' })
  if (!Number.isNaN(features.donorKdpi)) requireNumber(features.donorKdpi, 'features.donorKdpi', { min: 0, max: 100, unit: '%' })
  requireBoolean(features.donorDcd, 'features.donorDcd')
  requireBoolean(features.donorDiabetes, 'features.donorDiabetes')
  requireBoolean(features.donorHypertension, 'features.donorHypertension')
  requireNumber(features.donorCreatinineMgDl, 'features.donorCreatinineMgDl', { min: 0.01, max: 40, unit: 'mg/dL' })
  requireNumber(features.candidateAgeYears, 'features.candidateAgeYears', { min: 0, max: 120, unit: 'years' })
  requireNumber(features.candidateCpraPercent, 'features.candidateCpraPercent', { min: 0, max: 100, unit: '%' })
  requireBoolean(features.candidatePriorTransplant, 'features.candidatePriorTransplant')
  for (const locus of ['mismatchA', 'mismatchB', 'mismatchDR'] as const) requireNumber(features[locus], `features.${locus}`, { min: 0, max: 2, unit: 'mismatches' })
  requireNumber(features.distanceNm, 'features.distanceNm', { min: 0, max: 13_000, unit: 'NM' })
  requireNumber(features.previousOffers, 'features.previousOffers', { min: 0, max: 1_000_000, unit: 'offers' })
  requireBoolean(features.rescue, 'features.rescue')
  return features
}
