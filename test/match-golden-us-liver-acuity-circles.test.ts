import t from 'tap'
import { canonicalJson } from '../engine/canonical-hash.js'
import type { Candidate } from '../engine/domain/candidate.js'
import { runMatch } from '../engine/match/match-run.js'
import { buildWaitlistSnapshot } from '../engine/match/snapshot.js'
import { builtInPolicy } from '../data/policies/index.js'
import { candidate, centre, centreNorth, donor, NM_PER_DEGREE, organ } from './fixtures/match-fixtures.js'

/**
 * Golden match list for the built-in US liver acuity-circles policy
 * (data/policies/us-liver-acuity-circles.json), hand-checked.
 *
 * Donor at 40°N 75°W (centre C0), DBD, 45 years, blood group O. Centres due north:
 * C0 0 NM, C1 2° = 120.08 NM, C2 3.5° = 210.14 NM, C3 7° = 420.28 NM, C4 15° = 900.61 NM; C5 sits at
 * the donor hospital but holds no liver authorisation.
 *
 * Tiers: status 1A, 1B within 500 NM; MELD/PELD ≥ 37, 33, 29, 15 each within 150, 250, 500 NM;
 * status 1A, 1B nationally; MELD/PELD ≥ 15 nationally; below 15 within 150, 250, 500 NM, then
 * nationally. Points: MELD or PELD (none in status 1A/1B). Ties: blood type identical first, then
 * waiting time, then registration. ABO: an O liver goes to O or B, except to status 1A/1B and
 * MELD/PELD ≥ 30, who take any compatible liver.
 */
const AT = '2024-09-01T00:00:00Z'
const MATCH_TIME = '2024-09-01T03:00:00Z'
const POLICY = builtInPolicy('us-liver-acuity-circles')

const centres = [
  centre('C0'), centreNorth('C1', 2), centreNorth('C2', 3.5), centreNorth('C3', 7), centreNorth('C4', 15),
  centre('C5', { authorisations: [{ organType: 'kidney', activity: 'transplant', validFrom: '2000-01-01', suspended: false }] })
]
const D = { C0: 0, C1: 2 * NM_PER_DEGREE, C2: 3.5 * NM_PER_DEGREE, C3: 7 * NM_PER_DEGREE, C4: 15 * NM_PER_DEGREE }

const liverDonor = donor({ id: 'LI-D1', ageYears: 45, abo: 'O', pathway: 'DBD', kdpi: undefined })

const liver = (id: string, overrides: Partial<{ -readonly [K in keyof Candidate]: Candidate[K] }>): Candidate =>
  candidate(id, { organType: 'liver', eptsPercent: undefined, abo: 'O', ...overrides })

const waitlist = [
  liver('L01', { urgency: 'status-1a', centreId: 'C3', waitingDays: 10 }),
  // Status 1A with a recorded MELD: still no points; waits longer than L01 but is not blood type identical.
  liver('L02', { urgency: 'status-1a', centreId: 'C1', abo: 'B', meld: 35, waitingDays: 30 }),
  // Status 1B, group AB: an O liver goes beyond O/B to status 1A/1B candidates.
  liver('L03', { urgency: 'status-1b', centreId: 'C2', abo: 'AB', ageYears: 9 }),
  liver('L04', { meld: 38, centreId: 'C2' }),
  // MELD 40, group A: MELD ≥ 30 may take any compatible liver.
  liver('L05', { meld: 40, centreId: 'C3', abo: 'A' }),
  liver('L06', { meld: 35, centreId: 'C0' }),
  // Equal MELD 30 within 150 NM: the blood type identical L08 before L07, although L07 waited longer.
  liver('L07', { meld: 30, centreId: 'C1', abo: 'B', waitingDays: 900 }),
  liver('L08', { meld: 30, centreId: 'C1', waitingDays: 100 }),
  // A child with PELD 20 and no MELD: ranked on the same scale.
  liver('L09', { peld: 20, ageYears: 6, centreId: 'C2' }),
  // Status 1A beyond 500 NM comes after MELD ≥ 15 within 500 NM.
  liver('L10', { urgency: 'status-1a', centreId: 'C4' }),
  liver('L11', { meld: 22, centreId: 'C4' }),
  liver('L12', { meld: 12, centreId: 'C0' }),
  liver('L13', { meld: 9, centreId: 'C4', abo: 'B' }),
  // MELD 25 is below 30: an O liver does not go to group A.
  liver('X01', { meld: 25, centreId: 'C0', abo: 'A' }),
  liver('X02', { centreId: 'C0' }),
  liver('X03', { urgency: 'HU', meld: 30, centreId: 'C0' }),
  liver('X04', { status: 'inactive', meld: 30, centreId: 'C0' }),
  liver('X05', { meld: 20, centreId: 'C5' }),
  liver('X06', { meld: 20, centreId: 'C2', acceptance: { maxDistanceNm: 100 } })
]

const snapshot = buildWaitlistSnapshot({ organType: 'liver', at: AT, candidates: waitlist, centres })
const list = runMatch({ matchRunId: 'golden-liver-1', donor: liverDonor, organ: organ(liverDonor, 'liver'), policy: POLICY, snapshot, matchTime: MATCH_TIME })

