import t from 'tap'
import { canonicalJson } from '../engine/canonical-hash.js'
import type { Candidate } from '../engine/domain/candidate.js'
import { runMatch } from '../engine/match/match-run.js'
import { buildWaitlistSnapshot } from '../engine/match/snapshot.js'
import { builtInPolicy } from '../data/policies/index.js'
import { candidate, centre, centreNorth, donor, NM_PER_DEGREE, organ } from './fixtures/match-fixtures.js'

/**
 * Golden match list for the built-in US lung CAS policy (data/policies/us-lung-cas-2023.json),
 * hand-checked.
 *
 * Donor at 40°N 75°W (centre C0), DBD, 40 years, blood group O (compatible with every group).
 * Centres due north: C0 0 NM, C1 1° = 60.04 NM, C2 5° = 300.20 NM, C3 20° = 1200.81 NM; C4 sits at
 * the donor hospital without a lung authorisation.
 *
 * CAS = 25 × (25^(1 − E_WL/365) − 1)/24            waiting-list survival
 *     + 25 × E_PT/1826                              post-transplant survival
 *     + 5 × {O 1, B 0.44764, A 0.06064, AB 0}       blood type (O 5, B 2.2382, A 0.3032, AB 0 points)
 *     + 5 × (100^(cPRA/100) − 1)/99                 cPRA
 *     + 5 × (100^u − 1)/99, u = (180 − height)/40 in [0, 1]   height (approximated)
 *     + 20 × (under 18) + 5 × (prior living donor)
 *     + 5 × max(0, 1 − cost(d)/118981.1)            travel efficiency, cost(d) = 6.3d + 247.63(d − 43.44)⁺ − 104.44(d − 67.17)⁺ − 128.34(d − 86.9)⁺
 *     + 5 × proximity(d)                            1 to 45 NM, 1 − 0.15(d − 45)/45 to 90 NM, then 0.875/(1 + e^(0.0025(d − 1500)))
 */
const AT = '2024-11-01T00:00:00Z'
const MATCH_TIME = '2024-11-01T04:00:00Z'
const POLICY = builtInPolicy('us-lung-cas-2023')

const centres = [
  centre('C0'), centreNorth('C1', 1), centreNorth('C2', 5), centreNorth('C3', 20),
  centre('C4', { authorisations: [{ organType: 'heart', activity: 'transplant', validFrom: '2000-01-01', suspended: false }] })
]
const D = { C0: 0, C1: 1 * NM_PER_DEGREE, C2: 5 * NM_PER_DEGREE, C3: 20 * NM_PER_DEGREE }

const lungDonor = donor({ id: 'LU-D1', ageYears: 40, abo: 'O', pathway: 'DBD', kdpi: undefined })

const lung = (id: string, overrides: Partial<{ -readonly [K in keyof Candidate]: Candidate[K] }>): Candidate =>
  candidate(id, { organType: 'lung', eptsPercent: undefined, abo: 'O', heightCm: 170, waitlistSurvivalDays: 182.5, postTransplantSurvivalDays: 1369.5, ...overrides })

const waitlist = [
  // E_WL 182.5: 25 × (25^0.5 − 1)/24 = 4.1667; E_PT 1369.5: 18.75; O 5; 170 cm: u = 0.25, 5 × (100^0.25 − 1)/99 = 0.1092; at the donor hospital 5 + 5.
  lung('G01', { centreId: 'C0', waitingDays: 1000 }),
  // E_WL 0: 25; E_PT 913: 12.5; A 0.3032; cPRA 50: 5 × 9/99 = 0.4545; 180 cm: 0; at 300.20 NM:
  // cost = 21.15 × 300.20 + 7410.93 = 13760.21 → 5 × 0.88435 = 4.4217; proximity 0.875/(1 + e^−3.0) = 0.83348 → 4.1674.
  lung('G02', { centreId: 'C2', abo: 'A', cpraPercent: 50, heightCm: 180, waitlistSurvivalDays: 0, postTransplantSurvivalDays: 913 }),
  // 15 years: 20; E_WL 300: u = 0.17808, 25 × (25^u − 1)/24 = 0.8062; E_PT 1826: 25; B 2.2382; 150 cm: u = 0.75, 1.5466;
  // at 60.04 NM: cost = 6.3 × 60.04 + 247.63 × 16.60 = 4489.03 → 4.8114; proximity 1 − 0.15 × 15.04/45 = 0.94987 → 4.7493.
  lung('G03', { centreId: 'C1', abo: 'B', ageYears: 15, heightCm: 150, waitlistSurvivalDays: 300, postTransplantSurvivalDays: 1826 }),
  // Prior living donor 5; cPRA 100: 5; AB 0; E_WL 365 and E_PT 0: nothing; 200 cm: nothing; at 1200.81 NM:
  // cost = 21.15 × 1200.81 + 7410.93 = 32808.05 → 3.6213; proximity 0.875/(1 + e^−0.748) = 0.59389 → 2.9695.
  lung('G04', { centreId: 'C3', abo: 'AB', priorLivingDonor: true, cpraPercent: 100, heightCm: 200, waitlistSurvivalDays: 365, postTransplantSurvivalDays: 0 }),
  // Equal to G01 in every point; waited longer.
  lung('G05', { centreId: 'C0', waitingDays: 2000 }),
  lung('X01', { waitlistSurvivalDays: undefined }),
  lung('X02', { urgency: 'priority-1', ageYears: 8 }),
  lung('X03', { status: 'inactive' }),
  lung('X04', { unacceptableAntigens: ['B44'] }),
  lung('X05', { acceptance: { maxDonorAgeYears: 30 } }),
  lung('X06', { centreId: 'C4' })
]

