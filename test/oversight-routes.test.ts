import t, { type Test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildServer } from '../api/server.js'
import { populationTable } from '../data/oversight/population.js'
import { steppingClock } from './fixtures/registry-fixtures.js'
import { VIEWERS, addCandidate, addDeceasedDonor, deceasedTransplant, livingTransplant, oversightFixture, type OversightFixture } from './fixtures/oversight-registry.js'

type Who = keyof typeof VIEWERS
interface Reply { status: number, headers: Record<string, unknown>, body: any, raw: string }

/** The server as buildServer makes it: auth, roles, problem+json, the oversight and report routes. */
async function setup (t: Test): Promise<{ f: OversightFixture, app: FastifyInstance, as: (who: Who, options: InjectOptions) => Promise<Reply> }> {
  const f = oversightFixture()
  const now = steppingClock('2025-06-01T00:00:00.000Z')
  const population = populationTable([{ country: 'NL', year: 2025, population: 18_000_000, source: 'test row (not a published figure)' }])
  const app = await buildServer({ version: 'test', logger: false, registry: f.registry, now, population })
  t.teardown(async () => { await app.close() })
  const tokens = Object.fromEntries(Object.entries(VIEWERS).map(([who, viewer]) => [who, f.registry.users.issueToken(viewer.id, { expiresAt: '2030-01-01T00:00:00Z' }, 'system').token]))
  const as = async (who: Who, options: InjectOptions): Promise<Reply> => {
    const response = await app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${tokens[who] ?? ''}` } })
    const json = (response.headers['content-type'] ?? '').toString().includes('json') && response.body !== ''
    return { status: response.statusCode, headers: response.headers, body: json ? response.json() : undefined, raw: response.body }
  }
  return { f, app, as }
}

t.test('a suspected-victim record is invisible to an officer token and visible, with an audit entry, to a protection token', async (t) => {
  const { f, as } = await setup(t)
  const donation = livingTransplant(f)
  const reported = await as('officer', { method: 'POST', url: '/v1/oversight/protection-cases', payload: { subjectId: donation.donorId, reasonCode: 'suspected-trafficking-victim', at: '2025-03-01T00:00:00Z' } })
  t.equal(reported.status, 201)
  t.match(reported.body.caseId, /^PC-/)

  const officer = await as('officer', { method: 'GET', url: `/v1/oversight/subjects/${donation.donorId}?purpose=allocation%20check` })
  t.equal(officer.status, 404)
  t.equal(officer.body.code, 'API_NOT_FOUND')
  const unknown = await as('officer', { method: 'GET', url: `/v1/oversight/subjects/${f.registry.donors.idFor('nobody')}?purpose=allocation%20check` })
  t.same([unknown.status, unknown.body.code], [officer.status, officer.body.code], 'hidden and unknown answer alike')
  t.equal((await as('auditor', { method: 'GET', url: `/v1/organs/${donation.organIds[0] as string}/trace` })).status, 404, 'the organ trace is hidden too')

  const seqBefore = f.registry.audit.head().seq
  const protection = await as('protection', { method: 'GET', url: `/v1/oversight/subjects/${donation.donorId}?purpose=victim%20support` })
  t.equal(protection.status, 200)
  t.match(protection.body.subject, { subjectId: donation.donorId, kind: 'donor', donorKind: 'living', protected: true })
  const entries = f.registry.audit.list({ fromSeq: seqBefore + 1 })
  t.same(entries.map((e) => [e.action, e.actor, e.entityId]), [['protection.record-accessed', 'protect.one', reported.body.caseId]], 'the access is in the audit log')
  t.equal(entries[0]?.payload.purpose, 'victim support')
  const trace = await as('protection', { method: 'GET', url: `/v1/organs/${donation.organIds[0] as string}/trace` })
  t.equal(trace.status, 200)

  const alerts = await as('protection', { method: 'GET', url: '/v1/oversight/protection-alerts?open=true' })
  t.same(alerts.body.alerts.map((a: { access: string, accessedBy: string }) => [a.access, a.accessedBy]), [
    ['granted', 'protect.one'], ['granted', 'protect.one'], ['denied', 'auditor.one'], ['denied', 'officer.one']
  ])
  t.equal((await as('auditor', { method: 'GET', url: '/v1/oversight/protection-alerts' })).status, 403)
  t.equal((await as('protection', { method: 'POST', url: `/v1/oversight/protection-alerts/${alerts.body.alerts[0].id as number}/acknowledgement` })).status, 204)
  t.equal((await as('protection', { method: 'POST', url: '/v1/oversight/protection-alerts/999/acknowledgement' })).status, 404)
  const cases = await as('protection', { method: 'GET', url: '/v1/oversight/protection-cases' })
  t.same(cases.body.cases.map((c: { subjectId: string }) => c.subjectId), [donation.donorId])
  t.equal((await as('officer', { method: 'GET', url: `/v1/oversight/subjects/${donation.donorId}` })).status, 400, 'a read must say why')
  const lifted = await as('protection', { method: 'POST', url: `/v1/oversight/protection-cases/${reported.body.caseId as string}/lift`, payload: { at: '2025-05-01T00:00:00Z' } })
  t.equal(lifted.status, 204)
  t.equal((await as('protection', { method: 'POST', url: `/v1/oversight/protection-cases/${reported.body.caseId as string}/lift`, payload: {} })).status, 409)
  t.equal((await as('officer', { method: 'GET', url: `/v1/oversight/subjects/${donation.donorId}?purpose=after` })).status, 200)
  t.equal((await as('protection', { method: 'POST', url: '/v1/oversight/protection-cases/PC-00000000-0000-0000-0000-000000000000/lift', payload: {} })).status, 404)
})

t.test('GODT export as JSON and CSV, and the self-sufficiency reports', async (t) => {
  const { f, as } = await setup(t)
  deceasedTransplant(f)
  livingTransplant(f)
  const json = await as('authority', { method: 'GET', url: '/v1/reports/godt/2025?country=NL&cutoff=2025-12-31T00:00:00Z' })
  t.equal(json.status, 200)
  t.match(json.body, { country: 'NL', reportyear: 2025, population: 18_000_000 })
  t.match(json.body.counts, { total_actual_dd: 1, total_utilized_dd: 1, dd_kidney_tx: 1, ld_kidney_tx: 1, total_kidney_tx: 2, total_tx: 2 })
  t.equal(json.body.pmp.total_tx, 0.11)
  t.match(json.body.provenance, { queryVersion: 'godt-export/1', dataCutoff: '2025-12-31T00:00:00.000Z', populationSource: 'test row (not a published figure)' })
  t.match(json.body.provenance.snapshotHash, /^[0-9a-f]{64}$/)

  const csv = await as('auditor', { method: 'GET', url: '/v1/reports/godt/2025?country=NL&cutoff=2025-12-31T00:00:00Z&format=csv' })
  t.equal(csv.status, 200)
  t.match(csv.headers['content-type'], /^text\/csv/)
  t.match(csv.headers['content-disposition'], /godt-NL-2025\.csv/)
  const [header, row] = csv.raw.trim().split('\n')
  const columns = (header ?? '').split(',')
  const values = (row ?? '').split(',')
  t.equal(values[columns.indexOf('total_kidney_tx')], '2')
  t.equal(values[columns.indexOf('snapshot_hash')], json.body.provenance.snapshotHash, 'the CSV carries the same provenance')
  const accept = await as('authority', { method: 'GET', url: '/v1/reports/godt/2025?country=NL&cutoff=2025-12-31T00:00:00Z', headers: { accept: 'text/csv' } })
  t.equal(accept.raw, csv.raw)

  const noPopulation = await as('authority', { method: 'GET', url: '/v1/reports/godt/2025?country=BE' })
  t.equal(noPopulation.status, 400)
  t.equal(noPopulation.body.code, 'ENGINE_UNKNOWN_REFERENCE_TABLE')
  t.equal((await as('officer', { method: 'GET', url: '/v1/reports/godt/2025?country=NL' })).status, 403)
  t.equal((await as('authority', { method: 'GET', url: '/v1/reports/godt/2025' })).status, 400, 'the country is required')
  t.equal((await as('authority', { method: 'GET', url: '/v1/reports/godt/2025?country=NL&cutoff=tomorrow' })).status, 400)

  const pathway = await as('auditor', { method: 'GET', url: '/v1/reports/pathway/2025?country=NL&cutoff=2025-12-31T00:00:00Z' })
  t.equal(pathway.status, 200)
  t.match(pathway.body.stages, { eligible: 1, actual: 1, utilised: 1 })
  t.equal(pathway.body.donorsWithoutCase, 1)
  const utilisation = await as('auditor', { method: 'GET', url: '/v1/reports/utilisation/2025?country=NL&cutoff=2025-12-31T00:00:00Z' })
  t.equal(utilisation.status, 200)
  t.match(utilisation.body.total, { recovered: 1, transplanted: 1 })
  t.match(utilisation.body.pmp, { recovered: 0.06 })
})

t.test('trace, recoveries, indicator runs and the two-person review over HTTP', async (t) => {
  const { f, as } = await setup(t)
  const chain = deceasedTransplant(f, { recoveredAt: '2025-02-01T08:00:00Z', transplantedAt: '2025-02-03T08:00:00Z' })
  const trace = await as('auditor', { method: 'GET', url: `/v1/organs/${chain.organId}/trace` })
  t.equal(trace.status, 200)
  t.equal(trace.body.audit.entriesVerified, true)
  t.equal(trace.body.fate.disposition, 'transplanted')
  t.ok(trace.body.audit.entries.every((e: { hashValid: boolean }) => e.hashValid))
  t.equal((await as('auditor', { method: 'GET', url: `/v1/organs/${f.registry.donors.idFor('none')}.kidney.left/trace` })).status, 404)
  t.equal((await as('officer', { method: 'GET', url: `/v1/organs/${chain.organId}/trace` })).status, 200, 'the officer follows an organ to its fate')
  t.equal((await as('clerk', { method: 'GET', url: `/v1/organs/${chain.organId}/trace` })).status, 403)

  const donor = addDeceasedDonor(f)
  const refused = await as('clerk', { method: 'POST', url: '/v1/oversight/recoveries', payload: { organId: donor.organIds[0], recoveredAt: '2025-02-01T08:00:00Z', recoveryCentreId: 'NL-ERAS' } })
  t.equal(refused.status, 400)
  t.same(refused.body.errors, [{ field: 'body.recoveryCentreId', rule: refused.body.errors[0].rule }])
  const recovered = await as('clerk', { method: 'POST', url: '/v1/oversight/recoveries', payload: { organId: donor.organIds[0], recoveredAt: '2025-02-01T08:00:00Z', recoveryCentreId: 'NL-LUMC', surgeonId: 'surgeon.one' } })
  t.same([recovered.status, recovered.body.authorisationOverride, recovered.body.flags], [201, false, []])
  t.equal((await as('clerk', { method: 'POST', url: '/v1/oversight/recoveries', payload: { organId: donor.organIds[0], recoveredAt: '2025-02-01T08:00:00Z', recoveryCentreId: 'NL-LUMC' } })).status, 409)
  t.equal((await as('clerk', { method: 'POST', url: '/v1/oversight/recoveries', payload: { organId: donor.organIds[0], recoveredAt: '2025-02-01T08:00:00Z', recoveryCentreId: 'NL-LUMC', extra: 1 } })).status, 400)

  const run = await as('auditor', { method: 'POST', url: '/v1/oversight/indicator-runs', payload: { asOf: '2025-03-01T00:00:00Z' } })
  t.equal(run.status, 200)
  t.ok(run.body.findings > 0)
  const a7 = run.body.raised.find((flag: { ruleId: string }) => flag.ruleId === 'A7@1')
  t.ok(a7)
  const queue = await as('authority', { method: 'GET', url: '/v1/oversight/review-queue?status=open&severity=R' })
  t.ok(queue.body.flags.some((flag: { id: number }) => flag.id === a7.id))
  t.equal((await as('auditor', { method: 'GET', url: `/v1/oversight/review-queue/${a7.id as number}` })).body.flag.reviewState, 'open')
  t.equal((await as('auditor', { method: 'GET', url: '/v1/oversight/review-queue/9999' })).status, 404)
  const review = (who: Who, outcome: string): Promise<Reply> => as(who, { method: 'POST', url: `/v1/oversight/review-queue/${a7.id as number}/reviews`, payload: { outcome, at: '2025-03-02T00:00:00Z' } })
  t.equal((await review('auditor', 'true-positive')).body.flag.reviewState, 'awaiting-second-review')
  const again = await review('auditor', 'true-positive')
  t.equal(again.status, 409, 'one review per reviewer')
  t.equal((await review('officer', 'true-positive')).status, 403)
  const closed = await review('auditor2', 'true-positive')
  t.match(closed.body.flag, { status: 'closed', outcome: 'true-positive', closedBy: 'auditor.two' })
  t.equal((await as('clerk', { method: 'GET', url: '/v1/oversight/flag-statistics' })).status, 403)
  const stats = await as('authority', { method: 'GET', url: '/v1/oversight/flag-statistics?from=2025-01-01T00:00:00Z' })
  t.equal(stats.status, 200)
  t.match(stats.body.byRule.find((r: { rule: string }) => r.rule === 'A7'), { closed: 1, truePositive: 1, positivePredictiveValue: 1 })
  const rules = await as('protection', { method: 'GET', url: '/v1/oversight/indicator-rules' })
  t.equal(rules.body.rules.length, f.oversight.rules.length)
  t.equal(rules.body.ruleSetHash, f.oversight.ruleSetHash)
  t.match(rules.body.rules[0], { id: 'A1', version: 1, severity: 'B', requiredFields: ['centreAuthorised'] })
})

t.test('follow-up lists, indicator inputs and combined transplants over HTTP', async (t) => {
  const { f, as } = await setup(t)
  const donation = livingTransplant(f)
  const due = await as('clerk', { method: 'GET', url: '/v1/oversight/follow-ups?asOf=2025-08-10&centreId=NL-LUMC' })
  t.equal(due.status, 200)
  t.same(due.body.followUps.map((x: { subjectKind: string, state: string }) => [x.subjectKind, x.state]).sort(), [['living-donor', 'due'], ['recipient', 'due']])
  const overdue = await as('auditor', { method: 'GET', url: '/v1/oversight/follow-ups?asOf=2025-12-01&state=overdue' })
  t.ok(overdue.body.followUps.every((x: { daysOverdue: number }) => x.daysOverdue > 0))
  const completeness = await as('authority', { method: 'GET', url: '/v1/oversight/follow-ups/completeness?asOf=2025-12-01' })
  t.match(completeness.body.centres[0], { centreId: 'NL-LUMC', expected: 2, completed: 0, rate: 0 })
  t.equal((await as('clerk', { method: 'GET', url: '/v1/oversight/follow-ups?asOf=2025-12-01T00:00:00Z' })).status, 400)

  const evaluation = await as('clerk', { method: 'POST', url: '/v1/oversight/living-donor-evaluations', payload: { donorId: donation.donorId, candidateId: donation.recipientId, evaluatedAt: '2025-01-15T00:00:00Z', kinship: 'sibling', advocate: { staffId: 'advocate.one', independent: true }, contact: '+31 6 5555 0000' } })
  t.equal(evaluation.status, 201)
  t.equal((await as('officer', { method: 'POST', url: '/v1/oversight/living-donor-evaluations', payload: { donorId: donation.donorId, evaluatedAt: '2025-01-15T00:00:00Z' } })).status, 403)
  const payment = await as('clerk', { method: 'POST', url: '/v1/oversight/donor-payments', payload: { donorId: donation.donorId, category: 'travel', amountMinor: 5000, currency: 'EUR', method: 'card', payerKind: 'programme', paidAt: '2025-02-10T00:00:00Z' } })
  t.equal(payment.status, 201)
  t.equal((await as('clerk', { method: 'POST', url: '/v1/oversight/donor-payments', payload: { donorId: donation.donorId, category: 'bribe', amountMinor: 5000, currency: 'EUR', method: 'card', payerKind: 'programme', paidAt: '2025-02-10T00:00:00Z' } })).status, 400)
  const abroad = await as('clerk', {
    method: 'POST',
    url: '/v1/oversight/transplants-abroad',
    payload: {
      candidateId: addCandidate(f), presentingCentreId: 'NL-LUMC', presentedAt: '2025-04-01T00:00:00Z', transplantCountry: 'XA', organType: 'kidney',
      donorType: 'unknown', authorisationEvidence: false, paymentReported: 'unknown', documents: []
    }
  })
  t.equal(abroad.status, 201)
  t.equal(abroad.body.originCertified, false)
  t.same(abroad.body.flags.map((x: { ruleId: string }) => x.ruleId).sort(), ['D1@1', 'D3@1'])
  const pathwayCase = await as('authority', { method: 'POST', url: '/v1/oversight/pathway-cases', payload: { hospitalCentreId: 'NL-LUMC', identifiedAt: '2025-03-01T00:00:00Z', furthestStage: 'possible', lossReason: 'not-identified-or-referred' } })
  t.equal(pathwayCase.status, 201)
  t.equal((await as('authority', { method: 'POST', url: '/v1/oversight/pathway-cases', payload: { hospitalCentreId: 'NL-LUMC', identifiedAt: '2025-03-01T00:00:00Z', furthestStage: 'possible' } })).status, 400)

  const pancreasRecipient = addCandidate(f, { organType: 'pancreas', nationalId: 'NL-SPK' })
  const kidneyRecipient = addCandidate(f, { nationalId: 'NL-SPK' })
  const pancreas = deceasedTransplant(f, { recipientId: pancreasRecipient, organs: [{ organType: 'pancreas', part: 'whole' }] })
  t.ok(pancreas)
  const combined = await as('clerk', { method: 'POST', url: '/v1/oversight/kidney-pancreas', payload: { pancreasTransplantId: pancreas.transplantId, kidneyTransplantId: pancreas.transplantId } })
  t.equal(combined.status, 400, 'a pancreas transplant is not a kidney transplant')
  t.ok(kidneyRecipient)
  const domino = await as('clerk', { method: 'POST', url: '/v1/oversight/domino-donors', payload: { donorId: donation.donorId, sourceTransplantId: pancreas.transplantId } })
  t.equal(domino.status, 400, 'a domino donor comes from a liver transplant')
})

t.test('victim protection covers the ordinary registry routes, not only the oversight ones', async (t) => {
  const { f, as } = await setup(t)
  const donation = livingTransplant(f)
  const organId = donation.organIds[0] as string
  const before = {
    donor: await as('clerk', { method: 'GET', url: `/v1/donors/${donation.donorId}` }),
    organ: await as('auditor', { method: 'GET', url: `/v1/organs/${organId}` }),
    transplant: await as('auditor', { method: 'GET', url: `/v1/transplants/${donation.transplantId as string}` }),
    list: await as('clerk', { method: 'GET', url: '/v1/candidates?limit=500' }),
    equity: await as('auditor', { method: 'GET', url: '/v1/equity/protected-attributes?subjectKind=candidate' })
  }
  t.same([before.donor.status, before.organ.status, before.transplant.status], [200, 200, 200], 'visible before the case is opened')
  t.ok(before.list.body.candidates.some((c: { id: string }) => c.id === donation.recipientId))

  t.equal((await as('clerk', { method: 'POST', url: '/v1/oversight/protection-cases', payload: { subjectId: donation.recipientId, reasonCode: 'suspected-trafficking-victim', at: '2025-03-01T00:00:00Z' } })).status, 201)
  const seqBefore = f.registry.audit.head().seq

  const hidden = await as('clerk', { method: 'GET', url: `/v1/candidates/${donation.recipientId}` })
  const unknownId = f.registry.candidates.idFor('nobody-at-all')
  const unknown = await as('clerk', { method: 'GET', url: `/v1/candidates/${unknownId}` })
  t.same([hidden.status, hidden.body.code], [404, 'API_NOT_FOUND'])
  t.equal(hidden.body.detail.replace(donation.recipientId, 'ID'), unknown.body.detail.replace(unknownId, 'ID'), 'hidden and unknown answer alike')
  t.equal((await as('clerk', { method: 'GET', url: `/v1/candidates/${donation.recipientId}/status-history` })).status, 404)
  t.equal((await as('clerk', { method: 'POST', url: `/v1/candidates/${donation.recipientId}/status`, payload: { status: 'inactive', effectiveAt: '2025-03-02T00:00:00Z', reason: 'test' } })).status, 404, 'writes are refused too')
  t.equal((await as('authority', { method: 'POST', url: `/v1/candidates/${donation.recipientId}/identifiers/reveal`, payload: { reason: 'traceability' } })).status, 404, 'no identifier reveal')
  t.equal((await as('auditor', { method: 'GET', url: `/v1/transplants/${donation.transplantId as string}` })).status, 404, 'a transplant leads to the recipient')
  t.equal((await as('auditor', { method: 'GET', url: `/v1/organs/${organId}` })).status, 404, 'so does the organ transplanted into them')
  t.equal((await as('clerk', { method: 'GET', url: `/v1/donors/${donation.donorId}` })).status, 200, 'the donor is not under protection')
  const list = await as('clerk', { method: 'GET', url: '/v1/candidates?limit=500' })
  t.notOk(list.body.candidates.some((c: { id: string }) => c.id === donation.recipientId), 'left out of lists')
  t.equal(list.body.candidates.length, before.list.body.candidates.length - 1)
  const equity = await as('auditor', { method: 'GET', url: '/v1/equity/protected-attributes?subjectKind=candidate' })
  t.equal(equity.body.subjects.length, before.equity.body.subjects.length - 1, 'and out of the equity export')

  const denied = f.registry.audit.list({ fromSeq: seqBefore + 1 }).filter((e) => e.action.startsWith('protection.'))
  t.equal(denied.length, 6, 'every refused access (six reads and writes above) is in the audit log')
  t.ok(denied.every((e) => !JSON.stringify(e).includes(donation.recipientId)), 'the log names the case, never the pseudonym')
  const alerts = await as('protection', { method: 'GET', url: '/v1/oversight/protection-alerts?open=true' })
  t.ok(alerts.body.alerts.some((a: { access: string, accessedBy: string }) => a.access === 'denied' && a.accessedBy === 'clerk.one'))
  t.equal((await as('clerk', { method: 'GET', url: `/v1/candidates/${unknownId}` })).status, 404)
})
