import t, { type Test } from 'tap'
import { canonicalJson } from '../engine/canonical-hash.js'
import type { Candidate } from '../engine/domain/candidate.js'
import { runMatch } from '../engine/match/match-run.js'
import { buildWaitlistSnapshot } from '../engine/match/snapshot.js'
import { builtInPolicy, builtInPolicyDocument } from '../data/policies/index.js'
import { candidate, centre, donor, organ } from './fixtures/match-fixtures.js'

/**
 * Golden match lists for the built-in UK Kidney Offering Scheme policy
 * (data/policies/uk-kos-kidney-2019.json), hand-checked, reproducing the reference notes' vectors
 * U9 and U10 (clinical-scores.md §7b).
 *
 * Tier A: matchability score 10, cRF (cpraPercent) 100 or at least 2556.75 days on dialysis; no
 * points, ordered by matchability then waiting time. Tier B points:
 *   waiting days (1/day)
 *   + risk-index matrix D×R (1000 on the diagonal; D1: R1 1000, R2 700, R3 350, R4 0)
 *   + HLA match and age: level 1 2300 + 1200 cos(age/18); level 2 1500 + 750 cos(age/18); levels 3–4 400 sin(age/50)
 *   + total mismatches: 0 → 0, 1 → −100, 2–3 → −150, 4–6 → −250
 *   + matchability 40 (1 + (MS/4.5)^4.7)
 *   + age difference −(donor − recipient)² / 2
 *   + −1000 for an O kidney to a B candidate.
 * Mismatches: A and B at broad level, DR at split level.
 */
const AT = '2024-03-01T00:00:00Z'
const MATCH_TIME = '2024-03-01T06:00:00Z'
const POLICY = builtInPolicy('uk-kos-kidney-2019')

const centres = [
  centre('GB-LON', { country: 'GB', region: 'GB', latitudeDeg: 51.5, longitudeDeg: -0.12 }),
  centre('GB-MAN', { country: 'GB', region: 'GB', latitudeDeg: 53.48, longitudeDeg: -2.24 })
]

const hlaAge = (level: number, age: number): number => level === 1 ? 2300 + 1200 * Math.cos(age / 18) : level === 2 ? 1500 + 750 * Math.cos(age / 18) : 400 * Math.sin(age / 50)
const matchability = (score: number): number => 40 * (1 + Math.pow(score / 4.5, 4.7))
const ageDifference = (donorAge: number, age: number): number => -0.5 * (donorAge - age) ** 2
const round2 = (x: number): number => Math.round(x * 100) / 100

/** Components in policy order. */
function points (o: { waiting: number, ric: number, hlaAge: number, mismatch: number, matchability: number, ageDifference: number, oToB?: boolean }): Record<string, number> {
  return {
    'waiting-time': o.waiting,
    'risk-index-match': o.ric,
    'hla-match-and-age': o.hlaAge,
    'total-mismatch': o.mismatch,
    matchability: o.matchability,
    'age-difference': o.ageDifference,
    'blood-group-o-to-b': o.oToB === true ? -1000 : 0
  }
}
const NO_POINTS = points({ waiting: 0, ric: 0, hlaAge: 0, mismatch: 0, matchability: 0, ageDifference: 0 })

/** Compares points to 1e-9 (cos, sin and pow) and checks the total is their sum. */
function checkEntry (t: Test, entry: { points: Readonly<Record<string, number>>, totalPoints: number }, want: Record<string, number>, total: number, label: string): void {
  t.same(Object.keys(entry.points).sort(), Object.keys(want).sort(), `${label} components`)
  for (const [name, value] of Object.entries(want)) {
    t.ok(Math.abs((entry.points[name] as number) - value) < 1e-9, `${label} ${name}: ${entry.points[name]} ≈ ${value}`)
  }
  t.equal(entry.totalPoints, Object.keys(want).reduce((sum, name) => sum + (entry.points[name] as number), 0), `${label} total is the sum of its components`)
  t.equal(round2(entry.totalPoints), total, `${label} total ${total}`)
}

// Donor of vector U10: 20 years, group O, UKKDRI quartile D1, HLA A1 A2 / B7 B8 / DR4 DR15.
const u10Donor = donor({
  id: 'UK-D1', ageYears: 20, abo: 'O', ukDonorRiskQuartile: 1, kdpi: undefined,
  hla: { A: ['A1', 'A2'], B: ['B7', 'B8'], DR: ['DR4', 'DR15'] },
  hospitalCentreId: 'GB-LON', country: 'GB', region: 'GB', latitudeDeg: 51.5, longitudeDeg: -0.12
})

/** A complete Tier B candidate (matchability 5, R2, waiting and dialysis 1000 days) with overrides. */
const uk = (id: string, overrides: Partial<{ -readonly [K in keyof Candidate]: Candidate[K] }> = {}): Candidate =>
  candidate(id, { centreId: 'GB-LON', abo: 'O', matchabilityScore: 5, ukRecipientRiskQuartile: 2, ...overrides })

