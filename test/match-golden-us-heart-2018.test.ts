import t from 'tap'
import { canonicalJson } from '../engine/canonical-hash.js'
import type { Candidate } from '../engine/domain/candidate.js'
import { runMatch } from '../engine/match/match-run.js'
import { buildWaitlistSnapshot } from '../engine/match/snapshot.js'
import { builtInPolicy, builtInPolicyDocument } from '../data/policies/index.js'
import { candidate, centre, centreNorth, donor, NM_PER_DEGREE, organ } from './fixtures/match-fixtures.js'

/**
 * Golden match list for the built-in US heart policy (data/policies/us-heart-2018.json), hand-checked
 * against OPTN Table 6-7 (adult donors) as transcribed in US_CRS_match_run uscrs_allocation.md.
 *
 * Donor at 40°N 75°W (centre C0), DBD, 35 years, 80 kg, blood group O: primary match O → O, B;
 * secondary O → A, AB. Centres due north: C0 0 NM, C1 3° = 180.12 NM, C2 6° = 360.24 NM,
 * C3 12° = 720.49 NM, C4 20° = 1200.81 NM, C5 35° = 2101.42 NM, C6 45° = 2701.83 NM; C7 sits at the
 * donor hospital without a heart authorisation.
 *
 * Table 6-7 classifications used here (number: status, blood type match, band):
 *   1: 1 primary ≤ 500; 2: 1 secondary ≤ 500; 3: 2 primary ≤ 500; 5: 3 primary ≤ 250;
 *   7: 1 primary ≤ 1000; 11: 4 primary ≤ 250; 13: 3 primary ≤ 500; 19: 6 primary ≤ 250;
 *   24: 2 secondary ≤ 1500; 33: 1 (or paediatric 1A) primary ≤ 2500; 65: 5 primary, nation.
 * No points; within a classification, longer waiting time first, then earlier registration.
 */
const AT = '2024-10-01T00:00:00Z'
const MATCH_TIME = '2024-10-01T02:00:00Z'
const POLICY = builtInPolicy('us-heart-2018')

const centres = [
  centre('C0'), centreNorth('C1', 3), centreNorth('C2', 6), centreNorth('C3', 12), centreNorth('C4', 20), centreNorth('C5', 35), centreNorth('C6', 45),
  centre('C7', { authorisations: [{ organType: 'lung', activity: 'transplant', validFrom: '2000-01-01', suspended: false }] })
]
const D = { C0: 0, C1: 3 * NM_PER_DEGREE, C2: 6 * NM_PER_DEGREE, C3: 12 * NM_PER_DEGREE, C4: 20 * NM_PER_DEGREE, C5: 35 * NM_PER_DEGREE, C6: 45 * NM_PER_DEGREE }

const heartDonor = donor({ id: 'HT-D1', ageYears: 35, weightKg: 80, abo: 'O', pathway: 'DBD', kdpi: undefined })

const heart = (id: string, overrides: Partial<{ -readonly [K in keyof Candidate]: Candidate[K] }>): Candidate =>
  candidate(id, { organType: 'heart', eptsPercent: undefined, abo: 'O', waitingDays: 50, ...overrides })

const waitlist = [
  heart('H01', { urgency: 'status-1', centreId: 'C2' }),
  heart('H02', { urgency: 'status-1', centreId: 'C1', abo: 'A' }),
  heart('H03', { urgency: 'status-2', centreId: 'C0', abo: 'B' }),
  heart('H04', { urgency: 'status-3', centreId: 'C1' }),
  heart('H05', { urgency: 'status-1', centreId: 'C3' }),
  heart('H06', { urgency: 'status-4', centreId: 'C0', waitingDays: 100 }),
  heart('H07', { urgency: 'status-4', centreId: 'C0', waitingDays: 400 }),
  heart('H08', { urgency: 'status-3', centreId: 'C2' }),
  heart('H09', { urgency: 'status-6', centreId: 'C1' }),
  heart('H10', { urgency: 'paediatric-1a', centreId: 'C5', ageYears: 7 }),
  heart('H11', { urgency: 'status-2', centreId: 'C4', abo: 'AB' }),
  heart('H12', { urgency: 'status-5', centreId: 'C6' }),
  // Status 7 (temporarily inactive) is the candidate status "inactive".
  heart('X01', { urgency: 'status-1', status: 'inactive' }),
  // The pre-2018 status names are not classes of this policy.
  heart('X02', { urgency: 'status-1a' }),
  heart('X03', { urgency: 'status-2', centreId: 'C7' }),
  heart('X04', { urgency: 'status-2', unacceptableAntigens: ['A2'] }),
  heart('X05', { urgency: 'status-3', acceptance: { minDonorWeightKg: 90 } }),
  heart('X06', { urgency: 'status-3', centreId: 'C2', acceptance: { maxDistanceNm: 300 } })
]

