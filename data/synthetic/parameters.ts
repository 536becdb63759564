import type { AboGroup } from '../../engine/domain/abo.js'
import type { OrganType } from '../../engine/domain/organ.js'
import type { AgeBand } from './sampling.js'

/**
 * The clinical distributions of the synthetic registry, one constant per fact, each with its source
 * or the word "assumption". docs/synthetic-registry.md lists the same values in tables; a change here
 * must be made there too. Shares are fractions (0–1) unless a name says percent.
 */

/** Race/ethnicity categories recorded as protected attributes (equity monitoring only). */
export const RACE_ETHNICITIES = ['white', 'black', 'hispanic', 'asian', 'other'] as const
export type RaceEthnicity = typeof RACE_ETHNICITIES[number]

// ---------------------------------------------------------------------------------------------
// Blood group

/**
 * ABO group frequencies by population group. White: the Eurotransplant donor frequencies used by the
 * ETKidney simulator (clinical-scores.md §7a: O 0.440, A 0.4174, B 0.1148, AB 0.0416). Black, Hispanic,
 * Asian: the American Red Cross "blood types by ethnicity" figures as commonly cited (approximate).
 * Other: the ETKidney figures.
 */
export const ABO_FREQUENCIES: Readonly<Record<RaceEthnicity, Readonly<Record<AboGroup, number>>>> = {
  white: { O: 0.440, A: 0.4174, B: 0.1148, AB: 0.0416 },
  black: { O: 0.51, A: 0.26, B: 0.19, AB: 0.04 },
  hispanic: { O: 0.57, A: 0.31, B: 0.10, AB: 0.02 },
  asian: { O: 0.40, A: 0.28, B: 0.25, AB: 0.07 },
  other: { O: 0.440, A: 0.4174, B: 0.1148, AB: 0.0416 }
}

/**
 * Waiting lists hold more O and B candidates than the population because those groups wait longer
 * under ABO-identical allocation. Candidates already on the list at the snapshot date have their
 * population ABO weights multiplied by these factors. Assumption (direction documented in every
 * SRTR kidney report; the size is chosen, not fitted).
 */
export const WAITLIST_ABO_ACCUMULATION: Readonly<Partial<Record<OrganType, Readonly<Record<AboGroup, number>>>>> = {
  kidney: { O: 1.15, A: 0.85, B: 1.15, AB: 0.6 },
  pancreas: { O: 1.1, A: 0.9, B: 1.1, AB: 0.8 }
}

/** Share of group A (and AB) donors whose A subtype was determined. Assumption. */
export const DONOR_A_SUBTYPED_SHARE = 0.5
/** Among subtyped A donors, the share that are A2 (about 20% of group A in European populations; approximate). */
export const A2_SHARE_OF_A = 0.2
/** Share of B kidney candidates cleared (low anti-A titre) for A2/A2B kidneys. Assumption. */
export const B_CANDIDATE_A2_ELIGIBLE_SHARE = 0.1

// ---------------------------------------------------------------------------------------------
// Candidates: age, sex, size

/** Candidate age at the snapshot date, [min, max) years with share. Approximate shapes of the SRTR ADR waiting-list age figures; assumption in the detail. */
export const CANDIDATE_AGE_BANDS: Readonly<Record<OrganType, readonly AgeBand[]>> = {
  kidney: [[1, 12, 0.007], [12, 18, 0.008], [18, 35, 0.09], [35, 50, 0.24], [50, 65, 0.40], [65, 75, 0.22], [75, 86, 0.035]],
  liver: [[0, 1, 0.01], [1, 12, 0.025], [12, 18, 0.015], [18, 35, 0.07], [35, 50, 0.18], [50, 65, 0.45], [65, 80, 0.25]],
  heart: [[0, 1, 0.02], [1, 12, 0.05], [12, 18, 0.03], [18, 35, 0.10], [35, 50, 0.20], [50, 65, 0.40], [65, 78, 0.20]],
  lung: [[1, 12, 0.01], [12, 18, 0.01], [18, 35, 0.08], [35, 50, 0.12], [50, 65, 0.40], [65, 78, 0.38]],
  pancreas: [[18, 35, 0.25], [35, 50, 0.50], [50, 65, 0.25]],
  intestine: [[0, 1, 0.1], [1, 12, 0.4], [12, 18, 0.1], [18, 35, 0.15], [35, 50, 0.15], [50, 70, 0.10]]
}

