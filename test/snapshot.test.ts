import t from 'tap'
import fc from 'fast-check'
import type { Candidate } from '../engine/domain/candidate.js'
import type { Centre } from '../engine/domain/centre.js'
import {
  ACCEPTS_DCD_NO, ACCEPTS_DCD_YES, FLAG_ACCEPTS_DCD_SHIFT, FLAG_ELIGIBLE_FOR_A2, FLAG_PRIOR_LIVING_DONOR,
  assembleWaitlistSnapshot, attachWaitlistSnapshot, buildWaitlistSnapshot, checkSnapshotCandidate, checkSnapshotCentres, retimeSnapshotCandidate,
  waitlistSnapshotParts, type CheckedCandidate, type WaitlistSnapshot
} from '../engine/match/snapshot.js'
import { canonicalJson, sha256Hex } from '../engine/canonical-hash.js'
import { candidate, centre, centreNorth } from './fixtures/match-fixtures.js'
import { randomWaitlist } from './fixtures/match-waitlist.js'

const AT = '2024-05-01T00:00:00Z'

function build (candidates: readonly Candidate[], centres: readonly Centre[] = [centre('C0'), centreNorth('C1', 2)]): WaitlistSnapshot {
  return buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates, centres })
}

t.test('columns hold each candidate in pseudonym order', async (t) => {
  const snapshot = build([
    candidate('P2', { centreId: 'C1', cpraPercent: 98.5, meld: undefined, ukRecipientRiskQuartile: 3, priorLivingDonor: true, urgency: 'HU', acceptance: { acceptsDcd: false, maxKdpi: 85 } }),
    candidate('P1', { abo: 'A2B', eligibleForA2Kidney: true, eptsPercent: undefined, diagnosisGroup: 'diabetes', acceptance: { acceptsDcd: true } })
  ])
  t.equal(snapshot.count, 2)
  t.same(snapshot.tables.candidateIds, ['P1', 'P2'])
  t.same(snapshot.tables.centres.map((c) => c.id), ['C0', 'C1'])
  const col = snapshot.columns
  t.same([...col.centre], [0, 1])
  t.same([...col.cpraPercent], [0, 98.5])
  t.ok(Number.isNaN(col.eptsPercent[0]) && col.eptsPercent[1] === 50, 'absent optional values are NaN')
  t.ok(Number.isNaN(col.meld[1]))
  t.same([...col.ukRecipientRiskQuartile], [0, 3], '0 marks an absent quartile')
  t.same([...col.abo], [7, 1], 'ABO_TYPES index (A2B, A)')
  t.same(snapshot.tables.urgencies, ['HU', 'elective'])
  t.same([...col.urgency], [1, 0])
  t.same(snapshot.tables.diagnosisGroups, ['diabetes', 'other'])
  t.equal(col.flags[0], FLAG_ELIGIBLE_FOR_A2 | (ACCEPTS_DCD_YES << FLAG_ACCEPTS_DCD_SHIFT))
  t.equal(col.flags[1], FLAG_PRIOR_LIVING_DONOR | (ACCEPTS_DCD_NO << FLAG_ACCEPTS_DCD_SHIFT))
  t.ok(Number.isNaN(col.maxKdpi[0]) && col.maxKdpi[1] === 85)
  // Registered 2020-01-01 at age 45 on 2024-05-01: 4.33 years earlier.
  const years = (Date.parse(AT) - Date.parse('2020-01-01T00:00:00Z')) / (365.25 * 86_400_000)
  t.equal(col.ageAtRegistrationYears[0], 45 - years)
  t.equal(col.registeredAtDays[0], Date.parse('2020-01-01T00:00:00Z') / 86_400_000)
  t.equal(snapshot.at, '2024-05-01T00:00:00.000Z')
})