const snapshot = buildWaitlistSnapshot({ organType: 'lung', at: AT, candidates: waitlist, centres })
const list = runMatch({ matchRunId: 'golden-lung-1', donor: lungDonor, organ: organ(lungDonor, 'lung'), policy: POLICY, snapshot, matchTime: MATCH_TIME })

const urgency = (e: number): number => (Math.pow(25, 1 - e / 365) - 1) / 24
const exp100 = (u: number): number => (Math.pow(100, u) - 1) / 99
const height = (cm: number): number => exp100(Math.min(1, Math.max(0, (180 - cm) / 40)))
const cost = (d: number): number => 6.3 * d + (d > 43.44 ? 247.63 * (d - 43.44) : 0) - (d > 67.17 ? 104.44 * (d - 67.17) : 0) - (d > 86.9 ? 128.34 * (d - 86.9) : 0)
const proximity = (d: number): number => d <= 45 ? 1 : d < 90 ? 1 - 0.15 * (d - 45) / 45 : 0.875 / (1 + Math.exp(0.0025 * (d - 1500)))
const round2 = (x: number): number => Math.round(x * 100) / 100

/** Components in policy order, as weight × rating. */
function points (o: { wl: number, pt: number, abo: number, cpra: number, heightCm: number, paediatric?: boolean, pld?: boolean, d: number }): Record<string, number> {
  return {
    'waiting-list-survival': 25 * urgency(o.wl),
    'post-transplant-survival': 25 * o.pt / 1826,
    'blood-type': 5 * o.abo,
    cpra: 5 * exp100(o.cpra / 100),
    height: 5 * height(o.heightCm),
    paediatric: o.paediatric === true ? 20 : 0,
    'prior-living-donor': o.pld === true ? 5 : 0,
    'travel-efficiency': 5 * Math.max(0, 1 - cost(o.d) / 118981.1),
    'proximity-efficiency': 5 * proximity(o.d)
  }
}

const G01 = points({ wl: 182.5, pt: 1369.5, abo: 1, cpra: 0, heightCm: 170, d: D.C0 })
const expected: Array<{ id: string, points: Record<string, number>, total: number }> = [
  // 0.81 + 25 + 2.24 + 0 + 1.55 + 20 + 0 + 4.81 + 4.75 = 59.15
  { id: 'G03', points: points({ wl: 300, pt: 1826, abo: 0.44764, cpra: 0, heightCm: 150, paediatric: true, d: D.C1 }), total: 59.15 },
  // 25 + 12.5 + 0.30 + 0.45 + 0 + 0 + 0 + 4.42 + 4.17 = 46.85
  { id: 'G02', points: points({ wl: 0, pt: 913, abo: 0.06064, cpra: 50, heightCm: 180, d: D.C2 }), total: 46.85 },
  // 4.17 + 18.75 + 5 + 0 + 0.11 + 0 + 0 + 5 + 5 = 38.03; G05 waited 2000 days, G01 1000
  { id: 'G05', points: G01, total: 38.03 },
  { id: 'G01', points: G01, total: 38.03 },
  // 0 + 0 + 0 + 5 + 0 + 0 + 5 + 3.62 + 2.97 = 16.59
  { id: 'G04', points: points({ wl: 365, pt: 0, abo: 0, cpra: 100, heightCm: 200, pld: true, d: D.C3 }), total: 16.59 }
]

