import t from 'tap'
import { canonicalJson } from '../engine/canonical-hash.js'
import type { Candidate } from '../engine/domain/candidate.js'
import type { Centre } from '../engine/domain/centre.js'
import type { Donor } from '../engine/domain/donor.js'
import { compilePolicy, type CompiledPolicy } from '../engine/policy/compile-policy.js'
import type { PolicyDocument } from '../engine/policy/policy-schema.js'
import { EARTH_RADIUS_NM, greatCircleDistanceNm } from '../engine/match/distance.js'
import { prepareMatchContext } from '../engine/match/match-context.js'
import { matchListHash, verifyMatchListHash, buildMatchList, type MatchList } from '../engine/match/match-list.js'
import { runMatch } from '../engine/match/match-run.js'
import { mergePartitions } from '../engine/match/merge-partitions.js'
import { REASON_BIT, REASON_CODES, REASON_DESCRIPTIONS } from '../engine/match/reason-codes.js'
import { scorePartition } from '../engine/match/score-partition.js'
import { buildWaitlistSnapshot, type WaitlistSnapshot } from '../engine/match/snapshot.js'
import { candidate, centre, centreNorth, donor, NM_PER_DEGREE, organ } from './fixtures/match-fixtures.js'
import { minimalPolicy } from './fixtures/policy-minimal.js'
import { randomWaitlist } from './fixtures/match-waitlist.js'

const AT = '2024-05-01T00:00:00Z'
const MATCH_TIME = '2024-05-01T06:00:00Z'

function snapshotOf (candidates: readonly Candidate[], centres: readonly Centre[] = [centre('C0'), centreNorth('C1', 2), centreNorth('C2', 5)]): WaitlistSnapshot {
  return buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates, centres })
}

function run (policy: CompiledPolicy, snapshot: WaitlistSnapshot, donorRecord: Donor = donor(), matchRunId = 'run-1'): MatchList {
  return runMatch({ matchRunId, donor: donorRecord, organ: organ(donorRecord), policy, snapshot, matchTime: MATCH_TIME })
}

function reasonsOf (list: MatchList, id: string): string[] {
  return list.excluded.find((e) => e.candidateId === id)?.reasons.map((r) => r.code) ?? []
}

t.test('reason codes are stable, documented and fit a 32-bit mask', async (t) => {
  t.ok(REASON_CODES.length < 32)
  for (const code of REASON_CODES) t.ok(REASON_DESCRIPTIONS[code].length > 20, code)
  t.equal(REASON_BIT.INACTIVE, 1)
  t.equal(REASON_BIT.NOT_IN_ANY_TIER, 2 ** (REASON_CODES.length - 1))
})

t.test('great-circle distance in nautical miles', async (t) => {
  t.equal(greatCircleDistanceNm(40, -75, 40, -75), 0)
  t.ok(Math.abs(greatCircleDistanceNm(40, -75, 41, -75) - NM_PER_DEGREE) < 1e-9, 'one degree of latitude = R·π/180')
  t.ok(Math.abs(greatCircleDistanceNm(0, 0, 0, 180) - Math.PI * EARTH_RADIUS_NM) < 1e-6, 'antipodes: half the circumference')
  t.equal(greatCircleDistanceNm(10, 20, -30, 40), greatCircleDistanceNm(-30, 40, 10, 20), 'symmetric')
  // New York JFK to London Heathrow: 5,540 km great-circle, i.e. 2,991 NM.
  t.ok(Math.abs(greatCircleDistanceNm(40.6413, -73.7781, 51.47, -0.4543) - 2991) < 2)
})

