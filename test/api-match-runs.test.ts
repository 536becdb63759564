import t, { type Test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildServer, type ServerDeps } from '../api/server.js'
import { serialMatchRunner } from '../api/match-service.js'
import { openDatabase } from '../data/db/connection.js'
import { createRegistry, type Registry } from '../data/registry.js'
import { deriveKeys } from '../data/security/keys.js'
import { WorkerFailedError } from '../engine/errors.js'
import { candidateInput, deceasedDonorInput, seedCentres, steppingClock, TEST_MASTER_KEY } from './fixtures/registry-fixtures.js'

type Staff = 'clerk' | 'officer' | 'auditor' | 'authority'
const ROLE_OF: Record<Staff, string> = { clerk: 'registry-clerk', officer: 'allocation-officer', auditor: 'auditor', authority: 'registry-authority' }

interface Setup {
  readonly app: FastifyInstance
  readonly registry: Registry
  /** Injects as a staff member and returns status, headers and parsed body. */
  readonly as: (who: Staff, options: InjectOptions) => Promise<{ status: number, headers: Record<string, unknown>, body: any }>
}

/**
 * A registry and a server sharing one clock (one second per reading from 2025-01-01), so that
 * "as known at the match time" means the same instant to both: rows recorded after a run are later.
 */
