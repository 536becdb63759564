import t, { type Test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { syntheticCohort } from '../api/cli/simulate.js'
import { buildServer, type ServerDeps } from '../api/server.js'
import { RESTART_MESSAGES } from '../api/simulation-service.js'
import { openDatabase } from '../data/db/connection.js'
import { builtInPolicyDocument } from '../data/policies/index.js'
import { createRegistry, type Registry } from '../data/registry.js'
import { deriveKeys } from '../data/security/keys.js'
import { createSerialExecutor, runReplications, type ReplicationExecutor } from '../engine/sim/replications.js'
import { DEMO_KIDNEY } from '../engine/sim/scenarios.js'
import { steppingClock, TEST_MASTER_KEY } from './fixtures/registry-fixtures.js'

type Staff = 'analyst' | 'auditor' | 'authority' | 'officer' | 'clerk'
const ROLE_OF: Record<Staff, string> = { analyst: 'policy-analyst', auditor: 'auditor', authority: 'registry-authority', officer: 'allocation-officer', clerk: 'registry-clerk' }

interface Reply { status: number, headers: Record<string, unknown>, body: any, text: string }

interface Setup {
  readonly app: FastifyInstance
  readonly registry: Registry
  readonly as: (who: Staff, options: InjectOptions) => Promise<Reply>
  /** Builds another server on the same registry (a restart). */
  readonly restart: (deps?: Partial<ServerDeps>) => Promise<FastifyInstance>
}

const serial = (): ReplicationExecutor => createSerialExecutor(syntheticCohort)

function newRegistry (): Registry {
  return createRegistry(openDatabase({ file: ':memory:' }), deriveKeys(TEST_MASTER_KEY, 'env'), { now: steppingClock('2025-01-01T00:00:00.000Z') })
}

async function setup (t: Test, deps: Partial<ServerDeps> = {}, registry: Registry = newRegistry()): Promise<Setup> {
  const tokens: Record<string, string> = {}
  for (const [who, role] of Object.entries(ROLE_OF)) {
    registry.users.create({ id: `${who}.one`, roles: [role as 'auditor'] }, 'system')
    tokens[who] = registry.users.issueToken(`${who}.one`, { expiresAt: '2030-01-01T00:00:00Z' }, 'system').token
  }
  const base: ServerDeps = { version: 'test', logger: false, registry, simulations: { executor: serial() } }
  const app = await buildServer({ ...base, ...deps })
  const others: FastifyInstance[] = []
  t.teardown(async () => {
    await app.close()
    for (const other of others) await other.close()
    registry.close()
  })
  const as = async (who: Staff, options: InjectOptions): Promise<Reply> => {
    const response = await app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${tokens[who] ?? ''}` } })
    const json = (response.headers['content-type'] ?? '').toString().includes('json')
    return { status: response.statusCode, headers: response.headers, body: json && response.body !== '' ? response.json() : undefined, text: response.body }
  }
  const restart = async (more: Partial<ServerDeps> = {}): Promise<FastifyInstance> => {
    const other = await buildServer({ ...base, ...more })
    others.push(other)
    return other
  }
  return { app, registry, as, restart }
}

const REQUEST = { policies: ['etkas-kidney', 'us-kas-kidney'], scenario: 'demo-kidney', years: 1, replications: 3, seed: 11 }

async function waitFor (s: Setup, id: string, statuses: readonly string[] = ['succeeded', 'failed']): Promise<any> {
  // Generous: under tap, pool workers compile the engine's TypeScript first, which takes seconds on a busy machine.
  for (const until = Date.now() + 150_000; Date.now() < until;) {
    const reply = await s.as('analyst', { method: 'GET', url: `/v1/simulations/${id}` })
    if (statuses.includes(reply.body.status)) return reply.body
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`simulation ${id} never reached ${statuses.join(' or ')}`)
}

/** A serial executor that holds each replication until released: queued and running states can be seen. */
function gatedExecutor (): { executor: ReplicationExecutor, release: () => void, started: () => number } {
  const inner = serial()
  let open: () => void = () => {}
  let gate = new Promise<void>((resolve) => { open = resolve })
  let started = 0
  return {
    executor: {
      concurrency: 1,
      async run (task) {
        started++
        await gate
        return await inner.run(task)
      }
    },
    release: () => { open(); gate = Promise.resolve() },
    started: () => started
  }
}

t.test('an analyst starts a simulation; it runs, reports progress, results with their hash, and an HTML report', async (t) => {
  const s = await setup(t)
  const started = await s.as('analyst', { method: 'POST', url: '/v1/simulations', payload: REQUEST })
  t.equal(started.status, 202)
  t.match(started.body, { id: /^S-/, status: 'queued', cohort: 'synthetic' })
  t.equal(started.headers.location, `/v1/simulations/${started.body.id as string}`)
  const job = await waitFor(s, started.body.id)
  t.equal(job.status, 'succeeded', job.error)
  t.same(job.progress, { done: 3, total: 3 })
  t.same(job.request, REQUEST)
  t.same(job.policies.map((p: { id: string }) => p.id), ['etkas-kidney', 'us-kas-kidney'])
  t.match(job.policies[0].hash, /^[0-9a-f]{64}$/)
  t.equal(job.cohort.source, 'synthetic')
  t.match(job.cohort.note, /no registry patient/)
  t.equal(job.requestedBy, 'analyst.one')
  t.ok(job.finishedAt >= job.createdAt)
  t.match(job.resultsHash, /^[0-9a-f]{64}$/)
  t.equal(job.results.resultsHash, job.resultsHash)
  t.equal(job.results.replications, 3)
  t.equal(job.results.arms.length, 2)

  // The same results the CLI computes for the same request (serial executor, same policy documents).
  const direct = await runReplications({ scenario: DEMO_KIDNEY, policies: [builtInPolicyDocument('etkas-kidney'), builtInPolicyDocument('us-kas-kidney')], years: 1, replications: 3, seed: 11 }, serial())
  t.equal(job.resultsHash, direct.resultsHash, 'same hash as the engine run directly')

  const report = await s.as('auditor', { method: 'GET', url: `/v1/simulations/${started.body.id as string}/report` })
  t.equal(report.status, 200)
  t.match(String(report.headers['content-type']), /^text\/html/)
  t.match(String(report.headers['content-security-policy']), /default-src 'none'/)
  t.match(report.text, /^<!DOCTYPE html>/i)
  t.match(report.text, /<svg/)
  t.notMatch(report.text, /<script/i)

  // Audited: the request when started, the results hash when finished.
  const entries = s.registry.audit.list().filter((e) => e.entityId === started.body.id)
  t.same(entries.map((e) => e.action), ['simulation.started', 'simulation.finished'])
  t.same((entries[0]?.payload as { request: { request: unknown } }).request.request, REQUEST)
  t.equal(entries[0]?.actor, 'analyst.one')
  t.equal((entries[1]?.payload as { resultsHash: string }).resultsHash, job.resultsHash)
})

t.test('the same seed gives the same results hash; another seed another; the list is newest first without results', async (t) => {
  const s = await setup(t)
  const ids: string[] = []
  for (const seed of [5, 5, 'five']) {
    const reply = await s.as('analyst', { method: 'POST', url: '/v1/simulations', payload: { ...REQUEST, policies: ['etkas-kidney'], replications: 2, seed } })
    t.equal(reply.status, 202)
    ids.push(reply.body.id)
  }
  const jobs = []
  for (const id of ids) jobs.push(await waitFor(s, id))
  t.equal(jobs[0].resultsHash, jobs[1].resultsHash, 'same request, same hash')
  t.not(jobs[2].resultsHash, jobs[0].resultsHash, 'another seed, other results')
  const list = await s.as('authority', { method: 'GET', url: '/v1/simulations?limit=2' })
  t.equal(list.status, 200)
  t.same(list.body.page, { offset: 0, limit: 2, total: 3 })
  t.same(list.body.simulations.map((j: { id: string }) => j.id), [ids[2], ids[1]])
  t.ok(list.body.simulations.every((j: Record<string, unknown>) => j.results === undefined && typeof j.resultsHash === 'string'))
  t.equal((await s.as('analyst', { method: 'GET', url: '/v1/simulations/S-nothing-here' })).status, 404)
  t.equal((await s.as('analyst', { method: 'GET', url: '/v1/simulations/S-nothing-here/report' })).status, 404)
})

t.test('roles: analysts start; analysts, auditors and the authority read; others are refused', async (t) => {
  const s = await setup(t)
  for (const who of ['auditor', 'authority', 'officer', 'clerk'] as const) {
    t.equal((await s.as(who, { method: 'POST', url: '/v1/simulations', payload: REQUEST })).status, 403, `${who} may not start`)
  }
  for (const who of ['officer', 'clerk'] as const) {
    t.equal((await s.as(who, { method: 'GET', url: '/v1/simulations' })).status, 403, `${who} may not read`)
  }
  for (const who of ['analyst', 'auditor', 'authority'] as const) {
    t.equal((await s.as(who, { method: 'GET', url: '/v1/simulations' })).status, 200, `${who} reads`)
  }
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/simulations', payload: REQUEST })).statusCode, 401)
})

t.test('bad requests are refused with 400 naming the field, before anything is queued', async (t) => {
  const s = await setup(t)
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{ policies: ['no-such-policy'] }, 'ENGINE_UNKNOWN_VALUE', 'body.policies.0'],
    [{ policies: ['etkas-kidney', 'etkas-kidney@9999'] }, 'ENGINE_UNKNOWN_VALUE', 'body.policies.1'],
    [{ policies: ['us-liver-acuity-circles'] }, 'ENGINE_INVALID_FIELD', 'body.policies.0'],
    [{ scenario: 'atlantis' }, 'ENGINE_UNKNOWN_VALUE', 'body.scenario'],
    [{ policies: [] }, 'API_VALIDATION_FAILED', 'body.policies'],
    [{ policies: ['a', 'b', 'c', 'd', 'e'] }, 'API_VALIDATION_FAILED', 'body.policies'],
    [{ years: 0 }, 'API_VALIDATION_FAILED', 'body.years'],
    [{ years: 5.5 }, 'API_VALIDATION_FAILED', 'body.years'],
    [{ replications: 0 }, 'API_VALIDATION_FAILED', 'body.replications'],
    [{ replications: 101 }, 'API_VALIDATION_FAILED', 'body.replications'],
    [{ replications: 1.5 }, 'API_VALIDATION_FAILED', 'body.replications'],
    [{ seed: '' }, 'API_VALIDATION_FAILED', 'body.seed'],
    [{ cohort: 'registry' }, 'API_VALIDATION_FAILED', 'body.cohort'],
    // 25,200 candidates × 5 years × 100 replications × 2 policies is far beyond the size limit.
    [{ scenario: 'et-kidney', years: 5, replications: 100 }, 'ENGINE_INVALID_FIELD', 'body.replications']
  ]
  for (const [change, code, field] of cases) {
    const reply = await s.as('analyst', { method: 'POST', url: '/v1/simulations', payload: { ...REQUEST, ...change } })
    t.equal(reply.status, 400, JSON.stringify(change))
    t.equal(reply.body.code, code, JSON.stringify(change))
    t.ok(reply.body.errors?.some((e: { field: string }) => e.field === field), `${JSON.stringify(change)} names ${field}: ${JSON.stringify(reply.body.errors)}`)
  }
  const over = await s.as('analyst', { method: 'POST', url: '/v1/simulations', payload: { ...REQUEST, scenario: 'et-kidney', years: 5, replications: 100 } })
  t.match(over.body.errors[0].rule, /at most 4,000,000/)
  // The ET-scale study of docs/simulation.md fits under the limit (checked without running it).
  const fits = await s.restart({ simulations: { executor: { concurrency: 1, run: async () => { throw new Error('not run') } }, maxWorkUnits: 3_100_000 } })
  t.ok(fits)
  t.equal((await s.as('analyst', { method: 'GET', url: '/v1/simulations' })).body.page.total, 0, 'nothing was queued')
  const fractional = await s.as('analyst', { method: 'POST', url: '/v1/simulations', payload: { ...REQUEST, years: 0.25, replications: 1, policies: ['etkas-kidney'] } })
  t.equal(fractional.status, 202, 'a fraction of a year is accepted')
  t.equal((await waitFor(s, fractional.body.id)).status, 'succeeded')
})

t.test('one runs at a time, a few wait, then 503; the report is 409 until finished; stopping fails what is left', async (t) => {
  const gated = gatedExecutor()
  const s = await setup(t, { simulations: { executor: gated.executor, maxWaiting: 1 } })
  const first = await s.as('analyst', { method: 'POST', url: '/v1/simulations', payload: REQUEST })
  const second = await s.as('analyst', { method: 'POST', url: '/v1/simulations', payload: REQUEST })
  t.equal(first.status, 202)
  t.equal(second.status, 202)
  await waitFor(s, first.body.id, ['running'])
  const third = await s.as('analyst', { method: 'POST', url: '/v1/simulations', payload: REQUEST })
  t.equal(third.status, 503)
  t.equal(third.body.code, 'API_SIMULATION_QUEUE_FULL')
  t.equal(third.headers['retry-after'], '30')
  t.equal((await s.as('analyst', { method: 'GET', url: `/v1/simulations/${second.body.id as string}` })).body.status, 'queued')
  const early = await s.as('auditor', { method: 'GET', url: `/v1/simulations/${first.body.id as string}/report` })
  t.equal(early.status, 409)
  t.equal(early.body.code, 'API_SIMULATION_NOT_FINISHED')
  t.equal(gated.started(), 1, 'one replication at a time with a one-lane executor')
  // Stop the server while the first job runs and the second waits: both end failed, with a reason.
  const closing = s.app.close()
  // Fastify runs the onClose hooks within a few ticks of close(); release the held replication after.
  await new Promise((resolve) => setTimeout(resolve, 200))
  gated.release()
  await closing
  const firstJob = s.registry.simulations.get(first.body.id)
  const secondJob = s.registry.simulations.get(second.body.id)
  t.equal(firstJob.status, 'failed')
  t.equal(firstJob.error, RESTART_MESSAGES.running)
  t.same(firstJob.progress, { done: 1, total: 3 }, 'progress was recorded replication by replication')
  t.equal(secondJob.status, 'failed')
  t.equal(secondJob.error, RESTART_MESSAGES.queued)
  const failedReport = await s.restart()
  const reply = await failedReport.inject({ method: 'GET', url: `/v1/simulations/${first.body.id as string}/report`, headers: { authorization: `Bearer ${s.registry.users.issueToken('analyst.one', { expiresAt: '2030-01-01T00:00:00Z' }, 'system').token}` } })
  t.equal(reply.statusCode, 409)
  t.match(reply.json().detail, /failed/)
})

t.test('by default the server runs a job on a worker pool: same results hash as this thread', async (t) => {
  const s = await setup(t, { simulations: { threads: 1 } })
  const request = { ...REQUEST, policies: ['etkas-kidney'], replications: 2 }
  const started = await s.as('analyst', { method: 'POST', url: '/v1/simulations', payload: request })
  const job = await waitFor(s, started.body.id)
  t.equal(job.status, 'succeeded', job.error)
  const direct = await runReplications({ scenario: DEMO_KIDNEY, policies: [builtInPolicyDocument('etkas-kidney')], years: 1, replications: 2, seed: 11 }, serial())
  t.equal(job.resultsHash, direct.resultsHash)
})

t.test('a restart marks jobs left running or queued as failed, audited; finished ones are kept', async (t) => {
  const registry = newRegistry()
  registry.users.create({ id: 'analyst.old', roles: ['policy-analyst'] }, 'system')
  const request = { request: REQUEST, policies: [], scenarioName: 'x', cohort: { source: 'synthetic', candidates: 1, note: 'n' }, estimatedWorkUnits: 1 }
  const running = registry.simulations.create({ id: 'S-running', request, total: 3 }, 'analyst.old')
  registry.simulations.markRunning(running.id)
  registry.simulations.recordProgress(running.id, 2)
  const queued = registry.simulations.create({ id: 'S-queued', request, total: 3 }, 'analyst.old')
  const done = registry.simulations.create({ id: 'S-done', request, total: 1 }, 'analyst.old')
  registry.simulations.markRunning(done.id)
  registry.simulations.succeed(done.id, { resultsHash: 'a'.repeat(64) }, 'system')
  t.throws(() => registry.simulations.markRunning(done.id), { code: 'ENGINE_INVALID_FIELD', field: 'status' })
  t.throws(() => registry.simulations.recordProgress('S-missing', 1), { code: 'ENGINE_UNKNOWN_VALUE', field: 'id' })
  t.throws(() => registry.simulations.get('S-missing'), { code: 'ENGINE_UNKNOWN_VALUE', field: 'id' })
  t.throws(() => registry.simulations.create({ id: 'bad id', request, total: 1 }, 'analyst.old'), { code: 'ENGINE_INVALID_FIELD', field: 'id' })
  const s = await setup(t, {}, registry)
  const view = async (id: string): Promise<any> => (await s.as('auditor', { method: 'GET', url: `/v1/simulations/${id}` })).body
  t.match(await view('S-running'), { status: 'failed', error: RESTART_MESSAGES.running, progress: { done: 2, total: 3 } })
  t.match(await view('S-queued'), { status: 'failed', error: RESTART_MESSAGES.queued })
  t.match(await view('S-done'), { status: 'succeeded', resultsHash: 'a'.repeat(64) })
  const failures = registry.audit.list().filter((e) => e.action === 'simulation.failed').map((e) => e.entityId)
  t.same(failures.sort(), [queued.id, running.id].sort())
})
