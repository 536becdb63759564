import t from 'tap'
import { canonicalJson } from '../engine/canonical-hash.js'
import { runMatch } from '../engine/match/match-run.js'
import { buildWaitlistSnapshot } from '../engine/match/snapshot.js'
import { builtInPolicy } from '../data/policies/index.js'
import { candidate, centre, donor, organ } from './fixtures/match-fixtures.js'

/**
 * Golden match list for the built-in Eurotransplant Senior Programme policy
 * (data/policies/et-esp-kidney.json), hand-checked.
 *
 * Donor: Hamburg (region DE-N, Germany), DBD, 71 years, blood group A. ESP takes donors and
 * candidates aged 65 or over, ABO identical, no HLA points: the only points are 33.33 per year on
 * dialysis (days / 365). Tiers: the donor's region, then the donor's country, then abroad.
 * Ties: longer dialysis, then earlier registration.
 */
const AT = '2024-06-01T00:00:00Z'
const MATCH_TIME = '2024-06-01T07:00:00Z'
const POLICY = builtInPolicy('et-esp-kidney')

const centres = [
  centre('DE-HAM', { country: 'DE', region: 'DE-N', latitudeDeg: 53.55, longitudeDeg: 10.0 }),
  centre('DE-KIE', { country: 'DE', region: 'DE-N', latitudeDeg: 54.32, longitudeDeg: 10.13 }),
  centre('DE-MUC', { country: 'DE', region: 'DE-S', latitudeDeg: 48.14, longitudeDeg: 11.58 }),
  centre('NL-LEI', { country: 'NL', region: 'NL', latitudeDeg: 52.16, longitudeDeg: 4.49 }),
  centre('BE-BRU', { country: 'BE', region: 'BE', latitudeDeg: 50.85, longitudeDeg: 4.35, authorisations: [{ organType: 'kidney', activity: 'transplant', validFrom: '2000-01-01', suspended: true }] })
]

const espDonor = donor({
  id: 'ESP-D1', ageYears: 71, weightKg: 75, heightCm: 170, abo: 'A', pathway: 'DBD', kdpi: undefined,
  hla: { A: ['A2', 'A3'], B: ['B7', 'B44'], DR: ['DR4', 'DR15'] },
  hospitalCentreId: 'DE-HAM', country: 'DE', region: 'DE-N', latitudeDeg: 53.55, longitudeDeg: 10.0
})

const waitlist = [
  candidate('S01', { centreId: 'DE-HAM', ageYears: 68, dialysisDays: 1460, registeredAt: '2019-06-01' }),
  candidate('S02', { centreId: 'DE-KIE', ageYears: 66, dialysisDays: 2190 }),
  // More points than anyone in the region, but a lower tier.
  candidate('S03', { centreId: 'DE-MUC', ageYears: 70, dialysisDays: 3000 }),
  // Exactly 65: old enough.
  candidate('S04', { centreId: 'DE-MUC', ageYears: 65, dialysisDays: 365 }),
  candidate('S05', { centreId: 'NL-LEI', ageYears: 72, dialysisDays: 4000 }),
  // HU earns nothing in ESP: equal to S01 in points and dialysis, registered earlier.
  candidate('S06', { centreId: 'DE-HAM', ageYears: 67, urgency: 'HU', dialysisDays: 1460, registeredAt: '2018-03-01' }),
  candidate('X01', { centreId: 'DE-HAM', ageYears: 64.9, dialysisDays: 3000 }),
  candidate('X02', { centreId: 'DE-HAM', ageYears: 70, abo: 'B' }),
  candidate('X03', { centreId: 'BE-BRU', ageYears: 60 }),
  candidate('X04', { centreId: 'DE-HAM', ageYears: 70, urgency: 'T' }),
  candidate('X05', { centreId: 'DE-MUC', ageYears: 70, acceptance: { maxDonorAgeYears: 70 } }),
  candidate('X06', { centreId: 'DE-HAM', ageYears: 70, status: 'inactive', unacceptableAntigens: ['A2'] })
]

const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: waitlist, centres })
const list = runMatch({ matchRunId: 'golden-esp-1', donor: espDonor, organ: organ(espDonor), policy: POLICY, snapshot, matchTime: MATCH_TIME })

const waiting = (days: number): number => 33.33 * (days / 365)
const round2 = (x: number): number => Math.round(x * 100) / 100

