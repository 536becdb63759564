import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

export interface HealthOptions {
  version: string
}

/** Liveness: answers while the process can serve requests. */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthOptions> = async (app, options) => {
  app.get('/health', {
    config: { public: true },
    schema: {
      tags: ['health'],
      summary: 'Liveness check (no token needed)',
      security: [],
      response: {
        200: Type.Object({ status: Type.Literal('ok'), version: Type.String() })
      }
    }
  }, async () => ({ status: 'ok' as const, version: options.version }))
}
