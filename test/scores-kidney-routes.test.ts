import t from 'tap'
import { testServer } from './helpers.js'

const guideDonor = {
  ageYears: 52, heightCm: 183, weightKg: 81, hypertension: true, diabetes: false,
  causeOfDeathCva: true, creatinineMgDl: 1.7, dcd: true
}
const referenceDonor = {
  ageYears: 40, heightCm: 170, weightKg: 80, hypertension: false, diabetes: false,
  causeOfDeathCva: false, creatinineMgDl: 1.0, dcd: false
}

t.test('POST /v1/scores/kdpi: the OPTN guide donor on the newest refit table by default', async (t) => {
  const app = await testServer(t)
  const response = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: guideDonor })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.match(body, { formula: 'refit-2024', referenceYear: 2024, kdpi: 72, kdpiAlternatives: [], clamps: [], imputed: [], notes: [] })
  t.ok(Math.abs(body.xbeta - 0.53787) < 5e-6)
  t.ok(Math.abs(body.kdriRao - 1.71235565748184) < 5e-15)
  t.ok(Math.abs(body.kdriMedian - 1.219307) < 5e-7)
  t.equal(body.scalingFactor, 1.40436817065005)
  t.match(body.source, /2024 reference population/)
})

t.test('POST /v1/scores/kdpi: the 2023 refit table gives the guide\'s 79', async (t) => {
  const app = await testServer(t)
  const response = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: { ...guideDonor, formula: 'refit-2024', referenceYear: 2023 } })
  t.equal(response.statusCode, 200)
  t.match(response.json(), { referenceYear: 2023, kdpi: 79 })
})

t.test('POST /v1/scores/kdpi: rao-2009 takes race and HCV and says it is historical', async (t) => {
  const app = await testServer(t)
  const payload = { ageYears: 30, heightCm: 175, weightKg: 85, black: true, hypertension: false, diabetes: false, causeOfDeathCva: false, creatinineMgDl: 0.9, hcvPositive: true, dcd: false, formula: 'rao-2009', referenceYear: 2018 }
  const response = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload })
  t.equal(response.statusCode, 200)
  t.match(response.json(), { formula: 'rao-2009', referenceYear: 2018, kdpi: 53, notes: [/historical/] })
  const missing = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: { ...guideDonor, formula: 'rao-2009' } })
  t.equal(missing.statusCode, 400)
  t.match(missing.json(), { code: 'ENGINE_MISSING_FIELD', errors: [{ field: 'body.black' }] })
})

t.test('POST /v1/scores/kdpi: refit refuses race and HCV, even as false', async (t) => {
  const app = await testServer(t)
  for (const extra of [{ black: false }, { black: true }, { hcvPositive: false }]) {
    const response = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: { ...guideDonor, ...extra } })
    t.equal(response.statusCode, 400)
    t.match(response.headers['content-type'], /application\/problem\+json/)
    t.match(response.json(), { code: 'ENGINE_INVALID_FIELD', errors: [{ field: Object.keys(extra)[0] }] })
  }
})

t.test('POST /v1/scores/kdpi: unknown histories are imputed and bounds reported', async (t) => {
  const app = await testServer(t)
  const response = await app.inject({
    method: 'POST',
    url: '/v1/scores/kdpi',
    payload: { ...referenceDonor, hypertension: 'unknown', diabetes: 'unknown', ageYears: 105, creatinineMgDl: 12 }
  })
  t.equal(response.statusCode, 200)
  t.match(response.json(), {
    clamps: [{ field: 'ageYears', givenValue: 105, usedValue: 99 }, { field: 'creatinineMgDl', givenValue: 12, usedValue: 8 }],
    imputed: [{ field: 'hypertension', prevalence: 0.43697057162578 }, { field: 'diabetes', prevalence: 0.17280542134655 }]
  })
})

t.test('POST /v1/scores/kdpi: a donor in a disputed table row gets both readings', async (t) => {
  const app = await testServer(t)
  // xβ = 0.0092·5.25 + CVA + DCD = 0.3192, KDRI_median ≈ 0.97983, inside the disputed 48% window.
  const response = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: { ...referenceDonor, ageYears: 45.25, causeOfDeathCva: true, dcd: true } })
  t.equal(response.statusCode, 200)
  t.match(response.json(), { kdpi: 48, kdpiAlternatives: [49], notes: [/disputed row.*49/] })
})

