import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { buildServer } from '../api/server.js'

/** A server for inject() tests, closed when the test ends. */
export async function testServer (t: Test): Promise<FastifyInstance> {
  const app = await buildServer({ version: '0.0.0-test', logger: false })
  t.teardown(() => app.close())
  return app
}
