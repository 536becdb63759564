import t from 'tap'
import { canonicalJson } from '../engine/canonical-hash.js'
import { runMatch } from '../engine/match/match-run.js'
import { buildWaitlistSnapshot } from '../engine/match/snapshot.js'
import { builtInPolicy } from '../data/policies/index.js'
import { candidate, centre, centreNorth, donor, NM_PER_DEGREE, organ } from './fixtures/match-fixtures.js'

/**
 * Golden match lists for the built-in US KAS policy (data/policies/us-kas-kidney.json), hand-checked.
 *
 * Donor at 40°N 75°W (centre C0), DBD, 30 years, KDPI 15% (sequence A), blood group A2,
 * HLA A1 A2 / B7 B8 / DR4 DR15, mismatches counted at split level.
 * Centres due north: C0 0 NM, C1 2° = 120.08 NM, C2 6° = 360.24 NM, C3 15° = 900.61 NM.
 *
 * Points: waiting days / 365; cPRA steps (98 → 24.40, 99 → 50.09, 100 → 202.10); DR mismatches
 * 0 → 2, 1 → 1; prior living donor 4; registered before 11 → 4, 11–17 → 3; proximity inside the
 * circle 2 × (1 − d/250), outside it 4 × (1 − (d − 250)/2250).
 * The fixture candidate: waiting 1000 days, cPRA 0, EPTS 50, 45 years, registered 2020-01-01,
 * group A, HLA A1 A3 / B7 B8 / DR4 DR7 (1 DR mismatch: DR15).
 */
const AT = '2024-05-01T00:00:00Z'
const MATCH_TIME = '2024-05-01T09:30:00Z'
const centres = [centre('C0'), centreNorth('C1', 2), centreNorth('C2', 6), centreNorth('C3', 15)]
const D = { C0: 0, C1: 2 * NM_PER_DEGREE, C2: 6 * NM_PER_DEGREE, C3: 15 * NM_PER_DEGREE }

const usDonor = donor({ id: 'US-D1', ageYears: 30, kdpi: 15, abo: 'A2', pathway: 'DBD', hla: { A: ['A1', 'A2'], B: ['B7', 'B8'], DR: ['DR4', 'DR15'] } })

const waitlist = [
  candidate('K01', { centreId: 'C3', cpraPercent: 100 }),
  candidate('K02', { centreId: 'C1', cpraPercent: 99 }),
  candidate('K03', { centreId: 'C2', cpraPercent: 99 }),
  candidate('K04', { centreId: 'C2', hla: { A: ['A1', 'A2'], B: ['B7', 'B8'], DR: ['DR4', 'DR15'] } }),
  candidate('K05', { centreId: 'C0', abo: 'B', eligibleForA2Kidney: true, eptsPercent: 10 }),
  candidate('K06', { centreId: 'C1', priorLivingDonor: true }),
  candidate('K07', { centreId: 'C1', ageYears: 10, registeredAt: '2022-05-01', eptsPercent: undefined }),
  candidate('K08', { centreId: 'C0', urgency: 'medically-urgent' }),
  candidate('K09', { centreId: 'C1' }),
  candidate('K10', { centreId: 'C3' }),
  candidate('K11', { centreId: 'C0', cpraPercent: 98 }),
  candidate('K12', { centreId: 'C1', registeredAt: '2019-06-01' }),
  candidate('X01', { abo: 'B', eligibleForA2Kidney: false }),
  candidate('X02', { unacceptableAntigens: ['DR2'] }),
  candidate('X03', { acceptance: { maxKdpi: 10, acceptsDcd: false } }),
  candidate('X04', { status: 'transplanted' }),
  candidate('X05', { centreId: 'C2', acceptance: { maxDistanceNm: 100 } })
]

const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: waitlist, centres })
const list = runMatch({ matchRunId: 'golden-kas-1', donor: usDonor, organ: organ(usDonor), policy: builtInPolicy('us-kas-kidney'), snapshot, matchTime: MATCH_TIME })

const inside = (d: number): number => d <= 250 ? 2 * (1 - d / 250) : 0
const outside = (d: number): number => d > 250 ? 4 * Math.max(0, 1 - (d - 250) / 2250) : 0