/** Share of male candidates per organ. Approximate (SRTR ADR waiting-list figures; heart lists are about 3/4 male). */
export const CANDIDATE_MALE_SHARE: Readonly<Record<OrganType, number>> = {
  kidney: 0.61, liver: 0.60, heart: 0.72, lung: 0.55, pancreas: 0.55, intestine: 0.55
}

/** Adult height, cm: normal by sex, clamped. Approximate adult means and SDs (NHANES-like). */
export const ADULT_HEIGHT_CM = {
  male: { mean: 176, sd: 7.5, min: 150, max: 205 },
  female: { mean: 162, sd: 7, min: 138, max: 190 }
} as const

/** Median height (cm) by age for children, boys and girls; linear between points. Approximate CDC growth-chart medians. */
export const CHILD_MEDIAN_HEIGHT_CM: ReadonlyArray<readonly [ageYears: number, male: number, female: number]> = [
  [0, 50, 49], [1, 76, 74], [2, 88, 86], [4, 103, 102], [6, 116, 115], [8, 128, 127], [10, 138, 138],
  [12, 149, 151], [14, 164, 160], [16, 174, 163], [18, 176, 163]
]
/** Relative SD of a child's height around the median. Approximate. */
export const CHILD_HEIGHT_RELATIVE_SD = 0.045

/** Body-mass index, kg/m², of adult candidates: normal, clamped 16–45. Assumption (list BMIs are near 28). */
export const CANDIDATE_BMI: Readonly<Record<OrganType, { mean: number, sd: number }>> = {
  kidney: { mean: 28, sd: 5.5 },
  liver: { mean: 28.5, sd: 6 },
  heart: { mean: 28, sd: 5 },
  lung: { mean: 25.5, sd: 4.5 },
  pancreas: { mean: 26, sd: 4.5 },
  intestine: { mean: 22, sd: 4 }
}
/** Children's BMI by age, mean with SD 2. Approximate growth-chart medians. */
export function childBmiMean (ageYears: number): number {
  if (ageYears < 2) return 17
  if (ageYears < 10) return 16
  return 19
}

// ---------------------------------------------------------------------------------------------
// Candidates: diagnoses and comorbidity

/** Primary diagnosis groups of adult candidates. Approximate SRTR ADR shares; the grouping is this project's. */
export const ADULT_DIAGNOSES: Readonly<Record<OrganType, ReadonlyArray<readonly [string, number]>>> = {
  kidney: [['diabetes', 0.32], ['hypertension', 0.25], ['glomerular', 0.17], ['cystic', 0.08], ['congenital', 0.02], ['other', 0.16]],
  liver: [['alcohol', 0.35], ['mash', 0.25], ['hcc', 0.12], ['cholestatic', 0.10], ['viral', 0.06], ['acute-failure', 0.03], ['other', 0.09]],
  heart: [['dilated-cardiomyopathy', 0.50], ['ischaemic', 0.25], ['restrictive-hypertrophic', 0.10], ['congenital', 0.06], ['retransplant', 0.03], ['other', 0.06]],
  // Lung groups are the OPTN diagnosis groups A–D that the lung CAS uses.
  lung: [['A-obstructive', 0.25], ['B-pulmonary-vascular', 0.08], ['C-cystic-fibrosis-immunodeficiency', 0.10], ['D-restrictive', 0.57]],
  pancreas: [['type-1-diabetes', 0.90], ['type-2-diabetes', 0.07], ['other', 0.03]],
  intestine: [['short-gut', 0.60], ['motility', 0.20], ['other', 0.20]]
}

