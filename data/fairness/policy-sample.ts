import { ukkdri, ukkrri } from '../../engine/clinical/uk-risk-indices.js'
import { aboGroup } from '../../engine/domain/abo.js'
import type { Candidate } from '../../engine/domain/candidate.js'
import type { Centre } from '../../engine/domain/centre.js'
import type { Donor } from '../../engine/domain/donor.js'
import { isEngineError } from '../../engine/errors.js'
import { prepareMatchContext } from '../../engine/match/match-context.js'
import { mergePartitions, type ScoredWaitlist } from '../../engine/match/merge-partitions.js'
import { scorePartition } from '../../engine/match/score-partition.js'
import { buildWaitlistSnapshot } from '../../engine/match/snapshot.js'
import { compilePolicy, type CompiledPolicy } from '../../engine/policy/compile-policy.js'
import type { FairnessSample } from '../../engine/policy/fairness-lint.js'
import { candidateAsOf, centreAsOf, donorAt, type CandidateRecord, type DonorRecord } from '../import/records.js'
import { generateRegistry, type SyntheticRegistry } from '../synthetic/generator.js'

/**
 * Runs a policy over a synthetic registry and collects what the fairness lint and the fairness
 * report need: points per component and tier for every ranked candidate-donor pair, the candidates'
 * protected attributes and report groups (kept beside the engine's data, never inside it), ranks,
 * and the waiting list's composition.
 */

/** What a fairness sample is drawn from. */
export interface FairnessRegistryOptions {
  readonly seed: string
  /** Candidates on the synthetic list (all organs); the policy sees those of its organ. */
  readonly candidates: number
  /** Donors matched: the first N reported in the period. */
  readonly donors: number
  /** The list's date; every match runs on the list as it stood at 00:00 UTC that day. */
  readonly startDate: string
  readonly profile: 'national' | 'compact'
}

/** The standard synthetic registry of the fairness reports (docs/fairness). */
export const STANDARD_FAIRNESS_REGISTRY: FairnessRegistryOptions = Object.freeze({
  seed: 'fairness-standard-v1',
  candidates: 20_000,
  donors: 200,
  startDate: '2025-01-01',
  profile: 'national'
})

/** The groupings the report breaks results down by. Sex and race/ethnicity are protected; the others are clinical or geographic. */
export const REPORT_GROUPINGS = ['sex', 'race/ethnicity', 'blood group', 'age band', 'region'] as const
export type ReportGrouping = typeof REPORT_GROUPINGS[number]

/** The protected attributes the proxy analysis correlates with (registry protected_attributes). */
export const PROTECTED_COLUMNS = ['sex', 'race/ethnicity', 'nationality', 'residence'] as const

export const NOT_RECORDED = 'not recorded'

export function ageBand (ageYears: number): string {
  if (ageYears < 18) return '0-17'
  if (ageYears < 35) return '18-34'
  if (ageYears < 50) return '35-49'
  if (ageYears < 65) return '50-64'
  return '65+'
}

export interface DonorFailure {
  readonly donorId: string
  readonly code: string
  readonly message: string
}

export interface PolicyFairnessData {
  readonly policy: { readonly id: string, readonly version: string, readonly hash: string, readonly organType: string }
  readonly options: FairnessRegistryOptions
  readonly snapshotHash: string
  /** Candidates of the policy's organ on the list, and how many of them are active, by group. */
  readonly waitlist: { readonly count: number, readonly active: number, readonly activeByGroup: Readonly<Record<ReportGrouping, Readonly<Record<string, number>>>> }
  readonly donors: { readonly matched: number, readonly withRankedCandidates: number, readonly failures: readonly DonorFailure[] }
  /** Ranked candidate-donor pairs. */
  readonly pairs: number
  /** Per pair: the lint's sample (component points, tier index, protected attributes). */
  readonly sample: FairnessSample
  /** Per pair: report group labels. */
  readonly groups: Readonly<Record<ReportGrouping, readonly string[]>>
  /** Per pair: total points and 1-based rank on that donor's list. */
  readonly totalPoints: Float64Array
  readonly rank: Int32Array
  /** Values the synthetic registry does not record and the run filled in, described for the report. */
  readonly standIns: readonly string[]
}

let standard: SyntheticRegistry | undefined

/** The standard registry, generated once per process. */
export function standardFairnessRegistry (): SyntheticRegistry {
  standard ??= syntheticRegistryFor(STANDARD_FAIRNESS_REGISTRY)
  return standard
}

