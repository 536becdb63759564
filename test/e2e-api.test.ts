import t from 'tap'
import { join } from 'node:path'
import { startServer } from '../api/main.js'

/**
 * End to end over a real socket and a real database file: first start (create, migrate, seed a small
 * synthetic registry, bootstrap the admin from BOOTSTRAP_ADMIN_TOKEN), users and tokens, a registered
 * donor and organ, a match run, offers, recovery and a transplant, replay and the audit chain; then a
 * second start on the same directory that reuses everything.
 */

const ADMIN_TOKEN = 'oae_e2e-admin-token-0123456789abcdefghijklmnop'

interface Reply { status: number, body: any, headers: Headers }

function client (base: string) {
  return async (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers }
  }
}

t.test('from an empty data directory to a verified match run and a recorded transplant, over HTTP', async (t) => {
  const dataDir = join(t.testdir(), 'var')
  const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SYNTHETIC_CANDIDATES: '300', BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN, MATCH_THREADS: '0' }
  const lines: string[] = []
  const server = await startServer({ env, print: (line) => lines.push(line), logger: false })
  let closed = false
  t.teardown(async () => { if (!closed) await server.close() })
  t.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.match(server.seeded, { candidates: 300 })
  t.match(server.bootstrap, { created: true, source: 'env', userId: 'admin' })
  t.ok(lines.some((line) => line.includes(`listening on ${server.url}`)))
  t.ok(lines.some((line) => line.includes('BOOTSTRAP_ADMIN_TOKEN')))
  t.notOk(lines.some((line) => line.includes(ADMIN_TOKEN)), 'the token itself is never printed')
  const call = client(server.url)

  t.equal((await fetch(`${server.url}/health`)).status, 200)
  t.equal((await call('wrong', 'GET', '/v1/me')).status, 401)
  t.same((await call(ADMIN_TOKEN, 'GET', '/v1/me')).body, { userId: 'admin', roles: ['admin'] })

  // The admin creates one account per person and a token for each.
  const tokens: Record<string, string> = {}
  for (const [id, roles] of [['clerk.ada', ['registry-clerk']], ['officer.bo', ['allocation-officer']], ['auditor.cy', ['auditor']]] as const) {
    t.equal((await call(ADMIN_TOKEN, 'POST', '/v1/users', { id, roles })).status, 201)
    const issued = await call(ADMIN_TOKEN, 'POST', `/v1/users/${id}/tokens`, { expiresInDays: 7 })
    t.equal(issued.status, 201)
    tokens[id] = issued.body.token
  }
  const clerk = tokens['clerk.ada'] as string
  const officer = tokens['officer.bo'] as string
  const auditor = tokens['auditor.cy'] as string
  t.equal((await call(officer, 'GET', '/v1/users')).status, 403)

  // A kidney transplant centre of the seeded registry, a candidate of our own there, and a donor.
  const now = Date.now()
  const iso = (offsetMinutes: number): string => new Date(now + offsetMinutes * 60_000).toISOString()
  const centres = (await call(clerk, 'GET', '/v1/centres?organType=kidney')).body.centres as Array<{ id: string, authorisations: Array<{ activity: string, suspended: boolean }> }>
  const centre = centres.find((c) => c.authorisations.some((a) => a.activity === 'transplant' && !a.suspended))
  t.ok(centre !== undefined, 'the seeded registry has a kidney transplant centre')
  const centreId = centre?.id as string
  const candidate = await call(clerk, 'POST', '/v1/candidates', {
    localId: 'E2E-K-1', organType: 'kidney', centreId, registeredAt: iso(-60 * 24 * 400), birthMonth: '1968-04', abo: 'O',
    hla: { A: ['A1', 'A2'], B: ['B8', 'B44'], DR: ['DR3', 'DR4'] }, priorLivingDonor: false, diagnosisGroup: 'diabetic nephropathy',
    eligibleForA2Kidney: false, status: 'active', unacceptableAntigens: [],
    clinical: { urgency: 'elective', heightCm: 168, weightKg: 71, dialysisFrom: iso(-60 * 24 * 700), cpraPercent: 0, vpraPercent: 0, mmpPercent: 20, acceptance: {} },
    identifiers: { name: 'E2E Testperson', nationalId: 'E2E-000-111' }
  })
  t.equal(candidate.status, 201)
  const donor = await call(officer, 'POST', '/v1/donors', {
    localId: 'E2E-D-1', hospitalCentreId: centreId, reportedAt: iso(-120), ageYears: 45, heightCm: 178, weightKg: 80, abo: 'O',
    hla: { A: ['A1', 'A2'], B: ['B8', 'B44'], DR: ['DR3', 'DR4'] }, creatinineMgDl: 0.9, hypertension: false, diabetes: false,
    pathway: 'DBD', causeOfDeathCva: false
  })
  t.equal(donor.status, 201)
  t.match(donor.body.characterisation, { computed: true })
  const donorId = donor.body.donor.id as string
  const organ = await call(officer, 'POST', `/v1/donors/${donorId}/organs`, { organType: 'kidney', part: 'left' })
  const organId = organ.body.organ.id as string
  t.equal((await call(officer, 'POST', `/v1/donors/${donorId}/consents`, { recordType: 'consent', basis: 'donor-registration', organTypes: ['kidney'], obtainedAt: iso(-100), obtainedBy: 'officer.bo' })).status, 201)

  // The match run, retried with the same key: one run.
  const key = { 'idempotency-key': 'e2e-run-1' }
  const run = await call(officer, 'POST', '/v1/match-runs', { organId, policyId: 'etkas-kidney' }, key)
  t.equal(run.status, 201)
  const retry = await call(officer, 'POST', '/v1/match-runs', { organId, policyId: 'etkas-kidney' }, key)
  t.equal(retry.headers.get('idempotent-replayed'), 'true')
  t.equal(retry.body.matchRun.id, run.body.matchRun.id)
  const runId = run.body.matchRun.id as string
  t.ok(run.body.matchRun.ranked >= 3, `${run.body.matchRun.ranked as number} ranked`)
  const page = await call(officer, 'GET', `/v1/match-runs/${runId}?limit=3`)
  const [first, second] = page.body.ranked as Array<{ candidateId: string, centreId: string, rank: number }>
  t.ok(first !== undefined && second !== undefined)

  // Rank 1 refuses, rank 2 accepts; the organ is recovered and transplanted into rank 2: no skipped candidate.
  t.equal((await call(officer, 'POST', `/v1/match-runs/${runId}/offers`, { candidateId: first?.candidateId, response: 'N', refusalCode: 702, respondedAt: new Date().toISOString() }, { 'idempotency-key': 'e2e-offer-1' })).status, 201)
  t.equal((await call(officer, 'POST', `/v1/match-runs/${runId}/offers`, { candidateId: second?.candidateId, response: 'Y', respondedAt: new Date().toISOString() }, { 'idempotency-key': 'e2e-offer-2' })).status, 201)
  t.equal((await call(clerk, 'POST', `/v1/organs/${organId}/recovery`, { recoveredAt: new Date().toISOString() })).status, 200)
  const transplant = await call(clerk, 'POST', '/v1/transplants', {
    organId, candidateId: second?.candidateId, centreId: second?.centreId, transplantedAt: new Date(Date.now() + 1000).toISOString(), matchRunId: runId
  }, { 'idempotency-key': 'e2e-tx-1' })
  t.equal(transplant.status, 201)
  t.same(transplant.body.oversightFlags, [], 'rank 1 refused with a code: nothing skipped')
  const transplantId = transplant.body.transplant.id as string

  // The auditor replays the run and verifies the chain.
  const replay = await call(auditor, 'POST', `/v1/match-runs/${runId}/replay`)
  t.match(replay.body, { identical: true, stored: { outputHash: run.body.matchRun.outputHash } })
  const verify = await call(auditor, 'GET', '/v1/audit/verify')
  t.match(verify.body, { ok: true })
  const checkpoint = (await call(auditor, 'GET', '/v1/audit/checkpoint')).body
  t.equal(checkpoint.seq, verify.body.entries)
  await server.close()
  closed = true

  // Second start on the same directory: nothing re-created, the data and the tokens still there.
  const again = await startServer({ env, print: () => {}, logger: false })
  t.teardown(async () => { await again.close() })
  t.equal(again.registry.created, false)
  t.equal(again.seeded, undefined)
  t.same(again.bootstrap, { created: false })
  const call2 = client(again.url)
  t.match((await call2(clerk, 'GET', `/v1/transplants/${transplantId}`)).body, { transplant: { id: transplantId, organId } })
  t.match((await call2(auditor, 'POST', '/v1/audit/checkpoints/verify', { checkpoint, trustedPublicKey: checkpoint.publicKey })).body, { ok: true })
})
