import { randomUUID } from 'node:crypto'
import type { SimulationJobRecord, SimulationJobSummary } from '../data/db/simulation-repository.js'
import { SYSTEM_ACTOR, type Registry } from '../data/registry.js'
import { EngineError, InvalidFieldError, UnknownValueError, WorkerFailedError } from '../engine/errors.js'
import type { CompiledPolicy } from '../engine/policy/compile-policy.js'
import { renderReportHtml } from '../engine/sim/report-html.js'
import { createReplicationPool, type ReplicationPool } from '../engine/sim/replication-pool.js'
import { estimatedWorkUnits, runReplications, type ReplicationExecutor, type SimulationResults } from '../engine/sim/replications.js'
import { cohortCandidates, scenarioById, type ScenarioDefinition } from '../engine/sim/scenarios.js'
import { COHORT_PROVIDER_MODULE } from './cli/simulate.js'
import { createJobQueue } from './job-queue.js'
import { resolvePolicy } from './match-service.js'
import { ApiError, notFound } from './problem.js'

/**
 * Policy simulations over HTTP: a request is checked and sized at once, stored as a queued job
 * (audited), and run in the background, one at a time, on a worker pool. Progress and results go to
 * the registry, so a job and its results outlive the process; a job cut off by a restart is marked
 * failed when the next process starts. The cohort is always the scenario's synthetic one, never the
 * registry's patients.
 */

/**
 * Largest accepted size: candidates the cohort holds over the period × years × replications ×
 * policies. The Eurotransplant-scale study (25,200 candidates × 3 years × 20 replications × 2
 * policies = 3,024,000) fits; a US-scale year (135,000 candidates) fits up to 14 replication-arms.
 * Measured run times are in docs/simulation.md.
 */
export const DEFAULT_MAX_WORK_UNITS = 4_000_000
/** Jobs that may wait behind the running one; 503 beyond. */
export const DEFAULT_MAX_WAITING_SIMULATIONS = 4
export const MAX_SIMULATION_YEARS = 5
export const MAX_SIMULATION_REPLICATIONS = 100
export const MAX_SIMULATION_POLICIES = 4

export const SYNTHETIC_COHORT_NOTE = 'The cohort is the scenario\'s synthetic cohort (data/synthetic generator, seeded by the scenario); no registry patient is read or simulated.'

export interface SimulationRequest {
  readonly policies: readonly string[]
  readonly scenario: string
  readonly years: number
  readonly replications: number
  readonly seed: number | string
}

export interface ResolvedPolicyVersion {
  readonly id: string
  readonly version: string
  readonly hash: string
}

/** What a job stores as its request: the body as sent and what it resolved to. */
export interface StoredSimulationRequest {
  readonly request: SimulationRequest
  readonly policies: readonly ResolvedPolicyVersion[]
  readonly scenarioName: string
  readonly cohort: { readonly source: 'synthetic', readonly candidates: number, readonly note: string }
  readonly estimatedWorkUnits: number
}

export interface SimulationServiceOptions {
  /** Runs replications; default a replication pool of `threads` workers, made for each job and closed after it. */
  readonly executor?: ReplicationExecutor | undefined
  /** Pool size (default: the machine's available parallelism). */
  readonly threads?: number | undefined
  readonly maxWaiting?: number | undefined
  readonly maxWorkUnits?: number | undefined
}

export interface SimulationService {
  readonly maxWorkUnits: number
  /** Checks, sizes, records (audited) and queues a simulation; throws a 400 naming the field, or 503 when the queue is full. */
  start (request: SimulationRequest, actor: string): SimulationJobRecord
  get (id: string): SimulationJobRecord
  list (options: { offset?: number, limit?: number }): { jobs: SimulationJobSummary[], total: number }
  /** The HTML report of a succeeded job; 409 while it is not finished or when it failed. */
  report (id: string): string
  /** Settles when every job accepted so far has finished (tests, orderly shutdown). */
  idle (): Promise<void>
  /** Refuses new work, stops the pool (jobs in flight fail with a clear error) and waits for them. */
  close (): Promise<void>
}

export const RESTART_MESSAGES = {
  running: 'the server stopped while this simulation was running; start it again',
  queued: 'the server stopped before this simulation started; start it again'
} as const

function resolvePolicies (registry: Registry, references: readonly string[]): CompiledPolicy[] {
  return references.map((reference, i) => {
    const field = `body.policies.${i}`
    const at = reference.indexOf('@')
    const policyId = at === -1 ? reference : reference.slice(0, at)
    const version = at === -1 ? undefined : reference.slice(at + 1)
    let policy: CompiledPolicy
    try {
      policy = resolvePolicy(registry, policyId, version).policy
    } catch (error) {
      if (error instanceof EngineError) throw new UnknownValueError(field, `${error.rule ?? error.message}; give a built-in policy id or id@version of a recorded one`)
      /* c8 ignore next */
      throw error
    }
    if (policy.organType !== 'kidney') throw new InvalidFieldError(field, `${reference} is a ${policy.organType} policy; the simulator models kidney allocation only`)
    return policy
  })
}

function scenarioOf (id: string): ScenarioDefinition {
  try {
    return scenarioById(id)
  } catch (error) {
    if (error instanceof EngineError) throw new UnknownValueError('body.scenario', error.rule ?? error.message)
    /* c8 ignore next */
    throw error
  }
}

function failureMessage (error: unknown): string {
  if (error instanceof EngineError) return `${error.message}${error.field === undefined ? '' : ` [${error.field}]`}`
  return 'the simulation failed on the server (an internal error)'
}

