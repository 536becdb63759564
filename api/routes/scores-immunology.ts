import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

/** Score calculator routes for the immunology group (filled in with the clinical scores). */
export const immunologyScoreRoutes: FastifyPluginAsyncTypebox = async () => { /* routes added with the scores */ }
