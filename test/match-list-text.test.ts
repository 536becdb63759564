import t, { type Test } from 'tap'
import fc from 'fast-check'
import { canonicalJson, sha256Hex } from '../engine/canonical-hash.js'
import type { Candidate } from '../engine/domain/candidate.js'
import type { Centre } from '../engine/domain/centre.js'
import type { Donor } from '../engine/domain/donor.js'
import type { OrganType } from '../engine/domain/organ.js'
import { prepareMatchContext, type MatchRunInput } from '../engine/match/match-context.js'
import { buildMatchList, matchListJson, verifyMatchListHash, type MatchList } from '../engine/match/match-list.js'
import { runMatch } from '../engine/match/match-run.js'
import { mergePartitions } from '../engine/match/merge-partitions.js'
import { REASON_CODES, type ReasonCode } from '../engine/match/reason-codes.js'
import { scorePartition } from '../engine/match/score-partition.js'
import { buildWaitlistSnapshot } from '../engine/match/snapshot.js'
import { compilePolicy, type CompiledPolicy } from '../engine/policy/compile-policy.js'
import { candidateAsOf, centreAsOf, donorAt } from '../data/import/records.js'
import { builtInPolicy, builtInPolicyDocuments } from '../data/policies/index.js'
import { createRegistryGenerator } from '../data/synthetic/generator.js'
import { candidate, centre, centreNorth, donor, organ } from './fixtures/match-fixtures.js'
import { randomWaitlist } from './fixtures/match-waitlist.js'
import { minimalPolicy } from './fixtures/policy-minimal.js'

/**
 * The match list's output hash is computed from JSON text written straight from the scored arrays
 * (engine/match/match-list-text.ts), and its entry objects are built separately, on first read. These
 * tests hold the two paths to one another: the JSON.stringify of the objects must be their canonical
 * JSON (RFC 8785) and hash to the list's outputHash, on every built-in policy, every reason code and
 * random waiting lists.
 */

const AT = '2024-05-01T00:00:00Z'
const MATCH_TIME = '2024-05-01T12:00:00Z'

function content (list: MatchList): Omit<MatchList, 'outputHash'> {
  const { outputHash: _ignored, ...rest } = list
  return rest
}

/** The text the hash was computed over is the objects' JSON, which is canonical. */
function checkIdentity (t: Test, list: MatchList, label: string): void {
  const text = JSON.stringify(content(list))
  t.equal(sha256Hex(text), list.outputHash, `${label}: outputHash is the SHA-256 of the entries' JSON`)
  t.equal(text, canonicalJson(content(list)), `${label}: that JSON is canonical`)
  t.ok(verifyMatchListHash(list), `${label}: verifyMatchListHash`)
}

function identical (list: MatchList): boolean {
  const text = JSON.stringify(content(list))
  return sha256Hex(text) === list.outputHash && text === canonicalJson(content(list))
}

/** A small seeded registry of every organ, as the benchmarks build theirs. */
function syntheticRegistry (): { byOrgan: Map<OrganType, Candidate[]>, centres: Centre[], donors: Donor[] } {
  const generator = createRegistryGenerator({ seed: 'match-list-text', candidates: 1500, startDate: '2024-01-01', periodDays: 30, donorsPerYear: 2000 })
  const byOrgan = new Map<OrganType, Candidate[]>()
  for (const record of generator.candidates()) {
    let list = byOrgan.get(record.organType)
    if (list === undefined) byOrgan.set(record.organType, list = [])
    list.push(candidateAsOf(record, AT))
  }
  const centres = generator.centres.map((c) => centreAsOf(c, AT))
  const byId = new Map(centres.map((c) => [c.id, c]))
  const donors: Donor[] = []
  for (const record of generator.donors()) {
    const hospital = byId.get(record.hospitalCentreId)
    if (hospital === undefined || record.kind !== 'deceased' || record.kdpi === undefined) continue
    // The UK policy reads the donor risk index quartile, which the generator does not record.
    donors.push({ ...donorAt(record, hospital), ukDonorRiskQuartile: 1 + (donors.length % 4) })
    if (donors.length === 3) break
  }
  return { byOrgan, centres, donors }
}