export function createSimulationService (registry: Registry, options: SimulationServiceOptions = {}): SimulationService {
  const maxWorkUnits = options.maxWorkUnits ?? DEFAULT_MAX_WORK_UNITS
  const maxWaiting = options.maxWaiting ?? DEFAULT_MAX_WAITING_SIMULATIONS
  const queue = createJobQueue({ concurrency: 1, maxWaiting, retryAfterSeconds: 30 })
  const inFlight = new Set<Promise<void>>()
  let pool: ReplicationPool | undefined
  let closing = false

  // Whatever was queued or running when the last process stopped has no one working on it.
  registry.simulations.failUnfinished(RESTART_MESSAGES, SYSTEM_ACTOR)

  const executor = (base: ReplicationExecutor): ReplicationExecutor => {
    return {
      concurrency: base.concurrency,
      async run (task) {
        if (closing) throw new WorkerFailedError('the server is stopping', { field: 'simulation', rule: 'start it again after the restart' })
        return await base.run(task)
      }
    }
  }

  async function execute (id: string, request: SimulationRequest, scenario: ScenarioDefinition, policies: readonly CompiledPolicy[]): Promise<void> {
    // Start after the 202 has gone out: with an in-thread executor the first replication would otherwise run inside the request.
    await new Promise<void>((resolve) => { setImmediate(resolve) })
    if (closing) {
      registry.simulations.fail(id, RESTART_MESSAGES.queued, SYSTEM_ACTOR)
      return
    }
    try {
      registry.simulations.markRunning(id)
      // A pool per job: its workers hold the job's prepared cohort (hundreds of megabytes at US
      // scale), which is given back when the job ends; starting compiled workers takes milliseconds.
      pool = options.executor === undefined ? createReplicationPool({ threads: options.threads, providerModule: COHORT_PROVIDER_MODULE }) : undefined
      const results = await runReplications(
        { scenario, policies: policies.map((p) => p.document), years: request.years, replications: request.replications, seed: request.seed },
        executor(options.executor ?? pool as ReplicationPool),
        { onProgress: (done) => { registry.simulations.recordProgress(id, done) } })
      registry.simulations.succeed(id, results, SYSTEM_ACTOR)
    } catch (error) {
      registry.simulations.fail(id, closing ? RESTART_MESSAGES.running : failureMessage(error), SYSTEM_ACTOR)
    } finally {
      const finished = pool
      pool = undefined
      await finished?.close()
    }
  }

  return {
    maxWorkUnits,
    start (request, actor) {
      if (closing) throw new ApiError(503, 'API_SIMULATION_QUEUE_FULL', 'the server is stopping', { headers: { 'retry-after': '30' } })
      const scenario = scenarioOf(request.scenario)
      const policies = resolvePolicies(registry, request.policies)
      const work = estimatedWorkUnits(scenario, request.years, request.replications, policies.length)
      if (work > maxWorkUnits) {
        throw new InvalidFieldError('body.replications', `candidates × years × replications × policies must be at most ${maxWorkUnits.toLocaleString('en-US')}; this request is ${Math.round(work).toLocaleString('en-US')} (${cohortCandidates(scenario, request.years).toLocaleString('en-US')} candidates × ${request.years} × ${request.replications} × ${policies.length}): fewer replications, years or policies`)
      }
      const { running, waiting } = queue.size
      if (running >= 1 && waiting >= maxWaiting) {
        throw new ApiError(503, 'API_SIMULATION_QUEUE_FULL', `a simulation is running and ${waiting} are waiting; retry later`, { headers: { 'retry-after': '30' } })
      }
      const stored: StoredSimulationRequest = {
        request: { policies: [...request.policies], scenario: request.scenario, years: request.years, replications: request.replications, seed: request.seed },
        policies: policies.map((p) => ({ id: p.id, version: p.version, hash: p.hash })),
        scenarioName: scenario.name,
        cohort: { source: 'synthetic', candidates: cohortCandidates(scenario, request.years), note: SYNTHETIC_COHORT_NOTE },
        estimatedWorkUnits: Math.round(work)
      }
      const job = registry.simulations.create({ id: `S-${randomUUID()}`, request: stored as unknown as Record<string, unknown>, total: request.replications }, actor)
      // Checked above in the same tick, so the queue accepts it; its errors are recorded by execute.
      const settled = queue.run(async () => { await execute(job.id, request, scenario, policies) }).catch(() => undefined).finally(() => { inFlight.delete(settled) })
      inFlight.add(settled)
      return job
    },
    get (id) {
      if (!registry.simulations.exists(id)) throw notFound('simulation', id)
      return registry.simulations.get(id)
    },
    list: (listOptions) => registry.simulations.list(listOptions),
    report (id) {
      if (!registry.simulations.exists(id)) throw notFound('simulation', id)
      const job = registry.simulations.get(id)
      if (job.status !== 'succeeded' || job.results === undefined) {
        throw new ApiError(409, 'API_SIMULATION_NOT_FINISHED', job.status === 'failed'
          ? `simulation ${id} failed (${job.error ?? 'no reason recorded'}); it has no report`
          : `simulation ${id} is ${job.status} (${job.progress.done} of ${job.progress.total} replications done); the report exists once it has succeeded`)
      }
      return renderReportHtml(job.results as SimulationResults)
    },
    async idle () {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    },
    async close () {
      closing = true
      await pool?.close({ force: true })
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    }
  }
}
