import { requireNumber, type NumericRange } from '../domain/input.js'
import { InvalidFieldError } from '../errors.js'
import { checkAcceptanceParameters, DEFAULT_ACCEPTANCE, type AcceptanceParameters } from './acceptance-model.js'
import { weibullThroughPoints, type WeibullParameters } from './survival.js'

/**
 * Every number the simulator's behaviour models use, in one object that travels with the scenario
 * (and so into every worker). docs/simulation.md lists each with its source or the word
 * "assumption"; a change here must be made there too.
 */

/** Waiting-list hazards (constant per candidate between status changes). */
export interface WaitlistParameters {
  /** Deaths per 100 patient-years of an active, non-diabetic 50-year-old candidate. */
  readonly deathsPer100PatientYears: number
  readonly deathHazardRatioPer10YearsOfAge: number
  readonly deathHazardRatioDiabetes: number
  readonly deathHazardRatioInactive: number
  /** Removals for other reasons (too sick, recovered, moved, declined) per 100 patient-years, same reference. */
  readonly removalsPer100PatientYears: number
  readonly removalHazardRatioPer10YearsOfAge: number
  readonly removalHazardRatioInactive: number
  /** Active → inactive (temporarily unsuitable) transitions per patient-year. */
  readonly inactivationsPerPatientYear: number
  /** Inactive → active transitions per patient-year. */
  readonly activationsPerPatientYear: number
}

/** Post-transplant outcomes: Weibull curves through published 1- and 5-year survival, with covariates. */
export interface PostTransplantParameters {
  /** Death-censored graft survival of a graft from a median (KDRI) donor. */
  readonly graftSurvivalOneYear: number
  readonly graftSurvivalFiveYears: number
  /** Patient survival of a recipient with the median raw EPTS score. */
  readonly patientSurvivalOneYear: number
  readonly patientSurvivalFiveYears: number
  /**
   * KDRI (unscaled, as the donor record carries it) of the median donor: the OPTN scaling factor of
   * the reference population. A donor's graft-failure hazard ratio is KDRI / this value, KDRI being by
   * definition the relative hazard of graft failure (Rao et al., Transplantation 2009).
   */
  readonly kdriOfMedianDonor: number
  /**
   * Raw EPTS of the median candidate (the 50% row of the EPTS mapping table). A recipient's hazard
   * ratio of death is exp(raw EPTS − this value), raw EPTS being the linear predictor of the OPTN
   * post-transplant survival model.
   */
  readonly rawEptsOfMedianCandidate: number
  /** Share of recipients whose graft fails (while alive) who are listed again. */
  readonly relistProbability: number
  /** Mean delay from graft failure to relisting (exponential), days. */
  readonly relistDelayDaysMean: number
  /** Horizon of the life-years-from-transplant estimate (restricted mean survival), years. */
  readonly lifeYearsHorizonYears: number
}

/** How organs are offered: offer limits, rescue, and the cold-ischaemia proxy. */
export interface OfferParameters {
  /** Offers (declined by centre or patient) after which the remaining kidneys go to rescue allocation. */
  readonly offersBeforeRescue: number
  /** Patient-level offers a centre may decline for one donor before it is passed over (ETKidney: 5 in ETKAS). */
  readonly maxPatientOffersPerCentre: number
  /** Centres approached in rescue allocation, nearest first; a kidney no one takes is discarded. */
  readonly rescueCentres: number
  /** Cold-ischaemia proxy: hours before the first offer (recovery, typing, logistics). */
  readonly baseColdIschaemiaHours: number
  /** Hours each declined offer adds. */
  readonly hoursPerDeclinedOffer: number
  /** Hours added when the kidney goes to rescue. */
  readonly rescueExtraHours: number
  /** Ground transport speed (knots) up to `groundTransportMaxNm`; flights beyond. */
  readonly groundSpeedKnots: number
  readonly groundTransportMaxNm: number
  readonly flightSpeedKnots: number
  readonly flightOverheadHours: number
  /** Offering stops and the kidney is discarded once the proxy would exceed this many hours. */
  readonly maxColdIschaemiaHours: number
}

export interface ModelParameters {
  readonly acceptance: AcceptanceParameters
  readonly offers: OfferParameters
  readonly waitlist: WaitlistParameters
  readonly postTransplant: PostTransplantParameters
}

/**
 * Waiting-list defaults. The death rate is set so that the national scenario's simulated mortality
 * lands near the SRTR waiting-list figures (docs/simulation.md); the hazard ratios for age, diabetes
 * and inactive status are assumptions with the directions reported in every SRTR kidney chapter
 * (mortality rises with age and diabetes; inactive candidates are sicker). Status-change rates:
 * assumption, set so that about a third of the list is inactive at equilibrium (1/3 = 0.5/(0.5+1.0)),
 * the share of the US kidney list that is inactive (synthetic registry ACTIVE_SHARE, 0.67).
 */
