import { rawEpts } from '../clinical/epts.js'
import { countLocusMismatches, ET_MISMATCH_LEVELS } from '../clinical/hla-mismatch.js'
import type { AboType } from '../domain/abo.js'
import type { HlaTyping, MatchLocus } from '../domain/hla.js'
import { prepareMatchContext } from '../match/match-context.js'
import { scorePartition } from '../match/score-partition.js'
import type { CompiledPolicy } from '../policy/compile-policy.js'
import type { SeededRandom } from '../random.js'
import { createAcceptanceModel, type OfferFeatures } from './acceptance-model.js'
import { EventQueue } from './event-queue.js'
import { groupOutcomes, ratePer100PatientYears, type EquityMeasure, type GroupOutcome, type Outcomes } from './metrics.js'
import {
  DAYS_PER_YEAR, postTransplantCurves, waitlistDeathRatePerDay, waitlistRemovalRatePerDay, type ModelParameters
} from './model-parameters.js'
import { allocateKidneys, type PlacementRecord } from './offer-process.js'
import type { PreparedCohort, PreparedDonor } from './prepared-cohort.js'
import { CANDIDATE_BLOCK_SIZE, CANDIDATE_SLOTS, donorDraws, STATUS_CHANGE_SLOTS } from './random-streams.js'
import { blockRange, compactWaitlist, compatibleBlocks, statusCode, type CompactWaitlist } from './sim-waitlist.js'
import { median } from './statistics.js'
import { exponentialRestrictedMeanDays, weibullRestrictedMeanDays, weibullTimeFromUniform } from './survival.js'

/**
 * One arm of one replication: a policy run over the cohort for the simulated period. The loop pops
 * events in time order (ties in insertion order): candidate arrivals, status changes, deaths and
 * removals on the list, donor arrivals (a match run, then offers), graft failures, deaths after
 * transplant and relistings. Every random number comes from the replication's streams
 * (random-streams.ts), never from the policy, so arms differ only by their rules.
 */

export interface ArmInput {
  readonly cohort: PreparedCohort
  readonly policy: CompiledPolicy
  readonly model: ModelParameters
  readonly horizonDays: number
  /** Identity of the replication (seed and index); seeds the match runs' tie-break lottery. */
  readonly runLabel: string
  readonly random: SeededRandom
  readonly candidateUniforms: Float64Array
  /** One standard normal per centre; multiplied by the acceptance model's centre SD. */
  readonly centreNormals: Float64Array
  /**
   * How many days ahead the working snapshot includes arrivals (default 30). It changes how many rows
   * a match run scans, never a result; tests run it at 1 and 30 days to check that.
   */
  readonly compactionDays?: number | undefined
}

export interface TimeSeries {
  readonly day: readonly number[]
  /** Candidates on the list (active or inactive). */
  readonly waiting: readonly number[]
  readonly active: readonly number[]
  /** Cumulative counts since the start. */
  readonly transplants: readonly number[]
  readonly waitlistDeaths: readonly number[]
}

export interface ArmOutcomes {
  readonly policy: { readonly id: string, readonly version: string, readonly hash: string }
  readonly outcomes: Outcomes
  readonly groups: readonly GroupOutcome[]
  readonly equity: readonly EquityMeasure[]
  readonly series: TimeSeries
  /** Match runs performed (one per donor, both kidneys placed from the same list). */
  readonly matchRuns: number
}

// Candidate states; 0 (the typed array's initial value) means not yet arrived.
const ACTIVE = 1
const INACTIVE = 2
const TRANSPLANTED = 3
const DIED_ON_LIST = 4
const REMOVED = 5
const DIED_AFTER_TRANSPLANT = 6
const GRAFT_FAILED = 7

const Kind = {
  Donor: 0, Arrival: 1, DeathOnList: 2, Removal: 3, StatusChange: 4, GraftFailure: 5, DeathAfterTransplant: 6, Relist: 7, Sample: 8
} as const

interface SimEvent {
  readonly kind: number
  readonly index: number
  readonly version: number
}

const DAY_MS = 86_400_000
/** How far ahead the working snapshot includes arrivals; rebuilt at least this often (days). */
const DEFAULT_COMPACTION_DAYS = 30
const MONTH_DAYS = DAYS_PER_YEAR / 12
const LOCI: readonly MatchLocus[] = ['A', 'B', 'DR']