/** A policy exercising every eligibility check: rules of each reason, all acceptance criteria, two tiers. */
const strictPolicy = compilePolicy(minimalPolicy({
  eligibility: {
    statuses: ['active'],
    abo: { ruleSet: 'identical', exceptions: [{ when: 'candidate.urgency == "HU"', ruleSet: 'compatible' }] },
    virtualCrossmatch: true,
    centreAuthorisation: true,
    acceptanceCriteria: ['donorAge', 'kdpi', 'dcd', 'donorWeight', 'distance'],
    rules: [
      { id: 'weight-ratio', reason: 'SIZE', require: 'pair.weightRatio >= 0.5 and pair.weightRatio <= 2', description: 'donor weight between half and twice the candidate\'s' },
      { id: 'height-ratio', reason: 'SIZE', require: 'pair.heightRatio >= 0.8', description: 'donor at least 80% of the candidate\'s height' },
      { id: 'circle', reason: 'DISTANCE', require: 'pair.distanceNm <= 250', description: 'inside 250 NM' },
      { id: 'adult-donor', reason: 'DONOR_AGE', require: 'donor.ageYears >= 18', description: 'adult donors only' },
      { id: 'adult-candidate', reason: 'CANDIDATE_AGE', require: 'candidate.ageYears >= 18', description: 'adult candidates only' },
      { id: 'meld-known', reason: 'POLICY_RULE', require: 'candidate.cpraPercent < 100 or known(candidate.meld)', description: 'cPRA 100% needs a MELD (test rule)' }
    ]
  },
  tiers: [{ name: 'local', when: 'pair.sameCentre' }, { name: 'near', when: 'pair.distanceNm <= 200' }],
  components: [{ name: 'waiting', input: 'candidate.waitingDays', scale: { kind: 'linear', slope: 1 }, weight: 1 }]
}))

