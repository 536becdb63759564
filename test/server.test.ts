import t from 'tap'
import { testServer } from './helpers.js'

t.test('GET /health answers ok with the version', async (t) => {
  const app = await testServer(t)
  const response = await app.inject({ method: 'GET', url: '/health' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok', version: '0.0.0-test' })
})

t.test('an unknown route answers problem+json 404 with a stable code', async (t) => {
  const app = await testServer(t)
  const response = await app.inject({ method: 'GET', url: '/v1/nothing-here?x=1' })
  t.equal(response.statusCode, 404)
  t.match(response.headers['content-type'], /application\/problem\+json/)
  t.match(response.json(), { status: 404, code: 'API_NOT_FOUND', title: 'Not Found', instance: '/v1/nothing-here?x=1' })
})
