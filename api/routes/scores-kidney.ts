import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

/** Score calculator routes for the kidney group (filled in with the clinical scores). */
export const kidneyScoreRoutes: FastifyPluginAsyncTypebox = async () => { /* routes added with the scores */ }