t.test('every applicable reason is listed, with details', async (t) => {
  const snapshot = snapshotOf([
    candidate('OK'),
    candidate('ALL', {
      status: 'inactive', abo: 'B', unacceptableAntigens: ['A2', 'B12'], centreId: 'C2', ageYears: 15, weightKg: 20, heightCm: 250,
      acceptance: { maxDonorAgeYears: 30, maxKdpi: 20, acceptsDcd: false, minDonorWeightKg: 90, maxDistanceNm: 100 }
    }),
    candidate('HU', { abo: 'AB', urgency: 'HU', waitingDays: 2000 }),
    candidate('NOCLASS', { urgency: 'T' }),
    candidate('FAR', { centreId: 'C1', cpraPercent: 100 }),
    candidate('HEAVY', { acceptance: { maxDonorWeightKg: 60 } })
  ])
  const list = run(strictPolicy, snapshot, donor({ ageYears: 40, weightKg: 80, kdpi: 30, pathway: 'DCD' }))
  t.same(list.ranked.map((e) => e.candidateId), ['HU', 'OK'], 'an HU candidate of group AB may take an A kidney (compatible exception)')
  t.same(reasonsOf(list, 'ALL'), [
    'INACTIVE', 'ABO_INCOMPATIBLE', 'POSITIVE_VIRTUAL_CROSSMATCH',
    'CENTRE_CRITERIA_DONOR_AGE', 'CENTRE_CRITERIA_KDPI', 'CENTRE_CRITERIA_DCD', 'CENTRE_CRITERIA_DONOR_WEIGHT', 'CENTRE_CRITERIA_DISTANCE',
    'SIZE', 'SIZE', 'DISTANCE', 'CANDIDATE_AGE'
  ])
  const all = list.excluded.find((e) => e.candidateId === 'ALL')
  const detail = (code: string, index = 0): string => all?.reasons.filter((r) => r.code === code)[index]?.detail ?? ''
  t.equal(detail('INACTIVE'), 'status "inactive" does not receive offers under this policy (offers go to: active)')
  t.equal(detail('ABO_INCOMPATIBLE'), 'a donor of blood group A may not go to a candidate of group B under the "identical" rule')
  t.same(all?.reasons.find((r) => r.code === 'POSITIVE_VIRTUAL_CROSSMATCH')?.antigens, ['A2', 'B44'], 'B12 (broad) hits the donor\'s B44 (split)')
  t.equal(detail('POSITIVE_VIRTUAL_CROSSMATCH'), 'the donor carries unacceptable antigens A2, B44')
  t.equal(detail('CENTRE_CRITERIA_DONOR_AGE'), 'donor age 40 years is above the candidate\'s maximum of 30 years')
  t.equal(detail('CENTRE_CRITERIA_KDPI'), 'donor KDPI 30% is above the candidate\'s maximum of 20%')
  t.equal(detail('CENTRE_CRITERIA_DCD'), 'the donor is DCD and the candidate does not accept DCD organs')
  t.equal(detail('CENTRE_CRITERIA_DONOR_WEIGHT'), 'donor weight 80 kg is outside the candidate\'s accepted range (at least 90 kg)')
  t.equal(detail('CENTRE_CRITERIA_DISTANCE'), 'the donor hospital is 300.2 NM away; the candidate accepts at most 100 NM')
  t.equal(detail('SIZE', 0), 'rule "weight-ratio": donor weight between half and twice the candidate\'s')
  t.equal(detail('SIZE', 1), 'rule "height-ratio": donor at least 80% of the candidate\'s height')
  t.equal(detail('DISTANCE'), 'rule "circle": inside 250 NM')
  t.same(reasonsOf(list, 'NOCLASS'), ['URGENCY_NOT_IN_POLICY'])
  t.match(list.excluded.find((e) => e.candidateId === 'NOCLASS')?.reasons[0]?.detail, /urgency "T" is not one of the policy's classes \(elective, HU\)/)
  t.same(reasonsOf(list, 'FAR'), ['POLICY_RULE'], 'the policy rule excludes; tiers are not tried for excluded candidates')
  t.match(list.excluded.find((e) => e.candidateId === 'HEAVY')?.reasons[0]?.detail, /outside the candidate's accepted range \(at most 60 kg\)/)

  const young = run(strictPolicy, snapshot, donor({ ageYears: 12, weightKg: 80 }))
  t.ok(reasonsOf(young, 'OK').includes('DONOR_AGE'), 'a donor rule excludes everyone')
  t.match(young.excluded.find((e) => e.candidateId === 'OK')?.reasons.find((r) => r.code === 'DONOR_AGE')?.detail, /adult donors only/)
})

t.test('candidates in no tier, at unauthorised centres, or lacking data the policy needs', async (t) => {
  const centres = [
    centre('C0'),
    centreNorth('C1', 1, { authorisations: [{ organType: 'kidney', activity: 'transplant', validFrom: '2000-01-01', validUntil: '2024-04-30', suspended: false }] }),
    centreNorth('C2', 1, { authorisations: [{ organType: 'kidney', activity: 'transplant', validFrom: '2000-01-01', suspended: true }] }),
    centreNorth('C3', 1, { authorisations: [{ organType: 'kidney', activity: 'recovery', validFrom: '2000-01-01', suspended: false }] }),
    centreNorth('C4', 10)
  ]
  const policy = compilePolicy(minimalPolicy({
    tiers: [{ name: 'near', when: 'pair.distanceNm <= 250' }],
    components: [
      { name: 'epts', input: 'candidate.eptsPercent', scale: { kind: 'linear', slope: -1, intercept: 100 }, weight: 1 },
      { name: 'meld', scale: { kind: 'formula', formula: 'if(known(candidate.meld), candidate.meld, 0)' }, weight: 1 }
    ]
  }))
  const snapshot = snapshotOf([
    candidate('EXPIRED', { centreId: 'C1' }), candidate('SUSPENDED', { centreId: 'C2' }), candidate('RECOVERY-ONLY', { centreId: 'C3' }),
    candidate('FAR', { centreId: 'C4' }), candidate('NO-EPTS', { eptsPercent: undefined, abo: 'O' }), candidate('MELD', { meld: 22, eptsPercent: 10 })
  ], centres)
  const list = run(policy, snapshot)
  for (const id of ['EXPIRED', 'SUSPENDED', 'RECOVERY-ONLY']) t.same(reasonsOf(list, id), ['CENTRE_NOT_AUTHORISED'], id)
  t.equal(list.excluded.find((e) => e.candidateId === 'EXPIRED')?.reasons[0]?.detail, 'centre C1 holds no authorisation to transplant kidney on 2024-05-01')
  t.same(reasonsOf(list, 'FAR'), ['NOT_IN_ANY_TIER'])
  t.equal(list.excluded.find((e) => e.candidateId === 'FAR')?.reasons[0]?.detail, 'meets none of the tier conditions (near)')
  t.same(reasonsOf(list, 'NO-EPTS'), ['MISSING_DATA', 'ABO_INCOMPATIBLE'], 'checks that need no missing value still run')
  t.equal(list.excluded.find((e) => e.candidateId === 'NO-EPTS')?.reasons[0]?.detail, 'not recorded for this candidate: candidate.eptsPercent')
  t.same(list.ranked.map((e) => [e.candidateId, e.points]), [['MELD', { epts: 90, meld: 22 }]], 'a guarded read does not exclude')

  const noCheck = compilePolicy({ ...minimalPolicy(), eligibility: { ...minimalPolicy().eligibility, centreAuthorisation: false } })
  t.same(run(noCheck, snapshot).excluded.filter((e) => e.reasons.some((r) => r.code === 'CENTRE_NOT_AUTHORISED')), [], 'the check can be switched off')
})

t.test('an ABO exception that needs a missing value leaves ABO to MISSING_DATA', async (t) => {
  const policy = compilePolicy(minimalPolicy({
    eligibility: { ...minimalPolicy().eligibility, abo: { ruleSet: 'identical', exceptions: [{ when: 'candidate.eptsPercent < 10', ruleSet: 'compatible' }] } }
  }))
  const list = run(policy, snapshotOf([candidate('P1', { abo: 'AB', eptsPercent: undefined }), candidate('P2', { abo: 'AB', eptsPercent: 5 }), candidate('P3', { abo: 'AB', eptsPercent: 50 })]))
  t.same(reasonsOf(list, 'P1'), ['MISSING_DATA'])
  t.same(list.ranked.map((e) => e.candidateId), ['P2'])
  t.same(reasonsOf(list, 'P3'), ['ABO_INCOMPATIBLE'])
  t.match(list.excluded.find((e) => e.candidateId === 'P3')?.reasons[0]?.detail, /under the "identical" rule/)
})

t.test('ties break on the declared tie-breakers, then on a lottery seeded by the match run', async (t) => {
  const policy = compilePolicy(minimalPolicy({
    components: [{ name: 'flat', scale: { kind: 'formula', formula: '10' }, weight: 1 }],
    tieBreakers: [{ name: 'dialysis', input: 'candidate.dialysisDays', order: 'desc' }, { name: 'registered', input: 'candidate.registeredAtDays', order: 'asc' }]
  }))
  const candidates = [
    candidate('T1', { dialysisDays: 100, registeredAt: '2020-01-01' }),
    candidate('T2', { dialysisDays: 300, registeredAt: '2021-01-01' }),
    candidate('T3', { dialysisDays: 100, registeredAt: '2019-01-01' }),
    ...Array.from({ length: 12 }, (_, i) => candidate(`L${String(i).padStart(2, '0')}`, { dialysisDays: 50, registeredAt: '2018-01-01' }))
  ]
  const list = run(policy, snapshotOf(candidates))
  t.same(list.ranked.slice(0, 3).map((e) => e.candidateId), ['T2', 'T3', 'T1'], 'more dialysis first, then earlier registration')
  t.same(list.ranked[0]?.tieBreak, { dialysis: 300, registered: Date.parse('2021-01-01T00:00:00Z') / 86_400_000 }, 'no lottery where none was needed')
  const lottery = list.ranked.slice(3)
  t.ok(lottery.every((e) => typeof e.tieBreak.lottery === 'string' && /^[0-9a-f]{16}$/.test(e.tieBreak.lottery)), 'tied candidates show their lottery key')
  const keys = lottery.map((e) => e.tieBreak.lottery as string)
  t.same(keys, [...keys].sort(), 'the lottery orders them')
  const ids = lottery.map((e) => e.candidateId)
  t.not(ids.join(), [...ids].sort().join(), 'not in pseudonym order')
  t.same(run(policy, snapshotOf([...candidates].reverse())).ranked.map((e) => e.candidateId), list.ranked.map((e) => e.candidateId), 'input order is irrelevant')
  const other = run(policy, snapshotOf(candidates), donor(), 'run-2')
  t.not(other.ranked.slice(3).map((e) => e.candidateId).join(), ids.join(), 'another match run draws another order')
  t.same(other.ranked.slice(0, 3).map((e) => e.candidateId), ['T2', 'T3', 'T1'], 'the declared order does not change')
})

t.test('partitions merge into exactly the serial list', async (t) => {
  const waitlist = randomWaitlist(300, 'partitions')
  const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, ...waitlist })
  const policy = compilePolicy(minimalPolicy({ components: [{ name: 'cpra', input: 'candidate.cpraPercent', scale: { kind: 'steps', below: 0, steps: [{ atLeast: 50, value: 1 }, { atLeast: 98, value: 5 }] }, weight: 1 }] }))
  const input = { matchRunId: 'run-p', donor: donor({ abo: 'O' }), organ: organ(donor({ abo: 'O' })), policy, snapshot, matchTime: MATCH_TIME }
  const serial = runMatch(input)
  t.ok(serial.ranked.length > 20 && serial.excluded.length > 20)
  for (const cuts of [[150], [1, 299], [0, 0, 100, 200, 300], [37, 74, 111, 148, 185, 222, 259]]) {
    const context = prepareMatchContext(input)
    const bounds = [0, ...cuts, snapshot.count]
    const partitions = bounds.slice(1).map((end, k) => scorePartition(context, snapshot, bounds[k] as number, end)).reverse()
    const pooled = buildMatchList(context, snapshot, mergePartitions(context, snapshot, partitions))
    t.equal(pooled.outputHash, serial.outputHash, `cuts ${cuts.join(',')}`)
  }
  const context = prepareMatchContext(input)
  t.throws(() => mergePartitions(context, snapshot, [scorePartition(context, snapshot, 0, 100)]), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'partitions' })
  t.throws(() => mergePartitions(context, snapshot, [scorePartition(context, snapshot, 0, 100), scorePartition(context, snapshot, 90, 300)]), { code: 'ENGINE_MATCH_RUN_FAILED' })
  t.throws(() => scorePartition(context, snapshot, 10, 5), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'partition' })
  t.throws(() => scorePartition(context, snapshot, 0, 301), { code: 'ENGINE_MATCH_RUN_FAILED' })
  t.throws(() => scorePartition(context, snapshotOf([candidate('X')]), 0, 1), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'snapshot' })
})