export const DEFAULT_WAITLIST: WaitlistParameters = Object.freeze({
  deathsPer100PatientYears: 2.8,
  deathHazardRatioPer10YearsOfAge: 1.35,
  deathHazardRatioDiabetes: 1.5,
  deathHazardRatioInactive: 1.8,
  removalsPer100PatientYears: 4.0,
  removalHazardRatioPer10YearsOfAge: 1.2,
  removalHazardRatioInactive: 2.5,
  inactivationsPerPatientYear: 0.5,
  activationsPerPatientYear: 1.0
})

/**
 * Post-transplant defaults. Survival points: approximate US deceased-donor kidney figures (death-
 * censored graft survival about 95% at 1 year and 83% at 5 years; patient survival about 96% and
 * 84%), in the range the SRTR annual data reports show for recent cohorts [approximate; see
 * docs/simulation.md]. KDRI of the median donor: 1.40436817065005, the scaling factor of the OPTN
 * refit KDPI table for the 2024 reference population (clinical-scores.md §1b). Raw EPTS of the median
 * candidate: 2.22830663928816, the 50% row of the OPTN EPTS mapping table dated March 2022. Relisting:
 * assumption (ETKidney relists a share of failed grafts; allocation-systems.md §2.3). Life-years
 * horizon: 10 years, an assumption of this project (restricted mean survival avoids extrapolating
 * the Weibull tail).
 */
export const DEFAULT_POST_TRANSPLANT: PostTransplantParameters = Object.freeze({
  graftSurvivalOneYear: 0.95,
  graftSurvivalFiveYears: 0.83,
  patientSurvivalOneYear: 0.96,
  patientSurvivalFiveYears: 0.84,
  kdriOfMedianDonor: 1.40436817065005,
  rawEptsOfMedianCandidate: 2.22830663928816,
  relistProbability: 0.6,
  relistDelayDaysMean: 90,
  lifeYearsHorizonYears: 10
})

/**
 * Offer defaults. Patient offers per centre: 5, the ETKidney simulator's ETKAS limit
 * (allocation-systems.md §2.3). The rest are assumptions: about 50 declined offers before rescue
 * (US kidneys placed at a median sequence near 20, hard-to-place ones far beyond; §4.1), 10 centres
 * in rescue, and a cold-ischaemia proxy of 8 h plus 0.4 h per declined offer plus transport, discard
 * beyond 36 h.
 */
export const DEFAULT_OFFERS: OfferParameters = Object.freeze({
  offersBeforeRescue: 50,
  maxPatientOffersPerCentre: 5,
  rescueCentres: 10,
  baseColdIschaemiaHours: 8,
  hoursPerDeclinedOffer: 0.4,
  rescueExtraHours: 3,
  groundSpeedKnots: 40,
  groundTransportMaxNm: 200,
  flightSpeedKnots: 250,
  flightOverheadHours: 2,
  maxColdIschaemiaHours: 36
})

export const DEFAULT_MODEL: ModelParameters = Object.freeze({
  acceptance: DEFAULT_ACCEPTANCE,
  offers: DEFAULT_OFFERS,
  waitlist: DEFAULT_WAITLIST,
  postTransplant: DEFAULT_POST_TRANSPLANT
})

const RATE: NumericRange = { min: 0, max: 1000, unit: 'per 100 patient-years' }
const RATIO: NumericRange = { min: 0.01, max: 100, unit: '' }
const PER_YEAR: NumericRange = { min: 0, max: 100, unit: 'per patient-year' }
const SHARE: NumericRange = { min: 0.001, max: 0.999, unit: '' }

function checkObject<T extends object> (value: unknown, field: string, ranges: Readonly<Record<keyof T & string, NumericRange>>): T {
  if (value === null || typeof value !== 'object') throw new InvalidFieldError(field, 'must be an object')
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!(key in ranges)) throw new InvalidFieldError(`${field}.${key}`, `is not a parameter (known: ${Object.keys(ranges).join(', ')})`)
  }
  for (const [key, range] of Object.entries(ranges) as Array<[string, NumericRange]>) requireNumber(record[key], `${field}.${key}`, range)
  return value as T
}

