import t from 'tap'
import fc from 'fast-check'
import { isAboCompatible, type AboRuleSet } from '../engine/clinical/abo-compatibility.js'
import { countMismatches, totalMismatches } from '../engine/clinical/hla-mismatch.js'
import { normaliseTyping } from '../engine/clinical/hla-antigens.js'
import { offendingAntigens } from '../engine/clinical/virtual-crossmatch.js'
import type { AboType } from '../engine/domain/abo.js'
import type { Candidate } from '../engine/domain/candidate.js'
import { isAuthorised, type Centre } from '../engine/domain/centre.js'
import type { Donor } from '../engine/domain/donor.js'
import { greatCircleDistanceNm } from '../engine/match/distance.js'
import { prepareMatchContext } from '../engine/match/match-context.js'
import { buildMatchList, verifyMatchListHash, type MatchList } from '../engine/match/match-list.js'
import { runMatch } from '../engine/match/match-run.js'
import { mergePartitions } from '../engine/match/merge-partitions.js'
import type { ReasonCode } from '../engine/match/reason-codes.js'
import { scorePartition } from '../engine/match/score-partition.js'
import { buildWaitlistSnapshot } from '../engine/match/snapshot.js'
import { builtInPolicy } from '../data/policies/index.js'
import { donor, DONOR_LATITUDE, DONOR_LONGITUDE, organ } from './fixtures/match-fixtures.js'
import { randomWaitlist } from './fixtures/match-waitlist.js'

const AT = '2024-05-01T00:00:00Z'
const MATCH_TIME = '2024-05-01T12:00:00Z'
const POLICIES = ['etkas-kidney', 'us-kas-kidney'] as const
type PolicyId = typeof POLICIES[number]

const donorArbitrary: fc.Arbitrary<Donor> = fc.record({
  abo: fc.constantFrom<AboType>('O', 'A', 'A2', 'B', 'AB', 'A2B'),
  ageYears: fc.integer({ min: 5, max: 80 }),
  weightKg: fc.integer({ min: 30, max: 120 }),
  kdpi: fc.integer({ min: 0, max: 100 }),
  dcd: fc.boolean(),
  A: fc.subarray(['A1', 'A2', 'A3', 'A24', 'A23', 'A11', 'A30'], { minLength: 1, maxLength: 2 }),
  B: fc.subarray(['B7', 'B8', 'B44', 'B45', 'B51', 'B57', 'B62'], { minLength: 1, maxLength: 2 }),
  DR: fc.subarray(['DR1', 'DR4', 'DR7', 'DR11', 'DR15', 'DR16', 'DR17'], { minLength: 1, maxLength: 2 }),
  dLat: fc.double({ min: -3, max: 3, noNaN: true }),
  dLon: fc.double({ min: -3, max: 3, noNaN: true })
}).map((r) => donor({
  abo: r.abo, ageYears: r.ageYears, weightKg: r.weightKg, kdpi: r.kdpi, pathway: r.dcd ? 'DCD' : 'DBD',
  hla: { A: r.A, B: r.B, DR: r.DR }, latitudeDeg: DONOR_LATITUDE + r.dLat, longitudeDeg: DONOR_LONGITUDE + r.dLon
}))

/**
 * An independent oracle for the built-in kidney policies' eligibility, written against the
 * candidate objects and the clinical helpers (string-based), not the columns: the reasons every
 * candidate must be excluded with.
 */
