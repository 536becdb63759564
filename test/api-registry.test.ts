import t, { type Test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildServer } from '../api/server.js'
import { openDatabase } from '../data/db/connection.js'
import { createRegistry, type Registry } from '../data/registry.js'
import { deriveKeys } from '../data/security/keys.js'
import { candidateInput, deceasedDonorInput, seedCentres, steppingClock, TEST_MASTER_KEY } from './fixtures/registry-fixtures.js'
import { minimalPolicy } from './fixtures/policy-minimal.js'
import { builtInPolicyDocuments } from '../data/policies/index.js'

type Staff = 'clerk' | 'officer' | 'auditor' | 'authority' | 'analyst'
const ROLE_OF: Record<Staff, string> = { clerk: 'registry-clerk', officer: 'allocation-officer', auditor: 'auditor', authority: 'registry-authority', analyst: 'policy-analyst' }

interface Setup {
  readonly app: FastifyInstance
  readonly registry: Registry
  readonly as: (who: Staff | 'auditor2', options: InjectOptions) => Promise<{ status: number, headers: Record<string, unknown>, body: any, raw: string }>
}

async function setup (t: Test): Promise<Setup> {
  const clock = steppingClock('2025-01-01T00:00:00.000Z')
  const registry = createRegistry(openDatabase({ file: ':memory:' }), deriveKeys(TEST_MASTER_KEY, 'env'), { now: clock })
  seedCentres(registry)
  const tokens: Record<string, string> = {}
  for (const [who, role] of Object.entries(ROLE_OF)) {
    registry.users.create({ id: `${who}.one`, roles: [role as 'auditor'] }, 'system')
    tokens[who] = registry.users.issueToken(`${who}.one`, { expiresAt: '2030-01-01T00:00:00Z' }, 'system').token
  }
  // A second auditor for four-eyes closing.
  registry.users.create({ id: 'auditor.two', roles: ['auditor'] }, 'system')
  tokens.auditor2 = registry.users.issueToken('auditor.two', { expiresAt: '2030-01-01T00:00:00Z' }, 'system').token
  const app = await buildServer({ version: 'test', logger: false, registry, now: clock })
  t.teardown(async () => {
    await app.close()
    registry.close()
  })
  const as = async (who: Staff | 'auditor2', options: InjectOptions): Promise<{ status: number, headers: Record<string, unknown>, body: any, raw: string }> => {
    const response = await app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${tokens[who] ?? ''}` } })
    return { status: response.statusCode, headers: response.headers, body: response.body === '' ? undefined : response.json(), raw: response.body }
  }
  return { app, registry, as }
}

const centre = { id: 'NL-UMCG', name: 'UMC Groningen', country: 'NL', region: 'NL-North', latitudeDeg: 53.22, longitudeDeg: 6.58 }

t.test('centres: register, authorise, suspend and lift, read as of an instant', async (t) => {
  const s = await setup(t)
  t.equal((await s.as('clerk', { method: 'POST', url: '/v1/centres', payload: centre })).status, 201)
  t.match((await s.as('clerk', { method: 'POST', url: '/v1/centres', payload: centre })).body, { status: 409, code: 'API_CONFLICT', errors: [{ field: 'body.id' }] })
  const grant = await s.as('authority', { method: 'POST', url: '/v1/centres/NL-UMCG/authorisations', payload: { organType: 'kidney', activity: 'transplant', validFrom: '2024-01-01', decisionReference: 'VWS-2023-77' } })
  t.equal(grant.status, 201)
  const authorisationId = grant.body.authorisationId as number
  t.match((await s.as('authority', { method: 'POST', url: '/v1/centres/NL-UMCG/authorisations', payload: { organType: 'kidney', activity: 'transplant', validFrom: '2024-01-01', validUntil: '2023-01-01', decisionReference: 'x' } })).body, { status: 400, errors: [{ field: 'body.validUntil' }] })
  t.equal((await s.as('authority', { method: 'POST', url: '/v1/centres/NO-SUCH/authorisations', payload: { organType: 'kidney', activity: 'transplant', validFrom: '2024-01-01', decisionReference: 'x' } })).status, 404)
  const suspended = await s.as('authority', { method: 'POST', url: `/v1/authorisations/${authorisationId}/suspensions`, payload: { from: '2025-03-01T00:00:00Z', reason: 'inspection findings' } })
  t.equal(suspended.status, 201)
  t.match((await s.as('authority', { method: 'POST', url: `/v1/authorisations/${authorisationId}/suspensions`, payload: { from: '2025-03-02T00:00:00Z', reason: 'again' } })).body, { status: 409 })
  const during = await s.as('officer', { method: 'GET', url: '/v1/centres/NL-UMCG?at=2025-03-15T00:00:00Z' })
  t.match(during.body.centre.authorisations, [{ organType: 'kidney', activity: 'transplant', suspended: true }])
  t.match(during.body.authorisationRecords, [{ id: authorisationId, decisionReference: 'VWS-2023-77', suspensions: [{ reason: 'inspection findings' }] }])
  const lifted = await s.as('authority', { method: 'POST', url: `/v1/suspensions/${suspended.body.suspensionId as number}/lift`, payload: { at: '2025-04-01T00:00:00+02:00' } })
  t.same(lifted.body, { suspensionId: suspended.body.suspensionId, liftedAt: '2025-03-31T22:00:00.000Z' })
  t.match((await s.as('authority', { method: 'POST', url: `/v1/suspensions/${suspended.body.suspensionId as number}/lift`, payload: { at: '2025-04-02T00:00:00Z' } })).body, { status: 409 })
  t.equal((await s.as('authority', { method: 'POST', url: '/v1/suspensions/999/lift', payload: { at: '2025-04-02T00:00:00Z' } })).status, 404)
  t.equal((await s.as('authority', { method: 'POST', url: '/v1/authorisations/999/suspensions', payload: { from: '2025-04-02T00:00:00Z', reason: 'x' } })).status, 404)
  const after = await s.as('analyst', { method: 'GET', url: '/v1/centres?at=2025-05-01T00:00:00Z&organType=kidney' })
  t.match(after.body.centres.find((c: { id: string }) => c.id === 'NL-UMCG').authorisations, [{ suspended: false }])
  t.equal((await s.as('clerk', { method: 'GET', url: '/v1/centres/NO-SUCH' })).status, 404)
})

t.test('candidates: register, page, read as of an instant, change status, values and antigens, remove', async (t) => {
  const s = await setup(t)
  const { identifiers: _i, protectedAttributes: _p, ...plain } = candidateInput()
  const created = await s.as('clerk', { method: 'POST', url: '/v1/candidates', payload: plain })
  t.equal(created.status, 201)
  const id = created.body.candidate.id as string
  t.match(created.body.candidate, { id: /^C-/, status: 'active', abo: 'A', unacceptableAntigens: ['A1', 'B8'], acceptance: { maxDonorAgeYears: 75, acceptsDcd: true } })
  t.equal(created.headers.location, `/v1/candidates/${id}`)
  const unauthorised = await s.as('clerk', { method: 'POST', url: '/v1/candidates', payload: { ...plain, localId: 'GENT-1', centreId: 'BE-GENT' } })
  t.match(unauthorised.body, { status: 400, code: 'ENGINE_INVALID_FIELD', errors: [{ field: 'body.centreId', rule: /holds no valid, unsuspended kidney transplant authorisation/ }] })
  const badClinical = await s.as('clerk', { method: 'POST', url: '/v1/candidates', payload: { ...plain, localId: 'X', clinical: { ...plain.clinical, heightCm: 400 } } })
  t.match(badClinical.body, { status: 400, errors: [{ field: 'body.clinical.heightCm', rule: 'must be <= 260' }] })
  const badAntigen = await s.as('clerk', { method: 'POST', url: '/v1/candidates', payload: { ...plain, localId: 'Y', unacceptableAntigens: ['A*02:01'] } })
  t.match(badAntigen.body, { status: 400, errors: [{ field: /^body\.unacceptableAntigens/ }] })
  for (const n of [2, 3, 4]) await s.as('clerk', { method: 'POST', url: '/v1/candidates', payload: { ...plain, localId: `LUMC-KI-000${n}` } })

  const page1 = await s.as('officer', { method: 'GET', url: '/v1/candidates?organType=kidney&limit=3' })
  t.equal(page1.body.candidates.length, 3)
  t.type(page1.body.next, 'string')
  const page2 = await s.as('officer', { method: 'GET', url: `/v1/candidates?organType=kidney&limit=3&after=${page1.body.next as string}` })
  t.equal(page2.body.candidates.length, 1)
  t.equal(page2.body.next, undefined)
  t.same([...page1.body.candidates, ...page2.body.candidates].map((c: { id: string }) => c.id), [...page1.body.candidates, ...page2.body.candidates].map((c: { id: string }) => c.id).sort())

  const inactive = await s.as('clerk', { method: 'POST', url: `/v1/candidates/${id}/status`, payload: { status: 'inactive', effectiveAt: '2025-02-01T00:00:00Z', reason: 'intercurrent infection' } })
  t.match(inactive.body.history.at(-1), { status: 'inactive', reason: 'intercurrent infection' })
  t.match((await s.as('clerk', { method: 'POST', url: `/v1/candidates/${id}/status`, payload: { status: 'transplanted', effectiveAt: '2025-02-01T00:00:00Z', reason: 'x' } })).body, { status: 400, errors: [{ field: 'body.status' }] })
  t.match((await s.as('clerk', { method: 'POST', url: `/v1/candidates/${id}/status`, payload: { status: 'active', effectiveAt: '2020-02-01T00:00:00Z', reason: 'x' } })).body, { status: 400, errors: [{ field: 'body.effectiveAt' }] })
  const before = await s.as('auditor', { method: 'GET', url: `/v1/candidates/${id}?at=2025-01-15T00:00:00Z` })
  t.equal(before.body.candidate.status, 'active')
  t.equal((await s.as('auditor', { method: 'GET', url: `/v1/candidates/${id}?at=2025-02-15T00:00:00Z` })).body.candidate.status, 'inactive')
  t.match((await s.as('auditor', { method: 'GET', url: `/v1/candidates/${id}?at=2020-01-01T00:00:00Z` })).body, { status: 400, errors: [{ field: 'querystring.at' }] })

  const values = await s.as('clerk', { method: 'POST', url: `/v1/candidates/${id}/clinical-values`, payload: { effectiveAt: '2025-03-01T00:00:00Z', values: { ...plain.clinical, urgency: 'HU', cpraPercent: 85 } } })
  t.match(values.body.candidate, { urgency: 'HU', cpraPercent: 85 })
  const antigens = await s.as('clerk', { method: 'PUT', url: `/v1/candidates/${id}/unacceptable-antigens`, payload: { effectiveAt: '2025-03-02T00:00:00Z', antigens: ['DR15', 'A2', 'A2'] } })
  t.same(antigens.body, { candidateId: id, effectiveAt: '2025-03-02T00:00:00.000Z', antigens: ['A2', 'DR15'] })
  const removed = await s.as('clerk', { method: 'POST', url: `/v1/candidates/${id}/removal`, payload: { effectiveAt: '2025-04-01T00:00:00Z', reason: 'recovered renal function' } })
  t.match(removed.body.history.at(-1), { status: 'removed', reason: 'recovered renal function' })
  const died = await s.as('clerk', { method: 'POST', url: `/v1/candidates/${page1.body.candidates[0].id as string}/removal`, payload: { outcome: 'deceased', effectiveAt: '2025-04-01T00:00:00Z', reason: 'died on the list' } })
  t.equal(died.body.history.at(-1).status, 'deceased')
  const missing = s.registry.candidates.idFor('never')
  for (const [method, url] of [['GET', `/v1/candidates/${missing}`], ['GET', `/v1/candidates/${missing}/status-history`], ['POST', `/v1/candidates/${missing}/removal`]] as const) {
    const response = await s.as('clerk', { method, url, ...(method === 'POST' ? { payload: { effectiveAt: '2025-04-01T00:00:00Z', reason: 'x' } } : {}) })
    t.match(response.body, { status: 404, code: 'API_NOT_FOUND' }, `${method} ${url}`)
  }
  t.match((await s.as('clerk', { method: 'GET', url: '/v1/candidates/not-a-pseudonym' })).body, { status: 400, errors: [{ field: 'params.candidateId' }] })
})

t.test('identifiers and protected attributes: accepted, never returned, revealed only by the authority and audited', async (t) => {
  const s = await setup(t)
  const input = candidateInput()
  const created = await s.as('clerk', { method: 'POST', url: '/v1/candidates', payload: input })
  const id = created.body.candidate.id as string
  const secrets = [input.identifiers?.name, input.identifiers?.nationalId, input.identifiers?.birthDate, input.protectedAttributes?.raceEthnicity] as string[]
  const reads = [
    await s.as('clerk', { method: 'GET', url: `/v1/candidates/${id}` }),
    await s.as('auditor', { method: 'GET', url: `/v1/audit/entries?limit=1000` }),
    created
  ]
  for (const read of reads) for (const secret of secrets) t.notOk(read.raw.includes(secret), `no ${secret} in a response`)

  t.equal((await s.as('clerk', { method: 'POST', url: `/v1/candidates/${id}/identifiers/reveal`, payload: { reason: 'curiosity' } })).status, 403)
  const revealed = await s.as('authority', { method: 'POST', url: `/v1/candidates/${id}/identifiers/reveal`, payload: { reason: 'donor-recipient linkage check, case 2025-17' } })
  t.match(revealed.body, { subjectId: id, name: input.identifiers?.name, nationalId: input.identifiers?.nationalId, birthDate: input.identifiers?.birthDate, personPseudonym: /^P-/ })
  t.equal(revealed.headers['cache-control'], 'no-store')
  const audit = s.registry.audit.list({ entityType: 'candidate', entityId: id, limit: 100 }).filter((e) => e.action === 'identifiers.revealed')
  t.match(audit, [{ actor: 'authority.one', payload: { reason: 'donor-recipient linkage check, case 2025-17', fieldsRevealed: ['name', 'nationalId', 'birthDate', 'personPseudonym'] } }])
  t.match((await s.as('authority', { method: 'POST', url: `/v1/candidates/${id}/identifiers/reveal`, payload: {} })).body, { status: 400, errors: [{ field: 'body.reason' }] })

  // A donor without identifiers: 404, not an empty reveal.
  const { identifiers: _i, protectedAttributes: _p, ...report } = deceasedDonorInput()
  const donorId = (await s.as('officer', { method: 'POST', url: '/v1/donors', payload: report })).body.donor.id as string
  t.match((await s.as('authority', { method: 'POST', url: `/v1/donors/${donorId}/identifiers/reveal`, payload: { reason: 'x' } })).body, { status: 404 })
  const recorded = await s.as('officer', { method: 'PUT', url: `/v1/donors/${donorId}/identifiers`, payload: { name: 'Anon Ymous', birthDate: '1970-01-01' } })
  t.same(recorded.body, { subjectId: donorId, fieldsRecorded: ['birthDate', 'name'] })
  t.match((await s.as('officer', { method: 'PUT', url: `/v1/donors/${donorId}/identifiers`, payload: {} })).body, { status: 400 })
  const attributes = await s.as('officer', { method: 'PUT', url: `/v1/donors/${donorId}/protected-attributes`, payload: { sex: 'female', residence: 'DE' } })
  t.same(attributes.body.fieldsRecorded, ['residence', 'sex'])
  t.match((await s.as('authority', { method: 'POST', url: `/v1/donors/${donorId}/identifiers/reveal`, payload: { reason: 'traceability' } })).body, { name: 'Anon Ymous' })
  t.equal((await s.as('officer', { method: 'PUT', url: `/v1/donors/${s.registry.donors.idFor('none')}/protected-attributes`, payload: { sex: 'male' } })).status, 404)

  // Equity export: pseudonyms with protected attributes, to analysts and auditors only, audited.
  t.equal((await s.as('officer', { method: 'GET', url: '/v1/equity/protected-attributes?subjectKind=candidate' })).status, 403)
  const equity = await s.as('analyst', { method: 'GET', url: '/v1/equity/protected-attributes?subjectKind=donor' })
  t.same(equity.body, { subjectKind: 'donor', subjects: [{ subjectId: donorId, sex: 'female', residence: 'DE' }] })
  t.match(s.registry.audit.list({ fromSeq: s.registry.audit.head().seq, limit: 1 }), [{ action: 'protected-attributes.exported', actor: 'analyst.one', payload: { subjectKind: 'donor', subjects: 1 } }])
})

t.test('donors: report with computed or given KDRI/KDPI, living donors and their authorisation, organs and disposition', async (t) => {
  const s = await setup(t)
  const { identifiers: _i, protectedAttributes: _p, kdri: _k, kdpi: _d, ...report } = deceasedDonorInput()
  const computed = await s.as('officer', { method: 'POST', url: '/v1/donors', payload: report })
  t.equal(computed.status, 201)
  t.match(computed.body.characterisation, { computed: true, referenceYear: Number, kdri: Number, kdpi: Number })
  t.equal(computed.body.donor.kdpi, computed.body.characterisation.kdpi)
  const given = await s.as('officer', { method: 'POST', url: '/v1/donors', payload: { ...report, localId: 'ET-2', kdri: 1.21, kdpi: 58 } })
  t.same(given.body.characterisation, { computed: false, kdri: 1.21, kdpi: 58 })
  t.match((await s.as('officer', { method: 'POST', url: '/v1/donors', payload: { ...report, localId: 'ET-3', creatinineMgDl: 0 } })).body, { status: 400, errors: [{ field: 'body.creatinineMgDl' }] })
  t.match((await s.as('officer', { method: 'POST', url: '/v1/donors', payload: { ...report, localId: 'ET-4', hypertension: 'maybe' } })).body, { status: 400, errors: [{ field: 'body.hypertension' }] })
  t.match((await s.as('officer', { method: 'POST', url: '/v1/donors', payload: report })).body, { status: 409, code: 'API_CONFLICT' })
  const donorId = computed.body.donor.id as string
  const read = await s.as('auditor', { method: 'GET', url: `/v1/donors/${donorId}` })
  t.match(read.body, { donor: { id: donorId, kind: 'deceased' }, organs: [], consents: [] })

  const kidney = await s.as('officer', { method: 'POST', url: `/v1/donors/${donorId}/organs`, payload: { organType: 'kidney', part: 'right' } })
  t.equal(kidney.headers.location, `/v1/organs/${kidney.body.organ.id as string}`)
  t.match((await s.as('officer', { method: 'POST', url: `/v1/donors/${donorId}/organs`, payload: { organType: 'kidney', part: 'right' } })).body, { status: 409 })
  const organId = kidney.body.organ.id as string
  const noConsent = await s.as('clerk', { method: 'POST', url: `/v1/organs/${organId}/recovery`, payload: { recoveredAt: '2025-02-02T00:00:00Z' } })
  t.match(noConsent.body, { status: 400, errors: [{ field: 'params.organId', rule: /no consent/ }] })
  await s.as('clerk', { method: 'POST', url: `/v1/donors/${donorId}/consents`, payload: { recordType: 'authorisation', basis: 'family', organTypes: ['kidney', 'liver'], obtainedAt: '2025-02-01T04:00:00Z', obtainedBy: 'coordinator.two', language: 'nl', witness: 'nurse.three' } })
  t.equal((await s.as('clerk', { method: 'POST', url: `/v1/organs/${organId}/recovery`, payload: { recoveredAt: '2025-02-02T00:00:00Z' } })).status, 200)
  const discarded = await s.as('clerk', { method: 'POST', url: `/v1/organs/${organId}/disposition`, payload: { disposition: 'discarded', at: '2025-02-03T00:00:00Z', reason: 'prolonged cold ischaemia' } })
  t.match(discarded.body.organ, { disposition: 'discarded' })
  t.match((await s.as('clerk', { method: 'POST', url: `/v1/organs/${organId}/disposition`, payload: { disposition: 'research', at: '2025-02-03T00:00:00Z', reason: 'x' } })).body, { status: 409 })
  const full = await s.as('clerk', { method: 'GET', url: `/v1/donors/${donorId}` })
  t.match(full.body, { organs: [{ id: organId, disposition: 'discarded' }], consents: [{ recordType: 'authorisation', organTypes: ['kidney', 'liver'], language: 'nl' }] })
  t.equal((await s.as('clerk', { method: 'GET', url: `/v1/donors/${s.registry.donors.idFor('nobody')}` })).status, 404)
  t.equal((await s.as('clerk', { method: 'GET', url: `/v1/organs/${donorId}.liver.whole` })).status, 404)

  const { pathway: _w, causeOfDeathCva: _c, ...livingReport } = report
  t.match((await s.as('clerk', { method: 'POST', url: '/v1/living-donors', payload: { ...livingReport, localId: 'LD-6', relationship: 'unrelated', pathway: 'DBD' } })).body, { status: 400, errors: [{ field: 'body.pathway', rule: 'is not a known field' }] })
  const living = await s.as('clerk', { method: 'POST', url: '/v1/living-donors', payload: { ...livingReport, localId: 'LD-7', relationship: 'unrelated' } })
  t.equal(living.status, 201)
  const livingId = living.body.donor.id as string
  t.match(living.body.donor, { kind: 'living', relationship: 'unrelated' })
  t.match((await s.as('clerk', { method: 'GET', url: `/v1/donors/${livingId}` })).body.donor, { kind: 'living' })
  const decision = await s.as('authority', { method: 'POST', url: `/v1/donors/${livingId}/procedure-authorisations`, payload: { decision: 'approved', decidedBy: 'independent assessor', decidedAt: '2025-02-01T00:00:00Z', reference: 'IA-2025-3' } })
  t.equal(decision.status, 201)
  t.equal((await s.as('authority', { method: 'POST', url: `/v1/donors/${s.registry.donors.idFor('x')}/procedure-authorisations`, payload: { decision: 'approved', decidedBy: 'x', decidedAt: '2025-02-01T00:00:00Z', reference: 'x' } })).status, 404)
})

t.test('policies: list, read, validate, diff, record a new version (authority only) and run it', async (t) => {
  const s = await setup(t)
  const list = await s.as('analyst', { method: 'GET', url: '/v1/policies' })
  t.same(list.body.policies.map((p: { id: string }) => p.id).sort(), builtInPolicyDocuments().map((d) => d.id).sort(), 'every built-in policy')
  t.ok(list.body.policies.some((p: { id: string }) => p.id === 'etkas-kidney'))
  t.notOk(list.body.policies.some((p: { recordedAt?: string }) => p.recordedAt !== undefined), 'nothing recorded yet')
  const one = await s.as('officer', { method: 'GET', url: '/v1/policies/us-kas-kidney/versions/1.0.0' })
  t.match(one.body, { policy: { id: 'us-kas-kidney', builtIn: true }, document: { id: 'us-kas-kidney', organType: 'kidney' } })
  t.equal((await s.as('officer', { method: 'GET', url: '/v1/policies/us-kas-kidney/versions/0.0.1' })).status, 404)

  const valid = await s.as('analyst', { method: 'POST', url: '/v1/policies/validate', payload: { document: minimalPolicy() } })
  t.match(valid.body, { valid: true, issues: [], policy: { id: 'test-policy', hash: /^[0-9a-f]{64}$/ }, reads: Array, fairness: { ok: true } })
  const invalid = await s.as('analyst', { method: 'POST', url: '/v1/policies/validate', payload: { document: minimalPolicy({ components: [{ name: 'race', input: 'candidate.race', scale: { kind: 'linear', slope: 1 }, weight: 1 }] }) } })
  t.match(invalid.body, { valid: false, issues: [{ path: /^\/components\/0/ }], fairness: { ok: false, errors: [{ code: 'PROTECTED_ATTRIBUTE' }] } })
  const diff = await s.as('auditor', { method: 'POST', url: '/v1/policies/diff', payload: { before: minimalPolicy(), after: minimalPolicy({ version: '1.1.0', components: [{ name: 'waiting', input: 'candidate.waitingDays', scale: { kind: 'linear', slope: 2 }, weight: 1 }] }) } })
  t.match(diff.body, { identical: false, changes: Array })
  t.ok(diff.body.changes.some((c: { path: string }) => c.path.startsWith('/components')))

  const document = minimalPolicy({ id: 'waiting-only', version: '2.0.0' })
  t.equal((await s.as('analyst', { method: 'POST', url: '/v1/policies/waiting-only/versions', payload: { version: '2.0.0', document } })).status, 403, 'analysts draft; the authority records')
  const mismatch = await s.as('authority', { method: 'POST', url: '/v1/policies/other-id/versions', payload: { version: '2.0.1', document } })
  t.match(mismatch.body, { status: 400, code: 'ENGINE_POLICY_INVALID', errors: [{ field: '/id' }, { field: '/version' }] })
  const broken = await s.as('authority', { method: 'POST', url: '/v1/policies/waiting-only/versions', payload: { version: '2.0.0', document: { ...document, tiers: [] } } })
  t.match(broken.body, { status: 400, code: 'ENGINE_POLICY_INVALID' })
  const recorded = await s.as('authority', { method: 'POST', url: '/v1/policies/waiting-only/versions', payload: { version: '2.0.0', document } })
  t.equal(recorded.status, 201)
  t.match(recorded.body.policy, { id: 'waiting-only', version: '2.0.0', builtIn: false, recordedAt: String })
  t.match((await s.as('authority', { method: 'POST', url: '/v1/policies/waiting-only/versions', payload: { version: '2.0.0', document: { ...document, name: 'changed' } } })).body, { status: 409, code: 'API_CONFLICT' })
  const builtIn = (await s.as('officer', { method: 'GET', url: '/v1/policies/etkas-kidney/versions/1.0.0' })).body.document
  t.match((await s.as('authority', { method: 'POST', url: '/v1/policies/etkas-kidney/versions', payload: { version: '1.0.0', document: { ...builtIn, name: 'quietly different' } } })).body, { status: 409, code: 'API_CONFLICT' })
  t.match((await s.as('officer', { method: 'GET', url: '/v1/policies/waiting-only/versions/2.0.0' })).body, { policy: { builtIn: false }, document: { id: 'waiting-only' } })

  // The recorded policy is what a match run without a version uses.
  const { identifiers: _i, protectedAttributes: _p, ...report } = deceasedDonorInput()
  const donorId = (await s.as('officer', { method: 'POST', url: '/v1/donors', payload: report })).body.donor.id as string
  const organId = (await s.as('officer', { method: 'POST', url: `/v1/donors/${donorId}/organs`, payload: { organType: 'kidney', part: 'left' } })).body.organ.id as string
  s.registry.candidates.register(candidateInput({ identifiers: undefined, protectedAttributes: undefined, unacceptableAntigens: [] }), 'clerk.one')
  const run = await s.as('officer', { method: 'POST', url: '/v1/match-runs', payload: { organId, policyId: 'waiting-only' } })
  t.match(run.body.matchRun, { policy: { id: 'waiting-only', version: '2.0.0', hash: recorded.body.policy.hash }, ranked: 1 })
})

t.test('audit: entries, verify, signed checkpoints checked later; oversight flags closed by a second person', async (t) => {
  const s = await setup(t)
  const entries = await s.as('auditor', { method: 'GET', url: '/v1/audit/entries?limit=5' })
  t.equal(entries.body.entries.length, 5)
  t.equal(entries.body.next, 6)
  t.match(entries.body.entries[0], { seq: 1, action: 'registry.initialised', prevHash: '0'.repeat(64) })
  const centreEntries = await s.as('auditor', { method: 'GET', url: '/v1/audit/entries?entityType=centre&entityId=NL-LUMC' })
  t.ok(centreEntries.body.entries.every((e: { entityId: string }) => e.entityId === 'NL-LUMC'))
  t.match((await s.as('auditor', { method: 'GET', url: '/v1/audit/entries?entityType=centre' })).body, { status: 400, errors: [{ field: 'querystring.entityId' }] })
  t.equal((await s.as('authority', { method: 'GET', url: '/v1/audit/entries' })).status, 403, 'reading entries is the auditor\'s')

  const verify = await s.as('authority', { method: 'GET', url: '/v1/audit/verify' })
  t.match(verify.body, { ok: true, entries: Number, headHash: /^[0-9a-f]{64}$/ })
  const checkpoint = (await s.as('auditor', { method: 'GET', url: '/v1/audit/checkpoint' })).body
  t.match(checkpoint, { seq: verify.body.entries, headHash: verify.body.headHash, signature: String, publicKey: String })
  const good = await s.as('auditor', { method: 'POST', url: '/v1/audit/checkpoints/verify', payload: { checkpoint, trustedPublicKey: checkpoint.publicKey } })
  t.same(good.body, { ok: true })
  const forged = await s.as('auditor', { method: 'POST', url: '/v1/audit/checkpoints/verify', payload: { checkpoint: { ...checkpoint, headHash: 'f'.repeat(64) } } })
  t.match(forged.body, { ok: false, reason: /signature/ })
  const otherKey = await s.as('auditor', { method: 'POST', url: '/v1/audit/checkpoints/verify', payload: { checkpoint, trustedPublicKey: 'AAAA' } })
  t.match(otherKey.body, { ok: false, reason: /other than the trusted one/ })
  t.match((await s.as('auditor', { method: 'POST', url: '/v1/audit/checkpoints/verify', payload: { checkpoint: { ...checkpoint, headHash: 'xyz' } } })).body, { status: 400 })

  const flag = s.registry.oversight.raise({ ruleId: 'G2@1', severity: 'R', entityType: 'transplant', entityId: 'T-x', evidence: { overdue: '6-month' }, raisedAt: '2025-05-01T00:00:00Z' }, 'auditor.one')
  const review = (who: Parameters<typeof s.as>[0], flagId: number, outcome: string): ReturnType<typeof s.as> =>
    s.as(who, { method: 'POST', url: `/v1/oversight/review-queue/${flagId}/reviews`, payload: { outcome, at: '2025-05-02T00:00:00Z' } })
  t.equal((await review('auditor', flag.id, 'false-positive')).status, 403, 'the raiser may not review their own flag')
  t.match((await review('auditor2', flag.id, 'false-positive')).body.flag, { status: 'open', reviewState: 'awaiting-second-review' }, 'one review does not close a flag')
  t.equal((await review('auditor2', flag.id, 'false-positive')).status, 409, 'nor can the same reviewer give the second')
  t.match((await review('authority', flag.id, 'false-positive')).body.flag, { status: 'closed', outcome: 'false-positive', reviewState: 'closed' })
  t.equal((await review('authority', flag.id, 'inconclusive')).status, 409, 'a closed flag takes no more reviews')
  t.equal((await review('authority', 999, 'inconclusive')).status, 404)
  t.same((await s.as('authority', { method: 'GET', url: '/v1/oversight/review-queue?status=open' })).body.flags, [])
  t.equal((await s.as('officer', { method: 'GET', url: '/v1/oversight/review-queue' })).status, 403, 'officers do not review their own allocations')
})

t.test('the score calculators need a staff token once a registry is attached', async (t) => {
  const s = await setup(t)
  const payload = { creatinineMgDl: 1.9, bilirubinMgDl: 4.2, inr: 1.6, dialysisTwiceInPastWeek: false }
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/scores/meld', payload })).statusCode, 401)
  t.match((await s.as('clerk', { method: 'POST', url: '/v1/scores/meld', payload })).body, { meld: 23 })
})
