import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bootstrapAdmin, createDemoUsers, ADMIN_TOKEN_FILE, DEMO_TOKEN_FILE, DEMO_USERS } from '../api/bootstrap.js'
import { startServer } from '../api/main.js'
import { listUsers } from '../api/registry-queries.js'
import { openRegistry } from '../data/registry.js'

const NOW = (): string => new Date().toISOString()

t.test('bootstrap: a random admin token in a 0600 file, or BOOTSTRAP_ADMIN_TOKEN; nothing once an admin exists', async (t) => {
  const dataDir = join(t.testdir(), 'var')
  const registry = openRegistry({ dataDir, env: {} })
  t.teardown(() => { registry.close() })
  // A stale file with loose permissions is replaced, not reused.
  writeFileSync(join(dataDir, ADMIN_TOKEN_FILE), 'stale\n', { mode: 0o644 })
  const first = bootstrapAdmin(registry, { dataDir, env: {}, now: NOW })
  t.match(first, { created: true, userId: 'admin', source: 'file', file: join(dataDir, ADMIN_TOKEN_FILE) })
  t.equal(statSync(join(dataDir, ADMIN_TOKEN_FILE)).mode & 0o777, 0o600)
  const token = readFileSync(join(dataDir, ADMIN_TOKEN_FILE), 'utf8').trim()
  t.match(token, /^oae_/)
  t.match(registry.users.authenticate(token, NOW()), { id: 'admin', roles: ['admin'] })
  t.same(bootstrapAdmin(registry, { dataDir, env: { BOOTSTRAP_ADMIN_TOKEN: 'oae_ignored-because-an-admin-exists-000000' }, now: NOW }), { created: false })
  t.match(registry.audit.list({ entityType: 'user', entityId: 'admin', limit: 10 }).map((e) => e.action), ['user.created', 'api-token.issued'])

  const other = openRegistry({ dataDir: join(t.testdir(), 'other'), env: {} })
  t.teardown(() => { other.close() })
  t.throws(() => bootstrapAdmin(other, { dataDir: join(t.testdir(), 'other'), env: { BOOTSTRAP_ADMIN_TOKEN: 'letmein' }, now: NOW }), { code: 'ENGINE_INVALID_FIELD', field: 'BOOTSTRAP_ADMIN_TOKEN' })
  // A user named admin without the role (made by the CLI) gets the role rather than a clash.
  other.users.create({ id: 'admin', roles: ['auditor'] }, 'cli.someone')
  const scripted = bootstrapAdmin(other, { dataDir: join(t.testdir(), 'other'), env: { BOOTSTRAP_ADMIN_TOKEN: 'oae_scripted-deployment-token-000000000000' }, now: NOW })
  t.match(scripted, { created: true, source: 'env' })
  t.match(other.users.authenticate('oae_scripted-deployment-token-000000000000', NOW()), { id: 'admin', roles: ['admin', 'auditor'] })
})

t.test('startServer: configuration errors name the variable; an empty registry when seeding is off', async (t) => {
  const dataDir = join(t.testdir(), 'var')
  await t.rejects(startServer({ env: { DATA_DIR: dataDir, PORT: 'eighty' }, print: () => {}, logger: false }), { code: 'ENGINE_INVALID_FIELD', field: 'PORT' })
  await t.rejects(startServer({ env: { DATA_DIR: dataDir, PORT: '0', MATCH_THREADS: '99' }, print: () => {}, logger: false }), { code: 'ENGINE_INVALID_FIELD', field: 'MATCH_THREADS' })
  await t.rejects(startServer({ env: { DATA_DIR: dataDir, PORT: '0', SYNTHETIC_CANDIDATES: 'lots' }, print: () => {}, logger: false }), { code: 'ENGINE_INVALID_FIELD', field: 'SYNTHETIC_CANDIDATES' })
  const lines: string[] = []
  const server = await startServer({ env: { DATA_DIR: dataDir, PORT: '0', SYNTHETIC_CANDIDATES: '0', MATCH_THREADS: '1', RATE_LIMIT_PER_MINUTE: '5' }, print: (line) => lines.push(line), logger: false })
  t.equal(server.seeded, undefined)
  t.match(server.bootstrap, { source: 'file' })
  t.ok(lines.some((line) => /cat .*admin-token/.test(line)), 'says how to read the admin token')
  const token = readFileSync(join(dataDir, ADMIN_TOKEN_FILE), 'utf8').trim()
  const statuses: number[] = []
  for (let i = 0; i < 6; i++) statuses.push((await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status)
  t.same(statuses, [200, 200, 200, 200, 200, 429], 'RATE_LIMIT_PER_MINUTE applies')
  await server.close()
  await server.close()
  t.pass('closing twice is harmless')
  const again = await startServer({ env: { DATA_DIR: dataDir, PORT: '0' }, print: (line) => lines.push(line), logger: false })
  t.same(again.bootstrap, { created: false })
  t.match(lines.at(-1), /already has an admin/)
  await again.close()
})

t.test('the process: prints the URL and where the admin token is, stops cleanly on SIGTERM', async (t) => {
  const dataDir = join(t.testdir(), 'var')
  // No coverage from this child: tsx compiles the same .ts files to other offsets, and merged with the
  // suite's coverage they erased it. tap's processinfo wraps spawn, so it is told, not just the env cleared.
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'api', 'main.ts')], {
    env: { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0', DATA_DIR: dataDir, PORT: '0', SYNTHETIC_CANDIDATES: '0', MATCH_THREADS: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const started = Date.now()
  while (!/listening on http:\/\/127\.0\.0\.1:(\d+)/.test(out) && Date.now() - started < 60_000 && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 100))
  const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]
  t.ok(port !== undefined, out)
  t.match(out, /admin token written to .*admin-token/)
  t.equal((await fetch(`http://127.0.0.1:${port ?? ''}/health`)).status, 200)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'exit status 0 after SIGTERM')
})