const expected: Array<{ id: string, tier: string, dialysisDays: number, total: number }> = [
  // Region DE-N: 33.33 × 2190/365 = 33.33 × 6 = 199.98
  { id: 'S02', tier: 'regional', dialysisDays: 2190, total: 199.98 },
  // 33.33 × 4 = 133.32 each; S06 registered 2018-03-01, S01 2019-06-01
  { id: 'S06', tier: 'regional', dialysisDays: 1460, total: 133.32 },
  { id: 'S01', tier: 'regional', dialysisDays: 1460, total: 133.32 },
  // Germany outside DE-N: 33.33 × 3000/365 = 273.945…, then 33.33 × 1
  { id: 'S03', tier: 'national', dialysisDays: 3000, total: 273.95 },
  { id: 'S04', tier: 'national', dialysisDays: 365, total: 33.33 },
  // Abroad: 33.33 × 4000/365 = 365.26
  { id: 'S05', tier: 'international', dialysisDays: 4000, total: 365.26 }
]

t.test('ESP golden list: exact order, tiers and points', async (t) => {
  t.same(list.ranked.map((e) => e.candidateId), expected.map((e) => e.id))
  list.ranked.forEach((entry, index) => {
    const want = expected[index]
    if (want === undefined) return
    t.equal(entry.rank, index + 1)
    t.equal(entry.tier.name, want.tier, `${want.id} tier`)
    t.same(entry.points, { 'waiting-time': waiting(want.dialysisDays) }, `${want.id}: dialysis points are the only component`)
    t.equal(entry.totalPoints, waiting(want.dialysisDays))
    t.equal(round2(entry.totalPoints), want.total, `${want.id} total ${want.total}`)
  })
  const byId = new Map(list.ranked.map((e) => [e.candidateId, e]))
  t.same(byId.get('S06')?.tieBreak, { 'dialysis-time': 1460, registration: Date.parse('2018-03-01T00:00:00Z') / 86_400_000 })
  t.same(byId.get('S01')?.tieBreak, { 'dialysis-time': 1460, registration: Date.parse('2019-06-01T00:00:00Z') / 86_400_000 })
  t.ok((byId.get('S03')?.totalPoints ?? 0) > (byId.get('S02')?.totalPoints ?? 0), 'tier outranks points')
})

t.test('ESP golden list: exact exclusion reasons', async (t) => {
  t.same(list.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]), [
    ['X01', ['CANDIDATE_AGE']],
    ['X02', ['ABO_INCOMPATIBLE']],
    ['X03', ['CENTRE_NOT_AUTHORISED', 'CANDIDATE_AGE']],
    ['X04', ['URGENCY_NOT_IN_POLICY']],
    ['X05', ['CENTRE_CRITERIA_DONOR_AGE']],
    ['X06', ['INACTIVE', 'POSITIVE_VIRTUAL_CROSSMATCH']]
  ])
  const reasons = new Map(list.excluded.map((e) => [e.candidateId, e.reasons]))
  t.equal(reasons.get('X01')?.[0]?.detail, 'rule "candidate-65-or-older": ESP offers go to candidates aged 65 or over')
  t.equal(reasons.get('X02')?.[0]?.detail, 'a donor of blood group A may not go to a candidate of group B under the "identical" rule')
  t.equal(reasons.get('X05')?.[0]?.detail, 'donor age 71 years is above the candidate\'s maximum of 70 years')
  t.same(reasons.get('X06')?.[1]?.antigens, ['A2'])
  t.equal(list.ranked.length + list.excluded.length, waitlist.length, 'every candidate is accounted for')
  const { outputHash, ...content } = list
  t.equal(JSON.stringify(content), canonicalJson(content))
})

t.test('ESP: a donor under 65 is not an ESP donor, so every candidate is excluded with DONOR_AGE', async (t) => {
  const young = donor({ ...espDonor, id: 'ESP-D2', ageYears: 64 })
  const result = runMatch({ matchRunId: 'golden-esp-2', donor: young, organ: organ(young), policy: POLICY, snapshot, matchTime: MATCH_TIME })
  t.equal(result.ranked.length, 0)
  const codes = new Map(result.excluded.map((e) => [e.candidateId, e.reasons.map((r) => r.code)]))
  t.same(codes.get('S01'), ['DONOR_AGE'])
  t.same(codes.get('X01'), ['DONOR_AGE', 'CANDIDATE_AGE'])
  t.equal(result.excluded.find((e) => e.candidateId === 'S05')?.reasons[0]?.detail, 'rule "donor-65-or-older": ESP allocates kidneys from donors aged 65 or over')
})
