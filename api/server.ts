import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Ajv } from 'ajv'
import type { Registry } from '../data/registry.js'
import { createOversight } from '../data/oversight/oversight.js'
import type { PopulationTable } from '../data/oversight/population.js'
import { installAuthentication } from './auth.js'
import { createJobQueue } from './job-queue.js'
import { serialMatchRunner, type MatchRunner } from './match-service.js'
import { ApiError, errorHandler, problem, sendProblem } from './problem.js'
import { ACCESS } from './roles.js'
import type { RouteDeps } from './route-support.js'
import { ProblemSchema } from './schemas.js'
import type { SimulationServiceOptions } from './simulation-service.js'
import { installSubjectProtection } from './subject-protection.js'
import { auditRoutes } from './routes/audit.js'
import { candidateRoutes } from './routes/candidates.js'
import { centreRoutes } from './routes/centres.js'
import { consoleRoutes } from './routes/console.js'
import { donorRoutes } from './routes/donors.js'
import { healthRoutes } from './routes/health.js'
import { identityRoutes } from './routes/identity.js'
import { matchRunRoutes } from './routes/match-runs.js'
import { oversightRoutes } from './routes/oversight.js'
import { policyRoutes } from './routes/policies.js'
import { reportRoutes } from './routes/reports.js'
import { scoreRoutes } from './routes/scores.js'
import { simulationRoutes } from './routes/simulations.js'
import { transplantRoutes } from './routes/transplants.js'
import { userRoutes } from './routes/users.js'

export interface ServerDeps {
  /** Version string reported by /health and the OpenAPI document. */
  version: string
  /** Fastify logger option; tests pass false. Authorization and Idempotency-Key headers are always redacted. */
  logger?: FastifyServerOptions['logger']
  /** Largest accepted request body, in bytes (registry record routes accept 64 KiB whatever this says). */
  bodyLimitBytes?: number
  /**
   * The registry. With it, every /v1 resource is served and every route but /health and /docs needs a
   * bearer token and a role. Without it, only /health, /docs and the stateless score calculators
   * exist (they hold no personal data), which is how the calculator tests build the server.
   */
  registry?: Registry
  /** Scores match runs: the serial runMatch by default; main.ts passes the worker pool's runMatch. */
  matchRunner?: MatchRunner
  /** The server's clock, ISO 8601 UTC (token expiry, match time). */
  now?: () => string
  /** Match runs and replays running at once, and waiting beyond those (default 1 and 16); 503 API_MATCH_QUEUE_FULL beyond. */
  matchQueue?: { readonly concurrency: number, readonly maxWaiting: number }
  /** Requests per token per window (default 600 per 60 s); 429 with Retry-After beyond it. */
  rateLimit?: { readonly max: number, readonly timeWindowMs: number }
  /** Population denominators of the oversight reports (default: data/reference/population-countries.csv). */
  population?: PopulationTable
  /** Policy simulation jobs: executor (default a worker pool sized for the machine), queue and size limits. */
  simulations?: SimulationServiceOptions
}

export const DEFAULT_RATE_LIMIT = { max: 600, timeWindowMs: 60_000 } as const

/** A route as registered: what the route × role test and the API guide's table enumerate. */
export interface RouteInfo {
  readonly method: string
  readonly url: string
  readonly roles: readonly string[]
  readonly public: boolean
}

interface RouteRecord { readonly method: string | string[], readonly url: string, readonly config?: { roles?: readonly string[], public?: boolean } }
const inventories = new WeakMap<FastifyInstance, RouteRecord[]>()

/** Every route of a server built by buildServer (HEAD twins of GET routes left out). */
export function routeInventory (app: FastifyInstance): readonly RouteInfo[] {
  // Read at call time: hooks of inner scopes (scores, docs) complete a route's config after the root hook saw it.
  return (inventories.get(app) ?? []).flatMap((route) => [route.method].flat().filter((method) => method !== 'HEAD').map((method) => ({
    method, url: route.url, roles: [...(route.config?.roles ?? [])], public: route.config?.public === true
  })))
}

/**
 * Two validators: bodies are checked strictly (no type coercion, unknown fields refused, never
 * silently removed); query strings and path parameters arrive as text, so they may be coerced.
 */
function makeValidators (): { body: Ajv, params: Ajv } {
  const common = { allErrors: true, removeAdditional: false as const, useDefaults: true }
  return {
    body: new Ajv({ ...common, coerceTypes: false }),
    params: new Ajv({ ...common, coerceTypes: true })
  }
}

function loggerOption (logger: ServerDeps['logger']): boolean | Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  if (logger === undefined || logger === false) return false
  const redact = { paths: ['req.headers.authorization', 'req.headers["idempotency-key"]', 'req.headers.cookie'], censor: '[redacted]' }
  return { ...(typeof logger === 'object' ? logger : {}), redact }
}

