import { InvalidFieldError } from '../errors.js'
import { requireBoolean, requireEnum, requireNumber, requireTriState } from '../domain/input.js'
import type { NumericRange, TriState } from '../domain/input.js'

/**
 * Kidney Donor Risk Index (KDRI) of a deceased kidney donor: the linear predictor xβ and
 * KDRI_RAO = exp(xβ). Two coefficient sets:
 *
 * - `refit-2024`: the OPTN refit without race and hepatitis C, used by OPTN since 31 Oct 2024
 *   (OPTN "Guide to Calculating and Interpreting the KDPI", updated 21 Apr 2025; kdpi.sas version=2024).
 *   This is the only formula allocation uses.
 * - `rao-2009`: Rao et al., Transplantation 2009;88:231, the OPTN formula until 30 Oct 2024. Kept to
 *   reproduce historical KDPIs only; it takes race as an input and allocation never calls it.
 */
export const KDRI_FORMULAS = ['refit-2024', 'rao-2009'] as const
export type KdriFormula = typeof KDRI_FORMULAS[number]

/** Accepted input ranges. Values outside are refused (most often a unit mistake), values inside are then bounded as OPTN does. */
export const KDRI_INPUT_RANGES = {
  ageYears: { min: 0, max: 120, unit: 'years' },
  heightCm: { min: 20, max: 260, unit: 'cm' },
  weightKg: { min: 0.3, max: 350, unit: 'kg' },
  // OPTN sets serum creatinine outside 0.01–40 mg/dL to missing; a KDRI needs it, so it is an input error.
  creatinineMgDl: { min: 0.01, max: 40, unit: 'mg/dL' }
} as const satisfies Record<string, NumericRange>

/** Bounds OPTN applies before scoring (kdpi.sas rev. 11-26-2024, citing the OPTN KDPI guide). */
export const KDRI_OPTN_BOUNDS = {
  ageYears: { min: 0, max: 99 },
  heightCm: { min: 0, max: 241.3 },
  weightKg: { min: 0.454, max: 294 },
  creatinineMgDl: { min: 0, max: 8 }
} as const

/** Donor facts the KDRI uses. `black` and `hcvPositive` belong to `rao-2009` only. */
export interface KdriInput {
  readonly ageYears: number
  readonly heightCm: number
  readonly weightKg: number
  /** History of hypertension; 'unknown' is imputed as coefficient × prevalence. */
  readonly hypertension: TriState
  /** History of diabetes; 'unknown' is imputed as coefficient × prevalence. */
  readonly diabetes: TriState
  readonly causeOfDeathCva: boolean
  readonly creatinineMgDl: number
  /** Donation after circulatory death. */
  readonly dcd: boolean
  /** rao-2009 only; refused by refit-2024. */
  readonly black?: boolean | undefined
  /** rao-2009 only; refused by refit-2024. */
  readonly hcvPositive?: boolean | undefined
}

/** Prevalences of the reference population, used to impute unknown hypertension and diabetes. */
export interface KdriImputation {
  readonly prevalenceHypertension: number
  readonly prevalenceDiabetes: number
}

export type KdriBoundedField = keyof typeof KDRI_OPTN_BOUNDS

/** One OPTN bound that changed an input before scoring. */
export interface KdriClamp {
  readonly field: KdriBoundedField
  readonly givenValue: number
  readonly usedValue: number
}

/** One unknown history replaced by its expected contribution. */
export interface KdriImputed {
  readonly field: 'hypertension' | 'diabetes'
  readonly prevalence: number
  /** coefficient × prevalence, added to xβ. */
  readonly contribution: number
}

export interface KdriResult {
  readonly formula: KdriFormula
  readonly xbeta: number
  /** exp(xβ): the KDRI before scaling to the reference population's median donor. */
  readonly kdriRao: number
  readonly clamps: readonly KdriClamp[]
  readonly imputed: readonly KdriImputed[]
}

interface Coefficients {
  age: number
  ageUnder18: number
  ageOver50: number
  heightPer10Cm: number
  weightUnder80Per5Kg: number
  hypertension: number
  diabetes: number
  causeOfDeathCva: number
  creatinine: number
  creatinineOver1_5: number
  dcd: number
}

/**
 * Signs are folded in so that every term is `coefficient × (x − centre)`. The two formulas differ in
 * the sign of the under-18 term: Rao prints −0.0194·(age−18), which raises risk for children, while the
 * refit prints +0.0113·(age−18), which lowers it.
 */
const COEFFICIENTS: Record<KdriFormula, Coefficients> = {
  // OPTN KDPI guide (Apr 2025) p.4; kdpi.sas version=2024; Swisstransplant swt optn_kdri().
  'refit-2024': {
    age: 0.0092,
    ageUnder18: 0.0113,
    ageOver50: 0.0067,
    heightPer10Cm: -0.0557,
    weightUnder80Per5Kg: -0.0333,
    hypertension: 0.1106,
    diabetes: 0.2577,
    causeOfDeathCva: 0.0743,
    creatinine: 0.2128,
    creatinineOver1_5: -0.2199,
    dcd: 0.1966
  },
  // Rao et al. 2009 Table 3, as implemented in transplantr uskdri.R, kidney.epi and kdpi.sas version=2013.
  'rao-2009': {
    age: 0.0128,
    ageUnder18: -0.0194,
    ageOver50: 0.0107,
    heightPer10Cm: -0.0464,
    weightUnder80Per5Kg: -0.0199,
    hypertension: 0.126,
    diabetes: 0.13,
    causeOfDeathCva: 0.0881,
    creatinine: 0.22,
    creatinineOver1_5: -0.209,
    dcd: 0.133
  }
}