const snapshot = buildWaitlistSnapshot({ organType: 'heart', at: AT, candidates: waitlist, centres })
const list = runMatch({ matchRunId: 'golden-heart-1', donor: heartDonor, organ: organ(heartDonor, 'heart'), policy: POLICY, snapshot, matchTime: MATCH_TIME })

const expected: Array<{ id: string, classification: number, tier: string, waitingDays: number, distanceNm: number }> = [
  { id: 'H01', classification: 1, tier: 'status-1-primary-500', waitingDays: 50, distanceNm: D.C2 },
  { id: 'H02', classification: 2, tier: 'status-1-secondary-500', waitingDays: 50, distanceNm: D.C1 },
  { id: 'H03', classification: 3, tier: 'status-2-primary-500', waitingDays: 50, distanceNm: D.C0 },
  { id: 'H04', classification: 5, tier: 'status-3-primary-250', waitingDays: 50, distanceNm: D.C1 },
  { id: 'H05', classification: 7, tier: 'status-1-primary-1000', waitingDays: 50, distanceNm: D.C3 },
  // Same classification: 400 days before 100 days.
  { id: 'H07', classification: 11, tier: 'status-4-primary-250', waitingDays: 400, distanceNm: D.C0 },
  { id: 'H06', classification: 11, tier: 'status-4-primary-250', waitingDays: 100, distanceNm: D.C0 },
  // A status 3 candidate at 360 NM comes after a status 4 candidate within 250 NM.
  { id: 'H08', classification: 13, tier: 'status-3-primary-500', waitingDays: 50, distanceNm: D.C2 },
  { id: 'H09', classification: 19, tier: 'status-6-primary-250', waitingDays: 50, distanceNm: D.C1 },
  { id: 'H11', classification: 24, tier: 'status-2-secondary-1500', waitingDays: 50, distanceNm: D.C4 },
  { id: 'H10', classification: 33, tier: 'status-1-primary-2500', waitingDays: 50, distanceNm: D.C5 },
  { id: 'H12', classification: 65, tier: 'status-5-primary-nation', waitingDays: 50, distanceNm: D.C6 }
]

t.test('US heart golden list: exact order and Table 6-7 classifications', async (t) => {
  t.same(list.ranked.map((e) => e.candidateId), expected.map((e) => e.id))
  list.ranked.forEach((entry, index) => {
    const want = expected[index]
    if (want === undefined) return
    t.equal(entry.rank, index + 1)
    t.equal(entry.tier.name, want.tier, `${want.id} tier`)
    t.equal(entry.tier.index, want.classification - 1, `${want.id} is classification ${want.classification}`)
    t.same(entry.points, {}, `${want.id}: heart classifications carry no points`)
    t.equal(entry.totalPoints, 0)
    t.equal(entry.tieBreak['waiting-time'], want.waitingDays)
    t.ok(Math.abs(entry.distanceNm - want.distanceNm) < 1e-9, `${want.id} at ${want.distanceNm.toFixed(2)} NM`)
  })
  t.ok(Math.abs(D.C1 - 180.12) < 0.01 && Math.abs(D.C4 - 1200.81) < 0.01 && Math.abs(D.C5 - 2101.42) < 0.01 && Math.abs(D.C6 - 2701.83) < 0.01)
})

