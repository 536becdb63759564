import { InvalidFieldError } from '../errors.js'
import { requireBoolean, requireNumber, type NumericRange } from '../domain/input.js'
import { ALBUMIN_G_DL_RANGE, BILIRUBIN_MG_DL_RANGE, INR_RANGE } from './meld.js'

/** OPTN scores candidates under 12 with PELD; 12 is accepted as the inclusive end of the range. */
export const PELD_AGE_YEARS_RANGE: NumericRange = { min: 0, max: 12, unit: 'years' }
/** OPTN lab floor: bilirubin, INR and albumin below 1.0 count as 1.0. */
export const PELD_LAB_FLOOR = 1

export interface PeldInput {
  bilirubinMgDl: number
  inr: number
  albuminGDl: number
  /** Age now, in years (fractional: 0.5 is six months). */
  ageYears: number
  /** Age when listed; the age factor stays until 24 months for a child listed before age 1. */
  ageAtListingYears: number
  /** Height or weight below −2 SD for age and sex. */
  growthFailure: boolean
}

export interface PeldResult {
  /** PELD as OPTN rounds it: the bracket rounded to tenths, times 10. May be negative; not bounded. */
  peld: number
  /** 10 × the bracket, before rounding. */
  peldUnrounded: number
  /** Whether the 0.436 age term was applied. */
  ageFactorApplied: boolean
  /** Labs after rounding to tenths and the 1.0 floor. */
  inputsAfterBounds: { bilirubinMgDl: number, inr: number, albuminGDl: number }
}

/** Half-up rounding to one decimal that is not fooled by binary representation (1.15 → 1.2). */
export function roundToTenth (value: number): number {
  return Math.round(Number((value * 10).toPrecision(12))) / 10
}

/**
 * Legacy PELD (McDiarmid et al., Transplantation 2002;74:173; OPTN Policy 9.1.E until 12 July 2023):
 * 10 × [0.480·ln(bili) + 1.857·ln(INR) − 0.687·ln(alb) + 0.436·(age < 1) + 0.667·(growth failure)].
 * Labs are rounded to tenths and floored at 1.0 (albumin included); the bracket is rounded to tenths
 * before ×10. The age term continues to 24 months for a child listed before the first birthday.
 * PELD-Cr (OPTN since 13 July 2023) is not implemented: its Table 9-1 coefficients were not found.
 */
export function peld (input: PeldInput): PeldResult {
  const bilirubin = requireNumber(input.bilirubinMgDl, 'bilirubinMgDl', BILIRUBIN_MG_DL_RANGE)
  const inr = requireNumber(input.inr, 'inr', INR_RANGE)
  const albumin = requireNumber(input.albuminGDl, 'albuminGDl', ALBUMIN_G_DL_RANGE)
  const age = requireNumber(input.ageYears, 'ageYears', PELD_AGE_YEARS_RANGE)
  const ageAtListing = requireNumber(input.ageAtListingYears, 'ageAtListingYears', PELD_AGE_YEARS_RANGE)
  if (ageAtListing > age) throw new InvalidFieldError('ageAtListingYears', 'must not be greater than ageYears')
  const growthFailure = requireBoolean(input.growthFailure, 'growthFailure')

  const labs = {
    bilirubinMgDl: Math.max(PELD_LAB_FLOOR, roundToTenth(bilirubin)),
    inr: Math.max(PELD_LAB_FLOOR, roundToTenth(inr)),
    albuminGDl: Math.max(PELD_LAB_FLOOR, roundToTenth(albumin))
  }
  const ageFactorApplied = age < 1 || (ageAtListing < 1 && age < 2)
  const bracket = 0.480 * Math.log(labs.bilirubinMgDl) + 1.857 * Math.log(labs.inr) - 0.687 * Math.log(labs.albuminGDl) +
    (ageFactorApplied ? 0.436 : 0) + (growthFailure ? 0.667 : 0)
  // Rounding the bracket to tenths and multiplying by 10 is rounding 10·bracket to an integer.
  // `+ 0` turns a rounded -0 into 0.
  return {
    peld: Math.round(bracket * 10) + 0,
    peldUnrounded: bracket * 10,
    ageFactorApplied,
    inputsAfterBounds: labs
  }
}