t.test('US lung CAS golden list: exact order and points per component', async (t) => {
  t.same(list.ranked.map((e) => e.candidateId), expected.map((e) => e.id))
  list.ranked.forEach((entry, index) => {
    const want = expected[index]
    if (want === undefined) return
    t.equal(entry.rank, index + 1)
    t.equal(entry.tier.name, 'all')
    t.same(Object.keys(entry.points).sort(), Object.keys(want.points).sort())
    for (const [name, value] of Object.entries(want.points)) {
      t.ok(Math.abs((entry.points[name] as number) - value) < 1e-9, `${want.id} ${name}: ${entry.points[name]} ≈ ${value}`)
    }
    t.equal(entry.totalPoints, Object.keys(want.points).reduce((sum, name) => sum + (entry.points[name] as number), 0), `${want.id} total is the sum of its components`)
    t.equal(round2(entry.totalPoints), want.total, `${want.id} CAS ${want.total}`)
  })
  const byId = new Map(list.ranked.map((e) => [e.candidateId, e]))
  // The published blood type points, the weights, and the hand-computed efficiency values.
  t.equal(round2(byId.get('G03')?.points['blood-type'] ?? 0), 2.24)
  t.ok(Math.abs((byId.get('G02')?.points['blood-type'] ?? 0) - 0.3032) < 1e-12)
  t.equal(byId.get('G01')?.points['blood-type'], 5)
  t.equal(byId.get('G04')?.points['blood-type'], 0)
  t.equal(byId.get('G02')?.points['waiting-list-survival'], 25, 'E_WL 0 takes the whole 25%')
  t.equal(byId.get('G04')?.points.cpra, 5, 'cPRA 100% takes the whole 5%')
  t.equal(round2(byId.get('G02')?.points['travel-efficiency'] ?? 0), 4.42)
  t.equal(round2(byId.get('G02')?.points['proximity-efficiency'] ?? 0), 4.17)
  t.equal(round2(byId.get('G03')?.points['proximity-efficiency'] ?? 0), 4.75)
  t.equal(round2(byId.get('G04')?.points['travel-efficiency'] ?? 0), 3.62)
  t.ok(Math.abs(D.C1 - 60.04) < 0.01 && Math.abs(D.C2 - 300.2) < 0.01 && Math.abs(D.C3 - 1200.81) < 0.01)
  t.equal(byId.get('G05')?.tieBreak['waiting-time'], 2000)
  t.equal(byId.get('G01')?.tieBreak['waiting-time'], 1000)
})

t.test('US lung CAS golden list: exact exclusion reasons', async (t) => {
  t.same(list.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]), [
    ['X01', ['MISSING_DATA']],
    ['X02', ['URGENCY_NOT_IN_POLICY']],
    ['X03', ['INACTIVE']],
    ['X04', ['POSITIVE_VIRTUAL_CROSSMATCH']],
    ['X05', ['CENTRE_CRITERIA_DONOR_AGE']],
    ['X06', ['CENTRE_NOT_AUTHORISED']]
  ])
  const reasons = new Map(list.excluded.map((e) => [e.candidateId, e.reasons]))
  t.equal(reasons.get('X01')?.[0]?.detail, 'not recorded for this candidate: candidate.waitlistSurvivalDays')
  t.same(reasons.get('X04')?.[0]?.antigens, ['B44'])
  t.equal(list.ranked.length + list.excluded.length, waitlist.length, 'every candidate is accounted for')
  const { outputHash, ...content } = list
  t.equal(JSON.stringify(content), canonicalJson(content))
})

t.test('US lung CAS: ABO compatibility excludes, the blood type rating only ranks', async (t) => {
  const aDonor = donor({ ...lungDonor, id: 'LU-D2', abo: 'A' })
  const result = runMatch({ matchRunId: 'golden-lung-2', donor: aDonor, organ: organ(aDonor, 'lung'), policy: POLICY, snapshot, matchTime: MATCH_TIME })
  t.same(result.ranked.map((e) => e.candidateId), ['G02', 'G04'], 'A and AB candidates only')
  const codes = new Map(result.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]))
  t.same(codes.get('G01'), ['ABO_INCOMPATIBLE'])
  t.same(codes.get('G03'), ['ABO_INCOMPATIBLE'])
  t.equal(result.excluded.find((e) => e.candidateId === 'G03')?.reasons[0]?.detail, 'a donor of blood group A may not go to a candidate of group B under the "compatible" rule')
})

t.test('US lung CAS: the efficiency ratings at their edges', async (t) => {
  // Centres 45 and 90 NM due north, and one at the antipode of the donor hospital (10,807 NM).
  const far = buildWaitlistSnapshot({
    organType: 'lung',
    at: AT,
    centres: [centreNorth('E1', 45 / NM_PER_DEGREE), centreNorth('E2', 90 / NM_PER_DEGREE), centre('E3', { latitudeDeg: -40, longitudeDeg: 105 })],
    candidates: ['E1', 'E2', 'E3'].map((id) => lung(id, { centreId: id }))
  })
  const result = runMatch({ matchRunId: 'golden-lung-3', donor: lungDonor, organ: organ(lungDonor, 'lung'), policy: POLICY, snapshot: far, matchTime: MATCH_TIME })
  const byId = new Map(result.ranked.map((e) => [e.candidateId, e.points]))
  t.ok(Math.abs((byId.get('E1')?.['proximity-efficiency'] ?? 0) - 5) < 1e-9, '45 NM still rates 1')
  // The linear piece ends at 0.85 and the logistic piece starts at 0.875/(1 + e^−3.525) = 0.84997.
  t.ok(Math.abs((byId.get('E2')?.['proximity-efficiency'] ?? 0) - 5 * 0.85) < 2e-4, 'the two proximity pieces meet at 90 NM')
  // cost(d) reaches 118,981.1 at about 5275 NM; beyond it the rating stays 0 instead of going negative.
  t.equal(byId.get('E3')?.['travel-efficiency'], 0, 'the travel rating is floored at 0')
  t.ok((byId.get('E3')?.['proximity-efficiency'] ?? 1) < 1e-7, 'proximity vanishes across the globe')
})
