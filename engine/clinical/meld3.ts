import { MissingFieldError } from '../errors.js'
import { requireEnum, requireNumber, type NumericRange } from '../domain/input.js'
import {
  ALBUMIN_G_DL_RANGE, MELD_MAX, MELD_MIN, MELD_SODIUM_MAX_MMOL_L, MELD_SODIUM_MIN_MMOL_L, SODIUM_MMOL_L_RANGE,
  clamp, meldLabsAfterBounds
} from './meld.js'

/** Creatinine ceiling of MELD 3.0, also the value used on dialysis. */
export const MELD3_CREATININE_CEILING_MG_DL = 3
/** Albumin bounds of MELD 3.0. */
export const MELD3_ALBUMIN_MIN_G_DL = 1.5
export const MELD3_ALBUMIN_MAX_G_DL = 3.5
/** Below this age the adolescent intercept applies and sex is not used. */
export const MELD3_ADULT_AGE_YEARS = 18
export const MELD3_AGE_YEARS_RANGE: NumericRange = { min: 0, max: 120, unit: 'years' }

export const MELD3_SEXES = ['F', 'M'] as const
export type Meld3Sex = typeof MELD3_SEXES[number]

export interface Meld3Input {
  creatinineMgDl: number
  bilirubinMgDl: number
  inr: number
  sodiumMmolL: number
  albuminGDl: number
  /** At least two dialysis sessions in the prior 7 days, or 24 hours of CVVHD in the prior 7 days. */
  dialysisTwiceInPastWeek: boolean
  ageYears: number
  /**
   * Required from age 18. It enters only here, as a clinical correction (creatinine under-estimates
   * kidney failure in women), and is supplied by the registry boundary, never by the match snapshot.
   */
  sex?: Meld3Sex | undefined
}

export interface Meld3Result {
  /** MELD 3.0 rounded to an integer and bounded to 6..40 (the OPTN cap). */
  meld3: number
  /** MELD 3.0 before rounding and bounds (Kim 2021's own, uncapped value). */
  meld3Unrounded: number
  /** True below age 18: intercept 7.33 and no sex term. */
  adolescentIntercept: boolean
  inputsAfterBounds: {
    creatinineMgDl: number
    bilirubinMgDl: number
    inr: number
    sodiumMmolL: number
    albuminGDl: number
  }
}

/**
 * MELD 3.0 (Kim et al., Gastroenterology 2021;161:1887; OPTN Policy 9.1.D since 13 July 2023):
 * bilirubin, INR, creatinine below 1.0 set to 1.0; creatinine capped at 3.0 and set to 3.0 on
 * dialysis; sodium bounded 125..137; albumin bounded 1.5..3.5 g/dL;
 * 1.33·female + 4.56·ln(bili) + 0.82·(137 − Na) − 0.24·(137 − Na)·ln(bili) + 9.09·ln(INR)
 * + 11.14·ln(SCr) + 1.85·(3.5 − alb) − 1.83·(3.5 − alb)·ln(SCr) + 6.
 * Under 18 the intercept is 7.33 with no sex term (OPTN; as in the sas-macros meld.sas). Rounded to
 * an integer and bounded to 6..40 as OPTN does.
 */
export function meld3 (input: Meld3Input): Meld3Result {
  const labs = meldLabsAfterBounds(input, MELD3_CREATININE_CEILING_MG_DL)
  const sodium = clamp(
    requireNumber(input.sodiumMmolL, 'sodiumMmolL', SODIUM_MMOL_L_RANGE),
    MELD_SODIUM_MIN_MMOL_L, MELD_SODIUM_MAX_MMOL_L)
  const albumin = clamp(
    requireNumber(input.albuminGDl, 'albuminGDl', ALBUMIN_G_DL_RANGE),
    MELD3_ALBUMIN_MIN_G_DL, MELD3_ALBUMIN_MAX_G_DL)
  const age = requireNumber(input.ageYears, 'ageYears', MELD3_AGE_YEARS_RANGE)
  const adolescent = age < MELD3_ADULT_AGE_YEARS
  let sexTerm: number
  if (adolescent) {
    // A sex given for a minor is still checked, but it cannot change the score.
    if (input.sex !== undefined) requireEnum(input.sex, 'sex', MELD3_SEXES)
    sexTerm = 1.33
  } else {
    if (input.sex === undefined || input.sex === null) {
      throw new MissingFieldError('sex', `is required from age ${MELD3_ADULT_AGE_YEARS} ("F" or "M")`)
    }
    sexTerm = requireEnum(input.sex, 'sex', MELD3_SEXES) === 'F' ? 1.33 : 0
  }

  const lnBili = Math.log(labs.bilirubinMgDl)
  const lnCreatinine = Math.log(labs.creatinineMgDl)
  const sodiumDeficit = MELD_SODIUM_MAX_MMOL_L - sodium
  const albuminDeficit = MELD3_ALBUMIN_MAX_G_DL - albumin
  const unrounded = sexTerm + 4.56 * lnBili + 0.82 * sodiumDeficit - 0.24 * sodiumDeficit * lnBili +
    9.09 * Math.log(labs.inr) + 11.14 * lnCreatinine + 1.85 * albuminDeficit - 1.83 * albuminDeficit * lnCreatinine + 6

  return {
    meld3: clamp(Math.round(unrounded), MELD_MIN, MELD_MAX),
    meld3Unrounded: unrounded,
    adolescentIntercept: adolescent,
    inputsAfterBounds: { ...labs, sodiumMmolL: sodium, albuminGDl: albumin }
  }
}