export function syntheticRegistryFor (options: FairnessRegistryOptions): SyntheticRegistry {
  return generateRegistry({ seed: options.seed, candidates: options.candidates, startDate: options.startDate, profile: options.profile })
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const DAY_MS = 86_400_000

/** Stand-ins for what the synthetic registry does not record, applied only when the policy reads the value. */
const STAND_IN_TEXT = {
  ukRecipientRiskQuartile: 'candidate.ukRecipientRiskQuartile: UK kidney recipient risk index (engine/clinical uk-risk-indices) from the record\'s age, dialysis at registration, days since dialysis start and diabetes.',
  matchabilityScore: 'candidate.matchabilityScore: stand-in 1 + 9 × MMP/100 (the synthetic registry records the Eurotransplant mismatch probability, not the UK matchability score; both measure how hard a candidate is to match).',
  ukDonorRiskQuartile: 'donor.ukDonorRiskQuartile: UK kidney donor risk index from the donor\'s age, height, hypertension and sex (a declared clinical use of donor sex), with CMV negative, eGFR 90 and a 3-day hospital stay assumed (not recorded).',
  lungSurvival: 'candidate.waitlistSurvivalDays and candidate.postTransplantSurvivalDays: constants 300 and 1400 days for every candidate (the synthetic registry has no lung CAS model inputs), so those components add the same points to everyone and their group differences are not measured.'
} as const

function completeCandidate (candidate: Candidate, record: CandidateRecord, reads: ReadonlySet<string>, at: string, used: Set<string>): Candidate {
  const out: Mutable<Candidate> = { ...candidate }
  if (reads.has('candidate.ukRecipientRiskQuartile') && out.ukRecipientRiskQuartile === undefined) {
    const atMs = Date.parse(at)
    const dialysisMs = record.dialysisFrom === undefined ? undefined : Date.parse(record.dialysisFrom)
    out.ukRecipientRiskQuartile = ukkrri({
      ageYears: Math.min(100, candidate.ageYears),
      dialysisAtRegistration: dialysisMs !== undefined && dialysisMs <= Date.parse(record.registeredAt),
      waitingDays: dialysisMs === undefined || dialysisMs > atMs ? 0 : Math.min(20_000, Math.floor((atMs - dialysisMs) / DAY_MS)),
      diabetes: record.diabetes === true
    }).quartileNumber
    used.add(STAND_IN_TEXT.ukRecipientRiskQuartile)
  }
  if (reads.has('candidate.matchabilityScore') && out.matchabilityScore === undefined) {
    out.matchabilityScore = 1 + 9 * candidate.mmpPercent / 100
    used.add(STAND_IN_TEXT.matchabilityScore)
  }
  if ((reads.has('candidate.waitlistSurvivalDays') || reads.has('candidate.postTransplantSurvivalDays')) && out.waitlistSurvivalDays === undefined) {
    out.waitlistSurvivalDays = 300
    out.postTransplantSurvivalDays = 1400
    used.add(STAND_IN_TEXT.lungSurvival)
  }
  return out
}

function completeDonor (donor: Donor, record: DonorRecord, reads: ReadonlySet<string>, used: Set<string>): Donor {
  if (!reads.has('donor.ukDonorRiskQuartile') || donor.ukDonorRiskQuartile !== undefined) return donor
  used.add(STAND_IN_TEXT.ukDonorRiskQuartile)
  return {
    ...donor,
    ukDonorRiskQuartile: ukkdri({
      ageYears: Math.min(100, donor.ageYears),
      heightCm: Math.min(250, Math.max(30, donor.heightCm)),
      hypertension: record.hypertension === true,
      sex: record.protectedAttributes?.sex === 'female' ? 'F' : 'M',
      cmvPositive: false,
      egfrMlMin173m2: 90,
      hospitalStayDays: 3
    }).quartileNumber
  }
}

function label (value: string | undefined): string {
  return value === undefined || value === '' ? NOT_RECORDED : value
}

/**
 * Matches the first `donors` donors of a synthetic registry under a policy, every donor
 * against the list as it stood on the start date, and collects one entry per ranked candidate-donor
 * pair. A donor the policy cannot be run for (e.g. one lacking a value the policy requires) is
 * recorded as a failure with its error code, not dropped silently.
 */
export function gatherPolicyFairnessData (document: unknown, registry: SyntheticRegistry = standardFairnessRegistry(), donors: number = STANDARD_FAIRNESS_REGISTRY.donors): PolicyFairnessData {
  const policy: CompiledPolicy = compilePolicy(document)
  const at = `${registry.options.startDate}T00:00:00.000Z`
  const reads = new Set(policy.reads.all)
  const used = new Set<string>()
  const records = registry.candidates.filter((c) => c.organType === policy.organType && Date.parse(c.registeredAt) <= Date.parse(at))
  const candidates = records.map((record) => completeCandidate(candidateAsOf(record, at), record, reads, at, used))
  const centres: Centre[] = registry.centres.map((c) => centreAsOf(c, at))
  const snapshot = buildWaitlistSnapshot({ organType: policy.organType, at, candidates, centres })

  // Group labels per snapshot index (the snapshot sorts candidates by id).
  const recordById = new Map(records.map((r) => [r.id, r]))
  const candidateById = new Map(candidates.map((c) => [c.id, c]))
  const centreById = new Map(centres.map((c) => [c.id, c]))
  const ids = snapshot.tables.candidateIds
  const labels: Record<ReportGrouping, string[]> = { sex: [], 'race/ethnicity': [], 'blood group': [], 'age band': [], region: [] }
  const protectedLabels: Record<string, Array<string | undefined>> = Object.fromEntries(PROTECTED_COLUMNS.map((c) => [c, [] as Array<string | undefined>]))
  const activeByGroup = Object.fromEntries(REPORT_GROUPINGS.map((g) => [g, {} as Record<string, number>])) as Record<ReportGrouping, Record<string, number>>
  let active = 0
  for (const id of ids) {
    const record = recordById.get(id) as CandidateRecord
    const candidate = candidateById.get(id) as Candidate
    const p = record.protectedAttributes
    const row: Record<ReportGrouping, string> = {
      sex: label(p?.sex),
      'race/ethnicity': label(p?.raceEthnicity),
      'blood group': aboGroup(candidate.abo),
      'age band': ageBand(candidate.ageYears),
      region: label(centreById.get(candidate.centreId)?.region)
    }
    for (const g of REPORT_GROUPINGS) labels[g].push(row[g])
    protectedLabels.sex?.push(p?.sex)
    protectedLabels['race/ethnicity']?.push(p?.raceEthnicity)
    protectedLabels.nationality?.push(p?.nationality)
    protectedLabels.residence?.push(p?.residence)
    if (candidate.status === 'active') {
      active++
      for (const g of REPORT_GROUPINGS) activeByGroup[g][row[g]] = (activeByGroup[g][row[g]] ?? 0) + 1
    }
  }

  const hospitals = new Map(registry.centres.map((c) => [c.id, centreAsOf(c, at)]))
  const componentPoints: Record<string, number[]> = Object.fromEntries(policy.components.map((c) => [c.name, [] as number[]]))
  const tierIndex: number[] = []
  const pairCandidate: number[] = []
  const totals: number[] = []
  const ranks: number[] = []
  const failures: DonorFailure[] = []
  let withRanked = 0
  const donorRecords = registry.donors.slice(0, donors)
  for (const record of donorRecords) {
    const hospital = hospitals.get(record.hospitalCentreId) as Centre
    const donor = completeDonor(donorAt(record, hospital), record, reads, used)
    let scored: ScoredWaitlist
    try {
      // The match run's own scoring path (runMatch without building the explanation objects, which
      // the statistics do not read and which cost most of the time on a long list).
      const context = prepareMatchContext({
        matchRunId: `fairness/${policy.id}/${policy.version}/${donor.id}`,
        donor,
        organ: { id: `${donor.id}.${policy.organType}`, donorId: donor.id, organType: policy.organType, part: 'whole' },
        policy,
        snapshot,
        matchTime: at
      })
      scored = mergePartitions(context, snapshot, [scorePartition(context, snapshot, 0, snapshot.count)])
    } catch (error) {
      if (!isEngineError(error)) throw error
      failures.push({ donorId: donor.id, code: error.code, message: error.message })
      continue
    }
    if (scored.order.length > 0) withRanked++
    const componentCount = policy.components.length
    scored.order.forEach((i, position) => {
      policy.components.forEach((c, k) => componentPoints[c.name]?.push(scored.points[i * componentCount + k] as number))
      tierIndex.push(scored.tier[i] as number)
      pairCandidate.push(i)
      totals.push(scored.total[i] as number)
      ranks.push(position + 1)
    })
  }

  const perPair = <T>(column: readonly T[]): T[] => pairCandidate.map((i) => column[i] as T)
  const description = `synthetic registry "${registry.options.seed}" (${registry.options.candidates.toLocaleString('en-US')} candidates, profile ${registry.options.profile}, list of ${registry.options.startDate}), ${candidates.length.toLocaleString('en-US')} ${policy.organType} candidates, first ${donorRecords.length} donors`
  const r = registry.options
  return {
    policy: { id: policy.id, version: policy.version, hash: policy.hash, organType: policy.organType },
    options: { seed: r.seed, candidates: r.candidates, donors, startDate: r.startDate, profile: r.profile === 'compact' ? 'compact' : 'national' },
    snapshotHash: snapshot.hash,
    waitlist: { count: candidates.length, active, activeByGroup },
    donors: { matched: donorRecords.length, withRankedCandidates: withRanked, failures },
    pairs: pairCandidate.length,
    sample: {
      componentPoints: Object.fromEntries(Object.entries(componentPoints).map(([name, values]) => [name, Float64Array.from(values)])),
      tierIndex: Int32Array.from(tierIndex),
      subjects: Int32Array.from(pairCandidate),
      protectedAttributes: Object.fromEntries(Object.entries(protectedLabels).map(([name, column]) => [name, perPair(column)])),
      description
    },
    groups: Object.fromEntries(REPORT_GROUPINGS.map((g) => [g, perPair(labels[g])])) as Record<ReportGrouping, string[]>,
    totalPoints: Float64Array.from(totals),
    rank: Int32Array.from(ranks),
    standIns: [...used].sort()
  }
}
