import t, { type Test } from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { errorHandler } from '../api/problem.js'
import { consoleRoutes, CONSOLE_CSP, defaultWebRoots } from '../api/routes/console.js'
import { buildServer } from '../api/server.js'
import { memoryRegistry } from './fixtures/registry-fixtures.js'

async function consoleServer (t: Test, webRoot: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  app.setErrorHandler(errorHandler)
  await app.register(consoleRoutes, { webRoot })
  t.teardown(() => app.close())
  return app
}

function builtConsole (t: Test): string {
  const root = join(t.testdir(), 'web')
  mkdirSync(root, { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>')
  writeFileSync(join(root, 'main.js'), 'export {}\n')
  writeFileSync(join(root, 'console.css'), 'body{}\n')
  return root
}

t.test('not built yet: / and the assets answer a 503 problem saying to run the build', async (t) => {
  const app = await consoleServer(t, join(t.testdir(), 'nothing-here'))
  for (const url of ['/', '/assets/main.js']) {
    const response = await app.inject({ method: 'GET', url })
    t.equal(response.statusCode, 503, url)
    t.match(response.headers['content-type'], /application\/problem\+json/)
    t.match(response.json(), { code: 'API_CONSOLE_NOT_BUILT', detail: /npm run build/, instance: url })
    t.equal(response.headers['content-security-policy'], CONSOLE_CSP, 'strict headers on the problem too')
  }
})

t.test('built: the page and its assets, with strict security headers and no caching without revalidation', async (t) => {
  const app = await consoleServer(t, builtConsole(t))
  const page = await app.inject({ method: 'GET', url: '/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /<title>console<\/title>/)
  t.match(page.headers['content-security-policy'], /^default-src 'self'; script-src 'self'; style-src 'self';.*frame-ancestors 'none'$/)
  t.notMatch(page.headers['content-security-policy'], /unsafe-inline|unsafe-eval/, 'no inline script or eval')
  t.equal(page.headers['x-frame-options'], 'DENY')
  t.equal(page.headers['referrer-policy'], 'no-referrer')
  t.equal(page.headers['cache-control'], 'no-cache')
  const script = await app.inject({ method: 'GET', url: '/assets/main.js' })
  t.equal(script.statusCode, 200)
  t.match(script.headers['content-type'], /^(text|application)\/javascript/)
  t.match((await app.inject({ method: 'GET', url: '/assets/console.css' })).headers['content-type'], /^text\/css/)
  for (const url of ['/assets/missing.js', '/assets/index.html', '/assets/..%2Findex.html', '/assets/.hidden.js', '/assets/Main.JS']) {
    const response = await app.inject({ method: 'GET', url })
    t.equal(response.statusCode, 404, `${url} is not an asset`)
    t.equal(response.json().code, 'API_NOT_FOUND')
  }
})

t.test('in the full server: public, outside the OpenAPI document, beside token-protected /v1', async (t) => {
  const registry = memoryRegistry()
  const app = await buildServer({ version: '0.0.0-test', logger: false, registry })
  t.teardown(async () => {
    await app.close()
    registry.close()
  })
  const page = await app.inject({ method: 'GET', url: '/' })
  t.not(page.statusCode, 401, 'no token needed for the page')
  t.ok(page.statusCode === 200 || page.statusCode === 503, `built (200) or not (503): ${page.statusCode}`)
  t.equal(page.headers['content-security-policy'], CONSOLE_CSP)
  t.equal((await app.inject({ method: 'GET', url: '/v1/me' })).statusCode, 401, 'the API still needs a token')
  const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> }
  t.notOk('/' in spec.paths || '/assets/{file}' in spec.paths, 'the console is not part of the API description')
  t.equal(defaultWebRoots().length, 2, 'the build is looked for beside the sources and beside the compiled server')
})
