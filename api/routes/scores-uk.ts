import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

/** Score calculator routes for the uk group (filled in with the clinical scores). */
export const ukScoreRoutes: FastifyPluginAsyncTypebox = async () => { /* routes added with the scores */ }