t.test('a synthetic first start creates demo users for the console; their tokens go to a 0600 file, never to the output', async (t) => {
  const dataDir = join(t.testdir(), 'var')
  const lines: string[] = []
  const server = await startServer({ env: { DATA_DIR: dataDir, PORT: '0', SYNTHETIC_CANDIDATES: '40', SYNTHETIC_PROFILE: 'compact', MATCH_THREADS: '0' }, print: (line) => lines.push(line), logger: false })
  const file = join(dataDir, DEMO_TOKEN_FILE)
  t.match(server.demo, { file, users: DEMO_USERS })
  t.equal(statSync(file).mode & 0o777, 0o600, 'readable only by its owner')
  const rows = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => line.split(/\s+/))
  t.same(rows.map(([user, role]) => [user, role]), DEMO_USERS.map((u) => [u.id, u.role]), 'one "user role token" line per console role')
  for (const [user, role, token] of rows) {
    t.match(server.registry.users.authenticate(token ?? '', NOW()), { id: user, roles: [role] }, `${user ?? ''} logs in as ${role ?? ''}`)
    t.notOk(lines.some((line) => line.includes(token ?? '')), `the ${user ?? ''} token is not printed`)
  }
  t.ok(lines.includes(`web console: ${server.url}/  (log in with a token)`), 'prints the console URL')
  t.ok(lines.some((line) => line.includes(`cat ${file}`)), 'says how to read the demo tokens')
  const me = await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${rows[0]?.[2] ?? ''}` } })
  t.same(await me.json(), { userId: 'demo.officer', roles: ['allocation-officer'] })
  await server.close()

  // A later start makes nobody new and points at the file again.
  const again: string[] = []
  const second = await startServer({ env: { DATA_DIR: dataDir, PORT: '0', MATCH_THREADS: '0' }, print: (line) => again.push(line), logger: false })
  t.equal(second.demo, undefined)
  t.ok(again.some((line) => line.includes(`demo tokens of this synthetic registry are in ${file}`)))
  await second.close()
})

t.test('no demo users on an empty registry; an existing user keeps its roles and gains the demo one', async (t) => {
  const dataDir = join(t.testdir(), 'var')
  const server = await startServer({ env: { DATA_DIR: dataDir, PORT: '0', SYNTHETIC_CANDIDATES: '0', MATCH_THREADS: '0' }, print: () => {}, logger: false })
  t.equal(server.demo, undefined)
  t.notOk(existsSync(join(dataDir, DEMO_TOKEN_FILE)), 'no demo token file')
  t.notOk(listUsers(server.registry, NOW()).some((u) => u.id.startsWith('demo.')), 'no demo user')
  server.registry.users.create({ id: 'demo.auditor', roles: ['registry-clerk'] }, 'cli.someone')
  const demo = createDemoUsers(server.registry, { dataDir, now: NOW })
  t.match(server.registry.users.get('demo.auditor'), { roles: ['auditor', 'registry-clerk'] })
  t.equal(demo.users.length, DEMO_USERS.length)
  await server.close()
})
