import t from 'tap'
import { canonicalJson } from '../engine/canonical-hash.js'
import { greatCircleDistanceNm } from '../engine/match/distance.js'
import { runMatch } from '../engine/match/match-run.js'
import { buildWaitlistSnapshot } from '../engine/match/snapshot.js'
import { builtInPolicy } from '../data/policies/index.js'
import { candidate, centre, donor, organ } from './fixtures/match-fixtures.js'

/**
 * Golden match list for the built-in ETKAS policy (data/policies/etkas-kidney.json), hand-checked.
 *
 * Donor: Hamburg (region DE-N, Germany), DBD, 50 years, 80 kg, blood group A,
 * HLA A1 A24 / B8 B44 / DR17 DR15. ETKAS counts A and B at broad level (A24 → A9, B44 → B12) and
 * DR at split level, so the donor's antigens compare as A1 A9 / B8 B12 / DR17 DR15.
 *
 * Points (policy components, in order): HLA by total mismatches 400 / 333.33 / 266.67 / 200 /
 * 133.33 / 66.67 / 0; MMP 1 per %; 33.33 per year of dialysis (days / 365); distance 300 same region,
 * 100 same country, 0 abroad; paediatric (registered before 16) +100 and the HLA points again; HU +500.
 */
const AT = '2024-05-01T00:00:00Z'
const MATCH_TIME = '2024-05-01T08:00:00Z'

const centres = [
  centre('DE-HAM', { country: 'DE', region: 'DE-N', latitudeDeg: 53.55, longitudeDeg: 10.0 }),
  centre('DE-MUC', { country: 'DE', region: 'DE-S', latitudeDeg: 48.14, longitudeDeg: 11.58 }),
  centre('NL-LEI', { country: 'NL', region: 'NL', latitudeDeg: 52.16, longitudeDeg: 4.49 }),
  centre('BE-BRU', { country: 'BE', region: 'BE', latitudeDeg: 50.85, longitudeDeg: 4.35, authorisations: [{ organType: 'kidney', activity: 'transplant', validFrom: '2000-01-01', suspended: true }] })
]

const etDonor = donor({
  id: 'ET-D1', ageYears: 50, weightKg: 80, heightCm: 178, abo: 'A', pathway: 'DBD', kdpi: undefined,
  hla: { A: ['A1', 'A24'], B: ['B8', 'B44'], DR: ['DR17', 'DR15'] },
  hospitalCentreId: 'DE-HAM', country: 'DE', region: 'DE-N', latitudeDeg: 53.55, longitudeDeg: 10.0
})