t.test('US heart golden list: exact exclusion reasons', async (t) => {
  t.same(list.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]), [
    ['X01', ['INACTIVE']],
    ['X02', ['URGENCY_NOT_IN_POLICY']],
    ['X03', ['CENTRE_NOT_AUTHORISED']],
    ['X04', ['POSITIVE_VIRTUAL_CROSSMATCH']],
    ['X05', ['CENTRE_CRITERIA_DONOR_WEIGHT']],
    ['X06', ['CENTRE_CRITERIA_DISTANCE']]
  ])
  const reasons = new Map(list.excluded.map((e) => [e.candidateId, e.reasons]))
  t.match(reasons.get('X02')?.[0]?.detail, /^urgency "status-1a" is not one of the policy's classes \(status-1, status-2/)
  t.equal(reasons.get('X05')?.[0]?.detail, 'donor weight 80 kg is outside the candidate\'s accepted range (at least 90 kg)')
  t.equal(list.ranked.length + list.excluded.length, waitlist.length, 'every candidate is accounted for')
  const { outputHash, ...content } = list
  t.equal(JSON.stringify(content), canonicalJson(content))
})

t.test('US heart: a group A heart has no secondary match, and a donor under 18 is outside Table 6-7', async (t) => {
  const aDonor = donor({ ...heartDonor, id: 'HT-D2', abo: 'A' })
  const a = runMatch({ matchRunId: 'golden-heart-2', donor: aDonor, organ: organ(aDonor, 'heart'), policy: POLICY, snapshot, matchTime: MATCH_TIME })
  t.same(a.ranked.map((e) => [e.candidateId, e.tier.name]), [['H02', 'status-1-primary-500'], ['H11', 'status-2-primary-1500']])
  const aCodes = new Map(a.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]))
  t.same(aCodes.get('H01'), ['ABO_INCOMPATIBLE'])
  t.same(aCodes.get('H03'), ['ABO_INCOMPATIBLE'])

  const child = donor({ ...heartDonor, id: 'HT-D3', ageYears: 17 })
  const young = runMatch({ matchRunId: 'golden-heart-3', donor: child, organ: organ(child, 'heart'), policy: POLICY, snapshot, matchTime: MATCH_TIME })
  t.equal(young.ranked.length, 0)
  t.same(young.excluded.find((e) => e.candidateId === 'H01')?.reasons.map((r) => [r.code, r.detail]),
    [['DONOR_AGE', 'rule "donor-at-least-18": this document is Table 6-7, for donors at least 18 years old; Table 6-8 (donors under 18) is not modelled']])
})

t.test('US heart: the 68 tiers follow Table 6-7 order', async (t) => {
  const tiers = builtInPolicyDocument('us-heart-2018').tiers
  t.equal(tiers.length, 68)
  // Table 6-7 as transcribed: [status, band] per pair of classifications (primary, then secondary).
  const table: Array<[number, string]> = [
    [1, '500'], [2, '500'], [3, '250'], [1, '1000'], [2, '1000'], [4, '250'], [3, '500'], [5, '250'], [3, '1000'], [6, '250'],
    [1, '1500'], [2, '1500'], [3, '1500'], [4, '500'], [5, '500'], [6, '500'], [1, '2500'], [2, '2500'], [3, '2500'],
    [4, '1000'], [5, '1000'], [6, '1000'], [1, 'nation'], [2, 'nation'], [3, 'nation'], [4, '1500'], [5, '1500'], [6, '1500'],
    [4, '2500'], [5, '2500'], [6, '2500'], [4, 'nation'], [5, 'nation'], [6, 'nation']
  ]
  t.same(tiers.map((tier) => tier.name), table.flatMap(([status, band]) => [`status-${status}-primary-${band}`, `status-${status}-secondary-${band}`]))
  tiers.forEach((tier, index) => {
    const [status, band] = table[Math.floor(index / 2)] as [number, string]
    const match = index % 2 === 0 ? 'primary' : 'secondary'
    t.ok(tier.when.includes(`candidate.urgency == 'status-${status}'`) && tier.when.includes(`aboCompatible('heart-${match}')`), `${tier.name} condition names its status and match`)
    t.equal(tier.when.includes('pair.distanceNm'), band !== 'nation', `${tier.name} distance`)
    if (band !== 'nation') t.ok(tier.when.endsWith(`pair.distanceNm <= ${band}`), `${tier.name} band`)
  })
})
