import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { immunologyScoreRoutes } from './scores-immunology.js'
import { kidneyScoreRoutes } from './scores-kidney.js'
import { liverScoreRoutes } from './scores-liver.js'
import { ukScoreRoutes } from './scores-uk.js'

/** POST /v1/scores/*: stateless calculators over the engine's clinical scores. */
export const scoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(kidneyScoreRoutes)
  await app.register(liverScoreRoutes)
  await app.register(ukScoreRoutes)
  await app.register(immunologyScoreRoutes)
}
