import { requireBoolean, requireEnum, requireNumber, type NumericRange } from '../domain/input.js'

/** Accepted input ranges; the HTTP schemas reuse them. */
export const UK_DONOR_AGE_YEARS_RANGE: NumericRange = { min: 0, max: 100, unit: 'years' }
export const UK_DONOR_HEIGHT_CM_RANGE: NumericRange = { min: 30, max: 250, unit: 'cm' }
export const UK_DONOR_EGFR_RANGE: NumericRange = { min: 0, max: 200, unit: 'mL/min/1.73m²' }
export const UK_DONOR_HOSPITAL_STAY_DAYS_RANGE: NumericRange = { min: 0, max: 365, unit: 'days' }
export const UK_RECIPIENT_AGE_YEARS_RANGE: NumericRange = { min: 0, max: 100, unit: 'years' }
export const UK_RECIPIENT_WAITING_DAYS_RANGE: NumericRange = { min: 0, max: 20000, unit: 'days' }
/**
 * Guards the quartile functions against NaN and negatives only. The largest index the input ranges
 * allow is about 1.1e4 (a 30 cm donor with a 365-day hospital stay), well inside.
 */
export const UK_RISK_INDEX_RANGE: NumericRange = { min: 0, max: 1e6, unit: '' }

export const UK_DONOR_SEXES = ['F', 'M'] as const
export type UkDonorSex = typeof UK_DONOR_SEXES[number]

/**
 * Inclusive upper bounds of quartiles 1–3 (NHSBT POL186, as transplantr `ukkdri_q`/`ukkrri_q` encode
 * them with `< x + 0.00000001`): D1 ≤ 0.79 < D2 ≤ 1.12 < D3 ≤ 1.50 < D4; R1 ≤ 0.74 < R2 ≤ 0.94 < R3 ≤ 1.20 < R4.
 */
export const UKKDRI_QUARTILE_UPPER_BOUNDS = [0.79, 1.12, 1.50] as const
export const UKKRRI_QUARTILE_UPPER_BOUNDS = [0.74, 0.94, 1.20] as const

export type UkDonorRiskQuartile = 'D1' | 'D2' | 'D3' | 'D4'
export type UkRecipientRiskQuartile = 'R1' | 'R2' | 'R3' | 'R4'
export type QuartileNumber = 1 | 2 | 3 | 4

export interface UkkdriInput {
  ageYears: number
  heightCm: number
  hypertension: boolean
  /** Donor sex: the index has a female term. Supplied by the registry boundary. */
  sex: UkDonorSex
  cmvPositive: boolean
  egfrMlMin173m2: number
  hospitalStayDays: number
}

export interface UkkdriResult {
  ukkdri: number
  linearPredictor: number
  quartile: UkDonorRiskQuartile
  /** 1–4, the form `Donor.ukDonorRiskQuartile` stores. */
  quartileNumber: QuartileNumber
}

export interface UkkrriInput {
  ageYears: number
  dialysisAtRegistration: boolean
  /** Waiting time counted from the start of dialysis, in days (0 if not on dialysis). */
  waitingDays: number
  diabetes: boolean
}

export interface UkkrriResult {
  ukkrri: number
  linearPredictor: number
  /** False at 25 years or younger, where this implementation (after transplantr) drops the age term. */
  ageTermApplied: boolean
  quartile: UkRecipientRiskQuartile
  /** 1–4, the form `Candidate.ukRecipientRiskQuartile` stores. */
  quartileNumber: QuartileNumber
}

function quartileOf (index: number, upperBounds: readonly [number, number, number]): QuartileNumber {
  if (index <= upperBounds[0]) return 1
  if (index <= upperBounds[1]) return 2
  if (index <= upperBounds[2]) return 3
  return 4
}

/** UK donor risk quartile D1–D4 from a UKKDRI value, upper bounds inclusive (NHSBT POL186). */
export function ukkdriQuartile (ukkdri: number): UkDonorRiskQuartile {
  const index = requireNumber(ukkdri, 'ukkdri', UK_RISK_INDEX_RANGE)
  return `D${quartileOf(index, UKKDRI_QUARTILE_UPPER_BOUNDS)}`
}