/** Diagnosis groups of candidates under 18. Approximate (SRTR ADR paediatric chapters). */
export const CHILD_DIAGNOSES: Readonly<Record<OrganType, ReadonlyArray<readonly [string, number]>>> = {
  kidney: [['congenital', 0.45], ['glomerular', 0.25], ['cystic', 0.10], ['other', 0.20]],
  liver: [['biliary-atresia', 0.45], ['metabolic', 0.20], ['acute-failure', 0.10], ['tumour', 0.10], ['other', 0.15]],
  heart: [['congenital', 0.50], ['dilated-cardiomyopathy', 0.40], ['other', 0.10]],
  lung: [['C-cystic-fibrosis-immunodeficiency', 0.60], ['B-pulmonary-vascular', 0.20], ['D-restrictive', 0.20]],
  pancreas: [['type-1-diabetes', 1]],
  intestine: [['short-gut', 0.60], ['motility', 0.20], ['other', 0.20]]
}

/** Diagnoses that imply diabetes; otherwise diabetes is drawn with DIABETES_SHARE. */
export const DIABETIC_DIAGNOSES: ReadonlySet<string> = new Set(['diabetes', 'type-1-diabetes', 'type-2-diabetes'])
/** Diabetes among adult candidates without a diabetic diagnosis. Assumption. */
export const DIABETES_SHARE: Readonly<Record<OrganType, number>> = {
  kidney: 0.12, liver: 0.25, heart: 0.30, lung: 0.15, pancreas: 1, intestine: 0.05
}
/** Liver candidates with MASH are mostly diabetic. Assumption. */
export const MASH_DIABETES_SHARE = 0.6

/**
 * Prior solid-organ transplant. Kidney: 13% of Eurotransplant kidney candidates have had a prior
 * kidney transplant (de Ferrante thesis, `06-preface-kidney.Rmd`; allocation-systems.md §4.2).
 * Other organs: assumption.
 */
export const PRIOR_TRANSPLANT_SHARE: Readonly<Record<OrganType, number>> = {
  kidney: 0.13, liver: 0.04, heart: 0.03, lung: 0.03, pancreas: 0.08, intestine: 0.05
}

/** Prior living donors on the list (OPTN gives them priority). Assumption: rare. */
export const PRIOR_LIVING_DONOR_SHARE: Readonly<Record<OrganType, number>> = {
  kidney: 0.002, liver: 0.0005, heart: 0, lung: 0, pancreas: 0, intestine: 0
}

// ---------------------------------------------------------------------------------------------
// Candidates: time on the list and dialysis

/**
 * Time from registration to the snapshot date, exponential with this mean (years), capped at 20.
 * Kidney: the mean 2.4 y gives P(≥ 5 y) = 12.4%, the share of the 2022 US kidney list waiting 5
 * years or longer (OPTN/SRTR 2022 Annual Data Report: Kidney, abstract). Other organs: assumption.
 */
export const WAITING_YEARS_MEAN: Readonly<Record<OrganType, number>> = {
  kidney: 2.4, liver: 1.0, heart: 0.6, lung: 0.5, pancreas: 1.5, intestine: 1.0
}
export const WAITING_YEARS_MAX = 20

/** Kidney candidates not on dialysis when listed (pre-emptive listing). Assumption. */
export const KIDNEY_PREEMPTIVE_SHARE = 0.25
/** Of pre-emptively listed candidates, the share that started dialysis while waiting. Assumption. */
export const KIDNEY_PREEMPTIVE_STARTED_DIALYSIS_SHARE = 0.5
/** Dialysis before listing, exponential with this mean (years), capped at 15. Assumption (ETKAS illustrations use 2 years). */
export const DIALYSIS_BEFORE_LISTING_YEARS_MEAN = 2.0
export const DIALYSIS_BEFORE_LISTING_YEARS_MAX = 15

/** Share of listed candidates who are active (the rest inactive/temporarily unsuitable). Assumption (about a third of the US kidney list is inactive). */
export const ACTIVE_SHARE: Readonly<Record<OrganType, number>> = {
  kidney: 0.67, liver: 0.85, heart: 0.85, lung: 0.85, pancreas: 0.75, intestine: 0.8
}