t.test('POST /v1/scores/kdpi: schema errors name the field', async (t) => {
  const app = await testServer(t)
  const unknownField = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: { ...guideDonor, race: 'white' } })
  t.equal(unknownField.statusCode, 400)
  t.match(unknownField.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.race', rule: 'is not a known field' }] })

  const outOfRange = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: { ...guideDonor, creatinineMgDl: 150 } })
  t.equal(outOfRange.statusCode, 400)
  t.match(outOfRange.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.creatinineMgDl', rule: 'must be <= 40' }] })

  const tooLight = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: { ...guideDonor, weightKg: 0.1 } })
  t.match(tooLight.json(), { errors: [{ field: 'body.weightKg', rule: 'must be >= 0.3' }] })

  const wrongType = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: { ...guideDonor, hypertension: 'yes', ageYears: '52' } })
  t.equal(wrongType.statusCode, 400)
  t.match(wrongType.json(), { errors: [{ field: 'body.ageYears' }, { field: 'body.hypertension', rule: 'must be one of true, false, "unknown"' }] })

  const { dcd: _dcd, ...withoutDcd } = guideDonor
  const missing = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: withoutDcd })
  t.match(missing.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.dcd', rule: 'is required' }] })

  const badFormula = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: { ...guideDonor, formula: 'rao' } })
  t.match(badFormula.json(), { errors: [{ field: 'body.formula', rule: 'must be one of "refit-2024", "rao-2009"' }] })
})

t.test('POST /v1/scores/kdpi: an unknown reference year names the years available', async (t) => {
  const app = await testServer(t)
  const response = await app.inject({ method: 'POST', url: '/v1/scores/kdpi', payload: { ...guideDonor, referenceYear: 2019 } })
  t.equal(response.statusCode, 400)
  t.match(response.json(), { code: 'ENGINE_UNKNOWN_REFERENCE_TABLE', errors: [{ field: 'body.referenceYear', rule: /2023, 2024/ }] })
})

t.test('POST /v1/scores/epts: percentiles under both tables', async (t) => {
  const app = await testServer(t)
  const e7 = { ageYears: 60, diabetes: true, priorSolidOrganTransplant: false, dialysisYears: 3.5 }
  const response = await app.inject({ method: 'POST', url: '/v1/scores/epts', payload: e7 })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.match(body, { referenceYear: 2022, epts: 81, eptsIsLowerBound: false, notes: [] })
  t.ok(Math.abs(body.raw - 2.706881) < 5e-7)

  const e8 = { ageYears: 70, diabetes: true, priorSolidOrganTransplant: true, dialysisYears: 8 }
  const in2022 = await app.inject({ method: 'POST', url: '/v1/scores/epts', payload: e8 })
  t.match(in2022.json(), { referenceYear: 2022, epts: 100, eptsIsLowerBound: false })
  const in2018 = await app.inject({ method: 'POST', url: '/v1/scores/epts', payload: { ...e8, referenceYear: 2018 } })
  t.match(in2018.json(), { referenceYear: 2018, epts: 99, eptsIsLowerBound: true, notes: [/99% or higher/] })
})

t.test('POST /v1/scores/epts: errors', async (t) => {
  const app = await testServer(t)
  const base = { ageYears: 45, diabetes: false, priorSolidOrganTransplant: false, dialysisYears: 2 }
  const year = await app.inject({ method: 'POST', url: '/v1/scores/epts', payload: { ...base, referenceYear: 2020 } })
  t.equal(year.statusCode, 400)
  t.match(year.json(), { code: 'ENGINE_UNKNOWN_REFERENCE_TABLE', errors: [{ field: 'body.referenceYear', rule: 'must be one of 2018, 2022 (got 2020)' }] })
  const range = await app.inject({ method: 'POST', url: '/v1/scores/epts', payload: { ...base, dialysisYears: -1 } })
  t.match(range.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.dialysisYears', rule: 'must be >= 0' }] })
  const unknown = await app.inject({ method: 'POST', url: '/v1/scores/epts', payload: { ...base, sex: 'F' } })
  t.match(unknown.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.sex', rule: 'is not a known field' }] })
  const tri = await app.inject({ method: 'POST', url: '/v1/scores/epts', payload: { ...base, diabetes: 'unknown' } })
  t.match(tri.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.diabetes' }] })
})