const OPENAPI_TAGS = ['users', 'centres', 'candidates', 'donors', 'match runs', 'offers', 'transplants', 'policies', 'audit', 'oversight', 'equity', 'simulations', 'scores', 'health']
  .map((name) => ({ name }))

/** Every registry resource under /v1, each a typed plugin with its roles declared per route. */
const REGISTRY_PLUGINS: ReadonlyArray<FastifyPluginAsyncTypebox<RouteDeps>> = [
  userRoutes, centreRoutes, candidateRoutes, donorRoutes, matchRunRoutes, transplantRoutes, policyRoutes, auditRoutes
]

/** Builds the HTTP server without listening, so tests can inject requests and main.ts can listen. */
export async function buildServer (deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOption(deps.logger),
    bodyLimit: deps.bodyLimitBytes ?? 1_048_576,
    // Request ids come from the server, never from a client header that could smuggle identifiers into logs.
    requestIdHeader: false
  }).withTypeProvider<TypeBoxTypeProvider>()

  const inventory: RouteRecord[] = []
  inventories.set(app, inventory)
  app.addHook('onRoute', (route) => { inventory.push(route) })

  const validators = makeValidators()
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? validators.body : validators.params).compile(schema))

  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { ...problem(404, 'API_NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`), instance: request.url }))
  app.addSchema(ProblemSchema)

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Organ allocation engine',
        version: deps.version,
        description: 'Registry, match runs, offers, transplants, policies and audit. Every route except /health and /docs needs `Authorization: Bearer <token>`; each route lists the roles it admits. Errors are RFC 9457 problem+json with a stable `code`. Walk-through: docs/api.md.'
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'Opaque API token (oae_…), issued by an admin' } } },
      security: [{ bearerAuth: [] }],
      tags: OPENAPI_TAGS
    },
    // Shared schemas keep their $id as their name in components.schemas ("Problem").
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}` }
  })

  const registry = deps.registry
  const now = deps.now ?? (() => new Date().toISOString())
  if (registry !== undefined) {
    installAuthentication(app, { registry, now })
    // Registry answers carry health data: no shared or browser caching, no content sniffing.
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-content-type-options', 'nosniff')
      if (request.url.startsWith('/v1/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    })
    const limit = deps.rateLimit ?? DEFAULT_RATE_LIMIT
    await app.register(rateLimit, {
      global: true,
      max: limit.max,
      timeWindow: limit.timeWindowMs,
      // Per token subject, not per address: many staff share a hospital's NAT, one token must not starve them.
      keyGenerator: (request) => request.principal === undefined ? `ip:${request.ip}` : `user:${request.principal.userId}`,
      allowList: (request) => request.routeOptions.config.public === true,
      errorResponseBuilder: (_request, context) => new ApiError(429, 'API_RATE_LIMITED', `more than ${context.max} requests in ${Math.round(limit.timeWindowMs / 1000)} s for this token; retry after ${context.after}`)
    })
  }

  await app.register(healthRoutes, { version: deps.version })
  await app.register(consoleRoutes)
  await app.register(async (scores) => {
    // The calculators are shared by every staff role; the route files stay role-agnostic.
    if (registry !== undefined) scores.addHook('onRoute', (route) => { route.config = { ...route.config, roles: route.config?.roles ?? ACCESS.scores } })
    await scores.register(scoreRoutes)
  }, { prefix: '/v1/scores' })
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => { route.config = { ...route.config, public: true } })
    await docs.register(swaggerUi, { routePrefix: '/docs' })
  })

  if (registry !== undefined) {
    const matchQueue = createJobQueue(deps.matchQueue ?? { concurrency: 1, maxWaiting: 16 })
    const oversight = createOversight(registry, { now, population: deps.population })
    const protection = installSubjectProtection(app, oversight)
    const routeDeps: RouteDeps = { registry, now, matchRunner: deps.matchRunner ?? serialMatchRunner, matchQueue, protection }
    for (const plugin of REGISTRY_PLUGINS) await app.register(plugin, { prefix: '/v1', ...routeDeps })
    await app.register(identityRoutes, { prefix: '/v1', ...routeDeps, kind: 'candidate', writers: ACCESS.candidateWrite })
    await app.register(identityRoutes, { prefix: '/v1', ...routeDeps, kind: 'donor', writers: ACCESS.donorReport })
    await app.register(async (scope) => {
      // The oversight routes apply the victim-protection rule themselves (with a stated purpose).
      scope.addHook('onRoute', (route) => { route.config = { ...route.config, subjectProtection: 'own' } })
      await scope.register(oversightRoutes, { ...routeDeps, oversight })
    }, { prefix: '/v1' })
    await app.register(reportRoutes, { prefix: '/v1', ...routeDeps, oversight })
    await app.register(simulationRoutes, { prefix: '/v1', ...routeDeps, simulations: deps.simulations })
  }
  return app
}
