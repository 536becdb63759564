import { compareAntigens } from '../../engine/clinical/hla-antigens.js'
import { HLA_LOCI, type HlaLocus } from '../../engine/domain/hla.js'

/**
 * HLA antigen (gene) frequencies per locus and population group, used to draw synthetic typings.
 *
 * Source: the single-locus ("S1") haplotype frequencies of the OPTN cPRA calculator data set
 * published in September 2015, for its four ethnic groups (Caucasian, African American, Hispanic,
 * Asian), as transcribed in persistentsystems/open-cpra-calculator `optn_2015_freq.csv`. Allele-level
 * entries (A2403, B3901, DR1404, …) and associated antigens (A203, DR103) were left out, and each
 * locus is renormalised to sum to 1 (the dropped entries weigh under 1.2% per locus). Loci are
 * treated as independent: the table has no linkage disequilibrium (see docs/synthetic-registry.md).
 */
export const POPULATION_GROUPS = ['white', 'black', 'hispanic', 'asian'] as const
export type PopulationGroup = typeof POPULATION_GROUPS[number]

/** Frequencies in the order of POPULATION_GROUPS (OPTN 2015: Caucasian; African American; Hispanic; Asian). */
type GroupFrequencies = readonly [number, number, number, number]

export const OPTN_2015_ANTIGEN_FREQUENCIES: Readonly<Record<HlaLocus, Readonly<Record<string, GroupFrequencies>>>> = {
  A: {
    A1: [0.16, 0.053058, 0.058164, 0.040948],
    A2: [0.296834, 0.186451, 0.298879, 0.226293],
    A3: [0.138667, 0.076139, 0.078837, 0.038793],
    A10: [0, 0.0003, 0, 0],
    A11: [0.0605, 0.013789, 0.041696, 0.178879],
    A19: [0.000167, 0.0006, 0, 0],
    A23: [0.020833, 0.106715, 0.031885, 0.00431],
    A24: [0.0925, 0.025779, 0.134198, 0.237069],
    A25: [0.019833, 0.002098, 0.007358, 0],
    A26: [0.025667, 0.016487, 0.02768, 0.032328],
    A28: [0.006333, 0.008094, 0.008059, 0.002155],
    A29: [0.033833, 0.03747, 0.040995, 0.012931],
    A30: [0.024, 0.132794, 0.04555, 0.023707],
    A31: [0.026667, 0.009592, 0.048003, 0.028017],
    A32: [0.033667, 0.011091, 0.021374, 0.002155],
    A33: [0.014667, 0.074041, 0.02698, 0.112069],
    A34: [0.001167, 0.033873, 0.004205, 0.038793],
    A36: [0.000333, 0.026379, 0.003504, 0],
    A66: [0.004, 0.023681, 0.006657, 0],
    A68: [0.038333, 0.10042, 0.103714, 0.017241],
    A69: [0.000833, 0, 0.002453, 0],
    A74: [0.000333, 0.052758, 0.007708, 0],
    A80: [0.000333, 0.006295, 0.000701, 0.002155],
  },
  B: {
    B7: [0.133833, 0.083333, 0.063069, 0.040948],
    B8: [0.112667, 0.032674, 0.034338, 0.008621],
    B13: [0.021333, 0.008993, 0.009811, 0.040948],
    B14: [0.011667, 0.009892, 0.006657, 0],
    B15: [0.001167, 0.001199, 0.00035, 0.008621],
    B17: [0, 0.001499, 0, 0],
    B18: [0.051167, 0.027278, 0.03609, 0.019397],
    B21: [0, 0.0003, 0, 0],
    B22: [0.000167, 0, 0, 0],
    B27: [0.043833, 0.014388, 0.021374, 0.023707],
    B35: [0.084667, 0.078837, 0.160827, 0.071121],
    B37: [0.0135, 0.005096, 0.00946, 0.012931],
    B38: [0.015833, 0.001199, 0.016468, 0.056034],
    B39: [0.016833, 0.016187, 0.08199, 0.021552],
    B40: [0.002, 0.001199, 0.003504, 0.00431],
    B41: [0.0085, 0.007794, 0.017169, 0],
    B42: [0.000833, 0.063549, 0.006307, 0.002155],
    B44: [0.1495, 0.078837, 0.083742, 0.049569],
    B45: [0.006833, 0.04946, 0.022425, 0.002155],
    B46: [0.000167, 0, 0.00035, 0.071121],
    B47: [0.0035, 0.001799, 0.003854, 0],
    B48: [0.0005, 0.000899, 0.016819, 0.019397],
    B49: [0.014167, 0.028477, 0.023476, 0],
    B50: [0.010833, 0.007794, 0.01822, 0.006466],
    B51: [0.054, 0.021882, 0.063069, 0.060345],
    B52: [0.008333, 0.013489, 0.025929, 0.038793],
    B53: [0.004333, 0.113909, 0.024177, 0.002155],
    B54: [0.000167, 0, 0, 0.021552],
    B55: [0.0145, 0.005096, 0.005256, 0.017241],
    B56: [0.0055, 0.002398, 0.004555, 0.012931],
    B57: [0.035833, 0.040168, 0.022425, 0.017241],
    B58: [0.008167, 0.088729, 0.01787, 0.060345],
    B59: [0, 0, 0, 0.006466],
    B60: [0.053, 0.011691, 0.01822, 0.077586],
    B61: [0.012833, 0.006295, 0.067975, 0.05819],
    B62: [0.067333, 0.010192, 0.033637, 0.086207],
    B63: [0.003167, 0.021283, 0.005957, 0.002155],
    B64: [0.0075, 0.004496, 0.006657, 0.00431],
    B65: [0.016, 0.017086, 0.030133, 0.00431],
    B67: [0, 0, 0.00035, 0.002155],
    B70: [0.001167, 0.023082, 0.007358, 0.002155],
    B71: [0.001667, 0.022782, 0.004205, 0.006466],
    B72: [0.001667, 0.044964, 0.00946, 0],
    B73: [0.000333, 0.0003, 0.000701, 0],
    B75: [0.0005, 0.000899, 0.004555, 0.049569],
    B76: [0.000167, 0, 0, 0.002155],
    B77: [0, 0, 0, 0.006466],
    B78: [0, 0.011391, 0.001402, 0],
    B81: [0, 0.016487, 0.001752, 0],
    B82: [0, 0.002098, 0.000701, 0],
  },
  DR: {
    DR1: [0.100833, 0.066847, 0.070427, 0.010776],
    DR2: [0.001667, 0.001499, 0.001051, 0.002155],
    DR3: [0.007333, 0.010492, 0.001752, 0.002155],
    DR4: [0.173333, 0.056954, 0.225298, 0.133621],
    DR6: [0, 0.0003, 0.000701, 0],
    DR7: [0.128333, 0.092626, 0.087596, 0.073276],
    DR8: [0.029833, 0.065947, 0.104064, 0.075431],
    DR9: [0.01, 0.032374, 0.012614, 0.103448],
    DR10: [0.01, 0.020983, 0.01787, 0.028017],
    DR11: [0.093667, 0.130396, 0.091801, 0.056034],
    DR12: [0.0155, 0.044065, 0.017169, 0.107759],
    DR13: [0.112833, 0.165168, 0.106868, 0.05819],
    DR14: [0.026833, 0.02488, 0.069376, 0.0625],
    DR15: [0.146167, 0.148981, 0.078486, 0.206897],
    DR16: [0.018, 0.010791, 0.035039, 0.023707],
    DR17: [0.113167, 0.060252, 0.064471, 0.051724],
    DR18: [0.001333, 0.064149, 0.009811, 0.002155],
  },
  DQ: {
    DQ1: [0.058167, 0.064149, 0.039944, 0.047414],
    DQ2: [0.219167, 0.206835, 0.156973, 0.105603],
    DQ3: [0.037833, 0.02488, 0.044849, 0.040948],
    DQ4: [0.029, 0.079736, 0.112824, 0.071121],
    DQ5: [0.139, 0.169664, 0.119832, 0.202586],
    DQ6: [0.214167, 0.238909, 0.139804, 0.204741],
    DQ7: [0.177167, 0.169365, 0.205326, 0.150862],
    DQ8: [0.088, 0.033873, 0.168535, 0.068966],
    DQ9: [0.0375, 0.01259, 0.011913, 0.107759],
  },
  C: {
    C1: [0.040833, 0.009293, 0.048353, 0.142241],
    C2: [0.053, 0.090228, 0.046251, 0.008621],
    C3: [0.052333, 0.032974, 0.064471, 0.086207],
    C4: [0.112167, 0.208034, 0.185354, 0.103448],
    C5: [0.1055, 0.032674, 0.048704, 0.006466],
    C6: [0.098167, 0.111511, 0.081289, 0.079741],
    C7: [0.306, 0.21193, 0.264891, 0.230603],
    C8: [0.035167, 0.047962, 0.065172, 0.079741],
    C9: [0.037333, 0.01289, 0.020322, 0.038793],
    C10: [0.052833, 0.044964, 0.058164, 0.086207],
    C12: [0.0395, 0.011391, 0.030484, 0.06681],
    C14: [0.007333, 0.011691, 0.003854, 0.028017],
    C15: [0.023667, 0.015887, 0.034688, 0.038793],
    C16: [0.0275, 0.073441, 0.030484, 0.002155],
    C17: [0.008167, 0.065048, 0.015767, 0],
    C18: [0.0005, 0.020084, 0.001752, 0.002155],
  }
}