t.test('every built-in policy on synthetic waiting lists: the written text is the JSON of the objects', (t) => {
  const { byOrgan, centres, donors } = syntheticRegistry()
  let ranked = 0
  let excluded = 0
  for (const { id, organType } of builtInPolicyDocuments()) {
    const candidates = byOrgan.get(organType) ?? []
    const snapshot = buildWaitlistSnapshot({ organType, at: AT, candidates, centres })
    for (const d of donors) {
      const list = runMatch({ matchRunId: `text-${id}-${d.id}`, donor: d, organ: organ(d, organType), policy: builtInPolicy(id), snapshot, matchTime: MATCH_TIME })
      checkIdentity(t, list, `${id} ${d.id}`)
      t.equal(list.ranked.length + list.excluded.length, candidates.length, `${id} ${d.id}: every candidate once`)
      ranked += list.ranked.length
      excluded += list.excluded.length
    }
  }
  t.ok(ranked > 100 && excluded > 100, `lists rank (${ranked}) and exclude (${excluded})`)
  t.end()
})

t.test('every reason code, with per-candidate limits shared by value', (t) => {
  const centres = [
    centre('C0'), centreNorth('C1', 2), centreNorth('C2', 6),
    centre('CX', { authorisations: [] })
  ]
  const waitlist = [
    candidate('R01'),
    candidate('R02', { status: 'inactive' }),
    candidate('R03', { urgency: 'HU' }),
    candidate('R04', { centreId: 'CX' }),
    candidate('R05', { abo: 'B' }),
    candidate('R06', { unacceptableAntigens: ['A2'] }),
    candidate('R07', { unacceptableAntigens: ['A2', 'B7', 'DR4'] }),
    candidate('R08', { acceptance: { maxDonorAgeYears: 30 } }),
    candidate('R09', { acceptance: { maxDonorAgeYears: 30 } }),
    candidate('R10', { acceptance: { maxDonorAgeYears: 35.25 } }),
    candidate('R11', { acceptance: { maxKdpi: 20 } }),
    candidate('R12', { acceptance: { acceptsDcd: false } }),
    candidate('R13', { acceptance: { minDonorWeightKg: 90 } }),
    candidate('R14', { acceptance: { maxDonorWeightKg: 60 } }),
    candidate('R15', { acceptance: { minDonorWeightKg: 20, maxDonorWeightKg: 60.5 } }),
    candidate('R16', { centreId: 'C1', acceptance: { maxDistanceNm: 100 } }),
    candidate('R17', { centreId: 'C2', acceptance: { maxDistanceNm: 100 } }),
    candidate('R18', { eptsPercent: undefined }),
    candidate('R19', { ageYears: 12 }),
    candidate('R21', { waitingDays: 3 }),
    candidate('R20', { status: 'inactive', urgency: 'HU', abo: 'B', acceptance: { acceptsDcd: false, maxKdpi: 20 } })
  ]
  const policy = compilePolicy(minimalPolicy({
    urgencyClasses: ['elective'],
    eligibility: {
      statuses: ['active'],
      abo: { ruleSet: 'identical' },
      virtualCrossmatch: true,
      centreAuthorisation: true,
      acceptanceCriteria: ['donorAge', 'kdpi', 'dcd', 'donorWeight', 'distance'],
      rules: [{ id: 'adults-only', reason: 'CANDIDATE_AGE', require: 'candidate.ageYears >= 18', description: 'adult candidates only' }]
    },
    tiers: [{ name: 'waited', when: 'candidate.waitingDays >= 10' }],
    components: [{ name: 'epts', input: 'candidate.eptsPercent', scale: { kind: 'linear', slope: 1 }, weight: 1 }]
  }))
  const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: waitlist, centres })
  const run = (d: Donor): MatchList => runMatch({ matchRunId: 'reasons', donor: d, organ: organ(d), policy, snapshot, matchTime: MATCH_TIME })

  const list = run(donor({ ageYears: 40, kdpi: 30, pathway: 'DCD', weightKg: 80 }))
  checkIdentity(t, list, 'every reason')
  const seen = new Set<ReasonCode>(list.excluded.flatMap((e) => e.reasons.map((r) => r.code)))
  const expected: ReasonCode[] = ['INACTIVE', 'URGENCY_NOT_IN_POLICY', 'CENTRE_NOT_AUTHORISED', 'ABO_INCOMPATIBLE', 'POSITIVE_VIRTUAL_CROSSMATCH',
    'CENTRE_CRITERIA_DONOR_AGE', 'CENTRE_CRITERIA_KDPI', 'CENTRE_CRITERIA_DCD', 'CENTRE_CRITERIA_DONOR_WEIGHT', 'CENTRE_CRITERIA_DISTANCE',
    'CANDIDATE_AGE', 'MISSING_DATA', 'NOT_IN_ANY_TIER']
  t.same([...seen].sort(), [...expected].sort(), 'the fixture reaches every reason it was built for')
  const byId = new Map(list.excluded.map((e) => [e.candidateId, e]))
  const reasonOf = (id: string, code: ReasonCode): unknown => byId.get(id)?.reasons.find((r) => r.code === code)
  t.equal(reasonOf('R08', 'CENTRE_CRITERIA_DONOR_AGE'), reasonOf('R09', 'CENTRE_CRITERIA_DONOR_AGE'), 'one reason object per distinct limit')
  t.not(reasonOf('R08', 'CENTRE_CRITERIA_DONOR_AGE'), reasonOf('R10', 'CENTRE_CRITERIA_DONOR_AGE'), 'another limit, another reason')
  t.match(reasonOf('R10', 'CENTRE_CRITERIA_DONOR_AGE'), { detail: 'donor age 40 years is above the candidate\'s maximum of 35.3 years' })
  t.match(reasonOf('R07', 'POSITIVE_VIRTUAL_CROSSMATCH'), { antigens: ['A2', 'B7', 'DR4'], detail: 'the donor carries unacceptable antigens A2, B7, DR4' })
  t.match(reasonOf('R13', 'CENTRE_CRITERIA_DONOR_WEIGHT'), { detail: /\(at least 90 kg\)$/ })
  t.match(reasonOf('R14', 'CENTRE_CRITERIA_DONOR_WEIGHT'), { detail: /\(at most 60 kg\)$/ })
  t.match(reasonOf('R15', 'CENTRE_CRITERIA_DONOR_WEIGHT'), { detail: /\(20–60\.5 kg\)$/ })
  t.not(reasonOf('R16', 'CENTRE_CRITERIA_DISTANCE'), reasonOf('R17', 'CENTRE_CRITERIA_DISTANCE'), 'distance reasons differ by centre')
  t.same(byId.get('R20')?.reasons.map((r) => r.code), ['INACTIVE', 'URGENCY_NOT_IN_POLICY', 'ABO_INCOMPATIBLE', 'CENTRE_CRITERIA_KDPI', 'CENTRE_CRITERIA_DCD'],
    'several reasons in REASON_CODES order')
  t.ok(REASON_CODES.indexOf('INACTIVE') < REASON_CODES.indexOf('CENTRE_CRITERIA_DCD'))
  t.ok(Object.isFrozen(reasonOf('R05', 'ABO_INCOMPATIBLE')), 'shared reasons are frozen')

  t.match(reasonOf('R18', 'MISSING_DATA'), { detail: 'not recorded for this candidate: candidate.eptsPercent' })

  const unknownKdpi = run(donor({ ageYears: 40, kdpi: undefined, pathway: 'DBD', weightKg: 80 }))
  checkIdentity(t, unknownKdpi, 'unknown donor KDPI')
  t.match(unknownKdpi.excluded.find((e) => e.candidateId === 'R11')?.reasons, [{ code: 'CENTRE_CRITERIA_KDPI', detail: /KDPI is not recorded and the candidate accepts at most 20%/ }])
  t.end()
})

