import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Ajv } from 'ajv'
import { errorHandler, problem, sendProblem } from './problem.js'
import { healthRoutes } from './routes/health.js'
import { scoreRoutes } from './routes/scores.js'

export interface ServerDeps {
  /** Version string reported by /health. */
  version: string
  /** Fastify logger option; tests pass false. */
  logger?: FastifyServerOptions['logger']
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes?: number
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

/** Builds the HTTP server without listening, so tests can inject requests and main.ts can listen. */
export async function buildServer (deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimitBytes ?? 1_048_576,
    // Request ids come from the server, never from a client header that could smuggle identifiers into logs.
    requestIdHeader: false
  }).withTypeProvider<TypeBoxTypeProvider>()

  const validators = makeValidators()
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? validators.body : validators.params).compile(schema))

  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { ...problem(404, 'API_NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`), instance: request.url }))

  await app.register(healthRoutes, { version: deps.version })
  await app.register(scoreRoutes, { prefix: '/v1/scores' })
  return app
}