t.test('the output hash covers the list and its inputs', async (t) => {
  const snapshot = snapshotOf([candidate('P1'), candidate('P2', { abo: 'O' }), candidate('P3', { waitingDays: 5 })])
  const list = run(strictPolicy, snapshot)
  const { outputHash, ...content } = list
  t.equal(JSON.stringify(content), canonicalJson(content), 'built in canonical key order')
  t.equal(outputHash, matchListHash(list))
  t.ok(verifyMatchListHash(list))
  t.notOk(verifyMatchListHash({ ...list, matchTime: '2024-05-01T06:00:01.000Z' }))
  t.notOk(verifyMatchListHash({ ...list, ranked: list.ranked.slice(1) }))
  t.equal(run(strictPolicy, snapshot).outputHash, outputHash, 'a replay gives the same hash')
  t.not(run(strictPolicy, snapshot, donor({ weightKg: 81 })).outputHash, outputHash, 'the donor is part of the hash')
  t.not(run(strictPolicy, snapshot, donor(), 'run-2').outputHash, outputHash, 'so is the match run id')
  t.equal(list.policy.hash, strictPolicy.hash)
  t.equal(list.snapshotHash, snapshot.hash)
  t.same(list.organ, { donorId: 'D1', id: 'D1-kidney', organType: 'kidney', part: 'whole' })
})