const waitlist = [
  // Vector U10: 2000 days, D1R1, 000 mismatched (level 1), recipient and donor 20, MS 8, O → O.
  uk('K10', { ageYears: 20, ukRecipientRiskQuartile: 1, matchabilityScore: 8, waitingDays: 2000, dialysisDays: 2000, hla: { A: ['A1', 'A2'], B: ['B7', 'B8'], DR: ['DR4', 'DR15'] } }),
  // Tier A by matchability 10; group A may take an O kidney in Tier A.
  uk('TA1', { centreId: 'GB-MAN', abo: 'A', matchabilityScore: 10, ukRecipientRiskQuartile: 3, waitingDays: 500, dialysisDays: 500, ageYears: 50 }),
  // Tier A by cRF 100%.
  uk('TA2', { matchabilityScore: 6, cpraPercent: 100, waitingDays: 3000, dialysisDays: 1000 }),
  // Tier A by 2600 days (over 7 years) on dialysis; group B gets no O → B penalty in Tier A.
  uk('TA3', { abo: 'B', matchabilityScore: 6, waitingDays: 2600, dialysisDays: 2600 }),
  // Group B in Tier B: 1 mismatch at each locus (A2, B8, DR15): 3 in total, level 3 (1 DR, 1 B).
  uk('B1', { abo: 'B', ageYears: 40, matchabilityScore: 3, waitingDays: 1500, dialysisDays: 1500, hla: { A: ['A1', 'A3'], B: ['B7', 'B35'], DR: ['DR4', 'DR7'] } }),
  // Every antigen mismatched: 6, level 4, R4.
  uk('B2', { ageYears: 60, matchabilityScore: 1, ukRecipientRiskQuartile: 4, waitingDays: 500, dialysisDays: 500, hla: { A: ['A3', 'A11'], B: ['B35', 'B51'], DR: ['DR1', 'DR7'] } }),
  // One B mismatch (B8): level 2, total 1.
  uk('B3', { ageYears: 30, ukRecipientRiskQuartile: 1, waitingDays: 1000, hla: { A: ['A1', 'A2'], B: ['B7', 'B35'], DR: ['DR4', 'DR15'] } }),
  uk('X01', { abo: 'A' }),
  uk('X02', { matchabilityScore: undefined }),
  uk('X03', { ukRecipientRiskQuartile: undefined }),
  uk('X04', { status: 'inactive' }),
  uk('X05', { unacceptableAntigens: ['B8'] }),
  uk('X06', { acceptance: { maxDonorAgeYears: 18 } }),
  uk('X07', { urgency: 'super-urgent' })
]

const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: waitlist, centres })
const list = runMatch({ matchRunId: 'golden-kos-1', donor: u10Donor, organ: organ(u10Donor), policy: POLICY, snapshot, matchTime: MATCH_TIME })

const expected: Array<{ id: string, tier: string, points: Record<string, number>, total: number }> = [
  // Tier A, no points: matchability 10 first, then TA2 and TA3 (both 6) by waiting time 3000 > 2600.
  { id: 'TA1', tier: 'tier-a', points: NO_POINTS, total: 0 },
  { id: 'TA2', tier: 'tier-a', points: NO_POINTS, total: 0 },
  { id: 'TA3', tier: 'tier-a', points: NO_POINTS, total: 0 },
  // U10: 2000 + 1000 + 2832.40 + 0 + 637.70 + 0 + 0 = 6470.10
  { id: 'K10', tier: 'tier-b', points: points({ waiting: 2000, ric: 1000, hlaAge: hlaAge(1, 20), mismatch: 0, matchability: matchability(8), ageDifference: 0 }), total: 6470.1 },
  // 1000 + 1000 (D1R1) + 1428.21 (level 2, age 30) − 100 + 105.63 − 50 ((20 − 30)² / 2) = 3383.84
  { id: 'B3', tier: 'tier-b', points: points({ waiting: 1000, ric: 1000, hlaAge: hlaAge(2, 30), mismatch: -100, matchability: matchability(5), ageDifference: ageDifference(20, 30) }), total: 3383.84 },
  // 1500 + 700 (D1R2) + 286.94 (400 sin 0.8) − 150 + 45.95 − 200 − 1000 (O → B) = 1182.89
  { id: 'B1', tier: 'tier-b', points: points({ waiting: 1500, ric: 700, hlaAge: hlaAge(3, 40), mismatch: -150, matchability: matchability(3), ageDifference: ageDifference(20, 40), oToB: true }), total: 1182.89 },
  // 500 + 0 (D1R4) + 372.82 (400 sin 1.2) − 250 + 40.03 − 800 = −137.15
  { id: 'B2', tier: 'tier-b', points: points({ waiting: 500, ric: 0, hlaAge: hlaAge(4, 60), mismatch: -250, matchability: matchability(1), ageDifference: ageDifference(20, 60) }), total: -137.15 }
]

