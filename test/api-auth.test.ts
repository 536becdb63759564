import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildServer, routeInventory, type ServerDeps } from '../api/server.js'
import { ACCESS, ROLES, type Role } from '../api/roles.js'
import type { Registry } from '../data/registry.js'
import { memoryRegistry, seedCentres } from './fixtures/registry-fixtures.js'

const NOW = '2025-06-01T00:00:00.000Z'

interface Setup {
  readonly app: FastifyInstance
  readonly registry: Registry
  /** One user per role, named u.<role>, each with a live token. */
  readonly tokens: Record<Role, string>
}

async function setup (t: Test, deps: Partial<ServerDeps> = {}): Promise<Setup> {
  const registry = memoryRegistry()
  seedCentres(registry)
  const tokens = {} as Record<Role, string>
  for (const role of ROLES) {
    registry.users.create({ id: `u.${role}`, roles: [role] }, 'system')
    tokens[role] = registry.users.issueToken(`u.${role}`, { expiresAt: '2030-01-01T00:00:00Z' }, 'system').token
  }
  const app = await buildServer({ version: '0.0.0-test', logger: false, registry, now: () => NOW, ...deps })
  t.teardown(async () => {
    await app.close()
    registry.close()
  })
  return { app, registry, tokens }
}

/** A URL for a route pattern, with every path parameter filled by a placeholder. */
function concrete (url: string): string {
  return url.replace(/:([A-Za-z]+)/g, (_m, name: string) => name === 'role' ? 'auditor' : `x-${name}`)
}

t.test('every /v1 route declares its roles; only /health, /docs and the console page and its assets are public', async (t) => {
  const { app } = await setup(t)
  const routes = routeInventory(app)
  t.ok(routes.length > 50, `${routes.length} routes`)
  for (const route of routes) {
    if (route.public) {
      t.ok(route.url === '/health' || route.url.startsWith('/docs') || route.url === '/' || route.url === '/assets/:file', `${route.method} ${route.url} is public`)
      continue
    }
    t.ok(route.url.startsWith('/v1/'), `${route.method} ${route.url} is versioned`)
    t.ok(route.roles.length > 0, `${route.method} ${route.url} admits some role`)
    for (const role of route.roles) t.ok((ROLES as readonly string[]).includes(role), `${route.url}: ${role} is a role`)
  }
  // Separation of duties: admin reaches user management and /me only.
  const adminRoutes = routes.filter((r) => r.roles.includes('admin')).map((r) => r.url)
  t.ok(adminRoutes.every((url) => url === '/v1/me' || url.startsWith('/v1/users') || url.startsWith('/v1/tokens')), 'admin reads no registry data')
  // The OpenAPI document lists the same protected routes, each with its roles.
  const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, { description?: string }>> }
  for (const route of routes.filter((r) => !r.public)) {
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}')
    const operation = spec.paths[path]?.[route.method.toLowerCase()]
    t.ok(operation !== undefined, `${route.method} ${path} is in the OpenAPI document`)
    if (route.url.startsWith('/v1/scores')) continue
    t.match(operation?.description ?? '', new RegExp(`Roles: ${route.roles.map((r) => r.replace(/-/g, '\\-')).join(', ')}\\.`), `${path} documents its roles`)
  }
})

t.test('the API guide lists every route (the inventory a reviewer reads matches the server)', async (t) => {
  const { app } = await setup(t)
  const guide = readFileSync(join(import.meta.dirname, '..', 'docs', 'api.md'), 'utf8')
  for (const route of routeInventory(app)) {
    if (route.url.startsWith('/docs')) continue
    const entry = route.url.startsWith('/v1/scores/') ? 'POST /v1/scores/…' : `${route.method} ${route.url.replace(/:([A-Za-z]+)/g, '{$1}')}`
    t.ok(guide.includes(`\`${entry}\``), `docs/api.md lists ${entry}`)
  }
})