t.test('a match run refuses inputs that disagree', async (t) => {
  const snapshot = snapshotOf([candidate('P1')])
  const d = donor()
  const base = { matchRunId: 'r', donor: d, organ: organ(d), policy: strictPolicy, snapshot, matchTime: MATCH_TIME }
  const liverPolicy = compilePolicy(minimalPolicy({ organType: 'liver' }))
  const cases: Array<[string, Partial<typeof base> & Record<string, unknown>, { code: string, field?: string }]> = [
    ['organ of another donor', { organ: { ...organ(d), donorId: 'D2' } }, { code: 'ENGINE_MATCH_RUN_FAILED', field: 'organ.donorId' }],
    ['policy for another organ', { policy: liverPolicy }, { code: 'ENGINE_MATCH_RUN_FAILED', field: 'organ.organType' }],
    ['snapshot for another organ', { organ: organ(d, 'liver'), policy: liverPolicy, snapshot: buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: [], centres: [] }) }, { code: 'ENGINE_MATCH_RUN_FAILED', field: 'snapshot.organType' }],
    ['match before snapshot', { matchTime: '2024-04-30T23:59:59Z' }, { code: 'ENGINE_MATCH_RUN_FAILED', field: 'matchTime' }],
    ['match time format', { matchTime: '2024-05-01 06:00' }, { code: 'ENGINE_INVALID_FIELD', field: 'matchTime' }],
    ['living donor', { donor: donor({ kind: 'living' }) }, { code: 'ENGINE_INVALID_FIELD', field: 'donor.kind' }],
    ['donor age', { donor: donor({ ageYears: -1 }) }, { code: 'ENGINE_OUT_OF_RANGE', field: 'donor.ageYears' }],
    ['donor typing', { donor: donor({ hla: { A: ['X1'], B: [], DR: [] } }) }, { code: 'ENGINE_INVALID_FIELD', field: 'donor.hla.A[0]' }],
    ['donor kdpi', { donor: donor({ kdpi: 120 }) }, { code: 'ENGINE_OUT_OF_RANGE', field: 'donor.kdpi' }],
    ['donor quartile', { donor: donor({ ukDonorRiskQuartile: 5 }) }, { code: 'ENGINE_OUT_OF_RANGE', field: 'donor.ukDonorRiskQuartile' }],
    ['donor country', { donor: donor({ country: 'usa' }) }, { code: 'ENGINE_INVALID_FIELD', field: 'donor.country' }],
    ['no match run id', { matchRunId: '' }, { code: 'ENGINE_INVALID_FIELD', field: 'matchRunId' }],
    ['not a compiled policy', { policy: minimalPolicy() as unknown as CompiledPolicy }, { code: 'ENGINE_INVALID_FIELD', field: 'policy' }],
    ['no donor', { donor: null as unknown as Donor }, { code: 'ENGINE_INVALID_FIELD', field: 'donor' }],
    ['no organ', { organ: null as unknown as ReturnType<typeof organ> }, { code: 'ENGINE_INVALID_FIELD', field: 'organ' }],
    ['organ part', { organ: { ...organ(d), part: 'half' as 'whole' } }, { code: 'ENGINE_INVALID_FIELD', field: 'organ.part' }]
  ]
  for (const [name, change, expected] of cases) t.throws(() => runMatch({ ...base, ...change } as typeof base), expected, name)
})

