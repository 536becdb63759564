import { requireInteger, requireNumber, requireString } from '../domain/input.js'
import type { OrganType } from '../domain/organ.js'
import { ORGAN_TYPES } from '../domain/organ.js'
import { perMillion } from './godt.js'

/**
 * Self-sufficiency analytics (UN GA res. 71/322 para 5): where deceased donors and organs are lost.
 *
 * The critical pathway for deceased donation (Domínguez-Gil et al., "The critical pathway for
 * deceased donation: reportable uniformity in the approach to deceased donation", Transpl Int 2011;
 * WHO-ONT Madrid resolution): possible donor (devastating brain injury or circulatory failure,
 * apparently medically suitable) → potential donor (clinical condition suspected to fulfil death
 * criteria) → eligible donor (medically suitable, declared dead by neurological or circulatory
 * criteria) → actual donor (consented; operative incision made or an organ recovered) → utilised
 * donor (at least one organ transplanted). Each drop carries the reason recorded for it.
 *
 * Organ utilisation: organs of deceased donors recovered in the year, with their fate (transplanted,
 * discarded, research, none yet) and the reasons for non-use, by organ and donor hospital.
 */

export const PATHWAY_STAGES = ['possible', 'potential', 'eligible', 'actual', 'utilised'] as const
export type PathwayStage = typeof PATHWAY_STAGES[number]
export type PreDonationStage = 'possible' | 'potential' | 'eligible'

/**
 * Reasons a donor is lost, grouped as in the critical-pathway paper's figure (system, donor/organ,
 * permission). Which stage a reason may end is checked by the registry when a case is recorded.
 */
export const PATHWAY_LOSS_REASONS: Readonly<Record<PreDonationStage, readonly string[]>> = {
  possible: ['not-identified-or-referred', 'medical-unsuitability', 'haemodynamic-instability', 'other'],
  potential: ['death-not-confirmed', 'circulatory-death-not-in-time', 'medical-unsuitability', 'haemodynamic-instability', 'other'],
  eligible: ['donor-objection', 'family-refusal', 'judicial-refusal', 'logistics', 'no-suitable-recipient', 'medical-unsuitability',
    'organs-unsuitable', 'haemodynamic-instability', 'other']
}

/** When a drop has no recorded reason, it is counted under this one, never left out. */
export const REASON_NOT_RECORDED = 'not-recorded'
/** The drop from actual to utilised: every recovered organ was discarded or used for research. */
export const REASON_NO_ORGAN_TRANSPLANTED = 'no-organ-transplanted'

export interface PathwayCase {
  readonly id: string
  readonly centreId: string
  readonly country: string
  readonly identifiedAt: string
  readonly furthestStage: PreDonationStage
  readonly deathCriterion?: 'neurological' | 'circulatory' | undefined
  readonly lossReason?: string | undefined
  /** The registered donor, when the case went on to donation. */
  readonly donorId?: string | undefined
  readonly incisionAt?: string | undefined
}

export interface PathwayDonor {
  readonly id: string
  readonly centreId: string
  readonly country: string
  readonly reportedAt: string
  readonly pathway: 'DBD' | 'DCD'
}

export interface PathwayOrgan {
  readonly id: string
  readonly donorId: string
  readonly organType: OrganType
  readonly recoveredAt?: string | undefined
  readonly disposition?: 'transplanted' | 'discarded' | 'research' | undefined
  readonly dispositionReason?: string | undefined
}

export interface StageCounts {
  readonly possible: number
  readonly potential: number
  readonly eligible: number
  readonly actual: number
  readonly utilised: number
}

export interface PathwayLoss {
  readonly from: PathwayStage
  readonly to: PathwayStage
  readonly reason: string
  readonly count: number
}

export interface PathwaySummary {
  readonly stages: StageCounts
  /** DBD and DCD split from the potential stage on (unknown criterion counted apart). */
  readonly byDeathCriterion: Readonly<Record<'neurological' | 'circulatory' | 'unknown', StageCounts>>
  readonly losses: readonly PathwayLoss[]
  /** Stage-to-stage conversion (e.g. actual ÷ eligible); null when the earlier stage is empty. */
  readonly conversion: Readonly<Record<'potentialPerPossible' | 'eligiblePerPotential' | 'actualPerEligible' | 'utilisedPerActual', number | null>>
  /** Registered donors with no pathway case: they enter at "eligible", so earlier stages are under-counted by their absence. */
  readonly donorsWithoutCase: number
}

export interface PathwayReport extends PathwaySummary {
  readonly country: string
  readonly year: number
  readonly population?: number | undefined
  readonly populationSource?: string | undefined
  /** Stage counts per million population (when a population is given). */
  readonly pmp?: StageCounts | undefined
  readonly byCentre: ReadonlyArray<{ readonly centreId: string } & PathwaySummary>
}