t.test('every protected route × every role: no token 401, wrong role 403, admitted role neither', async (t) => {
  const { app, tokens } = await setup(t)
  const routes = routeInventory(app).filter((r) => !r.public)
  let checked = 0
  for (const route of routes) {
    const url = concrete(route.url)
    const method = route.method as 'GET' | 'POST' | 'PUT' | 'DELETE'
    const payload = method === 'GET' || method === 'DELETE' ? undefined : {}
    const anonymous = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) })
    t.equal(anonymous.statusCode, 401, `${method} ${route.url} without a token`)
    t.equal(anonymous.json().code, 'API_UNAUTHENTICATED')
    t.equal(anonymous.headers['www-authenticate'], 'Bearer realm="organ-allocation-engine"')
    for (const role of ROLES) {
      const response = await app.inject({ method, url, headers: { authorization: `Bearer ${tokens[role]}` }, ...(payload === undefined ? {} : { payload }) })
      if (route.roles.includes(role)) {
        t.not(response.statusCode, 401, `${method} ${route.url} as ${role}`)
        t.not(response.statusCode, 403, `${method} ${route.url} admits ${role}`)
      } else {
        t.equal(response.statusCode, 403, `${method} ${route.url} refuses ${role}`)
        t.equal(response.json().code, 'API_FORBIDDEN')
        t.match(response.headers['content-type'], /application\/problem\+json/)
      }
      checked++
    }
  }
  t.ok(checked > 300, `${checked} route × role pairs`)
})

t.test('bad, unknown, expired, revoked tokens and disabled users get 401 with the bearer challenge', async (t) => {
  const { app, registry, tokens } = await setup(t)
  const me = async (authorization: string): Promise<{ status: number, code: string, challenge: unknown }> => {
    const response = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization } })
    return { status: response.statusCode, code: response.json().code, challenge: response.headers['www-authenticate'] }
  }
  t.match(await me('Basic dXNlcjpwYXNz'), { status: 401, code: 'API_TOKEN_INVALID', challenge: /error="invalid_request"/ })
  t.match(await me('Bearer'), { status: 401, code: 'API_TOKEN_INVALID' })
  t.match(await me('Bearer oae_not-a-real-token-but-well-formed-enough-0000'), { status: 401, code: 'API_TOKEN_INVALID', challenge: /error="invalid_token"/ })
  t.match(await me('Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.'), { status: 401, code: 'API_TOKEN_INVALID' }, 'an unsigned JWT is not a token here')
  const ok = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `bearer ${tokens.auditor}` } })
  t.same(ok.json(), { userId: 'u.auditor', roles: ['auditor'] }, 'the scheme name is case-insensitive')
  t.equal(ok.headers['cache-control'], 'no-store', 'registry answers are not cached')
  t.equal(ok.headers['x-content-type-options'], 'nosniff')

  // Expired: a token whose expiry is before the server's clock.
  registry.users.create({ id: 'short.lived', roles: ['auditor'] }, 'system')
  const short = registry.users.issueToken('short.lived', { expiresAt: '2025-05-31T23:59:59Z' }, 'system').token
  t.match(await me(`Bearer ${short}`), { status: 401, code: 'API_TOKEN_INVALID' })

  // Revoked through the API by the admin; disabled user's tokens stop too.
  const issued = await app.inject({ method: 'POST', url: '/v1/users/u.auditor/tokens', headers: { authorization: `Bearer ${tokens.admin}` }, payload: { expiresInDays: 1 } })
  t.equal(issued.statusCode, 201)
  const fresh = issued.json().token as string
  t.equal((await me(`Bearer ${fresh}`)).status, 200)
  const revoke = await app.inject({ method: 'POST', url: `/v1/tokens/${issued.json().tokenId as string}/revoke`, headers: { authorization: `Bearer ${tokens.admin}` } })
  t.same(revoke.json(), { tokenId: issued.json().tokenId, revoked: true })
  t.match(await me(`Bearer ${fresh}`), { status: 401, code: 'API_TOKEN_INVALID' })
  const disabled = await app.inject({ method: 'POST', url: '/v1/users/u.registry-clerk/disable', headers: { authorization: `Bearer ${tokens.admin}` } })
  t.match(disabled.json(), { id: 'u.registry-clerk', disabled: true })
  t.match(await me(`Bearer ${tokens['registry-clerk']}`), { status: 401, code: 'API_TOKEN_INVALID' })
})