t.test('a donor value the policy needs must be recorded; a guarded one need not', async (t) => {
  const needsKdpi = compilePolicy(minimalPolicy({ tiers: [{ name: 'low', when: 'donor.kdpi <= 85' }] }))
  const snapshot = snapshotOf([candidate('P1')])
  t.throws(() => run(needsKdpi, snapshot, donor({ kdpi: undefined })), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'donor.kdpi' })
  const guarded = compilePolicy(minimalPolicy({ tiers: [{ name: 'low', when: 'not known(donor.kdpi) or donor.kdpi <= 85' }] }))
  t.equal(run(guarded, snapshot, donor({ kdpi: undefined })).ranked.length, 1)
  // An unknown KDPI fails a candidate's stated maximum rather than passing it.
  const criteria = compilePolicy(minimalPolicy({ eligibility: { ...minimalPolicy().eligibility, acceptanceCriteria: ['kdpi'] } }))
  const list = run(criteria, snapshotOf([candidate('P1', { acceptance: { maxKdpi: 50 } }), candidate('P2')]), donor({ kdpi: undefined }))
  t.same(reasonsOf(list, 'P1'), ['CENTRE_CRITERIA_KDPI'])
  t.equal(list.excluded[0]?.reasons[0]?.detail, 'the donor\'s KDPI is not recorded and the candidate accepts at most 50%')
  t.same(list.ranked.map((e) => e.candidateId), ['P2'])

  const hla = compilePolicy(minimalPolicy({ hlaMatching: { A: 'broad', B: 'broad', DR: 'split' }, tiers: [{ name: 'all', when: 'pair.mismatchTotal <= 6' }] }))
  t.throws(() => run(hla, snapshot, donor({ hla: { A: [], B: ['B7'], DR: ['DR4'] } })), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'donor.hla.A' })
  const untyped = run(hla, snapshotOf([candidate('P1', { hla: { A: ['A1'], B: ['B7'], DR: [] } })]))
  t.same(reasonsOf(untyped, 'P1'), ['MISSING_DATA'], 'a candidate untyped at DR has no mismatch count')
  t.match(untyped.excluded[0]?.reasons[0]?.detail, /pair\.mismatchTotal/)
})