t.test('HLA typings are interned per locus and unacceptable antigens expanded once', async (t) => {
  const snapshot = build([
    candidate('P1', { hla: { A: ['a*02', 'A1'], B: ['B8', 'B8'], DR: ['DR15'] }, unacceptableAntigens: ['a9', 'B44'] }),
    candidate('P2', { hla: { A: ['A1', 'A2'], B: ['B8'], DR: [] }, unacceptableAntigens: ['A24'] }),
    candidate('P3', { unacceptableAntigens: [] })
  ])
  const { tables, columns: col } = snapshot
  t.same(tables.hlaPhenotypes.A, [['A1', 'A2'], ['A1', 'A3']], 'normalised, deduplicated, sorted')
  t.same([...col.hlaA], [0, 0, 1], 'same typing, same code')
  t.same(tables.hlaPhenotypes.B, [['B7', 'B8'], ['B8']])
  t.same(tables.hlaPhenotypes.DR, [[], ['DR15'], ['DR4', 'DR7']], 'an untyped locus is the empty typing')
  t.same(tables.antigens, ['A9', 'A23', 'A24', 'B12', 'B44'])
  const codes = (i: number): string[] => [...col.unacceptableCodes.subarray(col.unacceptableOffsets[i], col.unacceptableOffsets[i + 1])].map((c) => tables.antigens[c] as string)
  t.same(codes(0), ['A9', 'A23', 'A24', 'B12', 'B44'], 'a broad takes its splits; a split takes its broad')
  t.same(codes(1), ['A9', 'A24'])
  t.same(codes(2), [])
})

t.test('the hash does not depend on the order of candidates, centres or authorisations', async (t) => {
  const waitlist = randomWaitlist(40, 'order')
  const reference = buildWaitlistSnapshot({ organType: 'kidney', at: AT, ...waitlist })
  fc.assert(fc.property(fc.func(fc.integer()), (key) => {
    const shuffle = <T>(items: readonly T[]): T[] => items.map((item, i) => ({ item, k: key(i) })).sort((a, b) => a.k - b.k).map((x) => x.item)
    const centres = shuffle(waitlist.centres).map((c) => ({ ...c, authorisations: shuffle(c.authorisations) }))
    const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: shuffle(waitlist.candidates), centres })
    return snapshot.hash === reference.hash
  }), { numRuns: 50 })
  t.pass('same hash for every order')
  const changed = waitlist.candidates.map((c, i) => i === 7 ? { ...c, waitingDays: c.waitingDays + 1 } : c)
  t.not(buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: changed, centres: waitlist.centres }).hash, reference.hash, 'one day of waiting time changes the hash')
  t.not(buildWaitlistSnapshot({ organType: 'kidney', at: '2024-05-01T00:00:01Z', ...waitlist }).hash, reference.hash, 'the instant is part of the content')
})

t.test('a snapshot stays within 256 bytes per candidate', async (t) => {
  const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, ...randomWaitlist(2000, 'size') })
  const perCandidate = snapshot.byteLength / snapshot.count
  t.ok(perCandidate <= 256, `${perCandidate.toFixed(1)} bytes per candidate`)
  t.ok(snapshot.buffer instanceof SharedArrayBuffer)
})

t.test('a worker rebuilds the same snapshot from its parts', async (t) => {
  const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, ...randomWaitlist(30, 'parts') })
  const parts = structuredClone(waitlistSnapshotParts(snapshot))
  const attached = attachWaitlistSnapshot(parts, { verify: true })
  t.equal(attached.hash, snapshot.hash)
  t.equal(attached.count, snapshot.count)
  t.same([...attached.columns.waitingDays], [...snapshot.columns.waitingDays])
  attached.columns.waitingDays[0] = 1 // shared memory: the write is visible in the original
  t.equal(snapshot.columns.waitingDays[0], 1)
  t.throws(() => attachWaitlistSnapshot(parts, { verify: true }), { code: 'ENGINE_INVALID_FIELD', field: 'hash' }, 'tampering is detected when verifying')
  t.throws(() => attachWaitlistSnapshot({ ...parts, tables: { ...parts.tables, format: 2 as 1 } }), { code: 'ENGINE_INVALID_FIELD', field: 'tables.format' })
  t.throws(() => attachWaitlistSnapshot({ ...parts, buffer: new SharedArrayBuffer(8) }), { code: 'ENGINE_INVALID_FIELD', field: 'buffer' })
})

t.test('an empty waiting list is a valid snapshot', async (t) => {
  const snapshot = build([])
  t.equal(snapshot.count, 0)
  t.equal(snapshot.columns.unacceptableOffsets.length, 1)
})