/**
 * Urgency classes per organ with shares; names as the built-in policies use them. Assumption. Kidney
 * uses Eurotransplant's HU; US KAS names no such class, so it excludes those candidates with
 * URGENCY_NOT_IN_POLICY, as it would for a registry keeping Eurotransplant's vocabulary.
 */
export const URGENCY: Readonly<Record<OrganType, ReadonlyArray<readonly [string, number]>>> = {
  kidney: [['elective', 0.995], ['HU', 0.005]],
  liver: [['elective', 0.99], ['status-1a', 0.01]],
  heart: [['status-1', 0.04], ['status-2', 0.20], ['status-3', 0.12], ['status-4', 0.30], ['status-5', 0.02], ['status-6', 0.32]],
  lung: [['elective', 1]],
  pancreas: [['elective', 1]],
  intestine: [['elective', 0.95], ['HU', 0.05]]
}

// ---------------------------------------------------------------------------------------------
// Sensitisation

/**
 * Share of candidates with any unacceptable antigen (vPRA > 0), per organ. Kidney 0.38: between the
 * 21% of ETKAS candidates with unacceptable antigens at registration (30% at some point while
 * waiting; de Ferrante et al., Transplantation 2023, thesis chapter 7) and the 43% with cPRA > 0 in a
 * Portuguese unit's 2014 list (Port J Nephrol Hypert, 551 patients). Other organs: assumption.
 */
export const SENSITISED_SHARE: Readonly<Record<OrganType, number>> = {
  kidney: 0.38, pancreas: 0.30, heart: 0.25, intestine: 0.20, lung: 0.15, liver: 0.05
}

/**
 * vPRA bands of sensitised candidates: [lowPercent, highPercent, share of the whole kidney list].
 * Targets: 15% of the kidney list at cPRA ≥ 85% (the Portuguese unit above had 22% at ≥ 80%), and
 * 3.75% at ≥ 99.9% (2,204 of 58,769 active US kidney candidates on 1 June 2016, UNOS STAR file;
 * "Managing highly sensitized renal transplant candidates in the era of kidney paired donation and the
 * new kidney allocation system", Am J Transplant 2019). The split of the rest is an assumption. Bands
 * are relative: other organs use the same shape scaled by their SENSITISED_SHARE.
 */
export const VPRA_BANDS: ReadonlyArray<readonly [lowPercent: number, highPercent: number, listShare: number]> = [
  [0.01, 50, 0.12],
  [50, 80, 0.09],
  [80, 85, 0.02],
  [85, 98, 0.0725],
  [98, 99.9, 0.035],
  [99.9, 100, 0.0375]
]

/**
 * Relative odds of sensitisation: previous transplants, pregnancies (women) and transfusions are the
 * sensitising events; ETKAS data show immunisation associated with female sex and prior transplant
 * (de Ferrante et al. 2023). The multipliers are an assumption, renormalised so that the overall
 * share stays at SENSITISED_SHARE.
 */
export const SENSITISATION_MULTIPLIER = { priorTransplant: 2.0, female: 1.3, maleNoPriorTransplant: 0.75 } as const

/** How often each locus is listed in unacceptable antigens, relative to A/B/DR. Assumption. */
export const UNACCEPTABLE_LOCUS_WEIGHT = { A: 1, B: 1, C: 0.3, DR: 1, DQ: 0.6 } as const

/** Size of the reference donor panel vPRA is counted against (ETRL uses 10,000 typings). */
export const DEFAULT_PANEL_SIZE = 5000

// ---------------------------------------------------------------------------------------------
// Liver laboratory values (drive MELD 3.0 / PELD)

/**
 * Each liver candidate has a latent severity z ~ N(0, 1); lab values are log-linear in z plus noise.
 * Chosen so that MELD 3.0 of adult candidates has a median near 16 and about 8% at 30 or more,
 * the shape of US waiting-list MELD distributions (SRTR ADR liver chapters; approximate). Assumption.
 */
