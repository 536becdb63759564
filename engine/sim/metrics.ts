import { InvalidFieldError } from '../errors.js'
import { GROUP_DIMENSIONS, type GroupCodes, type GroupDimension } from './prepared-cohort.js'

/**
 * Outcomes of one simulated arm, overall and by group, and the disparity measures. Rates are per 100
 * patient-years on the waiting list (active and inactive time both count, as in the SRTR annual
 * reports' waiting-list rates).
 */

export interface OutcomeDefinition {
  readonly name: string
  readonly label: string
  readonly unit: string
  /** True when a larger value is better (for the report's wording only). */
  readonly higherIsBetter: boolean | undefined
}

export const OUTCOMES = [
  { name: 'transplants', label: 'Deceased-donor transplants', unit: 'transplants', higherIsBetter: true },
  { name: 'transplantRatePer100PatientYears', label: 'Transplant rate', unit: 'per 100 patient-years', higherIsBetter: true },
  { name: 'waitlistDeaths', label: 'Deaths on the waiting list', unit: 'deaths', higherIsBetter: false },
  { name: 'waitlistMortalityPer100PatientYears', label: 'Waiting-list mortality', unit: 'per 100 patient-years', higherIsBetter: false },
  { name: 'removals', label: 'Removals for other reasons', unit: 'removals', higherIsBetter: undefined },
  { name: 'removalRatePer100PatientYears', label: 'Removal rate', unit: 'per 100 patient-years', higherIsBetter: undefined },
  { name: 'medianDaysToTransplant', label: 'Median time from listing to transplant (recipients)', unit: 'days', higherIsBetter: false },
  { name: 'kidneysRecovered', label: 'Kidneys recovered', unit: 'kidneys', higherIsBetter: undefined },
  { name: 'kidneysDiscarded', label: 'Kidneys not used (discarded)', unit: 'kidneys', higherIsBetter: false },
  { name: 'nonUsePercent', label: 'Share of recovered kidneys not used', unit: '%', higherIsBetter: false },
  { name: 'meanDistanceNm', label: 'Mean distance donor hospital → transplant centre', unit: 'NM', higherIsBetter: false },
  { name: 'totalDistanceNm', label: 'Total distance travelled by kidneys', unit: 'NM', higherIsBetter: false },
  { name: 'meanColdIschaemiaHours', label: 'Mean cold-ischaemia proxy', unit: 'hours', higherIsBetter: false },
  { name: 'lifeYearsFromTransplant', label: 'Estimated life-years from transplant (10-year restricted)', unit: 'life-years', higherIsBetter: true },
  { name: 'lifeYearsPerTransplant', label: 'Estimated life-years per transplant', unit: 'life-years', higherIsBetter: true },
  { name: 'offersPerPlacedKidney', label: 'Offers per placed kidney', unit: 'offers', higherIsBetter: false },
  { name: 'rescuePlacementPercent', label: 'Kidneys placed in rescue allocation', unit: '%', higherIsBetter: false },
  { name: 'graftFailures', label: 'Graft failures (during the simulation)', unit: 'grafts', higherIsBetter: false },
  { name: 'postTransplantDeaths', label: 'Deaths after transplant (during the simulation)', unit: 'deaths', higherIsBetter: false },
  { name: 'relistings', label: 'Relistings after graft failure', unit: 'candidates', higherIsBetter: undefined },
  { name: 'waitingAtEnd', label: 'Candidates waiting at the end', unit: 'candidates', higherIsBetter: false }
] as const satisfies readonly OutcomeDefinition[]

export type OutcomeName = typeof OUTCOMES[number]['name']
export type Outcomes = Readonly<Record<OutcomeName, number>>

export interface GroupOutcome {
  readonly dimension: GroupDimension
  readonly group: string
  /** Candidates of the group who were on the list at some time during the simulation. */
  readonly candidates: number
  readonly patientYears: number
  readonly transplants: number
  readonly waitlistDeaths: number
  readonly removals: number
  readonly transplantRatePer100PatientYears: number
  readonly waitlistMortalityPer100PatientYears: number
  /** The group's transplant rate divided by the overall rate (1 = the same access as everyone). */
  readonly accessRatio: number
}

export interface EquityMeasure {
  readonly dimension: GroupDimension
  /** `ordinal`: groups in their natural order; `by-rate`: nominal groups sorted by transplant rate. */
  readonly ordering: 'ordinal' | 'by-rate'
  readonly concentrationIndex: number
}