t.test('bad input is refused with the field named', async (t) => {
  const cases: Array<[string, () => unknown, { code: string, field: string }]> = [
    ['organ', () => build([candidate('P1', { organType: 'liver' })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].organType' }],
    ['centre', () => build([candidate('P1', { centreId: 'C9' })]), { code: 'ENGINE_UNKNOWN_VALUE', field: 'candidates[0].centreId' }],
    ['duplicate candidate', () => build([candidate('P1'), candidate('P1')]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates' }],
    ['duplicate centre', () => build([], [centre('C0'), centre('C0')]), { code: 'ENGINE_INVALID_FIELD', field: 'centres' }],
    ['future registration', () => build([candidate('P1', { registeredAt: '2024-05-02' })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].registeredAt' }],
    ['registration format', () => build([candidate('P1', { registeredAt: '01/02/2020' })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].registeredAt' }],
    ['impossible date', () => build([candidate('P1', { registeredAt: '2020-13-45' })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].registeredAt' }],
    ['cPRA range', () => build([candidate('P1', { cpraPercent: 101 })]), { code: 'ENGINE_OUT_OF_RANGE', field: 'candidates[0].cpraPercent' }],
    ['NaN', () => build([candidate('P1', { waitingDays: Number.NaN })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].waitingDays' }],
    ['missing', () => build([{ ...candidate('P1'), dialysisDays: undefined } as unknown as Candidate]), { code: 'ENGINE_MISSING_FIELD', field: 'candidates[0].dialysisDays' }],
    ['optional range', () => build([candidate('P1', { meld: 50 })]), { code: 'ENGINE_OUT_OF_RANGE', field: 'candidates[0].meld' }],
    ['quartile', () => build([candidate('P1', { ukRecipientRiskQuartile: 2.5 })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].ukRecipientRiskQuartile' }],
    ['antigen', () => build([candidate('P1', { unacceptableAntigens: ['A2', 'A*02:01'] })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].unacceptableAntigens[1]' }],
    ['antigen list', () => build([candidate('P1', { unacceptableAntigens: 'A2' as unknown as string[] })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].unacceptableAntigens' }],
    ['typing', () => build([candidate('P1', { hla: { A: ['B7'], B: ['B8'], DR: ['DR4'] } })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].hla.A[0]' }],
    ['acceptance', () => build([candidate('P1', { acceptance: undefined as unknown as Candidate['acceptance'] })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].acceptance' }],
    ['weight range', () => build([candidate('P1', { acceptance: { minDonorWeightKg: 90, maxDonorWeightKg: 60 } })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].acceptance.minDonorWeightKg' }],
    ['acceptsDcd', () => build([candidate('P1', { acceptance: { acceptsDcd: 'yes' as unknown as boolean } })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].acceptance.acceptsDcd' }],
    ['status', () => build([candidate('P1', { status: 'waiting' as Candidate['status'] })]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0].status' }],
    ['not an object', () => build([null as unknown as Candidate]), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[0]' }],
    ['at', () => buildWaitlistSnapshot({ organType: 'kidney', at: '2024-05-01', candidates: [], centres: [] }), { code: 'ENGINE_INVALID_FIELD', field: 'at' }],
    ['organType', () => buildWaitlistSnapshot({ organType: 'spleen' as 'kidney', at: AT, candidates: [], centres: [] }), { code: 'ENGINE_INVALID_FIELD', field: 'organType' }],
    ['candidate list', () => buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: {} as Candidate[], centres: [] }), { code: 'ENGINE_INVALID_FIELD', field: 'candidates' }],
    ['centre list', () => buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: [], centres: {} as Centre[] }), { code: 'ENGINE_INVALID_FIELD', field: 'centres' }],
    ['country', () => build([], [centre('C0', { country: 'Netherlands' })]), { code: 'ENGINE_INVALID_FIELD', field: 'centres[0].country' }],
    ['latitude', () => build([], [centre('C0', { latitudeDeg: 91 })]), { code: 'ENGINE_OUT_OF_RANGE', field: 'centres[0].latitudeDeg' }],
    ['authorisations', () => build([], [centre('C0', { authorisations: undefined as unknown as Centre['authorisations'] })]), { code: 'ENGINE_INVALID_FIELD', field: 'centres[0].authorisations' }],
    ['authorisation date', () => build([], [centre('C0', { authorisations: [{ organType: 'kidney', activity: 'transplant', validFrom: '2020', suspended: false }] })]), { code: 'ENGINE_INVALID_FIELD', field: 'centres[0].authorisations[0].validFrom' }]
  ]
  for (const [name, run, expected] of cases) t.throws(run, expected, name)
  // validUntil, when given, is kept; null counts as absent.
  const snapshot = build([], [centre('C0', { authorisations: [
    { organType: 'kidney', activity: 'transplant', validFrom: '2020-01-01', validUntil: '2030-01-01', suspended: false },
    { organType: 'kidney', activity: 'recovery', validFrom: '2020-01-01', validUntil: null as unknown as undefined, suspended: false }
  ] })])
  t.same(snapshot.tables.centres[0]?.authorisations.map((a) => a.validUntil), [undefined, '2030-01-01'])
})

t.test('assembling checked candidates gives the built snapshot; the hash is the canonical JSON of tables and column digest', async (t) => {
  const waitlist = randomWaitlist(60, 'assemble')
  const built = buildWaitlistSnapshot({ organType: 'kidney', at: AT, ...waitlist })
  const centres = checkSnapshotCentres(waitlist.centres)
  const ids = new Set(centres.map((c) => c.id))
  const atMs = Date.parse(AT)
  const checked = waitlist.candidates.map((c, i) => checkSnapshotCandidate(c, i, 'kidney', atMs, ids)).reverse()
  const assembled = assembleWaitlistSnapshot({ organType: 'kidney', at: built.at, centres, candidates: checked })
  t.equal(assembled.hash, built.hash)
  t.ok(Buffer.from(assembled.buffer).equals(Buffer.from(built.buffer)), 'same column bytes')
  // The hash as the format defines it, computed independently of the builder's shortcut.
  t.equal(built.hash, sha256Hex(canonicalJson({ tables: built.tables, columnsSha256: sha256Hex(new Uint8Array(built.buffer)) })))
  t.equal(built.byteLength, built.buffer.byteLength + new TextEncoder().encode(JSON.stringify(built.tables)).byteLength)
  t.equal(attachWaitlistSnapshot(waitlistSnapshotParts(built)).byteLength, built.byteLength, 'a worker computes the same size')
  t.throws(() => assembleWaitlistSnapshot({ organType: 'kidney', at: built.at, centres, candidates: [...checked, checked[0] as CheckedCandidate] }), { code: 'ENGINE_INVALID_FIELD', field: 'candidates' })
})

t.test('property: a checked candidate retimed to another instant equals one checked at that instant', async (t) => {
  const waitlist = randomWaitlist(20, 'retime')
  const ids = new Set(waitlist.centres.map((c) => c.id))
  const atMs = Date.parse(AT)
  fc.assert(fc.property(fc.nat({ max: 19 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 100 }), (index, laterDays, waitingDays, ageYears) => {
    const candidate = waitlist.candidates[index] as Candidate
    const laterMs = atMs + laterDays * 86_400_000 + 1234
    const timed = { waitingDays, dialysisDays: Math.min(waitingDays, candidate.dialysisDays + laterDays), ageYears }
    const checked = checkSnapshotCandidate(candidate, index, 'kidney', atMs, ids)
    const expected = checkSnapshotCandidate({ ...candidate, ...timed }, index, 'kidney', laterMs, ids)
    return JSON.stringify(retimeSnapshotCandidate(checked, index, laterMs, timed)) === JSON.stringify(expected)
  }), { numRuns: 100 })
  t.pass()
  const checked = checkSnapshotCandidate(waitlist.candidates[0], 0, 'kidney', atMs, ids)
  t.throws(() => retimeSnapshotCandidate(checked, 4, checked.registeredMs - 1, { waitingDays: 0, dialysisDays: 0, ageYears: 40 }), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[4].registeredAt' })
  t.throws(() => retimeSnapshotCandidate(checked, 4, atMs, { waitingDays: 40_000, dialysisDays: 0, ageYears: 40 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'candidates[4].waitingDays' })
  t.throws(() => retimeSnapshotCandidate(checked, 4, atMs, { waitingDays: 1, dialysisDays: Number.NaN, ageYears: 40 }), { code: 'ENGINE_INVALID_FIELD', field: 'candidates[4].dialysisDays' })
  t.throws(() => retimeSnapshotCandidate(checked, 4, atMs, { waitingDays: 1, dialysisDays: 1, ageYears: 121 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'candidates[4].ageYears' })
})