const waitlist = [
  // 000-mismatched: A1 A9 matches A1 A24 at broad level, B8 B12 matches B8 B44, DR17 DR15 equal.
  candidate('E01', { centreId: 'DE-MUC', hla: { A: ['A1', 'A9'], B: ['B8', 'B12'], DR: ['DR17', 'DR15'] }, mmpPercent: 20, dialysisDays: 730 }),
  // A2 A3: 2 mm (A1, A9); B7 B8: 1 mm (B12); DR4 DR17: 1 mm (DR15). Total 4.
  candidate('E02', { centreId: 'DE-HAM', hla: { A: ['A2', 'A3'], B: ['B7', 'B8'], DR: ['DR4', 'DR17'] }, mmpPercent: 50, dialysisDays: 1825, registeredAt: '2019-03-01' }),
  // Paediatric (12 now, registered at 10), group AB: ETKAS allows ABO-compatible for children.
  // A1 A3: 1 mm (A9); B8 B35: 1 mm (B12); DR15 DR4: 1 mm (DR17). Total 3.
  candidate('E03', { centreId: 'NL-LEI', ageYears: 12, registeredAt: '2022-05-01', abo: 'AB', hla: { A: ['A1', 'A3'], B: ['B8', 'B35'], DR: ['DR15', 'DR4'] }, mmpPercent: 10, dialysisDays: 365 }),
  // High urgency, group AB (compatible allowed for HU); typing as E02 (4 mm); not on dialysis.
  candidate('E04', { centreId: 'DE-HAM', urgency: 'HU', abo: 'AB', hla: { A: ['A2', 'A3'], B: ['B7', 'B8'], DR: ['DR4', 'DR17'] }, mmpPercent: 0, dialysisDays: 0 }),
  // The reference notes' example ET5: 0/1/1 mismatches, MMP 20, 2 years of dialysis, paediatric, abroad: 720.0.
  candidate('E05', { centreId: 'NL-LEI', ageYears: 8, registeredAt: '2023-05-01', hla: { A: ['A1', 'A24'], B: ['B8', 'B7'], DR: ['DR17', 'DR4'] }, mmpPercent: 20, dialysisDays: 730 }),
  // Equal to E02 in every point and in dialysis time, registered earlier: ranks just before E02.
  candidate('E06', { centreId: 'DE-HAM', hla: { A: ['A2', 'A3'], B: ['B7', 'B8'], DR: ['DR4', 'DR17'] }, mmpPercent: 50, dialysisDays: 1825, registeredAt: '2018-11-15' }),
  candidate('X01', { centreId: 'DE-HAM', abo: 'B' }),
  candidate('X02', { centreId: 'DE-HAM', status: 'inactive', unacceptableAntigens: ['A9'] }),
  candidate('X03', { centreId: 'BE-BRU', acceptance: { maxDonorAgeYears: 45 } }),
  candidate('X04', { centreId: 'DE-HAM', urgency: 'T' }),
  candidate('X05', { centreId: 'DE-HAM', acceptance: { minDonorWeightKg: 90 } }),
  candidate('X06', { centreId: 'DE-HAM', hla: { A: ['A1', 'A2'], B: ['B8', 'B7'], DR: [] } })
]

const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: waitlist, centres })
const list = runMatch({ matchRunId: 'golden-etkas-1', donor: etDonor, organ: organ(etDonor), policy: builtInPolicy('etkas-kidney'), snapshot, matchTime: MATCH_TIME })

const waiting = (days: number): number => 33.33 * (days / 365)
const round2 = (x: number): number => Math.round(x * 100) / 100

/** Expected components in policy order: hla, mismatch-probability, waiting-time, distance, paediatric-bonus, paediatric-hla, high-urgency. */
function points (hla: number, mmp: number, dialysisDays: number, distance: number, paediatric: boolean, hu: boolean): Record<string, number> {
  return {
    hla,
    'mismatch-probability': mmp,
    'waiting-time': waiting(dialysisDays),
    distance,
    'paediatric-bonus': paediatric ? 100 : 0,
    'paediatric-hla': paediatric ? hla : 0,
    'high-urgency': hu ? 500 : 0
  }
}

const expected: Array<{ id: string, tier: string, points: Record<string, number>, total: number }> = [
  // 400 + 20 + 66.66 + 100 = 586.66
  { id: 'E01', tier: 'zero-mismatch', points: points(400, 20, 730, 100, false, false), total: 586.66 },
  // 133.33 + 0 + 0 + 300 + 500 = 933.33
  { id: 'E04', tier: 'standard', points: points(133.33, 0, 0, 300, false, true), total: 933.33 },
  // 266.67 + 20 + 66.66 + 0 + 100 + 266.67 = 720.00 (ET5)
  { id: 'E05', tier: 'standard', points: points(266.67, 20, 730, 0, true, false), total: 720 },
  // 133.33 + 50 + 166.65 + 300 = 649.98; E06 and E02 tie on points and dialysis, E06 registered first
  { id: 'E06', tier: 'standard', points: points(133.33, 50, 1825, 300, false, false), total: 649.98 },
  { id: 'E02', tier: 'standard', points: points(133.33, 50, 1825, 300, false, false), total: 649.98 },
  // 200 + 10 + 33.33 + 0 + 100 + 200 = 543.33
  { id: 'E03', tier: 'standard', points: points(200, 10, 365, 0, true, false), total: 543.33 }
]