interface CaseOutcome {
  readonly centreId: string
  readonly criterion: 'neurological' | 'circulatory' | 'unknown'
  readonly reached: PathwayStage
  readonly lossReason?: string
  readonly withoutCase: boolean
}

function stageIndex (stage: PathwayStage): number {
  return PATHWAY_STAGES.indexOf(stage)
}

function emptyCounts (): Record<PathwayStage, number> {
  return { possible: 0, potential: 0, eligible: 0, actual: 0, utilised: 0 }
}

function summarise (outcomes: readonly CaseOutcome[]): PathwaySummary {
  const stages = emptyCounts()
  const byCriterion = { neurological: emptyCounts(), circulatory: emptyCounts(), unknown: emptyCounts() }
  const losses = new Map<string, { from: PathwayStage, to: PathwayStage, reason: string, count: number }>()
  let donorsWithoutCase = 0
  for (const outcome of outcomes) {
    if (outcome.withoutCase) donorsWithoutCase += 1
    const reached = stageIndex(outcome.reached)
    for (let i = 0; i <= reached; i++) {
      const stage = PATHWAY_STAGES[i] as PathwayStage
      stages[stage] += 1
      if (i >= 1) byCriterion[outcome.criterion][stage] += 1
    }
    if (outcome.reached !== 'utilised') {
      const from = outcome.reached
      const to = PATHWAY_STAGES[reached + 1] as PathwayStage
      const reason = outcome.lossReason ?? REASON_NOT_RECORDED
      const key = `${from}|${reason}`
      const loss = losses.get(key) ?? { from, to, reason, count: 0 }
      loss.count += 1
      losses.set(key, loss)
    }
  }
  const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b)
  return {
    stages,
    byDeathCriterion: byCriterion,
    losses: [...losses.values()].sort((a, b) => stageIndex(a.from) - stageIndex(b.from) || b.count - a.count || (a.reason < b.reason ? -1 : 1)),
    conversion: {
      potentialPerPossible: ratio(stages.potential, stages.possible),
      eligiblePerPotential: ratio(stages.eligible, stages.potential),
      actualPerEligible: ratio(stages.actual, stages.eligible),
      utilisedPerActual: ratio(stages.utilised, stages.actual)
    },
    donorsWithoutCase
  }
}

/**
 * The critical pathway of one country and year (cohort by the year the possible donor was
 * identified; a donor without a case by the year reported), in total and per donor hospital.
 */
