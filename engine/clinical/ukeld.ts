import { requireNumber, type NumericRange } from '../domain/input.js'
import { BILIRUBIN_MG_DL_RANGE, CREATININE_MG_DL_RANGE, INR_RANGE, SODIUM_MMOL_L_RANGE } from './meld.js'

/** Unit conversion factors: µmol/L per mg/dL (the factors transplantr and most UK calculators use). */
export const CREATININE_UMOL_L_PER_MG_DL = 88.4
export const BILIRUBIN_UMOL_L_PER_MG_DL = 17.1

/** The mg/dL ranges of the MELD family, in µmol/L (0.1–25 mg/dL creatinine, 0.1–100 mg/dL bilirubin). */
export const CREATININE_UMOL_L_RANGE: NumericRange = { min: 8.84, max: 2210, unit: 'µmol/L' }
export const BILIRUBIN_UMOL_L_RANGE: NumericRange = { min: 1.71, max: 1710, unit: 'µmol/L' }

export interface UkeldInput {
  inr: number
  creatinineMgDl: number
  bilirubinMgDl: number
  sodiumMmolL: number
}

export interface UkeldSiInput {
  inr: number
  creatinineUmolL: number
  bilirubinUmolL: number
  sodiumMmolL: number
}

export interface UkeldResult {
  /** UKELD rounded to the nearest integer (the UK listing criterion compares a whole number). */
  ukeld: number
  ukeldUnrounded: number
  /** The SI values the formula used. */
  creatinineUmolL: number
  bilirubinUmolL: number
}

/**
 * UKELD (Barber et al., Transplantation 2011;92:469; NHSBT liver selection policy), in SI units:
 * 5.395·ln(INR) + 1.485·ln(creatinine µmol/L) + 3.13·ln(bilirubin µmol/L) − 81.565·ln(Na mmol/L) + 435.
 * No lab value is floored or capped: neither the published formula nor transplantr's `ukeld` does so.
 */
export function ukeldFromSi (input: UkeldSiInput): UkeldResult {
  const inr = requireNumber(input.inr, 'inr', INR_RANGE)
  const creatinine = requireNumber(input.creatinineUmolL, 'creatinineUmolL', CREATININE_UMOL_L_RANGE)
  const bilirubin = requireNumber(input.bilirubinUmolL, 'bilirubinUmolL', BILIRUBIN_UMOL_L_RANGE)
  const sodium = requireNumber(input.sodiumMmolL, 'sodiumMmolL', SODIUM_MMOL_L_RANGE)
  const unrounded = 5.395 * Math.log(inr) + 1.485 * Math.log(creatinine) + 3.13 * Math.log(bilirubin) -
    81.565 * Math.log(sodium) + 435
  return { ukeld: Math.round(unrounded), ukeldUnrounded: unrounded, creatinineUmolL: creatinine, bilirubinUmolL: bilirubin }
}

/**
 * UKELD from conventional units (Barber et al., Transplantation 2011;92:469): creatinine mg/dL × 88.4
 * and bilirubin mg/dL × 17.1 give µmol/L, then the SI formula of `ukeldFromSi`.
 */
export function ukeld (input: UkeldInput): UkeldResult {
  const creatinine = requireNumber(input.creatinineMgDl, 'creatinineMgDl', CREATININE_MG_DL_RANGE)
  const bilirubin = requireNumber(input.bilirubinMgDl, 'bilirubinMgDl', BILIRUBIN_MG_DL_RANGE)
  return ukeldFromSi({
    inr: input.inr,
    // Clamped so that floating-point error at the range ends cannot push a valid value out of range.
    creatinineUmolL: Math.min(CREATININE_UMOL_L_RANGE.max, Math.max(CREATININE_UMOL_L_RANGE.min, creatinine * CREATININE_UMOL_L_PER_MG_DL)),
    bilirubinUmolL: Math.min(BILIRUBIN_UMOL_L_RANGE.max, Math.max(BILIRUBIN_UMOL_L_RANGE.min, bilirubin * BILIRUBIN_UMOL_L_PER_MG_DL)),
    sodiumMmolL: input.sodiumMmolL
  })
}