function expectedReasons (policyId: PolicyId, d: Donor, c: Candidate, centres: readonly Centre[]): ReasonCode[] {
  const reasons: ReasonCode[] = []
  const centre = centres.find((x) => x.id === c.centreId) as Centre
  const distance = greatCircleDistanceNm(d.latitudeDeg, d.longitudeDeg, centre.latitudeDeg, centre.longitudeDeg)
  const levels = policyId === 'etkas-kidney' ? { A: 'broad', B: 'broad', DR: 'split' } as const : { A: 'split', B: 'split', DR: 'split' } as const
  const mismatches = totalMismatches(countMismatches(normaliseTyping(d.hla, 'donor'), normaliseTyping(c.hla, 'candidate'), levels))
  const ageAtRegistration = Math.max(0, c.ageYears - (Date.parse(AT) - Date.parse(`${c.registeredAt}T00:00:00Z`)) / (365.25 * 86_400_000))
  const urgencyClasses = policyId === 'etkas-kidney' ? ['elective', 'HU'] : ['elective', 'medically-urgent']
  if (c.status !== 'active') reasons.push('INACTIVE')
  if (!urgencyClasses.includes(c.urgency)) reasons.push('URGENCY_NOT_IN_POLICY')
  if (!isAuthorised(centre, 'kidney', 'transplant', MATCH_TIME)) reasons.push('CENTRE_NOT_AUTHORISED')
  let ruleSet: AboRuleSet
  if (policyId === 'etkas-kidney') {
    ruleSet = c.urgency === 'HU' || ageAtRegistration < 16 || mismatches === 0 ? 'compatible' : 'identical'
  } else {
    const usKidney = isAboCompatible('us-kidney', d.abo, c.abo, c.eligibleForA2Kidney)
    ruleSet = (mismatches === 0 || c.cpraPercent >= 99) && !usKidney ? 'compatible' : 'us-kidney'
  }
  if (!isAboCompatible(ruleSet, d.abo, c.abo, c.eligibleForA2Kidney)) reasons.push('ABO_INCOMPATIBLE')
  if (offendingAntigens(d.hla, c.unacceptableAntigens).length > 0) reasons.push('POSITIVE_VIRTUAL_CROSSMATCH')
  const a = c.acceptance
  if (a.maxDonorAgeYears !== undefined && d.ageYears > a.maxDonorAgeYears) reasons.push('CENTRE_CRITERIA_DONOR_AGE')
  if (policyId === 'us-kas-kidney' && a.maxKdpi !== undefined && !((d.kdpi as number) <= a.maxKdpi)) reasons.push('CENTRE_CRITERIA_KDPI')
  if (d.pathway === 'DCD' && a.acceptsDcd === false) reasons.push('CENTRE_CRITERIA_DCD')
  if ((a.minDonorWeightKg !== undefined && d.weightKg < a.minDonorWeightKg) || (a.maxDonorWeightKg !== undefined && d.weightKg > a.maxDonorWeightKg)) reasons.push('CENTRE_CRITERIA_DONOR_WEIGHT')
  if (a.maxDistanceNm !== undefined && distance > a.maxDistanceNm) reasons.push('CENTRE_CRITERIA_DISTANCE')
  return reasons
}

function match (policyId: PolicyId, d: Donor, candidates: readonly Candidate[], centres: readonly Centre[], matchRunId = 'prop-run'): MatchList {
  const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates, centres })
  return runMatch({ matchRunId, donor: d, organ: organ(d), policy: builtInPolicy(policyId), snapshot, matchTime: MATCH_TIME })
}

const scenario = fc.record({
  policyId: fc.constantFrom(...POLICIES),
  seed: fc.string({ minLength: 1, maxLength: 8 }),
  size: fc.integer({ min: 0, max: 60 }),
  donor: donorArbitrary
})

t.test('property: ranked ∪ excluded is the whole waiting list, and the ranked list is exactly the eligible set', async (t) => {
  fc.assert(fc.property(scenario, ({ policyId, seed, size, donor: d }) => {
    const { candidates, centres } = randomWaitlist(size, seed)
    const list = match(policyId, d, candidates, centres)
    const ranked = list.ranked.map((e) => e.candidateId)
    const excluded = list.excluded.map((e) => e.candidateId)
    const all = candidates.map((c) => c.id).sort()
    if ([...ranked, ...excluded].sort().join() !== all.join()) return false
    if (new Set([...ranked, ...excluded]).size !== candidates.length) return false
    if (!list.ranked.every((e, i) => e.rank === i + 1)) return false
    const eligible = candidates.filter((c) => expectedReasons(policyId, d, c, centres).length === 0).map((c) => c.id).sort()
    return [...ranked].sort().join() === eligible.join()
  }), { numRuns: 150 })
  t.pass('ranked is a permutation of the eligible set')
})