/** The OPTN 2015 cPRA weights of the four groups, used for candidates of other or unknown ethnicity. */
export const OPTN_2015_GROUP_WEIGHTS: Readonly<Record<PopulationGroup, number>> = {
  white: 0.687,
  black: 0.147,
  hispanic: 0.143,
  asian: 0.023
}

/** One locus of one population: antigen names in canonical order and their cumulative probabilities (last = 1). */
export interface LocusSampler {
  readonly antigens: readonly string[]
  readonly frequencies: readonly number[]
  readonly cumulative: Float64Array
}

function sampler (entries: ReadonlyArray<readonly [string, number]>): LocusSampler {
  // Canonical antigen order, so that a typing's two antigens can be ordered by index alone.
  const kept = entries.filter(([, f]) => f > 0).sort(([a], [b]) => compareAntigens(a, b))
  const total = kept.reduce((sum, [, f]) => sum + f, 0)
  const cumulative = new Float64Array(kept.length)
  let running = 0
  kept.forEach(([, f], i) => {
    running += f / total
    cumulative[i] = running
  })
  cumulative[kept.length - 1] = 1
  return { antigens: kept.map(([a]) => a), frequencies: kept.map(([, f]) => f / total), cumulative }
}

/** Per population group (plus 'mixed', the OPTN-weighted mixture), a sampler per locus. */
export type HlaSamplers = Readonly<Record<PopulationGroup | 'mixed', Readonly<Record<HlaLocus, LocusSampler>>>>

export function buildHlaSamplers (): HlaSamplers {
  const result = {} as Record<PopulationGroup | 'mixed', Record<HlaLocus, LocusSampler>>
  POPULATION_GROUPS.forEach((group, g) => {
    result[group] = {} as Record<HlaLocus, LocusSampler>
    for (const locus of HLA_LOCI) {
      result[group][locus] = sampler(Object.entries(OPTN_2015_ANTIGEN_FREQUENCIES[locus]).map(([a, f]) => [a, f[g] as number] as const))
    }
  })
  result.mixed = {} as Record<HlaLocus, LocusSampler>
  for (const locus of HLA_LOCI) {
    result.mixed[locus] = sampler(Object.entries(OPTN_2015_ANTIGEN_FREQUENCIES[locus]).map(([a, f]) =>
      [a, POPULATION_GROUPS.reduce((sum, group, g) => sum + OPTN_2015_GROUP_WEIGHTS[group] * (f[g] as number), 0)] as const))
  }
  return result
}