/** UK recipient risk quartile R1–R4 from a UKKRRI value, upper bounds inclusive (NHSBT POL186). */
export function ukkrriQuartile (ukkrri: number): UkRecipientRiskQuartile {
  const index = requireNumber(ukkrri, 'ukkrri', UK_RISK_INDEX_RANGE)
  return `R${quartileOf(index, UKKRRI_QUARTILE_UPPER_BOUNDS)}`
}

/**
 * UK Kidney Donor Risk Index, 2019 (NHSBT POL186 Kidney Offering Scheme; coefficients as in
 * transplantr R/ukkri.R `ukkdri`): exp(0.023·(age − 50) − 0.152·(height − 170)/10 + 0.149·hypertension
 * − 0.184·female + 0.190·CMV − 0.023·(eGFR − 90)/10 + 0.015·hospital days).
 */
export function ukkdri (input: UkkdriInput): UkkdriResult {
  const age = requireNumber(input.ageYears, 'ageYears', UK_DONOR_AGE_YEARS_RANGE)
  const height = requireNumber(input.heightCm, 'heightCm', UK_DONOR_HEIGHT_CM_RANGE)
  const hypertension = requireBoolean(input.hypertension, 'hypertension')
  const female = requireEnum(input.sex, 'sex', UK_DONOR_SEXES) === 'F'
  const cmv = requireBoolean(input.cmvPositive, 'cmvPositive')
  const egfr = requireNumber(input.egfrMlMin173m2, 'egfrMlMin173m2', UK_DONOR_EGFR_RANGE)
  const hospitalDays = requireNumber(input.hospitalStayDays, 'hospitalStayDays', UK_DONOR_HOSPITAL_STAY_DAYS_RANGE)
  const linearPredictor = 0.023 * (age - 50) - 0.152 * (height - 170) / 10 + (hypertension ? 0.149 : 0) -
    (female ? 0.184 : 0) + (cmv ? 0.190 : 0) - 0.023 * (egfr - 90) / 10 + 0.015 * hospitalDays
  const index = Math.exp(linearPredictor)
  const quartileNumber = quartileOf(index, UKKDRI_QUARTILE_UPPER_BOUNDS)
  return { ukkdri: index, linearPredictor, quartile: `D${quartileNumber}`, quartileNumber }
}

/**
 * UK Kidney Recipient Risk Index, 2019 (NHSBT POL186; coefficients as in transplantr R/ukkri.R
 * `ukkrri`): exp([age ≤ 25 ? 0 : 0.016·(age − 75)] + 0.361·dialysis at registration
 * + 0.033·(waiting days − 950)/365.25 + 0.252·diabetes).
 * The age term is as transplantr writes it and is NOT verified against POL186: it makes the index
 * jump from exp(0) at 25 to exp(−0.784) at 26. See docs/scores/liver-uk.md.
 */
export function ukkrri (input: UkkrriInput): UkkrriResult {
  const age = requireNumber(input.ageYears, 'ageYears', UK_RECIPIENT_AGE_YEARS_RANGE)
  const dialysis = requireBoolean(input.dialysisAtRegistration, 'dialysisAtRegistration')
  const waitingDays = requireNumber(input.waitingDays, 'waitingDays', UK_RECIPIENT_WAITING_DAYS_RANGE)
  const diabetes = requireBoolean(input.diabetes, 'diabetes')
  const ageTermApplied = age > 25
  const linearPredictor = (ageTermApplied ? 0.016 * (age - 75) : 0) + (dialysis ? 0.361 : 0) +
    0.033 * (waitingDays - 950) / 365.25 + (diabetes ? 0.252 : 0)
  const index = Math.exp(linearPredictor)
  const quartileNumber = quartileOf(index, UKKRRI_QUARTILE_UPPER_BOUNDS)
  return { ukkrri: index, linearPredictor, ageTermApplied, quartile: `R${quartileNumber}`, quartileNumber }
}