export const LIVER_LABS = {
  bilirubinMgDl: { logMedian: Math.log(2.3), perZ: 0.95, noise: 0.35, min: 0.2, max: 45 },
  inr: { logMedian: Math.log(1.35), perZ: 0.2, noise: 0.08, min: 0.8, max: 8 },
  creatinineMgDl: { logMedian: Math.log(1.0), perZ: 0.3, noise: 0.3, min: 0.3, max: 10 },
  sodiumMmolL: { mean: 137.5, perZ: -3, noise: 3, min: 115, max: 150 },
  albuminGDl: { mean: 3.2, perZ: -0.35, noise: 0.35, min: 1.2, max: 5 },
  /** Probability of dialysis twice in the past week: base, and when creatinine ≥ 3 mg/dL. */
  dialysisBase: 0.02,
  dialysisHighCreatinine: 0.5,
  /** Children under 12 scored by legacy PELD: share with growth failure. Assumption. */
  growthFailureShare: 0.25
} as const

// ---------------------------------------------------------------------------------------------
// Acceptance criteria (centre filters per candidate). All assumptions.

export const ACCEPTANCE = {
  /** Kidney and pancreas candidates whose centre accepts DCD organs. */
  acceptsDcdShare: 0.85,
  /** Candidates under 50 with a donor-age limit, and the limit range. */
  youngDonorAgeLimitShare: 0.4,
  youngDonorAgeLimitYears: [55, 70] as const,
  /** Kidney candidates under 50 with a KDPI limit, and its value. */
  kdpiLimitShare: 0.3,
  kdpiLimit: 85,
  /** Heart and lung candidates: donor weight window around their own weight (ratio). */
  donorWeightRatio: [0.7, 1.5] as const,
  /** Heart and lung candidates with a distance limit, and its range in nautical miles. */
  distanceLimitShare: 0.3,
  distanceLimitNm: [250, 1000] as const
}

// ---------------------------------------------------------------------------------------------
// Deceased donors

/** Donor age, [min, max) years with share. Approximate shape of the SRTR ADR deceased-donor age figures. */
export const DONOR_AGE_BANDS: readonly AgeBand[] = [
  [0, 1, 0.01], [1, 12, 0.03], [12, 18, 0.03], [18, 35, 0.30], [35, 50, 0.29], [50, 65, 0.27], [65, 80, 0.07]
]
export const DONOR_MALE_SHARE = 0.60
/** Donor BMI, normal clamped 15–50. Assumption. */
export const DONOR_BMI = { mean: 28, sd: 6.5, min: 15, max: 50 } as const

/** Terminal serum creatinine, mg/dL: log-normal; a share of donors has acute kidney injury. Assumption. */
export const DONOR_CREATININE = { adultMedian: 0.95, childMedian: 0.5, sdLog: 0.45, akiShare: 0.12, akiFactor: [1.8, 5] as const, min: 0.2, max: 12 }

/**
 * History of hypertension and diabetes: overall prevalences of the 2024 KDPI reference population
 * (OPTN mapping-table footer: P(HTN) 0.43697, P(DM) 0.17281; clinical-scores.md §1b). The relative
 * risk by age band (same bands as DONOR_AGE_BANDS) is an assumption; the base is renormalised so the
 * overall prevalence stays at the published value.
 */
export const DONOR_HYPERTENSION = { prevalence: 0.43697057162578, relativeRiskByBand: [0.02, 0.05, 0.1, 0.3, 0.9, 1.7, 2.0], unknownShare: 0.02 }
export const DONOR_DIABETES = { prevalence: 0.17280542134655, relativeRiskByBand: [0.02, 0.02, 0.05, 0.3, 0.9, 1.7, 2.2], unknownShare: 0.015 }

/** Cause of death: overall shares (approximate SRTR ADR mechanism/cause figures); cerebrovascular rises with age. */
export const DONOR_CAUSE_OF_DEATH = {
  shares: [['anoxia', 0.44], ['head-trauma', 0.25], ['cerebrovascular', 0.22], ['other', 0.09]] as const,
  cerebrovascularRelativeRiskByBand: [0.05, 0.1, 0.2, 0.35, 0.9, 1.7, 2.2]
}