export function computePathway (input: {
  country: string
  year: number
  cases: readonly PathwayCase[]
  donors: readonly PathwayDonor[]
  organs: readonly PathwayOrgan[]
  population?: { population: number, source: string } | undefined
}): PathwayReport {
  const country = requireString(input.country, 'country', /^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in capitals')
  const year = requireInteger(input.year, 'year', { min: 1900, max: 2200, unit: '' })
  const organsByDonor = new Map<string, PathwayOrgan[]>()
  for (const organ of input.organs) organsByDonor.set(organ.donorId, [...(organsByDonor.get(organ.donorId) ?? []), organ])
  const donorById = new Map(input.donors.map((d) => [d.id, d]))
  const outcomes: CaseOutcome[] = []

  const donorOutcome = (donor: PathwayDonor, incisionAt: string | undefined, lossReason: string | undefined, withoutCase: boolean, centreId: string): CaseOutcome => {
    const own = organsByDonor.get(donor.id) ?? []
    const criterion = donor.pathway === 'DCD' ? 'circulatory' : 'neurological'
    const actual = incisionAt !== undefined || own.some((o) => o.recoveredAt !== undefined)
    if (!actual) return { centreId, criterion, reached: 'eligible', withoutCase, ...(lossReason === undefined ? {} : { lossReason }) }
    if (own.some((o) => o.disposition === 'transplanted')) return { centreId, criterion, reached: 'utilised', withoutCase }
    return { centreId, criterion, reached: 'actual', lossReason: REASON_NO_ORGAN_TRANSPLANTED, withoutCase }
  }

  const donorsWithCase = new Set<string>()
  for (const c of input.cases) {
    if (c.donorId !== undefined) donorsWithCase.add(c.donorId)
    if (c.country !== country || Number(c.identifiedAt.slice(0, 4)) !== year) continue
    const donor = c.donorId === undefined ? undefined : donorById.get(c.donorId)
    if (donor !== undefined) {
      outcomes.push(donorOutcome(donor, c.incisionAt, c.lossReason, false, c.centreId))
    } else {
      outcomes.push({
        centreId: c.centreId,
        criterion: c.deathCriterion ?? 'unknown',
        reached: c.furthestStage,
        withoutCase: false,
        ...(c.lossReason === undefined ? {} : { lossReason: c.lossReason })
      })
    }
  }
  for (const donor of input.donors) {
    if (donorsWithCase.has(donor.id) || donor.country !== country || Number(donor.reportedAt.slice(0, 4)) !== year) continue
    outcomes.push(donorOutcome(donor, undefined, undefined, true, donor.centreId))
  }

  const total = summarise(outcomes)
  const centres = [...new Set(outcomes.map((o) => o.centreId))].sort()
  const population = input.population === undefined ? undefined : requireNumber(input.population.population, 'population', { min: 1, max: 10_000_000_000, unit: 'people' })
  return {
    country,
    year,
    ...total,
    ...(population === undefined
      ? {}
      : {
          population,
          populationSource: input.population?.source,
          pmp: Object.fromEntries(PATHWAY_STAGES.map((stage) => [stage, perMillion(total.stages[stage], population)])) as unknown as StageCounts
        }),
    byCentre: centres.map((centreId) => ({ centreId, ...summarise(outcomes.filter((o) => o.centreId === centreId)) }))
  }
}

export interface UtilisationCounts {
  readonly recovered: number
  readonly transplanted: number
  readonly discarded: number
  readonly research: number
  /** Recovered, no fate recorded yet (rule A5 looks at these). */
  readonly noFate: number
  /** transplanted ÷ recovered; null when none was recovered. */
  readonly utilisationRate: number | null
  /** Reasons given for discard and research use, with counts. */
  readonly nonUseReasons: ReadonlyArray<{ readonly disposition: 'discarded' | 'research', readonly reason: string, readonly count: number }>
}

export interface UtilisationReport {
  readonly country: string
  readonly year: number
  readonly byOrgan: Readonly<Record<OrganType, UtilisationCounts>>
  readonly total: UtilisationCounts
  readonly pmp?: { readonly recovered: number, readonly transplanted: number } | undefined
  readonly population?: number | undefined
  readonly populationSource?: string | undefined
  readonly byCentre: ReadonlyArray<{ readonly centreId: string, readonly byOrgan: Readonly<Record<OrganType, UtilisationCounts>>, readonly total: UtilisationCounts }>
}

function utilisation (organs: readonly PathwayOrgan[]): UtilisationCounts {
  let transplanted = 0
  let discarded = 0
  let research = 0
  let noFate = 0
  const reasons = new Map<string, { disposition: 'discarded' | 'research', reason: string, count: number }>()
  for (const organ of organs) {
    if (organ.disposition === 'transplanted') transplanted += 1
    else if (organ.disposition === undefined) noFate += 1
    else {
      if (organ.disposition === 'discarded') discarded += 1
      else research += 1
      const reason = organ.dispositionReason ?? REASON_NOT_RECORDED
      const key = `${organ.disposition}|${reason}`
      const entry = reasons.get(key) ?? { disposition: organ.disposition, reason, count: 0 }
      entry.count += 1
      reasons.set(key, entry)
    }
  }
  return {
    recovered: organs.length,
    transplanted,
    discarded,
    research,
    noFate,
    utilisationRate: organs.length === 0 ? null : transplanted / organs.length,
    nonUseReasons: [...reasons.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1))
  }
}

function byOrgan (organs: readonly PathwayOrgan[]): Record<OrganType, UtilisationCounts> {
  return Object.fromEntries(ORGAN_TYPES.map((type) => [type, utilisation(organs.filter((o) => o.organType === type))])) as Record<OrganType, UtilisationCounts>
}

/** Organ utilisation of deceased donors of one country, for organs recovered in the year, in total and per donor hospital. */
export function computeUtilisation (input: {
  country: string
  year: number
  donors: readonly PathwayDonor[]
  organs: readonly PathwayOrgan[]
  population?: { population: number, source: string } | undefined
}): UtilisationReport {
  const country = requireString(input.country, 'country', /^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in capitals')
  const year = requireInteger(input.year, 'year', { min: 1900, max: 2200, unit: '' })
  const donorById = new Map(input.donors.map((d) => [d.id, d]))
  const recovered = input.organs.filter((o) => {
    const donor = donorById.get(o.donorId)
    return donor !== undefined && donor.country === country && o.recoveredAt !== undefined && Number(o.recoveredAt.slice(0, 4)) === year
  })
  const total = utilisation(recovered)
  const centreOf = (o: PathwayOrgan): string => (donorById.get(o.donorId) as PathwayDonor).centreId
  const centres = [...new Set(recovered.map(centreOf))].sort()
  const population = input.population === undefined ? undefined : requireNumber(input.population.population, 'population', { min: 1, max: 10_000_000_000, unit: 'people' })
  return {
    country,
    year,
    byOrgan: byOrgan(recovered),
    total,
    ...(population === undefined
      ? {}
      : { population, populationSource: input.population?.source, pmp: { recovered: perMillion(total.recovered, population), transplanted: perMillion(total.transplanted, population) } }),
    byCentre: centres.map((centreId) => {
      const own = recovered.filter((o) => centreOf(o) === centreId)
      return { centreId, byOrgan: byOrgan(own), total: utilisation(own) }
    })
  }
}