async function setup (t: Test, deps: Partial<ServerDeps> = {}): Promise<Setup> {
  const clock = steppingClock('2025-01-01T00:00:00.000Z')
  const registry = createRegistry(openDatabase({ file: ':memory:' }), deriveKeys(TEST_MASTER_KEY, 'env'), { now: clock })
  seedCentres(registry)
  const tokens: Record<string, string> = {}
  for (const [who, role] of Object.entries(ROLE_OF)) {
    registry.users.create({ id: `${who}.one`, roles: [role as 'auditor'] }, 'system')
    tokens[who] = registry.users.issueToken(`${who}.one`, { expiresAt: '2030-01-01T00:00:00Z' }, 'system').token
  }
  const app = await buildServer({ version: 'test', logger: false, registry, now: clock, ...deps })
  t.teardown(async () => {
    await app.close()
    registry.close()
  })
  const as = async (who: Staff, options: InjectOptions): Promise<{ status: number, headers: Record<string, unknown>, body: any }> => {
    const response = await app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${tokens[who] ?? ''}` } })
    return { status: response.statusCode, headers: response.headers, body: response.body === '' ? undefined : response.json() }
  }
  return { app, registry, as }
}

/**
 * Six kidney candidates at NL-LUMC. Donor (below) is A with A2 A3 / B7 B62 / DR4 DR11:
 * K-O is group O (ETKAS "identical" rule excludes it), K-X lists A3 as unacceptable (crossmatch),
 * the other four are A and are ranked, longer dialysis first.
 */
function registerCandidates (registry: Registry): Record<string, string> {
  const ids: Record<string, string> = {}
  const make = (localId: string, overrides: Parameters<typeof candidateInput>[0]): void => {
    ids[localId] = registry.candidates.register(candidateInput({ localId, identifiers: undefined, protectedAttributes: undefined, ...overrides }), 'clerk.one').id
  }
  make('K-1', { waitingTimeFrom: '2019-01-01T00:00:00Z', clinical: { ...candidateInput().clinical, dialysisFrom: '2019-01-01T00:00:00Z' }, unacceptableAntigens: [] })
  make('K-2', { waitingTimeFrom: '2020-01-01T00:00:00Z', clinical: { ...candidateInput().clinical, dialysisFrom: '2020-01-01T00:00:00Z' }, unacceptableAntigens: [] })
  make('K-3', { waitingTimeFrom: '2021-01-01T00:00:00Z', clinical: { ...candidateInput().clinical, dialysisFrom: '2021-01-01T00:00:00Z' }, unacceptableAntigens: [] })
  make('K-4', { waitingTimeFrom: '2022-01-01T00:00:00Z', clinical: { ...candidateInput().clinical, dialysisFrom: '2022-01-01T00:00:00Z' }, unacceptableAntigens: [] })
  make('K-O', { abo: 'O', unacceptableAntigens: [] })
  make('K-X', { unacceptableAntigens: ['A3'] })
  return ids
}

/** Reports the donor through the API, registers its left kidney, records consent; returns the organ id. */
async function donorWithKidney (s: Setup, localId = 'ET-2025-000123'): Promise<{ donorId: string, organId: string }> {
  const { identifiers: _i, protectedAttributes: _p, ...report } = deceasedDonorInput({ localId })
  const donor = await s.as('officer', { method: 'POST', url: '/v1/donors', payload: report })
  const donorId = donor.body.donor.id as string
  const organ = await s.as('officer', { method: 'POST', url: `/v1/donors/${donorId}/organs`, payload: { organType: 'kidney', part: 'left' } })
  await s.as('clerk', { method: 'POST', url: `/v1/donors/${donorId}/consents`, payload: { recordType: 'consent', basis: 'donor-registration', organTypes: ['kidney'], obtainedAt: '2025-02-01T02:00:00Z', obtainedBy: 'coordinator.one' } })
  return { donorId, organId: organ.body.organ.id as string }
}

t.test('a match run: created once, paged, listed on its organ, its built-in policy recorded', async (t) => {
  const s = await setup(t)
  const ids = registerCandidates(s.registry)
  const { donorId, organId } = await donorWithKidney(s)
  const created = await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'etkas-kidney' } })
  t.equal(created.status, 201)
  const run = created.body.matchRun
  t.match(run, { organId, donorId, policy: { id: 'etkas-kidney', version: '1.0.0' }, ranked: 4, excluded: 2 })
  t.match(run.outputHash, /^[0-9a-f]{64}$/)
  t.equal(created.headers.location, `/v1/match-runs/${run.id as string}`)

  const first = await s.as('officer', { method: 'GET', url: `/v1/match-runs/${run.id as string}?limit=2` })
  t.same(first.body.page, { list: 'ranked', offset: 0, limit: 2, total: 4 })
  t.same(first.body.ranked.map((e: { candidateId: string }) => e.candidateId), [ids['K-1'], ids['K-2']], 'longest dialysis first')
  t.match(first.body.ranked[0], { rank: 1, centreId: 'NL-LUMC', tier: { name: String }, points: Object, totalPoints: Number })
  const second = await s.as('auditor', { method: 'GET', url: `/v1/match-runs/${run.id as string}?offset=2&limit=2` })
  t.same(second.body.ranked.map((e: { rank: number }) => e.rank), [3, 4])
  const excluded = await s.as('officer', { method: 'GET', url: `/v1/match-runs/${run.id as string}?list=excluded` })
  const reasons = Object.fromEntries(excluded.body.excluded.map((e: { candidateId: string, reasons: Array<{ code: string }> }) => [e.candidateId, e.reasons.map((r) => r.code)]))
  t.same(reasons[ids['K-O'] as string], ['ABO_INCOMPATIBLE'])
  t.same(reasons[ids['K-X'] as string], ['POSITIVE_VIRTUAL_CROSSMATCH'])
  t.equal(excluded.body.ranked, undefined, 'one list per page')

  const organ = await s.as('clerk', { method: 'GET', url: `/v1/organs/${organId}` })
  t.same(organ.body.matchRuns.map((r: { id: string }) => r.id), [run.id])
  const policies = await s.as('auditor', { method: 'GET', url: '/v1/policies' })
  t.match(policies.body.policies.find((p: { id: string }) => p.id === 'etkas-kidney'), { builtIn: true, recordedAt: String, hash: run.policy.hash })
  t.equal((await s.as('officer', { method: 'GET', url: '/v1/match-runs/M-nope' })).status, 404)
  t.equal((await s.as('officer', { method: 'GET', url: `/v1/match-runs/${run.id as string}?limit=501` })).status, 400)
  // A second run of the same organ under the now-recorded policy version.
  const again = await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'etkas-kidney', policyVersion: '1.0.0' } })
  t.equal(again.status, 201)
  t.not(again.body.matchRun.id, run.id)
  t.equal(again.body.matchRun.policy.hash, run.policy.hash)
})

t.test('match run refusals: unknown organ or policy 400, wrong organ type 422, living donor 422, used organ 409, pool failure 503', async (t) => {
  let fail = false
  const s = await setup(t, { matchRunner: async (input) => { if (fail) throw new WorkerFailedError('worker exited', { field: 'partition' }); return await serialMatchRunner(input) } })
  registerCandidates(s.registry)
  const { donorId, organId } = await donorWithKidney(s)
  const unknownOrgan = await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId: 'D-0000000000000000000000000.kidney.left', policyId: 'etkas-kidney' } })
  t.match(unknownOrgan.body, { status: 400, code: 'ENGINE_UNKNOWN_VALUE', errors: [{ field: 'body.organId' }] })
  const unknownPolicy = await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'no-such-policy' } })
  t.match(unknownPolicy.body, { status: 400, code: 'ENGINE_UNKNOWN_VALUE', errors: [{ field: 'body.policyId' }] })
  const unknownVersion = await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'etkas-kidney', policyVersion: '9.9.9' } })
  t.match(unknownVersion.body, { status: 400, errors: [{ field: 'body.policyVersion' }] })
  const liver = await s.as('officer', { method: 'POST', url: `/v1/donors/${donorId}/organs`, payload: { organType: 'liver', part: 'whole' } })
  const mismatch = await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId: liver.body.organ.id, policyId: 'etkas-kidney' } })
  t.match(mismatch.body, { status: 422, code: 'ENGINE_MATCH_RUN_FAILED' })
  const living = s.registry.donors.registerLiving({ ...deceasedDonorInput({ localId: 'LD-1', identifiers: undefined, protectedAttributes: undefined }), relationship: 'genetic' }, 'clerk.one')
  const livingKidney = s.registry.donors.registerOrgan(living.id, { organType: 'kidney', part: 'left' }, 'clerk.one')
  const directed = await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId: livingKidney.id, policyId: 'etkas-kidney' } })
  t.match(directed.body, { status: 422, code: 'ENGINE_MATCH_RUN_FAILED', errors: [{ field: 'body.organId' }] })
  fail = true
  const crashed = await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'etkas-kidney' } })
  t.match(crashed.body, { status: 503, code: 'ENGINE_WORKER_FAILED' })
  fail = false
  s.registry.donors.recordDisposition(organId, { disposition: 'discarded', at: '2025-02-02T00:00:00Z', reason: 'biopsy' }, 'clerk.one')
  const used = await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'etkas-kidney' } })
  t.match(used.body, { status: 409, code: 'API_ORGAN_UNAVAILABLE' })
  t.equal(s.registry.db.prepare('SELECT count(*) FROM match_runs').pluck().get(), 0, 'no refused request left a match run behind')
})

t.test('idempotency keys: a retry replays the first answer, a changed request with the same key is 409', async (t) => {
  let runs = 0
  const s = await setup(t, { matchRunner: async (input) => { runs++; return await serialMatchRunner(input) } })
  const ids = registerCandidates(s.registry)
  const { organId } = await donorWithKidney(s)
  const key = { 'idempotency-key': '5f0c1c2e-retry-1' }
  const first = await s.as('officer', { method: 'POST', url: '/v1/match-runs', headers: key, payload: { organId, policyId: 'etkas-kidney' } })
  const retry = await s.as('officer', { method: 'POST', url: '/v1/match-runs', headers: key, payload: { organId, policyId: 'etkas-kidney' } })
  t.equal(retry.status, 201)
  t.same(retry.body, first.body)
  t.equal(retry.headers['idempotent-replayed'], 'true')
  t.equal(retry.headers.location, first.headers.location)
  t.equal(first.headers['idempotent-replayed'], undefined)
  t.equal(runs, 1, 'the retry did not score again')
  t.equal(s.registry.db.prepare('SELECT count(*) FROM match_runs').pluck().get(), 1)
  const changed = await s.as('officer', { method: 'POST', url: '/v1/match-runs', headers: key, payload: { organId, policyId: 'etkas-kidney', policyVersion: '1.0.0' } })
  t.match(changed.body, { status: 409, code: 'API_IDEMPOTENCY_KEY_REUSED', errors: [{ field: 'headers.idempotency-key' }] })
  const bad = await s.as('officer', { method: 'POST', url: '/v1/match-runs', headers: { 'idempotency-key': 'x'.repeat(256) }, payload: { organId, policyId: 'etkas-kidney' } })
  t.match(bad.body, { status: 400, code: 'API_VALIDATION_FAILED', errors: [{ field: 'headers.idempotency-key' }] })

  // Offers and transplants too; a key is scoped to the endpoint's request, so reusing it elsewhere conflicts.
  const runId = first.body.matchRun.id as string
  const offer = { candidateId: ids['K-1'], response: 'N', refusalCode: 702, respondedAt: '2025-06-01T00:00:00Z' }
  const o1 = await s.as('officer', { method: 'POST', url: `/v1/match-runs/${runId}/offers`, headers: { 'idempotency-key': 'offer-1' }, payload: offer })
  const o2 = await s.as('officer', { method: 'POST', url: `/v1/match-runs/${runId}/offers`, headers: { 'idempotency-key': 'offer-1' }, payload: offer })
  t.equal(o1.status, 201)
  t.same(o2.body, o1.body)
  t.equal(s.registry.matchRuns.offers(runId).length, 1, 'one offer response recorded')
  const crossed = await s.as('officer', { method: 'POST', url: '/v1/match-runs', headers: { 'idempotency-key': 'offer-1' }, payload: { organId, policyId: 'etkas-kidney' } })
  t.equal(crossed.status, 409)
  // Keys belong to their user: the same key from someone else is a new request.
  const other = await s.as('officer', { method: 'POST', url: `/v1/match-runs/${runId}/offers`, headers: { 'idempotency-key': 'offer-2' }, payload: { ...offer, candidateId: ids['K-2'] } })
  t.equal(other.status, 201)
  t.equal(s.registry.db.prepare('SELECT count(*) FROM idempotency_keys').pluck().get(), 3)
})

t.test('replay: identical from the registry as known then, even after a back-dated registration; a tampered list is caught and flagged', async (t) => {
  const s = await setup(t)
  registerCandidates(s.registry)
  const { organId } = await donorWithKidney(s)
  const run = (await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'etkas-kidney' } })).body.matchRun
  // A candidate recorded after the run but back-dated to before it: today's view changes, the replay does not.
  s.registry.candidates.register(candidateInput({ localId: 'K-LATE', registeredAt: '2024-01-01T00:00:00Z', waitingTimeFrom: '2015-01-01T00:00:00Z', identifiers: undefined, protectedAttributes: undefined, unacceptableAntigens: [] }), 'clerk.one')
  const replay = await s.as('auditor', { method: 'POST', url: `/v1/match-runs/${run.id as string}/replay` })
  t.equal(replay.status, 200)
  t.match(replay.body, { matchRunId: run.id, identical: true, storedListIntact: true, stored: { outputHash: run.outputHash }, replayed: { outputHash: run.outputHash, ranked: 4, excluded: 2 } })
  t.equal(replay.body.flagId, undefined)
  const entries = s.registry.audit.list({ entityType: 'match-run', entityId: run.id, limit: 10 }).map((e) => e.action)
  t.same(entries, ['match-run.recorded', 'match-run.replayed'])

  // Someone with the file edits the stored list (dropping the guard trigger first).
  s.registry.db.exec('DROP TRIGGER IF EXISTS match_runs_no_update')
  for (const trigger of s.registry.db.prepare('SELECT name FROM sqlite_master WHERE type = \'trigger\' AND tbl_name = \'match_runs\'').pluck().all() as string[]) s.registry.db.exec(`DROP TRIGGER "${trigger}"`)
  const stored = JSON.parse(s.registry.db.prepare('SELECT match_list_json FROM match_runs WHERE id = ?').pluck().get(run.id) as string)
  stored.ranked.reverse()
  s.registry.db.prepare('UPDATE match_runs SET match_list_json = ? WHERE id = ?').run(JSON.stringify(stored), run.id)
  const caught = await s.as('auditor', { method: 'POST', url: `/v1/match-runs/${run.id as string}/replay` })
  t.match(caught.body, { identical: false, storedListIntact: false, flagId: Number })
  const flags = await s.as('auditor', { method: 'GET', url: '/v1/oversight/review-queue?status=open&ruleId=F3@1' })
  t.match(flags.body.flags, [{ id: caught.body.flagId, ruleId: 'F3@1', severity: 'B', entityId: run.id, evidence: { storedListIntact: false } }])
  const verify = await s.as('auditor', { method: 'GET', url: '/v1/audit/verify' })
  t.equal(verify.body.ok, false, 'the audit chain also names the edited row')
  t.match(verify.body.firstBroken.reason, /match_runs row .* was altered/)
  t.equal((await s.as('auditor', { method: 'POST', url: '/v1/match-runs/M-missing/replay' })).status, 404)
})

t.test('replay reports a policy it cannot find instead of guessing', async (t) => {
  const s = await setup(t)
  registerCandidates(s.registry)
  const { organId } = await donorWithKidney(s)
  const run = (await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'etkas-kidney' } })).body.matchRun
  for (const trigger of s.registry.db.prepare('SELECT name FROM sqlite_master WHERE type = \'trigger\' AND tbl_name = \'policy_versions\'').pluck().all() as string[]) s.registry.db.exec(`DROP TRIGGER "${trigger}"`)
  s.registry.db.prepare('UPDATE policy_versions SET hash = ? WHERE hash = ?').run('0'.repeat(64), run.policy.hash)
  const replay = await s.as('auditor', { method: 'POST', url: `/v1/match-runs/${run.id as string}/replay` })
  t.match(replay.body, { identical: false, storedListIntact: true, reason: /no policy with hash/, flagId: Number })
  t.equal(replay.body.replayed, undefined)
})

t.test('offers: responses and refusal codes, only for ranked candidates, with the rank as sequence number', async (t) => {
  const s = await setup(t)
  const ids = registerCandidates(s.registry)
  const { organId } = await donorWithKidney(s)
  const run = (await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'etkas-kidney' } })).body.matchRun
  const url = `/v1/match-runs/${run.id as string}/offers`
  const at = '2025-06-01T00:00:00Z'
  const z = await s.as('officer', { method: 'POST', url, payload: { candidateId: ids['K-2'], response: 'Z', respondedAt: at, respondedBy: 'surgeon.lumc' } })
  t.match(z.body.offer, { candidateId: ids['K-2'], sequenceNumber: 2, response: 'Z', respondedBy: 'surgeon.lumc' })
  const n = await s.as('officer', { method: 'POST', url, payload: { candidateId: ids['K-1'], response: 'N', refusalCode: 830 - 100, respondedAt: at } })
  t.match(n.body.offer, { sequenceNumber: 1, refusalCode: 730, respondedBy: 'officer.one' })
  t.match((await s.as('officer', { method: 'POST', url, payload: { candidateId: ids['K-3'], response: 'N', respondedAt: at } })).body, { status: 400, code: 'ENGINE_INVALID_FIELD', errors: [{ field: 'body.refusalCode' }] })
  t.match((await s.as('officer', { method: 'POST', url, payload: { candidateId: ids['K-3'], response: 'Y', refusalCode: 701, respondedAt: at } })).body, { status: 400, errors: [{ field: 'body.refusalCode' }] })
  t.match((await s.as('officer', { method: 'POST', url, payload: { candidateId: ids['K-3'], response: 'B', refusalCode: 900, respondedAt: at } })).body, { status: 400, errors: [{ field: 'body.refusalCode', rule: 'must be <= 799' }] })
  t.match((await s.as('officer', { method: 'POST', url, payload: { candidateId: ids['K-3'], response: 'Q', respondedAt: at } })).body, { status: 400, errors: [{ field: 'body.response' }] })
  t.match((await s.as('officer', { method: 'POST', url, payload: { candidateId: ids['K-3'], response: 'Y', respondedAt: '2020-01-01T00:00:00Z' } })).body, { status: 400, errors: [{ field: 'body.respondedAt' }] })
  t.match((await s.as('officer', { method: 'POST', url, payload: { candidateId: ids['K-O'], response: 'Y', respondedAt: at } })).body, { status: 409, code: 'API_CANDIDATE_NOT_ON_MATCH_RUN', errors: [{ rule: /ABO_INCOMPATIBLE/ }] })
  const stranger = s.registry.candidates.idFor('never-registered')
  t.match((await s.as('officer', { method: 'POST', url, payload: { candidateId: stranger, response: 'Y', respondedAt: at } })).body, { status: 409, code: 'API_CANDIDATE_NOT_ON_MATCH_RUN' })
  t.equal((await s.as('officer', { method: 'POST', url: '/v1/match-runs/M-none/offers', payload: { candidateId: ids['K-1'], response: 'Y', respondedAt: at } })).status, 404)
  const defaulted = await s.as('officer', { method: 'POST', url, payload: { candidateId: ids['K-3'], response: 'Z' } })
  t.match(defaulted.body.offer, { sequenceNumber: 3, respondedAt: /^2025-01-01T00:0/ }, 'respondedAt defaults to the server clock')
  const list = await s.as('auditor', { method: 'GET', url })
  t.same(list.body.offers.map((o: { sequenceNumber: number, response: string }) => `${o.sequenceNumber}${o.response}`), ['1N', '2Z', '3Z'])
})

t.test('transplants: refused off the match run (F1), flagged when higher-ranked candidates were skipped (F2), follow-ups scheduled', async (t) => {
  const s = await setup(t)
  const ids = registerCandidates(s.registry)
  const { organId } = await donorWithKidney(s)
  const run = (await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'etkas-kidney' } })).body.matchRun
  await s.as('officer', { method: 'POST', url: `/v1/match-runs/${run.id as string}/offers`, payload: { candidateId: ids['K-1'], response: 'N', refusalCode: 702, respondedAt: '2025-06-01T00:00:00Z' } })
  const notRecovered = await s.as('clerk', { method: 'POST', url: '/v1/transplants', payload: { organId, candidateId: ids['K-3'], centreId: 'NL-LUMC', transplantedAt: '2025-02-02T10:00:00Z', matchRunId: run.id } })
  t.match(notRecovered.body, { status: 400, errors: [{ field: 'body.organId', rule: 'has no recovery recorded' }] })
  const recovered = await s.as('clerk', { method: 'POST', url: `/v1/organs/${organId}/recovery`, payload: { recoveredAt: '2025-02-02T06:00:00Z' } })
  t.equal(recovered.body.organ.recoveredAt, '2025-02-02T06:00:00.000Z')
  t.match((await s.as('clerk', { method: 'POST', url: `/v1/organs/${organId}/recovery`, payload: { recoveredAt: '2025-02-02T06:00:00Z' } })).body, { status: 409, code: 'API_CONFLICT', errors: [{ field: 'params.organId' }] })
  const base = { organId, centreId: 'NL-LUMC', transplantedAt: '2025-02-02T10:00:00Z', matchRunId: run.id }
  const offList = await s.as('clerk', { method: 'POST', url: '/v1/transplants', payload: { ...base, candidateId: ids['K-X'] } })
  t.match(offList.body, { status: 409, code: 'API_CANDIDATE_NOT_ON_MATCH_RUN', errors: [{ field: 'body.candidateId', rule: /POSITIVE_VIRTUAL_CROSSMATCH/ }] })
  t.match((await s.as('clerk', { method: 'POST', url: '/v1/transplants', payload: { ...base, candidateId: ids['K-3'], matchRunId: undefined } })).body, { status: 400, errors: [{ field: 'body.matchRunId' }] })

  // K-3 is ranked third: K-1 refused (N 702), K-2 has no response: one skipped candidate, flagged F2.
  const headers = { 'idempotency-key': 'tx-1' }
  const done = await s.as('clerk', { method: 'POST', url: '/v1/transplants', headers, payload: { ...base, candidateId: ids['K-3'] } })
  t.equal(done.status, 201)
  t.match(done.body.transplant, { organId, candidateId: ids['K-3'], matchRunId: run.id, id: /^T-/ })
  t.match(done.body.oversightFlags, [{ ruleId: 'F2@1', severity: 'R', skippedCandidates: 1 }])
  const flag = s.registry.oversight.get(done.body.oversightFlags[0].id)
  t.match(flag.evidence, { recipientRank: 3, skippedCount: 1, skippedCandidates: [ids['K-2']] })
  const retried = await s.as('clerk', { method: 'POST', url: '/v1/transplants', headers, payload: { ...base, candidateId: ids['K-3'] } })
  t.same(retried.body, done.body, 'a retried transplant is the same transplant')
  const twice = await s.as('clerk', { method: 'POST', url: '/v1/transplants', payload: { ...base, candidateId: ids['K-4'] } })
  t.match(twice.body, { status: 409, code: 'API_CONFLICT' }, 'an organ is transplanted once')

  const transplantId = done.body.transplant.id as string
  t.match((await s.as('auditor', { method: 'GET', url: `/v1/transplants/${transplantId}` })).body.transplant, { id: transplantId })
  const followUps = (await s.as('clerk', { method: 'GET', url: `/v1/transplants/${transplantId}/follow-ups` })).body.followUps
  t.equal(followUps.length, 11)
  t.match(followUps[0], { label: '6-month', dueDate: '2025-08-02', status: 'due' })
  const completed = await s.as('clerk', { method: 'POST', url: `/v1/follow-ups/${followUps[0].id as number}/completion`, payload: { completedAt: '2025-08-01T09:00:00Z', form: { graftFunctioning: true, creatinineMgDl: 1.3 } } })
  t.same(completed.body, { followUpId: followUps[0].id, status: 'completed', completedAt: '2025-08-01T09:00:00.000Z' })
  t.match((await s.as('clerk', { method: 'POST', url: `/v1/follow-ups/${followUps[0].id as number}/completion`, payload: { completedAt: '2025-08-01T09:00:00Z', form: {} } })).body, { status: 409 })
  t.equal((await s.as('clerk', { method: 'POST', url: '/v1/follow-ups/99999/completion', payload: { completedAt: '2025-08-01T09:00:00Z', form: {} } })).status, 404)
  const closed = await s.as('clerk', { method: 'POST', url: `/v1/transplants/${transplantId}/follow-ups/closure`, payload: { subjectKind: 'recipient', at: '2027-03-01T00:00:00Z', reason: 'graft failure, returned to dialysis' } })
  t.same(closed.body, { transplantId, closed: 8 })
  t.equal((await s.as('clerk', { method: 'GET', url: '/v1/transplants/T-00000000-0000-4000-8000-000000000000' })).status, 404)
  const candidate = await s.as('clerk', { method: 'GET', url: `/v1/candidates/${ids['K-3'] as string}/status-history` })
  t.match(candidate.body.history.at(-1), { status: 'transplanted' })
  const used = await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'etkas-kidney' } })
  t.match(used.body, { status: 409, code: 'API_ORGAN_UNAVAILABLE' })
  t.equal(s.registry.audit.verify().ok, true)
})

t.test('match runs queue one at a time: a retry sent during its first attempt gets the stored answer, a full queue is 503', async (t) => {
  let runs = 0
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => { release = resolve })
  const s = await setup(t, {
    matchQueue: { concurrency: 1, maxWaiting: 1 },
    matchRunner: async (input) => { runs++; await gate; return await serialMatchRunner(input) }
  })
  registerCandidates(s.registry)
  const { organId } = await donorWithKidney(s)
  const request = { method: 'POST' as const, url: '/v1/match-runs', headers: { 'idempotency-key': 'slow-1' }, payload: { organId, policyId: 'etkas-kidney' } }
  const first = s.as('officer', request)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const retry = s.as('officer', request)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const overflow = await s.as('officer', { ...request, headers: { 'idempotency-key': 'slow-2' } })
  t.match(overflow.body, { status: 503, code: 'API_MATCH_QUEUE_FULL' })
  t.equal(overflow.headers['retry-after'], '5')
  release()
  const [a, b] = await Promise.all([first, retry])
  t.equal(a.status, 201)
  t.same(b.body, a.body)
  t.equal(b.headers['idempotent-replayed'], 'true')
  t.equal(runs, 1, 'scored once')
})
