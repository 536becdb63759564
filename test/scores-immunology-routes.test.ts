import t from 'tap'
import { testServer } from './helpers.js'

const H1_DONOR = { A: ['A1', 'A2'], B: ['B5', 'B7'], DR: ['DR1', 'DR4'] }
const H1_RECIPIENT = { A: ['A1', 'A2'], B: ['B35', 'B15'], DR: ['DR4', 'DR7'] }

t.test('POST /v1/scores/hla-mismatch counts at ET levels by default', async (t) => {
  const app = await testServer(t)
  const response = await app.inject({ method: 'POST', url: '/v1/scores/hla-mismatch', payload: { donor: H1_DONOR, recipient: H1_RECIPIENT } })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { mismatch: { A: 0, B: 2, DR: 1 }, total: 3, ukLevel: 4, levels: { A: 'broad', B: 'broad', DR: 'split' } })
})

t.test('POST /v1/scores/hla-mismatch normalises spellings and honours levels', async (t) => {
  const app = await testServer(t)
  const payload = {
    donor: { A: ['a*23', 'A01'], B: ['B7'], C: ['Cw7'], DR: ['DR15'], DQ: [] },
    recipient: { A: ['A24', 'A1'], B: ['B7', 'B8'], DR: ['DR2', 'DR4'] }
  }
  const etLevels = await app.inject({ method: 'POST', url: '/v1/scores/hla-mismatch', payload })
  t.equal(etLevels.statusCode, 200)
  t.same(etLevels.json(), { mismatch: { A: 0, B: 0, DR: 0 }, total: 0, ukLevel: 1, levels: { A: 'broad', B: 'broad', DR: 'split' } })
  const split = await app.inject({ method: 'POST', url: '/v1/scores/hla-mismatch', payload: { ...payload, levels: { A: 'split', B: 'split', DR: 'split' } } })
  t.same(split.json(), { mismatch: { A: 1, B: 0, DR: 0 }, total: 1, ukLevel: 2, levels: { A: 'split', B: 'split', DR: 'split' } })
})

t.test('POST /v1/scores/hla-mismatch: a bad antigen is a 400 naming it', async (t) => {
  const app = await testServer(t)
  const unknown = await app.inject({ method: 'POST', url: '/v1/scores/hla-mismatch', payload: { donor: { ...H1_DONOR, DR: ['DR1', 'DR52'] }, recipient: H1_RECIPIENT } })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.headers['content-type'], /application\/problem\+json/)
  t.match(unknown.json(), { code: 'ENGINE_UNKNOWN_VALUE', errors: [{ field: 'body.donor.DR[1]' }] })
  const allele = await app.inject({ method: 'POST', url: '/v1/scores/hla-mismatch', payload: { donor: H1_DONOR, recipient: { ...H1_RECIPIENT, A: ['A*02:01'] } } })
  t.equal(allele.statusCode, 400)
  t.match(allele.json(), { code: 'ENGINE_INVALID_FIELD', errors: [{ field: 'body.recipient.A[0]' }] })
  const wrongLocus = await app.inject({ method: 'POST', url: '/v1/scores/hla-mismatch', payload: { donor: { ...H1_DONOR, B: ['B7', 'A2'] }, recipient: H1_RECIPIENT } })
  t.match(wrongLocus.json(), { code: 'ENGINE_INVALID_FIELD', errors: [{ field: 'body.donor.B[1]' }] })
})

t.test('POST /v1/scores/hla-mismatch: unknown fields, empty or long loci and bad levels are refused', async (t) => {
  const app = await testServer(t)
  const cases: Array<[unknown, string]> = [
    [{ donor: H1_DONOR, recipient: H1_RECIPIENT, typo: 1 }, 'body.typo'],
    [{ donor: { ...H1_DONOR, DP: ['DP1'] }, recipient: H1_RECIPIENT }, 'body.donor.DP'],
    [{ donor: { ...H1_DONOR, A: [] }, recipient: H1_RECIPIENT }, 'body.donor.A'],
    [{ donor: H1_DONOR, recipient: { ...H1_RECIPIENT, B: ['B7', 'B8', 'B13'] } }, 'body.recipient.B'],
    [{ donor: H1_DONOR }, 'body.recipient'],
    [{ donor: H1_DONOR, recipient: H1_RECIPIENT, levels: { A: 'broad', B: 'broad' } }, 'body.levels.DR'],
    [{ donor: H1_DONOR, recipient: H1_RECIPIENT, levels: { A: 'broad', B: 'broad', DR: 'allele' } }, 'body.levels.DR']
  ]
  for (const [payload, field] of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/scores/hla-mismatch', payload: payload as Record<string, unknown> })
    t.equal(response.statusCode, 400, field)
    t.match(response.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field }] }, field)
  }
})

t.test('POST /v1/scores/abo answers per rule set', async (t) => {
  const app = await testServer(t)
  const ask = async (payload: Record<string, unknown>): Promise<unknown> =>
    (await app.inject({ method: 'POST', url: '/v1/scores/abo', payload })).json()
  t.same(await ask({ donorAbo: 'O', candidateAbo: 'A', ruleSet: 'identical' }), { compatible: false, ruleSet: 'identical' })
  t.same(await ask({ donorAbo: 'O', candidateAbo: 'A', ruleSet: 'compatible' }), { compatible: true, ruleSet: 'compatible' })
  t.same(await ask({ donorAbo: 'A2', candidateAbo: 'B', ruleSet: 'us-kidney', candidateEligibleForA2: true }), { compatible: true, ruleSet: 'us-kidney' })
  t.same(await ask({ donorAbo: 'A2', candidateAbo: 'B', ruleSet: 'us-kidney' }), { compatible: false, ruleSet: 'us-kidney' })
  t.same(await ask({ donorAbo: 'O', candidateAbo: 'AB', ruleSet: 'heart-secondary' }), { compatible: true, ruleSet: 'heart-secondary' })
})

t.test('POST /v1/scores/abo refuses unknown fields and values', async (t) => {
  const app = await testServer(t)
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ donorAbo: 'O', candidateAbo: 'A', ruleSet: 'identical', extra: true }, 'body.extra'],
    [{ donorAbo: 'C', candidateAbo: 'A', ruleSet: 'identical' }, 'body.donorAbo'],
    [{ donorAbo: 'O', candidateAbo: 'A', ruleSet: 'liver' }, 'body.ruleSet'],
    [{ donorAbo: 'O', ruleSet: 'identical' }, 'body.candidateAbo'],
    [{ donorAbo: 'O', candidateAbo: 'A', ruleSet: 'us-kidney', candidateEligibleForA2: 'yes' }, 'body.candidateEligibleForA2']
  ]
  for (const [payload, field] of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/scores/abo', payload })
    t.equal(response.statusCode, 400, field)
    t.match(response.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field }] }, field)
  }
})