t.test('a formula that cannot give a number stops the run instead of ranking on NaN', async (t) => {
  const snapshot = snapshotOf([candidate('P1', { waitingDays: 0 })])
  const lnZero = compilePolicy(minimalPolicy({ components: [{ name: 'bad', scale: { kind: 'formula', formula: 'ln(candidate.waitingDays)' }, weight: 1 }] }))
  t.throws(() => run(lnZero, snapshot), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'components.bad' })
  const nanTie = compilePolicy(minimalPolicy({ tieBreakers: [{ name: 'bad', input: 'candidate.waitingDays / candidate.waitingDays', order: 'asc' }] }))
  t.throws(() => run(nanTie, snapshot), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'tieBreakers.bad' })
})

t.test('every vocabulary attribute reads the value it names', async (t) => {
  const inputs: Array<[string, number]> = [
    ['candidate.waitingDays', 1000], ['candidate.dialysisDays', 900], ['candidate.cpraPercent', 35], ['candidate.vpraPercent', 40],
    ['candidate.mmpPercent', 12], ['if(candidate.urgency == "HU", 1, 0)', 1], ['candidate.meld', 22], ['if(known(candidate.peld), candidate.peld, -1)', -1],
    ['candidate.meldOrPeld', 22], ['candidate.eptsPercent', 30], ['candidate.ageYears', 45],
    ['candidate.ageAtRegistrationYears', 45 - (Date.parse(AT) - Date.parse('2020-01-01T00:00:00Z')) / (365.25 * 86_400_000)],
    ['candidate.paediatric', 0], ['candidate.priorLivingDonor', 1], ['if(candidate.diagnosisGroup == "diabetes", 1, 0)', 1],
    ['candidate.heightCm', 170], ['candidate.weightKg', 70], ['if(candidate.abo == "A", 1, 0)', 1],
    ['candidate.registeredAtDays', Date.parse('2020-01-01T00:00:00Z') / 86_400_000], ['candidate.ukRecipientRiskQuartile', 3],
    ['candidate.matchabilityScore', 7], ['candidate.waitlistSurvivalDays', 200], ['candidate.postTransplantSurvivalDays', 1500],
    ['donor.ageYears', 40], ['donor.kdpi', 30], ['donor.kdri', 1.1], ['donor.dcd', 0], ['if(donor.abo == "A", 1, 0)', 1],
    ['donor.weightKg', 80], ['donor.heightCm', 175], ['donor.ukDonorRiskQuartile', 2],
    ['pair.mismatchA', 1], ['pair.mismatchB', 1], ['pair.mismatchDR', 1], ['pair.mismatchTotal', 3], ['pair.ukMismatchLevel', 3],
    ['pair.distanceNm', 0], ['pair.sameCentre', 1], ['pair.sameRegion', 1], ['pair.sameCountry', 1], ['pair.ageDifferenceYears', -5],
    ['pair.aboIdentical', 1], ['pair.weightRatio', 80 / 70], ['pair.heightRatio', 175 / 170], ['aboCompatible("identical")', 1]
  ]
  const policy = compilePolicy(minimalPolicy({
    hlaMatching: { A: 'broad', B: 'broad', DR: 'split' },
    tieBreakers: inputs.map(([input], k) => ({ name: `a${k}`, input, order: 'asc' as const }))
  }))
  const snapshot = snapshotOf([candidate('P1', {
    waitingDays: 1000, dialysisDays: 900, cpraPercent: 35, vpraPercent: 40, mmpPercent: 12, urgency: 'HU', meld: 22, eptsPercent: 30,
    priorLivingDonor: true, diagnosisGroup: 'diabetes', abo: 'A2', ukRecipientRiskQuartile: 3, matchabilityScore: 7,
    waitlistSurvivalDays: 200, postTransplantSurvivalDays: 1500
  })])
  const list = run(policy, snapshot, donor({ kdpi: 30, kdri: 1.1, ukDonorRiskQuartile: 2 }))
  const tieBreak = list.ranked[0]?.tieBreak ?? {}
  inputs.forEach(([input, value], k) => t.equal(tieBreak[`a${k}`], value, input))
  // The same attributes for a candidate elsewhere: another region and country, untyped quartile.
  const abroad = run(policy, snapshotOf([candidate('P2', { centreId: 'C9', ageYears: 12, registeredAt: '2023-01-01', ukRecipientRiskQuartile: undefined, matchabilityScore: 7, waitlistSurvivalDays: 1, postTransplantSurvivalDays: 1, meld: 6, eptsPercent: 1 })],
    [centre('C0'), centreNorth('C9', 1, { country: 'CA', region: 'R9' })]), donor({ kdpi: 30, kdri: 1.1, ukDonorRiskQuartile: 2 }))
  t.same(reasonsOf(abroad, 'P2'), ['MISSING_DATA'], 'the absent quartile is missing data')
  const elsewhere = compilePolicy(minimalPolicy({ tieBreakers: ['pair.sameCentre', 'pair.sameRegion', 'pair.sameCountry', 'candidate.paediatric'].map((input, k) => ({ name: `b${k}`, input, order: 'asc' as const })) }))
  const far = run(elsewhere, snapshotOf([candidate('P3', { centreId: 'C9', ageYears: 12 })], [centre('C0'), centreNorth('C9', 1, { country: 'CA', region: 'R9' })]))
  t.same(far.ranked[0]?.tieBreak, { b0: 0, b1: 0, b2: 0, b3: 1 })
  const sameCountry = run(elsewhere, snapshotOf([candidate('P4', { centreId: 'C9' })], [centre('C0'), centreNorth('C9', 1, { region: 'R9' })]))
  t.same(sameCountry.ranked[0]?.tieBreak, { b0: 0, b1: 0, b2: 1, b3: 0 })
})