t.test('property: every excluded candidate carries every applicable reason, and only those', async (t) => {
  fc.assert(fc.property(scenario, ({ policyId, seed, size, donor: d }) => {
    const { candidates, centres } = randomWaitlist(size, seed)
    const list = match(policyId, d, candidates, centres)
    const byId = new Map(candidates.map((c) => [c.id, c]))
    return list.excluded.every((entry) => {
      const c = byId.get(entry.candidateId) as Candidate
      const codes = entry.reasons.map((r) => r.code)
      if (codes.length === 0 || codes.join() !== expectedReasons(policyId, d, c, centres).join()) return false
      const crossmatch = entry.reasons.find((r) => r.code === 'POSITIVE_VIRTUAL_CROSSMATCH')
      return crossmatch === undefined || crossmatch.antigens?.join() === offendingAntigens(d.hla, c.unacceptableAntigens).join()
    })
  }), { numRuns: 150 })
  t.pass('reasons match the oracle exactly')
})

t.test('property: the order follows tiers, then points, then tie-breakers', async (t) => {
  fc.assert(fc.property(scenario, ({ policyId, seed, size, donor: d }) => {
    const { candidates, centres } = randomWaitlist(size, seed)
    const list = match(policyId, d, candidates, centres)
    const tieBreakers = builtInPolicy(policyId).tieBreakers
    return list.ranked.every((entry, i) => {
      const previous = list.ranked[i - 1]
      if (previous === undefined) return true
      if (previous.tier.index !== entry.tier.index) return previous.tier.index < entry.tier.index
      if (previous.totalPoints !== entry.totalPoints) return previous.totalPoints > entry.totalPoints
      for (const { name, order } of tieBreakers) {
        const a = previous.tieBreak[name] as number
        const b = entry.tieBreak[name] as number
        if (a !== b) return order === 'desc' ? a > b : a < b
      }
      return typeof previous.tieBreak.lottery === 'string' && typeof entry.tieBreak.lottery === 'string' && previous.tieBreak.lottery <= entry.tieBreak.lottery
    })
  }), { numRuns: 150 })
  t.pass('ranking order holds')
})

t.test('property: shuffling the input, re-running, or splitting into partitions gives the same hash', async (t) => {
  fc.assert(fc.property(scenario, fc.func(fc.integer()), fc.array(fc.nat(), { maxLength: 5 }), ({ policyId, seed, size, donor: d }, key, rawCuts) => {
    const { candidates, centres } = randomWaitlist(size, seed)
    const list = match(policyId, d, candidates, centres)
    if (!verifyMatchListHash(list)) return false
    if (match(policyId, d, candidates, centres).outputHash !== list.outputHash) return false
    const shuffle = <T>(items: readonly T[]): T[] => items.map((item, i) => ({ item, k: key(i) })).sort((a, b) => a.k - b.k).map((x) => x.item)
    if (match(policyId, d, shuffle(candidates), shuffle(centres)).outputHash !== list.outputHash) return false
    const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates, centres })
    const context = prepareMatchContext({ matchRunId: 'prop-run', donor: d, organ: organ(d), policy: builtInPolicy(policyId), snapshot, matchTime: MATCH_TIME })
    const cuts = rawCuts.map((c) => c % (snapshot.count + 1)).sort((a, b) => a - b)
    const bounds = [0, ...cuts, snapshot.count]
    const partitions = bounds.slice(1).map((end, k) => scorePartition(context, snapshot, bounds[k] as number, end))
    return buildMatchList(context, snapshot, mergePartitions(context, snapshot, partitions)).outputHash === list.outputHash
  }), { numRuns: 100 })
  t.pass('same hash every way')
})
