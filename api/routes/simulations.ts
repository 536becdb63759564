import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { SCENARIOS } from '../../engine/sim/scenarios.js'
import { ACCESS } from '../roles.js'
import { actorOf, asResponse, doc, type RouteDeps } from '../route-support.js'
import { PagingQuery, problemResponses, RECORD_BODY_LIMIT_BYTES } from '../schemas.js'
import {
  createSimulationService, MAX_SIMULATION_POLICIES, MAX_SIMULATION_REPLICATIONS, MAX_SIMULATION_YEARS,
  type SimulationService, type SimulationServiceOptions, type StoredSimulationRequest
} from '../simulation-service.js'
import type { SimulationJobRecord, SimulationJobSummary } from '../../data/db/simulation-repository.js'

const SimulationIdSchema = Type.String({ pattern: '^S-[A-Za-z0-9-]{1,64}$', description: 'Simulation id (S-<uuid>)' })
const Params = Type.Object({ simulationId: SimulationIdSchema })

const RequestSchema = Type.Object({
  policies: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,63}(@[^@\\s]{1,64})?$', description: 'A built-in policy id (etkas-kidney) or id@version of a recorded version' }),
    { minItems: 1, maxItems: MAX_SIMULATION_POLICIES, description: 'Policies compared arm by arm; differences are against the first' }),
  scenario: Type.String({ maxLength: 64, description: `A built-in scenario: ${Object.keys(SCENARIOS).join(', ')}` }),
  years: Type.Number({ exclusiveMinimum: 0, maximum: MAX_SIMULATION_YEARS, description: 'Years simulated (a fraction simulates part of a year)' }),
  replications: Type.Integer({ minimum: 1, maximum: MAX_SIMULATION_REPLICATIONS }),
  seed: Type.Union([Type.Integer(), Type.String({ minLength: 1, maxLength: 64 })], { description: 'Same seed, same request: same results hash' })
}, { additionalProperties: false })

const StatusSchema = Type.Union(['queued', 'running', 'succeeded', 'failed'].map((s) => Type.Literal(s)))

const SummaryFields = {
  id: Type.String(),
  status: StatusSchema,
  progress: Type.Object({ done: Type.Integer(), total: Type.Integer({ description: 'Replications' }) }),
  request: Type.Object({
    policies: Type.Array(Type.String()),
    scenario: Type.String(),
    years: Type.Number(),
    replications: Type.Integer(),
    seed: Type.Union([Type.Integer(), Type.String()])
  }),
  policies: Type.Array(Type.Object({ id: Type.String(), version: Type.String(), hash: Type.String() }), { description: 'The policy versions the references resolved to' }),
  cohort: Type.Object({
    source: Type.Literal('synthetic'),
    candidates: Type.Integer({ description: 'Candidates the synthetic cohort holds over the period (about)' }),
    note: Type.String()
  }),
  requestedBy: Type.String(),
  createdAt: Type.String(),
  startedAt: Type.Optional(Type.String()),
  finishedAt: Type.Optional(Type.String()),
  resultsHash: Type.Optional(Type.String({ description: 'Content hash of the results: equal hashes, equal results' })),
  error: Type.Optional(Type.String())
}

const SummarySchema = Type.Object(SummaryFields)
const JobSchema = Type.Object({
  ...SummaryFields,
  results: Type.Optional(Type.Unknown({ description: 'The results document the CLI writes (simulation-results.json), with resultsHash' }))
})

function view (job: SimulationJobSummary | SimulationJobRecord): Record<string, unknown> {
  const stored = job.request as StoredSimulationRequest
  const { request: _request, ...rest } = job
  return { ...rest, request: stored.request, policies: stored.policies, cohort: stored.cohort }
}

export interface SimulationRouteOptions extends RouteDeps {
  readonly simulations?: SimulationServiceOptions | undefined
}

/** Policy simulations (docs/simulation.md): started by analysts, read by analysts, auditors and the authority. */
export const simulationRoutes: FastifyPluginAsyncTypebox<SimulationRouteOptions> = async (app, { registry, simulations }) => {
  const service: SimulationService = createSimulationService(registry, simulations)
  app.addHook('onClose', async () => { await service.close() })

  app.post('/simulations', {
    config: { roles: ACCESS.simulationRun },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('simulations', 'Start a policy simulation: policies compared on a scenario\'s synthetic cohort', ACCESS.simulationRun,
        `Answers 202 at once; poll the Location. The cohort is the scenario's synthetic one, never the registry's patients. One simulation runs at a time and ${'a few'} wait (503 beyond). Size limit: candidates × years × replications × policies at most ${service.maxWorkUnits.toLocaleString('en-US')} (400 naming body.replications beyond). Starting and finishing are audited (the request, then the results hash).`),
      body: RequestSchema,
      response: { 202: Type.Object({ id: Type.String(), status: Type.Literal('queued'), cohort: Type.Literal('synthetic') }), ...problemResponses(503) }
    }
  }, async (request, reply) => {
    const job = service.start(request.body, actorOf(request))
    return await reply.code(202).header('location', `/v1/simulations/${job.id}`).send({ id: job.id, status: 'queued' as const, cohort: 'synthetic' as const })
  })

  app.get('/simulations', {
    config: { roles: ACCESS.simulationRead },
    schema: {
      ...doc('simulations', 'Simulations, newest first, without their results', ACCESS.simulationRead),
      querystring: Type.Object({ ...PagingQuery }, { additionalProperties: false }),
      response: { 200: Type.Object({ simulations: Type.Array(SummarySchema), page: Type.Object({ offset: Type.Integer(), limit: Type.Integer(), total: Type.Integer() }) }), ...problemResponses() }
    }
  }, async (request) => {
    const { offset = 0, limit = 50 } = request.query
    const { jobs, total } = service.list({ offset, limit })
    return asResponse({ simulations: jobs.map(view), page: { offset, limit, total } })
  })

  app.get('/simulations/:simulationId', {
    config: { roles: ACCESS.simulationRead },
    schema: {
      ...doc('simulations', 'A simulation: status, progress, request and, once succeeded, its results', ACCESS.simulationRead),
      params: Params,
      response: { 200: JobSchema, ...problemResponses(404) }
    }
  }, async (request) => asResponse(view(service.get(request.params.simulationId))))

  app.get('/simulations/:simulationId/report', {
    config: { roles: ACCESS.simulationRead },
    schema: {
      ...doc('simulations', 'The HTML report of a succeeded simulation (one page, no scripts)', ACCESS.simulationRead, '409 while the simulation is queued or running, or when it failed.'),
      params: Params,
      produces: ['text/html'],
      response: { 200: Type.String({ description: 'text/html' }), ...problemResponses(404, 409) }
    }
  }, async (request, reply) => {
    const html = service.report(request.params.simulationId)
    // The page carries its own styles and inline SVG only: nothing else may load or run.
    return await reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', 'default-src \'none\'; style-src \'unsafe-inline\'; img-src data:; base-uri \'none\'; form-action \'none\'; frame-ancestors \'none\'')
      .send(html)
  })
}