t.test('the admin manages users, roles and tokens; the last admin cannot be removed', async (t) => {
  const { app, tokens } = await setup(t)
  const admin = { authorization: `Bearer ${tokens.admin}` }
  const created = await app.inject({ method: 'POST', url: '/v1/users', headers: admin, payload: { id: 'officer.two', roles: ['allocation-officer'] } })
  t.equal(created.statusCode, 201)
  t.equal(created.headers.location, '/v1/users/officer.two')
  const duplicate = await app.inject({ method: 'POST', url: '/v1/users', headers: admin, payload: { id: 'officer.two', roles: ['auditor'] } })
  t.match(duplicate.json(), { status: 409, code: 'API_CONFLICT' })
  const badRole = await app.inject({ method: 'POST', url: '/v1/users', headers: admin, payload: { id: 'x', roles: ['superuser'] } })
  t.match(badRole.json(), { status: 400, code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.roles.0' }] })
  const granted = await app.inject({ method: 'POST', url: '/v1/users/officer.two/roles', headers: admin, payload: { role: 'auditor' } })
  t.same(granted.json().roles, ['allocation-officer', 'auditor'])
  const revoked = await app.inject({ method: 'DELETE', url: '/v1/users/officer.two/roles/auditor', headers: admin })
  t.same(revoked.json().roles, ['allocation-officer'])
  t.match((await app.inject({ method: 'POST', url: '/v1/users/nobody/tokens', headers: admin, payload: {} })).json(), { status: 404, code: 'API_NOT_FOUND' })
  t.match((await app.inject({ method: 'POST', url: '/v1/users/officer.two/tokens', headers: admin, payload: { expiresInDays: 400 } })).json(), { status: 400, errors: [{ field: 'body.expiresInDays' }] })
  t.match((await app.inject({ method: 'DELETE', url: '/v1/users/u.admin/roles/admin', headers: admin })).json(), { status: 409, code: 'API_LAST_ADMIN' })
  t.match((await app.inject({ method: 'POST', url: '/v1/users/u.admin/disable', headers: admin })).json(), { status: 409, code: 'API_LAST_ADMIN' })
  await app.inject({ method: 'POST', url: '/v1/users/officer.two/disable', headers: admin })
  t.match((await app.inject({ method: 'POST', url: '/v1/users/officer.two/tokens', headers: admin, payload: {} })).json(), { status: 409, code: 'API_USER_DISABLED' })
  t.match((await app.inject({ method: 'POST', url: '/v1/tokens/00000000-0000-4000-8000-000000000000/revoke', headers: admin })).json(), { status: 404 })

  // The auditor reviews user access: every user, roles, live tokens; token hashes never appear.
  const review = await app.inject({ method: 'GET', url: '/v1/users', headers: { authorization: `Bearer ${tokens.auditor}` } })
  const users = review.json().users as Array<{ id: string, activeTokens: number, disabled: boolean }>
  t.match(users.find((u) => u.id === 'officer.two'), { disabled: true, activeTokens: 0 })
  t.match(users.find((u) => u.id === 'u.auditor'), { activeTokens: 1 })
  const one = await app.inject({ method: 'GET', url: '/v1/users/u.auditor', headers: { authorization: `Bearer ${tokens.auditor}` } })
  t.equal(one.json().tokens.length, 1)
  t.notMatch(one.body, /token_sha256|oae_/)
})

t.test('rate limit per token: 429 with Retry-After, other tokens unaffected', async (t) => {
  const { app, tokens } = await setup(t, { rateLimit: { max: 3, timeWindowMs: 60_000 } })
  const call = async (role: Role): Promise<{ statusCode: number, headers: Record<string, unknown>, json: () => { code: string } }> =>
    await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${tokens[role]}` } })
  for (let i = 0; i < 3; i++) t.equal((await call('auditor')).statusCode, 200)
  const limited = await call('auditor')
  t.equal(limited.statusCode, 429)
  t.equal(limited.json().code, 'API_RATE_LIMITED')
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After in seconds')
  t.equal((await call('policy-analyst')).statusCode, 200, 'another token has its own budget')
  for (let i = 0; i < 5; i++) t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, '/health is not limited')
})

t.test('body size limits: 413 problem+json for registry records above 64 KiB and any body above the server limit', async (t) => {
  const { app, tokens } = await setup(t, { bodyLimitBytes: 200_000 })
  const clerk = { authorization: `Bearer ${tokens['registry-clerk']}`, 'content-type': 'application/json' }
  const big = JSON.stringify({ id: 'X', name: 'n'.repeat(70_000) })
  const record = await app.inject({ method: 'POST', url: '/v1/centres', headers: clerk, payload: big })
  t.equal(record.statusCode, 413)
  t.match(record.json(), { status: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' })
  const analyst = { authorization: `Bearer ${tokens['policy-analyst']}`, 'content-type': 'application/json' }
  const huge = await app.inject({ method: 'POST', url: '/v1/policies/validate', headers: analyst, payload: JSON.stringify({ document: { notes: ['x'.repeat(250_000)] } }) })
  t.equal(huge.statusCode, 413)
  // A refused caller is refused before the body is read at all.
  const anonymous = await app.inject({ method: 'POST', url: '/v1/centres', headers: { 'content-type': 'application/json' }, payload: big })
  t.equal(anonymous.statusCode, 401)
})

t.test('unknown fields, wrong types and out-of-range values: 400 naming the field and the rule', async (t) => {
  const { app, tokens } = await setup(t)
  const clerk = { authorization: `Bearer ${tokens['registry-clerk']}` }
  const centre = { id: 'NL-UMCU', name: 'UMC Utrecht', country: 'NL', region: 'NL-Mid', latitudeDeg: 52.09, longitudeDeg: 5.18 }
  const unknown = await app.inject({ method: 'POST', url: '/v1/centres', headers: clerk, payload: { ...centre, beds: 800 } })
  t.match(unknown.json(), { status: 400, code: 'API_VALIDATION_FAILED', errors: [{ field: 'body.beds', rule: 'is not a known field' }] })
  const wrongType = await app.inject({ method: 'POST', url: '/v1/centres', headers: clerk, payload: { ...centre, latitudeDeg: '52.09' } })
  t.match(wrongType.json(), { status: 400, errors: [{ field: 'body.latitudeDeg', rule: 'must be number' }] })
  const outOfRange = await app.inject({ method: 'POST', url: '/v1/centres', headers: clerk, payload: { ...centre, latitudeDeg: 123 } })
  t.match(outOfRange.json(), { status: 400, errors: [{ field: 'body.latitudeDeg', rule: 'must be <= 90' }] })
  const badQuery = await app.inject({ method: 'GET', url: '/v1/centres?at=yesterday', headers: clerk })
  t.match(badQuery.json(), { status: 400, errors: [{ field: 'querystring.at' }] })
  const badQueryDate = await app.inject({ method: 'GET', url: '/v1/centres?at=2025-02-30T00:00:00Z', headers: clerk })
  t.match(badQueryDate.json(), { status: 400, code: 'ENGINE_INVALID_FIELD', errors: [{ field: 'querystring.at' }] })
  const unknownQuery = await app.inject({ method: 'GET', url: '/v1/centres?colour=red', headers: clerk })
  t.match(unknownQuery.json(), { status: 400, errors: [{ field: 'querystring.colour' }] })
  const created = await app.inject({ method: 'POST', url: '/v1/centres', headers: clerk, payload: centre })
  t.equal(created.statusCode, 201)
  t.equal(created.headers.location, '/v1/centres/NL-UMCU')
})

t.test('without a registry the server serves only /health, /docs and the open calculators', async (t) => {
  const app = await buildServer({ version: '0.0.0-test', logger: false })
  t.teardown(() => app.close())
  t.equal((await app.inject({ method: 'GET', url: '/v1/me' })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200)
  t.same(routeInventory(app).filter((r) => r.url.startsWith('/v1/') && !r.url.startsWith('/v1/scores')), [])
  t.same(routeInventory(app).find((r) => r.url.startsWith('/v1/scores'))?.roles, [], 'no roles without a registry: no authentication either')
  t.ok(ACCESS.scores.length > 0)
})