/** Checks a whole parameter set; errors name the field (e.g. `model.offers.offersBeforeRescue`) and the range. */
export function checkModelParameters (model: ModelParameters, field = 'model'): ModelParameters {
  if (model === null || typeof model !== 'object') throw new InvalidFieldError(field, 'must be an object')
  checkAcceptanceParameters(model.acceptance, `${field}.acceptance`)
  checkObject<WaitlistParameters>(model.waitlist, `${field}.waitlist`, {
    deathsPer100PatientYears: RATE,
    deathHazardRatioPer10YearsOfAge: RATIO,
    deathHazardRatioDiabetes: RATIO,
    deathHazardRatioInactive: RATIO,
    removalsPer100PatientYears: RATE,
    removalHazardRatioPer10YearsOfAge: RATIO,
    removalHazardRatioInactive: RATIO,
    inactivationsPerPatientYear: PER_YEAR,
    activationsPerPatientYear: PER_YEAR
  })
  const post = checkObject<PostTransplantParameters>(model.postTransplant, `${field}.postTransplant`, {
    graftSurvivalOneYear: SHARE,
    graftSurvivalFiveYears: SHARE,
    patientSurvivalOneYear: SHARE,
    patientSurvivalFiveYears: SHARE,
    kdriOfMedianDonor: { min: 0.1, max: 10, unit: '' },
    rawEptsOfMedianCandidate: { min: -5, max: 10, unit: '' },
    relistProbability: { min: 0, max: 1, unit: '' },
    relistDelayDaysMean: { min: 0, max: 3650, unit: 'days' },
    lifeYearsHorizonYears: { min: 1, max: 50, unit: 'years' }
  })
  if (!(post.graftSurvivalFiveYears < post.graftSurvivalOneYear)) throw new InvalidFieldError(`${field}.postTransplant.graftSurvivalFiveYears`, 'must be below graftSurvivalOneYear')
  if (!(post.patientSurvivalFiveYears < post.patientSurvivalOneYear)) throw new InvalidFieldError(`${field}.postTransplant.patientSurvivalFiveYears`, 'must be below patientSurvivalOneYear')
  checkObject<OfferParameters>(model.offers, `${field}.offers`, {
    offersBeforeRescue: { min: 0, max: 100_000, unit: 'offers' },
    maxPatientOffersPerCentre: { min: 1, max: 100_000, unit: 'offers' },
    rescueCentres: { min: 0, max: 10_000, unit: 'centres' },
    baseColdIschaemiaHours: { min: 0, max: 100, unit: 'hours' },
    hoursPerDeclinedOffer: { min: 0, max: 24, unit: 'hours' },
    rescueExtraHours: { min: 0, max: 100, unit: 'hours' },
    groundSpeedKnots: { min: 1, max: 1000, unit: 'knots' },
    groundTransportMaxNm: { min: 0, max: 13_000, unit: 'NM' },
    flightSpeedKnots: { min: 1, max: 1000, unit: 'knots' },
    flightOverheadHours: { min: 0, max: 48, unit: 'hours' },
    maxColdIschaemiaHours: { min: 1, max: 200, unit: 'hours' }
  })
  return model
}

/** The two Weibull curves implied by the post-transplant parameters. */
export function postTransplantCurves (post: PostTransplantParameters): { graft: WeibullParameters, patient: WeibullParameters } {
  return {
    graft: weibullThroughPoints(365.25, post.graftSurvivalOneYear, 5 * 365.25, post.graftSurvivalFiveYears),
    patient: weibullThroughPoints(365.25, post.patientSurvivalOneYear, 5 * 365.25, post.patientSurvivalFiveYears)
  }
}

export const DAYS_PER_YEAR = 365.25

/** A candidate's hazard of death on the list, per day: base × HR_age^((age − 50)/10) × HR_diabetes × HR_inactive. */
export function waitlistDeathRatePerDay (w: WaitlistParameters, ageYears: number, diabetes: boolean, active: boolean): number {
  return w.deathsPer100PatientYears / 100 / DAYS_PER_YEAR *
    w.deathHazardRatioPer10YearsOfAge ** ((ageYears - 50) / 10) *
    (diabetes ? w.deathHazardRatioDiabetes : 1) *
    (active ? 1 : w.deathHazardRatioInactive)
}

/** A candidate's hazard of removal for other reasons, per day. */
export function waitlistRemovalRatePerDay (w: WaitlistParameters, ageYears: number, active: boolean): number {
  return w.removalsPer100PatientYears / 100 / DAYS_PER_YEAR *
    w.removalHazardRatioPer10YearsOfAge ** ((ageYears - 50) / 10) *
    (active ? 1 : w.removalHazardRatioInactive)
}

/** Hours from the first offer to arrival at the recipient's centre, excluding waiting for offers. */
export function transportHours (offers: OfferParameters, distanceNm: number): number {
  return distanceNm <= offers.groundTransportMaxNm
    ? distanceNm / offers.groundSpeedKnots
    : offers.flightOverheadHours + distanceNm / offers.flightSpeedKnots
}