t.test('ETKAS golden list: exact order, tiers and points', async (t) => {
  t.same(list.ranked.map((e) => e.candidateId), expected.map((e) => e.id))
  list.ranked.forEach((entry, index) => {
    const want = expected[index]
    if (want === undefined) return
    t.equal(entry.rank, index + 1)
    t.equal(entry.tier.name, want.tier, `${want.id} tier`)
    t.same(entry.points, want.points, `${want.id} points per component`)
    const sum = Object.values(want.points).reduce((a, b) => a + b, 0)
    t.equal(entry.totalPoints, sum, `${want.id} total is the sum of its components`)
    t.equal(round2(entry.totalPoints), want.total, `${want.id} total ${want.total}`)
  })
  t.equal(round2(waiting(1825)), 166.65)
  t.equal(round2(waiting(730)), 66.66)
})

t.test('ETKAS golden list: distances, tie-breaks and the lottery', async (t) => {
  const byId = new Map(list.ranked.map((e) => [e.candidateId, e]))
  t.equal(byId.get('E02')?.distanceNm, 0, 'the donor hospital\'s own centre')
  t.equal(byId.get('E01')?.distanceNm, greatCircleDistanceNm(53.55, 10.0, 48.14, 11.58))
  t.ok(Math.abs((byId.get('E01')?.distanceNm ?? 0) - 330) < 10, 'Hamburg to Munich is about 330 NM')
  t.same(byId.get('E06')?.tieBreak, { 'dialysis-time': 1825, registration: Date.parse('2018-11-15T00:00:00Z') / 86_400_000 })
  t.same(byId.get('E02')?.tieBreak, { 'dialysis-time': 1825, registration: Date.parse('2019-03-01T00:00:00Z') / 86_400_000 })
  t.notOk(list.ranked.some((e) => 'lottery' in e.tieBreak), 'registration order settled every tie')
})

t.test('ETKAS golden list: exact exclusion reasons', async (t) => {
  t.same(list.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]), [
    ['X01', ['ABO_INCOMPATIBLE']],
    ['X02', ['INACTIVE', 'POSITIVE_VIRTUAL_CROSSMATCH']],
    ['X03', ['CENTRE_NOT_AUTHORISED', 'CENTRE_CRITERIA_DONOR_AGE']],
    ['X04', ['URGENCY_NOT_IN_POLICY']],
    ['X05', ['CENTRE_CRITERIA_DONOR_WEIGHT']],
    ['X06', ['MISSING_DATA']]
  ])
  const reasons = new Map(list.excluded.map((e) => [e.candidateId, e.reasons]))
  t.equal(reasons.get('X01')?.[0]?.detail, 'a donor of blood group A may not go to a candidate of group B under the "identical" rule')
  t.same(reasons.get('X02')?.[1], { antigens: ['A24'], code: 'POSITIVE_VIRTUAL_CROSSMATCH', detail: 'the donor carries unacceptable antigen A24' }, 'the broad A9 hits the donor\'s A24')
  t.equal(reasons.get('X03')?.[0]?.detail, 'centre BE-BRU holds no authorisation to transplant kidney on 2024-05-01')
  t.equal(reasons.get('X03')?.[1]?.detail, 'donor age 50 years is above the candidate\'s maximum of 45 years')
  t.equal(reasons.get('X06')?.[0]?.detail, 'not recorded for this candidate: pair.mismatchTotal')
  t.equal(list.ranked.length + list.excluded.length, waitlist.length, 'every candidate is accounted for')
})

t.test('ETKAS golden list: identity and replay', async (t) => {
  t.equal(list.policy.id, 'etkas-kidney')
  t.equal(list.policy.hash, builtInPolicy('etkas-kidney').hash)
  t.equal(list.snapshotHash, snapshot.hash)
  const { outputHash, ...content } = list
  t.equal(JSON.stringify(content), canonicalJson(content))
  const replay = runMatch({ matchRunId: 'golden-etkas-1', donor: etDonor, organ: organ(etDonor), policy: builtInPolicy('etkas-kidney'), snapshot: buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: [...waitlist].reverse(), centres: [...centres].reverse() }), matchTime: MATCH_TIME })
  t.equal(replay.outputHash, outputHash, 'same inputs in another order: same hash')
})