const expected: Array<{ id: string, tier: string, points: number, distanceNm: number }> = [
  { id: 'L01', tier: 'status-1a-500', points: 0, distanceNm: D.C3 },
  { id: 'L02', tier: 'status-1a-500', points: 0, distanceNm: D.C1 },
  { id: 'L03', tier: 'status-1b-500', points: 0, distanceNm: D.C2 },
  { id: 'L04', tier: 'meld-37-250', points: 38, distanceNm: D.C2 },
  { id: 'L05', tier: 'meld-37-500', points: 40, distanceNm: D.C3 },
  { id: 'L06', tier: 'meld-33-150', points: 35, distanceNm: D.C0 },
  { id: 'L08', tier: 'meld-29-150', points: 30, distanceNm: D.C1 },
  { id: 'L07', tier: 'meld-29-150', points: 30, distanceNm: D.C1 },
  { id: 'L09', tier: 'meld-15-250', points: 20, distanceNm: D.C2 },
  { id: 'L10', tier: 'status-1a-national', points: 0, distanceNm: D.C4 },
  { id: 'L11', tier: 'meld-15-national', points: 22, distanceNm: D.C4 },
  { id: 'L12', tier: 'below-15-150', points: 12, distanceNm: D.C0 },
  { id: 'L13', tier: 'below-15-national', points: 9, distanceNm: D.C4 }
]

t.test('US liver golden list: exact order, classifications and points', async (t) => {
  t.same(list.ranked.map((e) => e.candidateId), expected.map((e) => e.id))
  list.ranked.forEach((entry, index) => {
    const want = expected[index]
    if (want === undefined) return
    t.equal(entry.rank, index + 1)
    t.equal(entry.tier.name, want.tier, `${want.id} tier`)
    t.same(entry.points, { 'meld-peld': want.points }, `${want.id} points`)
    t.equal(entry.totalPoints, want.points)
    t.ok(Math.abs(entry.distanceNm - want.distanceNm) < 1e-9, `${want.id} at ${want.distanceNm.toFixed(2)} NM`)
  })
  t.ok(Math.abs(D.C1 - 120.08) < 0.01 && Math.abs(D.C2 - 210.14) < 0.01 && Math.abs(D.C3 - 420.28) < 0.01 && Math.abs(D.C4 - 900.61) < 0.01)
  const byId = new Map(list.ranked.map((e) => [e.candidateId, e]))
  const registered = Date.parse('2020-01-01T00:00:00Z') / 86_400_000
  t.same(byId.get('L01')?.tieBreak, { 'blood-type-identical': 1, registration: registered, 'waiting-time': 10 })
  t.same(byId.get('L02')?.tieBreak, { 'blood-type-identical': 0, registration: registered, 'waiting-time': 30 })
  t.same(byId.get('L08')?.tieBreak, { 'blood-type-identical': 1, registration: registered, 'waiting-time': 100 })
  t.same(byId.get('L07')?.tieBreak, { 'blood-type-identical': 0, registration: registered, 'waiting-time': 900 })
})

t.test('US liver golden list: exact exclusion reasons', async (t) => {
  t.same(list.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]), [
    ['X01', ['ABO_INCOMPATIBLE']],
    ['X02', ['POLICY_RULE']],
    ['X03', ['URGENCY_NOT_IN_POLICY']],
    ['X04', ['INACTIVE']],
    ['X05', ['CENTRE_NOT_AUTHORISED']],
    ['X06', ['CENTRE_CRITERIA_DISTANCE']]
  ])
  const reasons = new Map(list.excluded.map((e) => [e.candidateId, e.reasons]))
  t.equal(reasons.get('X01')?.[0]?.detail, 'a donor of blood group O may not go to a candidate of group A under the "heart-primary" rule')
  t.equal(reasons.get('X02')?.[0]?.detail, 'rule "meld-or-peld-recorded": candidates not in status 1A or 1B are ranked by MELD or PELD, which must be recorded')
  t.equal(reasons.get('X05')?.[0]?.detail, 'centre C5 holds no authorisation to transplant liver on 2024-09-01')
  t.equal(reasons.get('X06')?.[0]?.detail, 'the donor hospital is 210.1 NM away; the candidate accepts at most 100 NM')
  t.equal(list.ranked.length + list.excluded.length, waitlist.length, 'every candidate is accounted for')
  const { outputHash, ...content } = list
  t.equal(JSON.stringify(content), canonicalJson(content))
})

t.test('US liver: a group A liver goes to A and AB candidates only, whatever the urgency', async (t) => {
  const aDonor = donor({ ...liverDonor, id: 'LI-D2', abo: 'A' })
  const result = runMatch({ matchRunId: 'golden-liver-2', donor: aDonor, organ: organ(aDonor, 'liver'), policy: POLICY, snapshot, matchTime: MATCH_TIME })
  // L03 (AB, status 1B) and L05 (A, MELD 40) and X01 (A, MELD 25) are compatible.
  t.same(result.ranked.map((e) => [e.candidateId, e.tier.name]), [['L03', 'status-1b-500'], ['L05', 'meld-37-500'], ['X01', 'meld-15-150']])
  const codes = new Map(result.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]))
  t.same(codes.get('L01'), ['ABO_INCOMPATIBLE'], 'status 1A does not open A to O')
  t.equal(result.excluded.find((e) => e.candidateId === 'L01')?.reasons[0]?.detail, 'a donor of blood group A may not go to a candidate of group O under the "compatible" rule')
})
