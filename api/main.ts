import { readFileSync } from 'node:fs'
import { buildServer } from './server.js'

/** package.json sits one level above api/ in the source tree and two above dist/api/ when compiled. */
function readPackage (): { version: string } {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string, version: string }
      if (pkg.name === 'organ-allocation-engine') return pkg
    } catch { /* try the next location */ }
  }
  throw new Error('package.json of organ-allocation-engine not found')
}

/** Starts the HTTP server: `PORT` (default 3000) and `HOST` (default 127.0.0.1). */
async function main (): Promise<void> {
  const pkg = readPackage()
  const port = Number(process.env.PORT ?? 3000)
  const host = process.env.HOST ?? '127.0.0.1'
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a whole number between 0 and 65535 (got ${process.env.PORT ?? ''})`)
  }
  const app = await buildServer({ version: pkg.version, logger: { level: process.env.LOG_LEVEL ?? 'info' } })
  const close = (signal: string): void => {
    app.log.info({ signal }, 'shutting down')
    app.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGINT', close)
  process.once('SIGTERM', close)
  const address = await app.listen({ port, host })
  app.log.info(`organ allocation engine listening on ${address}`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