function mismatchesAt (donor: HlaTyping, recipient: HlaTyping, locus: MatchLocus): number {
  const d = donor[locus]
  const r = recipient[locus]
  // An untyped locus counts as one mismatch (the acceptance model needs a value; ranking never sees this).
  if (d.length === 0 || r.length === 0) return 1
  return countLocusMismatches(d, r, ET_MISMATCH_LEVELS[locus])
}

export function simulateArm (input: ArmInput): ArmOutcomes {
  const { cohort, policy, model, horizonDays, random, candidateUniforms: U } = input
  const P = cohort.persons
  const acceptance = createAcceptanceModel(model.acceptance)
  const centreEffects = Float64Array.from(input.centreNormals, (z) => z * model.acceptance.centre.centreEffectSd)
  const curves = postTransplantCurves(model.postTransplant)
  const post = model.postTransplant
  const w = model.waitlist
  const blocks = compatibleBlocks(policy)
  const lifeHorizonDays = post.lifeYearsHorizonYears * DAYS_PER_YEAR
  const compactionDays = input.compactionDays ?? DEFAULT_COMPACTION_DAYS

  const state = new Uint8Array(P)
  const version = new Uint32Array(P)
  const relisted = new Uint8Array(P)
  const listedSince = new Float64Array(P)
  const regDay = Float64Array.from(cohort.registeredDay)
  const waitFrom = Float64Array.from(cohort.waitingFromDay)
  const dialFrom = Float64Array.from(cohort.dialysisFromDay)
  const prior = Uint8Array.from(cohort.priorTransplant)
  const deathLeft = new Float64Array(P)
  const removalLeft = new Float64Array(P)
  const clockDay = new Float64Array(P)
  const statusSlot = new Uint8Array(P)
  const failDay = new Float64Array(P)
  const relistDay = new Float64Array(P).fill(Number.POSITIVE_INFINITY)
  const compactRow = new Int32Array(P).fill(-1)
  const tallies = {
    exposureDays: new Float64Array(P),
    transplants: new Uint8Array(P),
    waitlistDeaths: new Uint8Array(P),
    removals: new Uint8Array(P),
    listed: new Uint8Array(P)
  }

  let waitingCount = 0
  let activeCount = 0
  let transplants = 0
  let waitlistDeaths = 0
  let removals = 0
  let kidneysRecovered = 0
  let kidneysDiscarded = 0
  let offersTotal = 0
  let rescuePlacements = 0
  let distanceSum = 0
  let coldSum = 0
  let lifeYears = 0
  let graftFailures = 0
  let postTransplantDeaths = 0
  let relistings = 0
  let matchRuns = 0
  const daysToTransplant: number[] = []
  const series = { day: [] as number[], waiting: [] as number[], active: [] as number[], transplants: [] as number[], waitlistDeaths: [] as number[] }

  const queue = new EventQueue<SimEvent>()
  const u = (p: number, slot: number): number => U[p * CANDIDATE_BLOCK_SIZE + slot] as number
  const ageAt = (p: number, t: number): number => Math.max(0, (cohort.entryAgeYears[p] as number) + (t - (cohort.entryDay[p] as number)) / DAYS_PER_YEAR)
  const onList = (s: number): boolean => s === ACTIVE || s === INACTIVE

  let compact: CompactWaitlist | undefined
  let compactions = 0
  let pending = true
  let windowEnd = Number.NEGATIVE_INFINITY
  let refreshedDay = Number.NaN
  // Inactive candidates are left out of working snapshots unless the policy offers to them or they
  // are due to become active before the next rebuild: a third of the list, scanned for nothing.
  const offersInactive = policy.eligibility.statuses.includes('inactive')
  const nextSwitch = new Float64Array(P).fill(Number.POSITIVE_INFINITY)

  const rates = (p: number): { death: number, removal: number } => {
    // Hazards use the age at the start of the current listing, constant until the status changes.
    const age = ageAt(p, relisted[p] === 1 ? regDay[p] as number : cohort.entryDay[p] as number)
    const active = state[p] === ACTIVE
    return { death: waitlistDeathRatePerDay(w, age, cohort.diabetes[p] === 1, active), removal: waitlistRemovalRatePerDay(w, age, active) }
  }

  /** Uses up the death and removal clocks for the time spent in the current status. */
  const consume = (p: number, t: number): void => {
    const r = rates(p)
    const elapsed = t - (clockDay[p] as number)
    deathLeft[p] = Math.max(0, (deathLeft[p] as number) - r.death * elapsed)
    removalLeft[p] = Math.max(0, (removalLeft[p] as number) - r.removal * elapsed)
    clockDay[p] = t
  }

  const schedule = (p: number, t: number): void => {
    const v = (version[p] as number) + 1
    version[p] = v
    const r = rates(p)
    if (r.death > 0) queue.push(t + (deathLeft[p] as number) / r.death, { kind: Kind.DeathOnList, index: p, version: v })
    if (r.removal > 0) queue.push(t + (removalLeft[p] as number) / r.removal, { kind: Kind.Removal, index: p, version: v })
    const slot = statusSlot[p] as number
    const switchRate = (state[p] === ACTIVE ? w.inactivationsPerPatientYear : w.activationsPerPatientYear) / DAYS_PER_YEAR
    if (slot < STATUS_CHANGE_SLOTS && switchRate > 0) {
      const at = t - Math.log(u(p, CANDIDATE_SLOTS.statusChanges + slot)) / switchRate
      nextSwitch[p] = at
      queue.push(at, { kind: Kind.StatusChange, index: p, version: v })
    } else {
      nextSwitch[p] = Number.POSITIVE_INFINITY
    }
  }

  const setRowStatus = (p: number, status: 'active' | 'inactive' | 'transplanted' | 'deceased' | 'removed'): void => {
    const row = compactRow[p] as number
    if (compact !== undefined && row >= 0) compact.snapshot.columns.status[row] = statusCode(status)
  }

  const enterList = (p: number, t: number, active: boolean): void => {
    state[p] = active ? ACTIVE : INACTIVE
    listedSince[p] = t
    clockDay[p] = t
    tallies.listed[p] = 1
    waitingCount++
    if (active) activeCount++
    schedule(p, t)
    if (compactRow[p] === -1) pending = true
    else setRowStatus(p, active ? 'active' : 'inactive')
  }

  const leaveList = (p: number, t: number, next: number, status: 'transplanted' | 'deceased' | 'removed'): void => {
    tallies.exposureDays[p] = (tallies.exposureDays[p] as number) + (t - (listedSince[p] as number))
    if (state[p] === ACTIVE) activeCount--
    waitingCount--
    state[p] = next
    version[p] = (version[p] as number) + 1
    setRowStatus(p, status)
  }

  const sample = (t: number): void => {
    series.day.push(Math.round(t * 100) / 100)
    series.waiting.push(waitingCount)
    series.active.push(activeCount)
    series.transplants.push(transplants)
    series.waitlistDeaths.push(waitlistDeaths)
  }

  /**
   * Rebuilds the working snapshot: everyone active, the inactive when the policy offers to them or
   * their activation falls within the next `compactionDays` (an activation of someone left out asks
   * for a rebuild before the next match run), with their real status so the policy decides whom it
   * offers to, and everyone arriving within the next `compactionDays`
   * (status "removed" until they arrive, then flipped in place), and those due to be relisted within it. Leavers keep their row, flipped to
   * transplanted/deceased/removed, until the next rebuild. Which rows are present never changes a
   * ranked list (excluded rows are not ranked), only how many rows a match run scans.
   */
  const recompact = (t: number): void => {
    const master = cohort.master
    const personOfMasterRow = master.personOfRow
    const rows = new Int32Array(personOfMasterRow.length)
    let count = 0
    windowEnd = t + compactionDays
    for (let row = 0; row < personOfMasterRow.length; row++) {
      const p = personOfMasterRow[row] as number
      const s = state[p] as number
      if (s === ACTIVE || (s === INACTIVE && (offersInactive || (nextSwitch[p] as number) <= windowEnd)) || (s === 0 && (cohort.entryDay[p] as number) <= windowEnd) || (s === GRAFT_FAILED && (relistDay[p] as number) <= windowEnd)) rows[count++] = row
    }
    if (compact !== undefined) {
      const previous = compact.personOfRow
      for (let row = 0; row < previous.length; row++) compactRow[previous[row] as number] = -1
    }
    compact = compactWaitlist(master, rows.subarray(0, count), `${input.runLabel}/${policy.hash}/${compactions++}`)
    const col = compact.snapshot.columns
    const startDays = cohort.startMs / DAY_MS
    const personOfRow = compact.personOfRow
    const activeCode = statusCode('active')
    const inactiveCode = statusCode('inactive')
    const notListedCode = statusCode('removed')
    for (let row = 0; row < personOfRow.length; row++) {
      const p = personOfRow[row] as number
      compactRow[p] = row
      col.status[row] = state[p] === ACTIVE ? activeCode : state[p] === INACTIVE ? inactiveCode : notListedCode
      col.registeredAtDays[row] = startDays + (regDay[p] as number)
      col.ageAtRegistrationYears[row] = ageAt(p, regDay[p] as number)
    }
    pending = false
    refreshedDay = Number.NaN
  }

  /** Writes waiting days, dialysis days and age on day `day` into the working snapshot. */
  const refresh = (day: number): void => {
    if (compact === undefined || day === refreshedDay) return
    const { waitingDays, dialysisDays, ageYears } = compact.snapshot.columns
    const personOfRow = compact.personOfRow
    const entryAge = cohort.entryAgeYears
    const entryDay = cohort.entryDay
    for (let row = 0; row < personOfRow.length; row++) {
      const p = personOfRow[row] as number
      waitingDays[row] = Math.max(0, Math.floor(day - (waitFrom[p] as number)))
      const dialysis = dialFrom[p] as number
      dialysisDays[row] = dialysis === dialysis && day > dialysis ? Math.floor(day - dialysis) : 0
      ageYears[row] = Math.max(0, (entryAge[p] as number) + (day - (entryDay[p] as number)) / DAYS_PER_YEAR)
    }
    refreshedDay = day
  }

  const transplant = (p: number, t: number, donor: PreparedDonor, placement: PlacementRecord): void => {
    const ageAtTransplant = ageAt(p, t)
    leaveList(p, t, TRANSPLANTED, 'transplanted')
    transplants++
    tallies.transplants[p] = (tallies.transplants[p] as number) + 1
    daysToTransplant.push(t - (regDay[p] as number))
    distanceSum += placement.distanceNm
    coldSum += placement.coldIschaemiaHours
    if (placement.rescue) rescuePlacements++

    const kdri = donor.donor.kdri
    const graftRatio = typeof kdri === 'number' && Number.isFinite(kdri) ? kdri / post.kdriOfMedianDonor : 1
    const dialysis = dialFrom[p] as number
    const raw = rawEpts({
      ageYears: Math.min(120, ageAtTransplant),
      diabetes: cohort.diabetes[p] === 1,
      priorSolidOrganTransplant: prior[p] === 1,
      dialysisYears: dialysis === dialysis && t > dialysis ? Math.min(80, (t - dialysis) / DAYS_PER_YEAR) : 0
    })
    const patientRatio = Math.exp(raw - post.rawEptsOfMedianCandidate)
    const second = relisted[p] === 1
    const graftTime = t + weibullTimeFromUniform(curves.graft, u(p, second ? CANDIDATE_SLOTS.regraftFailure : CANDIDATE_SLOTS.graftFailure), graftRatio)
    const deathTime = t + weibullTimeFromUniform(curves.patient, u(p, second ? CANDIDATE_SLOTS.redeathAfterTransplant : CANDIDATE_SLOTS.deathAfterTransplant), patientRatio)
    const v = version[p] as number
    queue.push(deathTime, { kind: Kind.DeathAfterTransplant, index: p, version: v })
    if (graftTime < deathTime) queue.push(graftTime, { kind: Kind.GraftFailure, index: p, version: v })

    const withTransplant = weibullRestrictedMeanDays(curves.patient, lifeHorizonDays, patientRatio)
    // Without a transplant the candidate stays on dialysis, facing death on the list and removal (mostly
    // for deterioration): both hazards count, so the estimate does not credit the list's selection.
    const withoutTransplant = exponentialRestrictedMeanDays(
      waitlistDeathRatePerDay(w, ageAtTransplant, cohort.diabetes[p] === 1, true) + waitlistRemovalRatePerDay(w, ageAtTransplant, true), lifeHorizonDays)
    lifeYears += (withTransplant - withoutTransplant) / DAYS_PER_YEAR
  }

  const recipientHla = cohort.hla

  const runDonor = (donor: PreparedDonor, t: number): void => {
    if (pending || compact === undefined || t > windowEnd) recompact(t)
    const working = compact as CompactWaitlist
    const day = Math.floor(t)
    refresh(day)
    kidneysRecovered += donor.kidneys
    const snapshot = working.snapshot
    const context = prepareMatchContext({
      matchRunId: `${input.runLabel}/${donor.donor.id}`,
      donor: donor.donor,
      organ: { id: `${donor.donor.id}-kidney`, donorId: donor.donor.id, organType: 'kidney', part: 'left' },
      policy,
      snapshot,
      matchTime: new Date(cohort.startMs + t * DAY_MS).toISOString()
    })
    matchRuns++
    const range = blockRange(working, blocks.get(donor.abo as AboType) ?? [])
    // A policy may offer to any status it names; the simulator offers only to candidates on the list.
    const scored = scorePartition(context, snapshot, range.start, range.end).ranked
    let kept = 0
    for (let k = 0; k < scored.length; k++) {
      if (onList(state[working.personOfRow[scored[k] as number] as number] as number)) scored[kept++] = scored[k] as number
    }
    const ranked = scored.subarray(0, kept)
    const col = snapshot.columns
    const donorHla = context.donor.hla
    const distances = context.centreDistanceNm
    const donorKdpi = typeof donor.donor.kdpi === 'number' ? donor.donor.kdpi : Number.NaN
    const outcome = allocateKidneys({
      length: ranked.length,
      kidneys: donor.kidneys,
      centreAt: (position) => col.centre[ranked[position] as number] as number,
      distanceAt: (position) => distances[col.centre[ranked[position] as number] as number] as number,
      featuresAt: (position, previousOffers, rescue): OfferFeatures => {
        const row = ranked[position] as number
        const p = working.personOfRow[row] as number
        const hla = recipientHla[p] as HlaTyping
        return {
          donorAgeYears: donor.donor.ageYears,
          donorKdpi,
          donorDcd: donor.donor.pathway === 'DCD',
          donorDiabetes: donor.diabetes,
          donorHypertension: donor.hypertension,
          donorCreatinineMgDl: donor.donor.creatinineMgDl,
          candidateAgeYears: col.ageYears[row] as number,
          candidateCpraPercent: col.cpraPercent[row] as number,
          candidatePriorTransplant: prior[p] === 1,
          mismatchA: mismatchesAt(donorHla, hla, LOCI[0] as MatchLocus),
          mismatchB: mismatchesAt(donorHla, hla, LOCI[1] as MatchLocus),
          mismatchDR: mismatchesAt(donorHla, hla, LOCI[2] as MatchLocus),
          distanceNm: distances[col.centre[row] as number] as number,
          previousOffers,
          rescue
        }
      },
      model: acceptance,
      centreEffects,
      draws: donorDraws(random, donor.donor.id, centreEffects.length),
      rules: model.offers
    })
    offersTotal += outcome.offers
    kidneysDiscarded += outcome.discarded
    for (const placement of outcome.placements) {
      transplant(working.personOfRow[ranked[placement.position] as number] as number, t, donor, placement)
    }
  }

  // Initial list, arrivals, donors and monthly samples.
  for (let p = 0; p < P; p++) {
    deathLeft[p] = -Math.log(u(p, CANDIDATE_SLOTS.deathOnList))
    removalLeft[p] = -Math.log(u(p, CANDIDATE_SLOTS.removal))
    const entry = cohort.entryDay[p] as number
    if (entry <= 0) enterList(p, 0, cohort.initiallyActive[p] === 1)
    else if (entry < horizonDays) queue.push(entry, { kind: Kind.Arrival, index: p, version: 0 })
  }
  cohort.donors.forEach((donor, k) => { if (donor.day >= 0 && donor.day < horizonDays) queue.push(donor.day, { kind: Kind.Donor, index: k, version: 0 }) })
  sample(0)
  for (let m = 1; m * MONTH_DAYS <= horizonDays + 1e-9; m++) queue.push(Math.min(m * MONTH_DAYS, horizonDays - 1e-9), { kind: Kind.Sample, index: m, version: 0 })

  for (let next = queue.pop(); next !== undefined && next.time < horizonDays; next = queue.pop()) {
    const { time: t, item } = next
    const p = item.index
    switch (item.kind) {
      case Kind.Donor:
        runDonor(cohort.donors[p] as PreparedDonor, t)
        break
      case Kind.Arrival:
        enterList(p, t, cohort.initiallyActive[p] === 1)
        break
      case Kind.DeathOnList:
        if (item.version !== version[p] || (state[p] !== ACTIVE && state[p] !== INACTIVE)) break
        leaveList(p, t, DIED_ON_LIST, 'deceased')
        waitlistDeaths++
        tallies.waitlistDeaths[p] = 1
        break
      case Kind.Removal:
        if (item.version !== version[p] || (state[p] !== ACTIVE && state[p] !== INACTIVE)) break
        leaveList(p, t, REMOVED, 'removed')
        removals++
        tallies.removals[p] = 1
        break
      case Kind.StatusChange: {
        if (item.version !== version[p] || (state[p] !== ACTIVE && state[p] !== INACTIVE)) break
        consume(p, t)
        statusSlot[p] = (statusSlot[p] as number) + 1
        if (state[p] === ACTIVE) {
          state[p] = INACTIVE
          activeCount--
          setRowStatus(p, 'inactive')
        } else {
          state[p] = ACTIVE
          activeCount++
          // Left out of the working snapshot while inactive: rebuild before the next match run.
          if (compactRow[p] === -1) pending = true
          else setRowStatus(p, 'active')
        }
        schedule(p, t)
        break
      }
      case Kind.GraftFailure:
        if (item.version !== version[p] || state[p] !== TRANSPLANTED) break
        state[p] = GRAFT_FAILED
        failDay[p] = t
        graftFailures++
        if (relisted[p] === 0 && u(p, CANDIDATE_SLOTS.relist) < post.relistProbability) {
          relistDay[p] = t - Math.log(u(p, CANDIDATE_SLOTS.relistDelay)) * post.relistDelayDaysMean
          queue.push(relistDay[p] as number, { kind: Kind.Relist, index: p, version: version[p] as number })
        }
        break
      case Kind.DeathAfterTransplant:
        if (item.version !== version[p] || (state[p] !== TRANSPLANTED && state[p] !== GRAFT_FAILED)) break
        state[p] = DIED_AFTER_TRANSPLANT
        postTransplantDeaths++
        break
      case Kind.Relist:
        if (item.version !== version[p] || state[p] !== GRAFT_FAILED) break
        relisted[p] = 1
        relistings++
        regDay[p] = t
        waitFrom[p] = failDay[p] as number
        dialFrom[p] = failDay[p] as number
        prior[p] = 1
        deathLeft[p] = -Math.log(u(p, CANDIDATE_SLOTS.relistDeathOnList))
        removalLeft[p] = -Math.log(u(p, CANDIDATE_SLOTS.relistRemoval))
        enterList(p, t, true)
        break
      case Kind.Sample:
        sample(t)
        break
    }
  }

  for (let p = 0; p < P; p++) {
    if (state[p] === ACTIVE || state[p] === INACTIVE) tallies.exposureDays[p] = (tallies.exposureDays[p] as number) + (horizonDays - (listedSince[p] as number))
  }
  let patientYears = 0
  for (let p = 0; p < P; p++) patientYears += (tallies.exposureDays[p] as number) / DAYS_PER_YEAR
  const placed = transplants
  const { groups, equity } = groupOutcomes(cohort.groups, tallies)
  const outcomes: Outcomes = {
    transplants,
    transplantRatePer100PatientYears: ratePer100PatientYears(transplants, patientYears),
    waitlistDeaths,
    waitlistMortalityPer100PatientYears: ratePer100PatientYears(waitlistDeaths, patientYears),
    removals,
    removalRatePer100PatientYears: ratePer100PatientYears(removals, patientYears),
    medianDaysToTransplant: daysToTransplant.length > 0 ? median(daysToTransplant) : 0,
    kidneysRecovered,
    kidneysDiscarded,
    nonUsePercent: kidneysRecovered > 0 ? 100 * kidneysDiscarded / kidneysRecovered : 0,
    meanDistanceNm: placed > 0 ? distanceSum / placed : 0,
    totalDistanceNm: distanceSum,
    meanColdIschaemiaHours: placed > 0 ? coldSum / placed : 0,
    lifeYearsFromTransplant: lifeYears,
    lifeYearsPerTransplant: placed > 0 ? lifeYears / placed : 0,
    offersPerPlacedKidney: placed > 0 ? offersTotal / placed : 0,
    rescuePlacementPercent: placed > 0 ? 100 * rescuePlacements / placed : 0,
    graftFailures,
    postTransplantDeaths,
    relistings,
    waitingAtEnd: waitingCount
  }
  return {
    policy: { id: policy.id, version: policy.version, hash: policy.hash },
    outcomes,
    groups,
    equity,
    series,
    matchRuns
  }
}