t.test('ties: the lottery key is written where a neighbour ties, and sorts among the tie-breakers by name', (t) => {
  const { candidates, centres } = randomWaitlist(400, 'text-ties')
  const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates, centres })
  const tiePolicy = (tieBreakers: CompiledPolicy['document']['tieBreakers']): CompiledPolicy => compilePolicy(minimalPolicy({
    eligibility: { statuses: ['active'], abo: { ruleSet: 'compatible' }, virtualCrossmatch: false, centreAuthorisation: false, acceptanceCriteria: [], rules: [] },
    components: [{ name: 'cpra', input: 'candidate.cpraPercent', scale: { kind: 'linear', slope: 1 }, weight: 1 }],
    tieBreakers
  }))
  for (const [label, policy] of [
    ['no tie-breaker', tiePolicy([])],
    // Tie-breakers on the points' own input: they break no tie, and their keys sort around `lottery`.
    ['a tie-breaker sorting before lottery', tiePolicy([{ name: 'a-cpra', input: 'candidate.cpraPercent', order: 'desc' }])],
    ['a tie-breaker sorting after lottery', tiePolicy([{ name: 'z-cpra', input: 'candidate.cpraPercent', order: 'asc' }])]
  ] as const) {
    const list = runMatch({ matchRunId: `ties-${label}`, donor: donor({ abo: 'AB' }), organ: organ(donor()), policy, snapshot, matchTime: MATCH_TIME })
    checkIdentity(t, list, label)
    const lotteries = list.ranked.filter((e) => typeof e.tieBreak.lottery === 'string')
    t.ok(lotteries.length > 10, `${label}: ${lotteries.length} entries carry the lottery`)
    t.ok(lotteries.length < list.ranked.length, `${label}: not every entry`)
    const keys = Object.keys(lotteries[0]?.tieBreak ?? {})
    t.same(keys, [...keys].sort(), `${label}: tieBreak keys in code-unit order`)
  }
  t.end()
})