/** Per-candidate tallies of one arm. */
export interface CandidateTallies {
  /** Days on the list (active or inactive) within the simulated period. */
  readonly exposureDays: Float64Array
  readonly transplants: Uint8Array
  readonly waitlistDeaths: Uint8Array
  readonly removals: Uint8Array
  /** 1 when the candidate was on the list at some time during the simulation. */
  readonly listed: Uint8Array
}

/** Events per 100 patient-years; 0 when there is no exposure. */
export function ratePer100PatientYears (events: number, patientYears: number): number {
  return patientYears > 0 ? 100 * events / patientYears : 0
}

/**
 * Concentration index for grouped data (Kakwani, Wagstaff & van Doorslaer, J Econometrics 1997):
 * C = (2/μ)·Σ f_t·μ_t·R_t − 1, where groups t are in rank order, f_t is a group's share of the
 * population (here: of patient-years), μ_t its rate, μ = Σ f_t·μ_t the overall rate, and
 * R_t = Σ_{j<t} f_j + f_t/2 its fractional rank. C is 0 when every group has the same rate and
 * lies in (−1, 1); positive means the outcome is concentrated in higher-ranked groups. With nominal
 * groups sorted by rate it is the Gini coefficient of access between groups. 0 when μ = 0.
 */
export function concentrationIndex (groups: ReadonlyArray<{ readonly weight: number, readonly rate: number }>): number {
  let total = 0
  for (const [i, g] of groups.entries()) {
    if (!(g.weight >= 0) || !Number.isFinite(g.weight)) throw new InvalidFieldError(`groups[${i}].weight`, 'must be a finite number ≥ 0')
    if (!Number.isFinite(g.rate)) throw new InvalidFieldError(`groups[${i}].rate`, 'must be a finite number')
    total += g.weight
  }
  if (total === 0) return 0
  let mu = 0
  for (const g of groups) mu += (g.weight / total) * g.rate
  if (mu === 0) return 0
  let cumulative = 0
  let sum = 0
  for (const g of groups) {
    const f = g.weight / total
    sum += f * g.rate * (cumulative + f / 2)
    cumulative += f
  }
  return 2 * sum / mu - 1
}

/** Group outcomes and equity measures for every dimension, from per-candidate tallies. */
export function groupOutcomes (groups: Readonly<Record<GroupDimension, GroupCodes>>, tallies: CandidateTallies): { groups: GroupOutcome[], equity: EquityMeasure[] } {
  let totalYears = 0
  let totalTransplants = 0
  for (let p = 0; p < tallies.exposureDays.length; p++) {
    totalYears += (tallies.exposureDays[p] as number) / 365.25
    totalTransplants += tallies.transplants[p] as number
  }
  const overallRate = ratePer100PatientYears(totalTransplants, totalYears)
  const out: GroupOutcome[] = []
  const equity: EquityMeasure[] = []
  for (const dimension of GROUP_DIMENSIONS) {
    const { labels, codes } = groups[dimension.name]
    const n = labels.length
    const candidates = new Float64Array(n)
    const years = new Float64Array(n)
    const transplants = new Float64Array(n)
    const deaths = new Float64Array(n)
    const removals = new Float64Array(n)
    for (let p = 0; p < codes.length; p++) {
      if (tallies.listed[p] === 0) continue
      const g = codes[p] as number
      candidates[g] = (candidates[g] as number) + 1
      years[g] = (years[g] as number) + (tallies.exposureDays[p] as number) / 365.25
      transplants[g] = (transplants[g] as number) + (tallies.transplants[p] as number)
      deaths[g] = (deaths[g] as number) + (tallies.waitlistDeaths[p] as number)
      removals[g] = (removals[g] as number) + (tallies.removals[p] as number)
    }
    const rows: Array<{ weight: number, rate: number }> = []
    for (let g = 0; g < n; g++) {
      if ((years[g] as number) <= 0) continue
      const rate = ratePer100PatientYears(transplants[g] as number, years[g] as number)
      rows.push({ weight: years[g] as number, rate })
      out.push({
        dimension: dimension.name,
        group: labels[g] as string,
        candidates: candidates[g] as number,
        patientYears: years[g] as number,
        transplants: transplants[g] as number,
        waitlistDeaths: deaths[g] as number,
        removals: removals[g] as number,
        transplantRatePer100PatientYears: rate,
        waitlistMortalityPer100PatientYears: ratePer100PatientYears(deaths[g] as number, years[g] as number),
        accessRatio: overallRate > 0 ? rate / overallRate : 1
      })
    }
    if (!dimension.ordinal) rows.sort((a, b) => a.rate - b.rate)
    equity.push({ dimension: dimension.name, ordering: dimension.ordinal ? 'ordinal' : 'by-rate', concentrationIndex: concentrationIndex(rows) })
  }
  return { groups: out, equity }
}