/** Expected components in policy order. */
function points (o: { waitingDays?: number, cpra?: number, dr?: number, pld?: boolean, paediatric?: number, d: number }): Record<string, number> {
  return {
    'waiting-time': (o.waitingDays ?? 1000) / 365,
    cpra: o.cpra ?? 0,
    'dr-mismatch': o.dr ?? 1,
    'prior-living-donor': o.pld === true ? 4 : 0,
    paediatric: o.paediatric ?? 0,
    'proximity-inside-circle': inside(o.d),
    'proximity-outside-circle': outside(o.d)
  }
}

const expected: Array<{ id: string, tier: string, points: Record<string, number>, total: number }> = [
  // cPRA 100: national priority, even at 900 NM. 2.74 + 202.10 + 1 + 4 × (1 − 650.61/2250) = 208.68
  { id: 'K01', tier: 'cpra-100', points: points({ cpra: 202.1, d: D.C3 }), total: 208.68 },
  // cPRA 99 inside the circle: 2.74 + 50.09 + 1 + 2 × (1 − 120.08/250) = 54.87
  { id: 'K02', tier: 'cpra-99-circle', points: points({ cpra: 50.09, d: D.C1 }), total: 54.87 },
  // cPRA 98 at the donor hospital: 2.74 + 24.40 + 1 + 2 = 30.14
  { id: 'K11', tier: 'cpra-98-circle', points: points({ cpra: 24.4, d: D.C0 }), total: 30.14 },
  // 0-ABDR mismatch, national: 2.74 + 0 + 2 + 4 × (1 − 110.24/2250) = 8.54
  { id: 'K04', tier: 'zero-abdr-mismatch', points: points({ dr: 2, d: D.C2 }), total: 8.54 },
  // Medically urgent at C0: 2.74 + 1 + 2 = 5.74
  { id: 'K08', tier: 'medically-urgent-circle', points: points({ d: D.C0 }), total: 5.74 },
  // Prior living donor at C1: 2.74 + 1 + 4 + 1.04 = 8.78
  { id: 'K06', tier: 'prior-living-donor-circle', points: points({ pld: true, d: D.C1 }), total: 8.78 },
  // Registered at 8 (no EPTS, not excluded: the tier guards its EPTS read): 2.74 + 1 + 4 + 1.04 = 8.78
  { id: 'K07', tier: 'paediatric-circle', points: points({ paediatric: 4, d: D.C1 }), total: 8.78 },
  // Group B, cleared for A2: takes the A2 kidney; EPTS 10% with KDPI 15%: longevity tier. 2.74 + 1 + 2 = 5.74
  { id: 'K05', tier: 'top-epts-circle', points: points({ d: D.C0 }), total: 5.74 },
  // Equal points inside the circle (2.74 + 1 + 1.04 = 4.78): K12 registered earlier than K09
  { id: 'K12', tier: 'circle', points: points({ d: D.C1 }), total: 4.78 },
  { id: 'K09', tier: 'circle', points: points({ d: D.C1 }), total: 4.78 },
  // National: cPRA 99 at 360 NM (not in a 99% circle) 2.74 + 50.09 + 1 + 3.80 = 57.63 before 6.58
  { id: 'K03', tier: 'national', points: points({ cpra: 50.09, d: D.C2 }), total: 57.63 },
  { id: 'K10', tier: 'national', points: points({ d: D.C3 }), total: 6.58 }
]

t.test('US KAS golden list: exact order, tiers and points', async (t) => {
  t.same(list.ranked.map((e) => e.candidateId), expected.map((e) => e.id))
  list.ranked.forEach((entry, index) => {
    const want = expected[index]
    if (want === undefined) return
    t.equal(entry.tier.name, want.tier, `${want.id} tier`)
    // Table values are exact; distance-based values are compared to 1e-9 (haversine and the
    // piecewise interpolation round in their last bits differently from R·Δφ and 2·(1 − d/250)).
    t.same(Object.keys(entry.points).sort(), Object.keys(want.points).sort())
    for (const [name, value] of Object.entries(want.points)) {
      t.ok(Math.abs((entry.points[name] as number) - value) < 1e-9, `${want.id} ${name}: ${entry.points[name]} ≈ ${value}`)
    }
    // Summed in the policy's component order, as the engine does.
    t.equal(entry.totalPoints, Object.keys(want.points).reduce((sum, name) => sum + (entry.points[name] as number), 0), `${want.id} total is the sum of its components`)
    t.equal(Math.round(entry.totalPoints * 100) / 100, want.total, `${want.id} total ${want.total}`)
  })
  const byId = new Map(list.ranked.map((e) => [e.candidateId, e]))
  t.ok(Math.abs((byId.get('K02')?.distanceNm ?? 0) - D.C1) < 1e-9)
  t.ok(Math.abs(D.C1 - 120.08) < 0.01 && Math.abs(D.C2 - 360.24) < 0.01 && Math.abs(D.C3 - 900.61) < 0.01)
  t.same(byId.get('K12')?.tieBreak, { registration: Date.parse('2019-06-01T00:00:00Z') / 86_400_000, 'waiting-time': 1000 })
})