t.test('the entry objects are built once, on first read', (t) => {
  const { candidates, centres } = randomWaitlist(60, 'text-lazy')
  const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates, centres })
  const input: MatchRunInput = { matchRunId: 'lazy', donor: donor(), organ: organ(donor()), policy: builtInPolicy('us-kas-kidney'), snapshot, matchTime: MATCH_TIME }
  const context = prepareMatchContext(input)
  const scored = mergePartitions(context, snapshot, [scorePartition(context, snapshot, 0, 30), scorePartition(context, snapshot, 30, 60)])
  const list = buildMatchList(context, snapshot, scored)
  t.equal(list.ranked, list.ranked, 'ranked is one array')
  t.equal(list.excluded, list.excluded, 'excluded is one array')
  t.same(Object.keys(list), ['donorHash', 'donorId', 'excluded', 'matchRunId', 'matchTime', 'organ', 'policy', 'ranked', 'snapshotHash', 'outputHash'])
  t.equal(list.outputHash, runMatch(input).outputHash, 'two partitions give the serial hash')
  const copy = JSON.parse(JSON.stringify(list)) as MatchList
  t.ok(verifyMatchListHash(copy), 'a parsed copy verifies')
  t.notOk(verifyMatchListHash({ ...copy, ranked: copy.ranked.slice(1) }), 'an edited copy does not')
  t.end()
})

t.test('matchListJson: the whole list\'s canonical JSON, written from the arrays while no entry was read', (t) => {
  const { candidates, centres } = randomWaitlist(300, 'text-json')
  const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates, centres })
  const input: MatchRunInput = { matchRunId: 'json', donor: donor({ abo: 'O' }), organ: organ(donor()), policy: builtInPolicy('etkas-kidney'), snapshot, matchTime: MATCH_TIME }
  const unread = runMatch(input)
  const read = runMatch(input)
  t.ok(Object.isFrozen(unread) && Object.isFrozen(unread.organ) && Object.isFrozen(unread.policy), 'the list and its header objects are frozen')
  t.ok(verifyMatchListHash(unread), 'an unread list verifies without canonicalising')
  const fast = matchListJson(unread)
  const expected = canonicalJson(read)
  t.equal(fast, expected, 'written text equals canonicalJson of the objects, outputHash included')
  t.match(fast, /"organ":\{[^}]*\},"outputHash":"[0-9a-f]{64}","policy":/)
  t.ok(read.excluded.length > 0 && read.ranked.length > 0)
  t.equal(matchListJson(read), expected, 'a list whose entries were read is canonicalised as it stands')
  t.equal(unread.ranked.length, read.ranked.length)
  t.equal(matchListJson(unread), expected, 'after a read: the same text, by canonicalJson')
  const copy = JSON.parse(expected) as MatchList
  t.equal(matchListJson(copy), expected, 'a parsed copy (not from buildMatchList)')
  t.notOk(verifyMatchListHash({ ...copy, donorId: 'other' }), 'an edited copy does not verify')
  t.end()
})

t.test('property: random waiting lists, donors and policies give text identical to the objects', (t) => {
  const policies = [builtInPolicy('etkas-kidney'), builtInPolicy('us-kas-kidney')]
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 120 }), fc.string({ minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 1 }),
    fc.constantFrom('O', 'A', 'B', 'AB', 'A2'), fc.integer({ min: 5, max: 80 }),
    (count, seed, p, abo, ageYears) => {
      const { candidates, centres } = randomWaitlist(count, seed)
      const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates, centres })
      const d = donor({ abo, ageYears, pathway: ageYears % 2 === 0 ? 'DCD' : 'DBD' })
      return identical(runMatch({ matchRunId: `prop-${seed}`, donor: d, organ: organ(d), policy: policies[p] as CompiledPolicy, snapshot, matchTime: MATCH_TIME }))
    }), { numRuns: 150 })
  t.pass()
  t.end()
})
