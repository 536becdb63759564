import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { openRegistry, type Registry } from '../data/registry.js'
import { seedOnFirstStart } from '../data/synthetic/first-start.js'
import type { SeedSummary } from '../data/synthetic/seed.js'
import { InvalidFieldError } from '../engine/errors.js'
import { createMatchPool, type MatchPool } from '../engine/parallel/match-pool.js'
import { bootstrapAdmin, createDemoUsers, DEMO_TOKEN_FILE, type BootstrapResult, type DemoUsersResult } from './bootstrap.js'
import { serialMatchRunner } from './match-service.js'
import { buildServer, DEFAULT_RATE_LIMIT, type ServerDeps } from './server.js'

/** package.json sits one level above api/ in the source tree and two above dist/api/ when compiled. */
export function readPackage (): { version: string } {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string, version: string }
      if (pkg.name === 'organ-allocation-engine') return pkg
    } catch { /* try the next location */ }
  }
  /* c8 ignore next */
  throw new Error('package.json of organ-allocation-engine not found')
}

type Env = Readonly<Record<string, string | undefined>>

function wholeNumber (env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) throw new InvalidFieldError(name, `must be a whole number between ${min} and ${max} (got ${text})`)
  return value
}

export interface StartOptions {
  /** Environment (default process.env): DATA_DIR, PORT, HOST, LOG_LEVEL, MATCH_THREADS, RATE_LIMIT_PER_MINUTE, BOOTSTRAP_ADMIN_TOKEN, SYNTHETIC_*. */
  readonly env?: Env
  /** Where start-up lines go (default stdout). */
  readonly print?: (line: string) => void
  /** Overrides LOG_LEVEL; tests pass false. */
  readonly logger?: ServerDeps['logger']
}

export interface RunningServer {
  readonly app: FastifyInstance
  /** e.g. http://127.0.0.1:3000 */
  readonly url: string
  readonly registry: Registry
  readonly bootstrap: BootstrapResult
  readonly seeded: SeedSummary | undefined
  /** Demo users and where their tokens are: only when this start seeded a synthetic registry. */
  readonly demo: DemoUsersResult | undefined
  /** Stops listening, waits for running match runs, stops the workers, closes the database. */
  close (): Promise<void>
}

/**
 * Opens (first start: creates, migrates and seeds) the registry under DATA_DIR, makes sure an admin
 * can get in, builds the server with the worker pool as its match runner, and listens.
 */
export async function startServer (options: StartOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env
  const print = options.print ?? ((line: string) => { process.stdout.write(`${line}\n`) })
  const port = wholeNumber(env, 'PORT', 3000, 0, 65_535)
  const host = env.HOST ?? '127.0.0.1'
  const threads = wholeNumber(env, 'MATCH_THREADS', -1, 0, 64)
  const perMinute = wholeNumber(env, 'RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMIT.max, 1, 1_000_000)
  const dataDir = env.DATA_DIR ?? './var'
  const now = (): string => new Date().toISOString()

  const registry = openRegistry({ dataDir, env })
  let pool: MatchPool | undefined
  try {
    if (registry.created) print(`created a new registry in ${dataDir}`)
    const seeded = seedOnFirstStart(registry, env, (progress) => {
      print(`seeding synthetic registry: ${progress.phase} ${progress.done}/${progress.total}`)
    })
    if (seeded !== undefined) print(`seeded ${seeded.candidates} candidates, ${seeded.donors} donors and ${seeded.centres} centres (SYNTHETIC_CANDIDATES=0 skips this on a new registry)`)
    const bootstrap = bootstrapAdmin(registry, { dataDir, env, now })
    // Synthetic data only: an imported registry holds real people and gets no shared demo accounts.
    const demo = seeded === undefined ? undefined : createDemoUsers(registry, { dataDir, now })
    // MATCH_THREADS=0 scores on the main thread; otherwise the pool, which itself runs short lists serially.
    pool = threads === 0 ? undefined : createMatchPool(threads === -1 ? {} : { threads })
    const runner = pool
    const app = await buildServer({
      version: readPackage().version,
      logger: options.logger ?? { level: env.LOG_LEVEL ?? 'info' },
      registry,
      matchRunner: runner === undefined ? serialMatchRunner : async (input) => await runner.runMatch(input),
      rateLimit: { max: perMinute, timeWindowMs: 60_000 },
      now
    })
    const url = await app.listen({ port, host })
    print(`organ allocation engine listening on ${url}  (API guide: docs/api.md; OpenAPI: ${url}/docs)`)
    print(`web console: ${url}/  (log in with a token)`)
    if (bootstrap.source === 'file' && bootstrap.file !== undefined) {
      print(`admin token written to ${bootstrap.file} (readable only by you); read it with:  cat ${bootstrap.file}`)
      print(`it expires ${bootstrap.expiresAt ?? ''}; use it to create users and their own tokens (docs/api.md), then delete the file`)
    } else if (bootstrap.source === 'env') {
      print(`admin token: the value of BOOTSTRAP_ADMIN_TOKEN (user "${bootstrap.userId ?? ''}", expires ${bootstrap.expiresAt ?? ''})`)
    } else {
      print(`this registry already has an admin; tokens: POST /v1/users/{id}/tokens, or  npm run cli -- token create <user> --data-dir ${dataDir}`)
    }
    const demoFile = join(dataDir, DEMO_TOKEN_FILE)
    if (demo !== undefined) {
      print(`demo users of this synthetic registry (${demo.users.map((u) => u.role).join(', ')}): tokens written to ${demo.file} (readable only by you); read them with:  cat ${demo.file}`)
      print('open the web console and log in with the allocation-officer token to report a donor, run a match and record an offer')
    } else if (existsSync(demoFile)) {
      print(`demo tokens of this synthetic registry are in ${demoFile}:  cat ${demoFile}`)
    }
    let closing: Promise<void> | undefined
    const close = async (): Promise<void> => {
      closing ??= (async () => {
        await app.close()
        await runner?.close()
        registry.close()
      })()
      await closing
    }
    return { app, url, registry, bootstrap, seeded, demo, close }
  } catch (error) {
    await pool?.close()
    registry.close()
    throw error
  }
}

/** The process entry point: `npm start` (compiled) and `npm run dev` (tsx). */
async function main (): Promise<void> {
  const server = await startServer()
  const stop = (signal: string): void => {
    server.app.log.info({ signal }, 'shutting down')
    server.close().then(() => process.exit(0), (error: unknown) => {
      console.error(error)
      process.exit(1)
    })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

/* c8 ignore start */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    const field = (error as { field?: string }).field
    console.error(`cannot start: ${error instanceof Error ? error.message : String(error)}${field === undefined ? '' : ` [${field}]`}`)
    process.exit(1)
  })
}
/* c8 ignore stop */