t.test('US KAS golden list: exact exclusion reasons', async (t) => {
  t.same(list.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]), [
    ['X01', ['ABO_INCOMPATIBLE']],
    ['X02', ['POSITIVE_VIRTUAL_CROSSMATCH']],
    ['X03', ['CENTRE_CRITERIA_KDPI']],
    ['X04', ['INACTIVE']],
    ['X05', ['CENTRE_CRITERIA_DISTANCE']]
  ])
  const reasons = new Map(list.excluded.map((e) => [e.candidateId, e.reasons]))
  t.equal(reasons.get('X01')?.[0]?.detail, 'a donor of blood group A2 may not go to a candidate of group B under the "us-kidney" rule')
  t.same(reasons.get('X02')?.[0]?.antigens, ['DR15'], 'DR2 (broad) hits the donor\'s DR15')
  t.equal(reasons.get('X03')?.[0]?.detail, 'donor KDPI 15% is above the candidate\'s maximum of 10%')
  t.equal(reasons.get('X05')?.[0]?.detail, 'the donor hospital is 360.2 NM away; the candidate accepts at most 100 NM')
  t.equal(list.ranked.length + list.excluded.length, waitlist.length)
  const { outputHash, ...content } = list
  t.equal(JSON.stringify(content), canonicalJson(content))
  t.match(outputHash, /^[0-9a-f]{64}$/)
})

t.test('US KAS: an O kidney goes beyond group O only to 0-ABDR mismatched or cPRA ≥ 99% candidates', async (t) => {
  const oDonor = donor({ id: 'US-D2', abo: 'O', kdpi: 50, hla: { A: ['A1', 'A2'], B: ['B7', 'B8'], DR: ['DR4', 'DR15'] } })
  const zeroMismatch = { A: ['A1', 'A2'], B: ['B7', 'B8'], DR: ['DR4', 'DR15'] }
  const small = buildWaitlistSnapshot({
    organType: 'kidney',
    at: AT,
    centres,
    candidates: [
      candidate('Z1', { abo: 'A', hla: zeroMismatch }),
      candidate('Z2', { abo: 'AB', cpraPercent: 99 }),
      candidate('Z3', { abo: 'A' }),
      candidate('Z4', { abo: 'O' }),
      candidate('Z5', { abo: 'B', cpraPercent: 98 })
    ]
  })
  const result = runMatch({ matchRunId: 'golden-kas-2', donor: oDonor, organ: organ(oDonor), policy: builtInPolicy('us-kas-kidney'), snapshot: small, matchTime: MATCH_TIME })
  // Z2 (cPRA 99 at C0) tier cpra-99-circle; Z1 (0-ABDR) tier zero-abdr-mismatch; Z4 tier circle (KDPI 50: no EPTS tier).
  t.same(result.ranked.map((e) => [e.candidateId, e.tier.name]), [['Z2', 'cpra-99-circle'], ['Z1', 'zero-abdr-mismatch'], ['Z4', 'circle']])
  t.same(result.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]), [['Z3', ['ABO_INCOMPATIBLE']], ['Z5', ['ABO_INCOMPATIBLE']]])
})

t.test('US KAS: a donor without KDPI cannot be matched under this policy', async (t) => {
  const noKdpi = donor({ kdpi: undefined })
  t.throws(() => runMatch({ matchRunId: 'r', donor: noKdpi, organ: organ(noKdpi), policy: builtInPolicy('us-kas-kidney'), snapshot, matchTime: MATCH_TIME }),
    { code: 'ENGINE_MATCH_RUN_FAILED', field: 'donor.kdpi' })
})