/** Terms that exist only in Rao 2009 and were removed by the refit. */
const RAO_ONLY = { black: 0.179, hcvPositive: 0.24 } as const

function bounded (field: KdriBoundedField, value: number, clamps: KdriClamp[]): number {
  const { min, max } = KDRI_OPTN_BOUNDS[field]
  const used = Math.min(Math.max(value, min), max)
  if (used !== value) clamps.push({ field, givenValue: value, usedValue: used })
  return used
}

function requirePrevalence (value: unknown, field: string): number {
  return requireNumber(value, field, { min: 0, max: 1, unit: '' })
}

/** The prevalence is read only when needed, so a caller with complete histories is never refused for a bad one. */
function historyTerm (
  field: 'hypertension' | 'diabetes', value: TriState, coefficient: number, readPrevalence: () => number, imputed: KdriImputed[]
): number {
  if (value !== 'unknown') return value ? coefficient : 0
  const prevalence = readPrevalence()
  const contribution = coefficient * prevalence
  imputed.push({ field, prevalence, contribution })
  return contribution
}

/**
 * KDRI linear predictor and KDRI_RAO for a deceased donor.
 *
 * Source: refit-2024 from the OPTN "Guide to Calculating and Interpreting the Kidney Donor Profile
 * Index" (updated 21 Apr 2025); rao-2009 from Rao et al., Transplantation 2009;88:231–236. Bounds and
 * imputation from the same guide as applied in kdpi.sas (rev. 11-26-2024).
 *
 * Inputs outside KDRI_INPUT_RANGES raise OutOfRangeError; inside them, age, height, weight and
 * creatinine are bounded per KDRI_OPTN_BOUNDS and each bound that acted is reported in `clamps`.
 * Unknown hypertension or diabetes adds coefficient × prevalence, reported in `imputed`.
 */
export function computeKdri (formula: KdriFormula, input: KdriInput, imputation: KdriImputation): KdriResult {
  requireEnum(formula, 'formula', KDRI_FORMULAS)
  const c = COEFFICIENTS[formula]
  const clamps: KdriClamp[] = []
  const imputed: KdriImputed[] = []

  const age = bounded('ageYears', requireNumber(input.ageYears, 'ageYears', KDRI_INPUT_RANGES.ageYears), clamps)
  const height = bounded('heightCm', requireNumber(input.heightCm, 'heightCm', KDRI_INPUT_RANGES.heightCm), clamps)
  const weight = bounded('weightKg', requireNumber(input.weightKg, 'weightKg', KDRI_INPUT_RANGES.weightKg), clamps)
  const scr = bounded('creatinineMgDl', requireNumber(input.creatinineMgDl, 'creatinineMgDl', KDRI_INPUT_RANGES.creatinineMgDl), clamps)
  const hypertension = requireTriState(input.hypertension, 'hypertension')
  const diabetes = requireTriState(input.diabetes, 'diabetes')
  const cva = requireBoolean(input.causeOfDeathCva, 'causeOfDeathCva')
  const dcd = requireBoolean(input.dcd, 'dcd')

  let black = false
  let hcv = false
  if (formula === 'refit-2024') {
    // Race and HCV were removed from the current formula; accepting them, even as false, would invite their use.
    if (input.black !== undefined) throw new InvalidFieldError('black', 'is not an input of the refit-2024 formula (race was removed); only rao-2009 takes it')
    if (input.hcvPositive !== undefined) throw new InvalidFieldError('hcvPositive', 'is not an input of the refit-2024 formula (HCV was removed); only rao-2009 takes it')
  } else {
    black = requireBoolean(input.black, 'black')
    hcv = requireBoolean(input.hcvPositive, 'hcvPositive')
  }

  let xbeta = c.age * (age - 40) + c.heightPer10Cm * (height - 170) / 10
  if (age < 18) xbeta += c.ageUnder18 * (age - 18)
  if (age > 50) xbeta += c.ageOver50 * (age - 50)
  if (weight < 80) xbeta += c.weightUnder80Per5Kg * (weight - 80) / 5
  xbeta += historyTerm('hypertension', hypertension, c.hypertension, () => requirePrevalence(imputation.prevalenceHypertension, 'prevalenceHypertension'), imputed)
  xbeta += historyTerm('diabetes', diabetes, c.diabetes, () => requirePrevalence(imputation.prevalenceDiabetes, 'prevalenceDiabetes'), imputed)
  if (cva) xbeta += c.causeOfDeathCva
  xbeta += c.creatinine * (scr - 1)
  if (scr > 1.5) xbeta += c.creatinineOver1_5 * (scr - 1.5)
  if (dcd) xbeta += c.dcd
  if (black) xbeta += RAO_ONLY.black
  if (hcv) xbeta += RAO_ONLY.hcvPositive

  return { formula, xbeta, kdriRao: Math.exp(xbeta), clamps, imputed }
}
