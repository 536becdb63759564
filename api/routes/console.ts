import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { problem, sendProblem } from '../problem.js'

/**
 * The web console's page and assets, built by `npm run build:web` into dist/web. The page talks to
 * the public HTTP API with the user's bearer token only; these routes hold no data and need no token.
 */

export interface ConsoleOptions {
  /** Folder holding the built console (index.html, *.js, *.css); default dist/web of this checkout. */
  readonly webRoot?: string
}

/**
 * Source (api/routes/console.ts) and compiled (dist/api/routes/console.js) both sit two levels below
 * the folder that holds the build: the checkout root or dist/.
 */
export function defaultWebRoots (): string[] {
  return [fileURLToPath(new URL('../../dist/web/', import.meta.url)), fileURLToPath(new URL('../../web/', import.meta.url))]
}

/**
 * Strict by default: scripts and styles from this origin only (no inline script or style), no
 * framing, no plugins; fetch() may only call this origin; a downloaded report is a blob URL.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join('; ')

const ASSET = /^[a-z0-9][a-z0-9-]*\.(js|css|svg)$/

function notBuilt (reply: FastifyReply, url: string): FastifyReply {
  return sendProblem(reply, {
    ...problem(503, 'API_CONSOLE_NOT_BUILT', 'The web console has not been built: run `npm run build` (or `npm run build:web`), then reload this page. The HTTP API works without it.'),
    instance: url
  })
}

export const consoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, options) => {
  const roots = options.webRoot === undefined ? defaultWebRoots() : [options.webRoot]
  // Found per request, so a build made while the server runs is picked up without a restart.
  const builtRoot = (): string | undefined => roots.find((root) => existsSync(join(root, 'index.html')))
  await app.register(fastifyStatic, { root: builtRoot() ?? roots[0] ?? process.cwd(), serve: false, cacheControl: false, etag: true, lastModified: true })

  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CONSOLE_CSP)
    reply.header('x-frame-options', 'DENY')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('cross-origin-opener-policy', 'same-origin')
    // Revalidate every time: an upgraded server must not run with last week's scripts.
    reply.header('cache-control', 'no-cache')
  })

  const hidden = { hide: true }
  app.get('/', { config: { public: true }, schema: hidden }, async (request, reply) => {
    const root = builtRoot()
    if (root === undefined) return notBuilt(reply, request.url)
    return reply.sendFile('index.html', root)
  })

  app.get('/assets/:file', { config: { public: true }, schema: hidden }, async (request, reply) => {
    const { file } = request.params as { file: string }
    const root = builtRoot()
    if (root === undefined) return notBuilt(reply, request.url)
    if (!ASSET.test(file) || !existsSync(join(root, file))) {
      return sendProblem(reply, { ...problem(404, 'API_NOT_FOUND', `No console asset ${file}`), instance: request.url })
    }
    // @fastify/static sets the media type from the extension (JavaScript, CSS, SVG).
    return reply.sendFile(file, root)
  })
}
