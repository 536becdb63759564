import t from 'tap'
import { testServer } from './helpers.js'

const meldBody = { creatinineMgDl: 1.9, bilirubinMgDl: 4.2, inr: 1.6, dialysisTwiceInPastWeek: false }
const meld3Body = {
  creatinineMgDl: 1.5, bilirubinMgDl: 3.0, inr: 1.8, sodiumMmolL: 130, albuminGDl: 2.8, dialysisTwiceInPastWeek: false, ageYears: 40, sex: 'F'
}
const peldBody = { bilirubinMgDl: 3.0, inr: 1.5, albuminGDl: 2.5, ageYears: 4, ageAtListingYears: 4, growthFailure: false }
const ukeldBody = { inr: 1.0, creatinineMgDl: 54 / 88.4, bilirubinMgDl: 212 / 17.1, sodiumMmolL: 126 }
const ukkdriBody = { ageYears: 51, heightCm: 177, hypertension: false, sex: 'M', cmvPositive: true, egfrMlMin173m2: 74, hospitalStayDays: 2 }
const ukkrriBody = { ageYears: 55, dialysisAtRegistration: true, waitingDays: 960, diabetes: true }

t.test('happy path: every route answers with the score and its intermediate values', async (t) => {
  const app = await testServer(t)
  const post = async (url: string, payload: object): Promise<Record<string, unknown>> => {
    const response = await app.inject({ method: 'POST', url: `/v1/scores/${url}`, payload })
    t.equal(response.statusCode, 200, url)
    return response.json()
  }
  // The README request.
  t.match(await post('meld', meldBody), { meld: 23, inputsAfterBounds: { creatinineMgDl: 1.9, bilirubinMgDl: 4.2, inr: 1.6 } })
  t.match(await post('meld-na', { ...meldBody, sodiumMmolL: 128 }), { meldNa: 28, meld: 23, sodiumTermApplied: true })
  t.match(await post('meld3', meld3Body), { meld3: 27, adolescentIntercept: false, inputsAfterBounds: { albuminGDl: 2.8 } })
  const { sex: _sex, ...teenBody } = meld3Body
  t.match(await post('meld3', { ...teenBody, ageYears: 14 }), { meld3: 27, adolescentIntercept: true }, 'no sex under 18')
  t.match(await post('peld', peldBody), { peld: 7, ageFactorApplied: false })
  const ukeld = await post('ukeld', ukeldBody)
  t.equal(ukeld.ukeld, 63)
  t.equal(Number((ukeld.ukeldUnrounded as number).toFixed(2)), 63.22)
  t.match(await post('ukkdri', ukkdriBody), { quartile: 'D3', quartileNumber: 3 })
  t.match(await post('ukkrri', ukkrriBody), { quartile: 'R4', quartileNumber: 4, ageTermApplied: true })
})

t.test('an unknown field is refused with 400 naming it', async (t) => {
  const app = await testServer(t)
  for (const [url, body] of [['meld', meldBody], ['meld3', meld3Body], ['peld', peldBody], ['ukeld', ukeldBody], ['ukkdri', ukkdriBody], ['ukkrri', ukkrriBody]] as const) {
    const response = await app.inject({ method: 'POST', url: `/v1/scores/${url}`, payload: { ...body, creatinineUmolL: 168 } })
    t.equal(response.statusCode, 400, url)
    t.match(response.headers['content-type'], /application\/problem\+json/)
    t.match(response.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.creatinineUmolL', rule: 'is not a known field' }] }, url)
  }
})

t.test('an out-of-range value is refused with 400 naming the field and the limit', async (t) => {
  const app = await testServer(t)
  const cases: Array<[string, object, string, string]> = [
    ['meld', { ...meldBody, creatinineMgDl: 168 }, 'body.creatinineMgDl', 'must be <= 25'],
    ['meld-na', { ...meldBody, sodiumMmolL: 90 }, 'body.sodiumMmolL', 'must be >= 100'],
    ['meld3', { ...meld3Body, albuminGDl: 35 }, 'body.albuminGDl', 'must be <= 7'],
    ['peld', { ...peldBody, ageYears: 15 }, 'body.ageYears', 'must be <= 12'],
    ['ukeld', { ...ukeldBody, bilirubinMgDl: 212 }, 'body.bilirubinMgDl', 'must be <= 100'],
    ['ukkdri', { ...ukkdriBody, heightCm: 1.77 }, 'body.heightCm', 'must be >= 30'],
    ['ukkrri', { ...ukkrriBody, waitingDays: -3 }, 'body.waitingDays', 'must be >= 0']
  ]
  for (const [url, payload, field, rule] of cases) {
    const response = await app.inject({ method: 'POST', url: `/v1/scores/${url}`, payload })
    t.equal(response.statusCode, 400, url)
    t.match(response.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field, rule }] }, url)
  }
})

t.test('a missing or mistyped field is refused with 400 naming it', async (t) => {
  const app = await testServer(t)
  const { inr: _inr, ...noInr } = meldBody
  const missing = await app.inject({ method: 'POST', url: '/v1/scores/meld', payload: noInr })
  t.equal(missing.statusCode, 400)
  t.match(missing.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.inr', rule: 'is required' }] })

  const { diabetes: _diabetes, ...noDiabetes } = ukkrriBody
  const missingUk = await app.inject({ method: 'POST', url: '/v1/scores/ukkrri', payload: noDiabetes })
  t.match(missingUk.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.diabetes', rule: 'is required' }] })

  const text = await app.inject({ method: 'POST', url: '/v1/scores/meld', payload: { ...meldBody, creatinineMgDl: '1.9' } })
  t.equal(text.statusCode, 400, 'no type coercion')
  t.match(text.json(), { errors: [{ field: 'body.creatinineMgDl' }] })

  const badSex = await app.inject({ method: 'POST', url: '/v1/scores/ukkdri', payload: { ...ukkdriBody, sex: 'male' } })
  t.match(badSex.json(), { code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.sex', rule: 'must be one of "F", "M"' }] })
})

t.test('rules the schema cannot express come back as engine errors', async (t) => {
  const app = await testServer(t)
  const { sex: _sex, ...adultWithoutSex } = meld3Body
  const noSex = await app.inject({ method: 'POST', url: '/v1/scores/meld3', payload: adultWithoutSex })
  t.equal(noSex.statusCode, 400)
  t.match(noSex.json(), { code: 'ENGINE_MISSING_FIELD' })
  t.same(noSex.json().errors.map((e: { field: string }) => e.field), ['body.sex'])

  const listedLater = await app.inject({ method: 'POST', url: '/v1/scores/peld', payload: { ...peldBody, ageAtListingYears: 6 } })
  t.equal(listedLater.statusCode, 400)
  t.match(listedLater.json(), { code: 'ENGINE_INVALID_FIELD' })
  t.same(listedLater.json().errors, [{ field: 'body.ageAtListingYears', rule: 'must not be greater than ageYears' }])
})
