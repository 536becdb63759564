import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

/** Score calculator routes for the liver group (filled in with the clinical scores). */
export const liverScoreRoutes: FastifyPluginAsyncTypebox = async () => { /* routes added with the scores */ }
