import { requireBoolean, requireNumber, type NumericRange } from '../domain/input.js'

/**
 * Accepted input ranges for the liver scores (MELD family, PELD, UKELD). They are wider than any
 * clamp the formulas apply, so a real laboratory value is never refused, while a value in the wrong
 * unit (creatinine in µmol/L, albumin in g/L) is. The HTTP schemas reuse these constants.
 * Bilirubin reaches 100 mg/dL because published vector L5 uses 99 mg/dL.
 */
export const BILIRUBIN_MG_DL_RANGE: NumericRange = { min: 0.1, max: 100, unit: 'mg/dL' }
export const INR_RANGE: NumericRange = { min: 0.5, max: 20, unit: '' }
export const CREATININE_MG_DL_RANGE: NumericRange = { min: 0.1, max: 25, unit: 'mg/dL' }
export const SODIUM_MMOL_L_RANGE: NumericRange = { min: 100, max: 180, unit: 'mmol/L' }
export const ALBUMIN_G_DL_RANGE: NumericRange = { min: 0.5, max: 7, unit: 'g/dL' }

/** OPTN bounds of the MELD, MELD-Na and MELD 3.0 scales. */
export const MELD_MIN = 6
export const MELD_MAX = 40

/** OPTN lab floor: bilirubin, INR and creatinine below 1.0 count as 1.0. */
export const MELD_LAB_FLOOR = 1
/** Creatinine ceiling of the original MELD and MELD-Na, also the value used on dialysis. */
export const MELD_CREATININE_CEILING_MG_DL = 4
/** Sodium bounds of MELD-Na (and MELD 3.0). */
export const MELD_SODIUM_MIN_MMOL_L = 125
export const MELD_SODIUM_MAX_MMOL_L = 137
/** MELD-Na adds the sodium term only when the rounded MELD is above this value. */
export const MELD_NA_THRESHOLD = 11

export interface MeldInput {
  creatinineMgDl: number
  bilirubinMgDl: number
  inr: number
  /** At least two dialysis sessions in the prior 7 days, or 24 hours of CVVHD in the prior 7 days. */
  dialysisTwiceInPastWeek: boolean
}

export interface MeldLabsAfterBounds {
  creatinineMgDl: number
  bilirubinMgDl: number
  inr: number
}

export interface MeldResult {
  /** The OPTN MELD: an integer in 6..40. */
  meld: number
  /** 10 × MELD(i), before the rounding to tenths and before the 6..40 bounds. */
  meldUnrounded: number
  inputsAfterBounds: MeldLabsAfterBounds
}

export interface MeldNaInput extends MeldInput {
  sodiumMmolL: number
}

export interface MeldNaResult {
  /** The OPTN MELD-Na: an integer in 6..40. */
  meldNa: number
  /** MELD-Na before the rounding to an integer and before the 6..40 bounds. */
  meldNaUnrounded: number
  /** The MELD the sodium term was applied to. */
  meld: number
  /** Whether the sodium term was applied (only when MELD > 11). */
  sodiumTermApplied: boolean
  inputsAfterBounds: MeldLabsAfterBounds & { sodiumMmolL: number }
}

export function clamp (value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}

/** Checks and bounds the three MELD labs; dialysis replaces creatinine with the ceiling. */
export function meldLabsAfterBounds (input: MeldInput, creatinineCeilingMgDl: number): MeldLabsAfterBounds {
  const creatinine = requireNumber(input.creatinineMgDl, 'creatinineMgDl', CREATININE_MG_DL_RANGE)
  const bilirubin = requireNumber(input.bilirubinMgDl, 'bilirubinMgDl', BILIRUBIN_MG_DL_RANGE)
  const inr = requireNumber(input.inr, 'inr', INR_RANGE)
  const onDialysis = requireBoolean(input.dialysisTwiceInPastWeek, 'dialysisTwiceInPastWeek')
  return {
    creatinineMgDl: onDialysis ? creatinineCeilingMgDl : clamp(creatinine, MELD_LAB_FLOOR, creatinineCeilingMgDl),
    bilirubinMgDl: Math.max(MELD_LAB_FLOOR, bilirubin),
    inr: Math.max(MELD_LAB_FLOOR, inr)
  }
}

/**
 * Original MELD as OPTN computes it (Kamath et al., Hepatology 2001;33:464; OPTN Policy 9.1.D before
 * 2016): labs below 1.0 set to 1.0, creatinine capped at 4.0 and set to 4.0 on dialysis,
 * MELD(i) = 0.957·ln(SCr) + 0.378·ln(bili) + 1.120·ln(INR) + 0.643, rounded to the tenth and
 * multiplied by 10, bounded to 6..40.
 */
export function meld (input: MeldInput): MeldResult {
  const labs = meldLabsAfterBounds(input, MELD_CREATININE_CEILING_MG_DL)
  const meldI = 0.957 * Math.log(labs.creatinineMgDl) + 0.378 * Math.log(labs.bilirubinMgDl) +
    1.120 * Math.log(labs.inr) + 0.643
  // Rounding MELD(i) to tenths and then multiplying by 10 is rounding 10·MELD(i) to an integer.
  return {
    meld: clamp(Math.round(meldI * 10), MELD_MIN, MELD_MAX),
    meldUnrounded: meldI * 10,
    inputsAfterBounds: labs
  }
}

/**
 * MELD-Na as OPTN used it from January 2016 to 12 July 2023 (OPTN Policy 9.1.D; Kim et al., NEJM
 * 2008;359:1018 for the model): sodium bounded to 125..137 mmol/L; when the rounded MELD is above 11,
 * MELD-Na = MELD + 1.32·(137 − Na) − 0.033·MELD·(137 − Na); rounded to an integer, bounded to 6..40.
 */
export function meldNa (input: MeldNaInput): MeldNaResult {
  const base = meld(input)
  const sodium = clamp(
    requireNumber(input.sodiumMmolL, 'sodiumMmolL', SODIUM_MMOL_L_RANGE),
    MELD_SODIUM_MIN_MMOL_L, MELD_SODIUM_MAX_MMOL_L)
  const sodiumTermApplied = base.meld > MELD_NA_THRESHOLD
  const deficit = MELD_SODIUM_MAX_MMOL_L - sodium
  // Bounding MELD to 40 first changes nothing: at MELD 40 the sodium terms cancel exactly.
  const unrounded = sodiumTermApplied ? base.meld + 1.32 * deficit - 0.033 * base.meld * deficit : base.meld
  return {
    meldNa: clamp(Math.round(unrounded), MELD_MIN, MELD_MAX),
    meldNaUnrounded: unrounded,
    meld: base.meld,
    sodiumTermApplied,
    inputsAfterBounds: { ...base.inputsAfterBounds, sodiumMmolL: sodium }
  }
}