t.test('UK KOS golden list: exact order, tiers and points, with vector U10', async (t) => {
  t.same(list.ranked.map((e) => e.candidateId), expected.map((e) => e.id))
  list.ranked.forEach((entry, index) => {
    const want = expected[index]
    if (want === undefined) return
    t.equal(entry.rank, index + 1)
    t.equal(entry.tier.name, want.tier, `${want.id} tier`)
    checkEntry(t, entry, want.points, want.total, want.id)
  })
  const k10 = list.ranked.find((e) => e.candidateId === 'K10')
  // The reference notes' rounded components of U10.
  t.equal(round2(k10?.points['hla-match-and-age'] ?? 0), 2832.4)
  t.equal(round2(k10?.points.matchability ?? 0), 637.7)
  const byId = new Map(list.ranked.map((e) => [e.candidateId, e]))
  t.same(byId.get('TA2')?.tieBreak, { matchability: 6, registration: Date.parse('2020-01-01T00:00:00Z') / 86_400_000, 'waiting-time': 3000 })
  t.same(byId.get('TA3')?.tieBreak, { matchability: 6, registration: Date.parse('2020-01-01T00:00:00Z') / 86_400_000, 'waiting-time': 2600 })
})

t.test('UK KOS golden list: exact exclusion reasons', async (t) => {
  t.same(list.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]), [
    ['X01', ['ABO_INCOMPATIBLE']],
    ['X02', ['MISSING_DATA']],
    ['X03', ['MISSING_DATA']],
    ['X04', ['INACTIVE']],
    ['X05', ['POSITIVE_VIRTUAL_CROSSMATCH']],
    ['X06', ['CENTRE_CRITERIA_DONOR_AGE']],
    ['X07', ['URGENCY_NOT_IN_POLICY']]
  ])
  const reasons = new Map(list.excluded.map((e) => [e.candidateId, e.reasons]))
  t.equal(reasons.get('X01')?.[0]?.detail, 'a donor of blood group O may not go to a candidate of group A under the "uk-kidney-tier-b" rule')
  t.equal(reasons.get('X02')?.[0]?.detail, 'not recorded for this candidate: candidate.matchabilityScore')
  t.equal(reasons.get('X03')?.[0]?.detail, 'not recorded for this candidate: candidate.ukRecipientRiskQuartile')
  t.same(reasons.get('X05')?.[0]?.antigens, ['B8'])
  t.equal(list.ranked.length + list.excluded.length, waitlist.length, 'every candidate is accounted for')
  const { outputHash, ...content } = list
  t.equal(JSON.stringify(content), canonicalJson(content))
})

t.test('UK KOS: vector U9 (1000 days, D2R2, mismatch 1/1/0, recipient 30, donor 35, MS 5, A → A) totals 3371.34', async (t) => {
  const u9Donor = donor({ ...u10Donor, id: 'UK-D2', ageYears: 35, abo: 'A', ukDonorRiskQuartile: 2 })
  const small = buildWaitlistSnapshot({
    organType: 'kidney',
    at: AT,
    centres,
    candidates: [
      // A3 for A2 and B35 for B8: one A and one B mismatch, no DR: level 2, total 2.
      uk('K09', { abo: 'A', ageYears: 30, hla: { A: ['A1', 'A3'], B: ['B7', 'B35'], DR: ['DR4', 'DR15'] } }),
      uk('Z01', { abo: 'O' })
    ]
  })
  const result = runMatch({ matchRunId: 'golden-kos-2', donor: u9Donor, organ: organ(u9Donor), policy: POLICY, snapshot: small, matchTime: MATCH_TIME })
  t.same(result.ranked.map((e) => e.candidateId), ['K09'])
  const entry = result.ranked[0]
  if (entry === undefined) return
  // 1000 + 1000 + 1428.21 − 150 + 105.63 − 12.5 = 3371.34
  checkEntry(t, entry, points({ waiting: 1000, ric: 1000, hlaAge: hlaAge(2, 30), mismatch: -150, matchability: matchability(5), ageDifference: -12.5 }), 3371.34, 'K09')
  t.equal(round2(entry.points['hla-match-and-age'] ?? 0), 1428.21)
  t.equal(round2(entry.points.matchability ?? 0), 105.63)
  t.same(result.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]), [['Z01', ['ABO_INCOMPATIBLE']]], 'an A kidney never goes to O')
})

t.test('UK KOS: a donor without a risk quartile cannot be matched under this policy', async (t) => {
  const noQuartile = donor({ ...u10Donor, ukDonorRiskQuartile: undefined })
  t.throws(() => runMatch({ matchRunId: 'r', donor: noQuartile, organ: organ(noQuartile), policy: POLICY, snapshot, matchTime: MATCH_TIME }),
    { code: 'ENGINE_MATCH_RUN_FAILED', field: 'donor.ukDonorRiskQuartile' })
})

t.test('UK KOS: the Tier A condition is written identically everywhere it is repeated', async (t) => {
  const document = builtInPolicyDocument('uk-kos-kidney-2019')
  const tierA = document.tiers[0]?.when as string
  t.equal(document.tiers[0]?.name, 'tier-a')
  t.equal(document.eligibility.abo.exceptions?.[0]?.when, tierA, 'ABO exception')
  for (const component of document.components) {
    const text = JSON.stringify(component)
    t.ok(text.includes(`(${tierA})`), `${component.name} is zero in Tier A`)
  }
})
