import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer } from '../api/main.js'

/**
 * Load test of the HTTP API: sustained POST /v1/match-runs over loopback against a seeded registry,
 * through the real server (authentication, rate limiting, idempotency, the worker pool, SQLite).
 * Bounded by a request count and a time limit, with a fixed number of requests in flight. Run it on
 * its own (`npm run bench:api`); it is not part of bench:quick.
 *
 *   BENCH_CANDIDATES   registry size (default 100000)
 *   BENCH_REQUESTS     match runs to time, after 2 warm-up runs (default 30)
 *   BENCH_CONCURRENCY  requests in flight (default 2)
 *   BENCH_SECONDS      stop starting new requests after this long (default 300)
 *   BENCH_THREADS      worker threads of the match pool (default: available parallelism; 0 = serial)
 *   BENCH_DATA_DIR     reuse (or keep) a seeded data directory; default a temporary one, removed after
 *
 * Prints the latency of each warm-up run (the first one reads the waiting list from the tables, later
 * ones can reuse the checked candidates) and min, p50 (median), p90, p99 and max of the timed runs.
 *
 * Every run stores its full match list (every kidney candidate, ranked or excluded with reasons), so
 * the database grows by tens of megabytes per run at 100,000 candidates: keep BENCH_REQUESTS modest.
 */

const TOKEN = 'oae_bench-admin-token-000000000000000000000000'

function envNumber (name: string, fallback: number): number {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number (got ${text})`)
  return Number(text)
}

function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p / 100 * sorted.length)))
  return sorted[rank - 1] as number
}

async function main (): Promise<void> {
  const candidates = envNumber('BENCH_CANDIDATES', 100_000)
  const requests = envNumber('BENCH_REQUESTS', 30)
  const concurrency = Math.max(1, envNumber('BENCH_CONCURRENCY', 2))
  const seconds = envNumber('BENCH_SECONDS', 300)
  const threads = envNumber('BENCH_THREADS', availableParallelism())
  const keep = process.env.BENCH_DATA_DIR
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'oae-api-load-'))

  const seedStarted = performance.now()
  const server = await startServer({
    env: {
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      SYNTHETIC_CANDIDATES: String(candidates),
      BOOTSTRAP_ADMIN_TOKEN: TOKEN,
      MATCH_THREADS: String(threads),
      RATE_LIMIT_PER_MINUTE: '1000000'
    },
    logger: false,
    print: (line) => { if (!line.startsWith('seeding')) process.stderr.write(`${line}\n`) }
  })
  const startupMs = performance.now() - seedStarted
  try {
    const call = async (token: string, method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      const text = await response.text()
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
    }
    const expect = (reply: { status: number, body: any }, status: number, what: string): any => {
      if (reply.status !== status) throw new Error(`${what}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`)
      return reply.body
    }
    const userId = `bench.officer.${Date.now()}`
    expect(await call(TOKEN, 'POST', '/v1/users', { id: userId, roles: ['allocation-officer', 'registry-clerk'] }), 201, 'create user')
    const officer = expect(await call(TOKEN, 'POST', `/v1/users/${userId}/tokens`, { expiresInDays: 1 }), 201, 'issue token').token as string
    const centres = expect(await call(officer, 'GET', '/v1/centres?organType=kidney'), 200, 'centres').centres as Array<{ id: string, authorisations: Array<{ activity: string }> }>
    const centre = centres.find((c) => c.authorisations.some((a) => a.activity === 'transplant'))
    if (centre === undefined) throw new Error('the seeded registry has no kidney transplant centre')
    const donor = expect(await call(officer, 'POST', '/v1/donors', {
      localId: `BENCH-${Date.now()}`, hospitalCentreId: centre.id, reportedAt: new Date(Date.now() - 3_600_000).toISOString(),
      ageYears: 48, heightCm: 176, weightKg: 79, abo: 'O', hla: { A: ['A2', 'A24'], B: ['B7', 'B44'], DR: ['DR4', 'DR15'] },
      creatinineMgDl: 1.0, hypertension: false, diabetes: false, pathway: 'DBD', causeOfDeathCva: false
    }), 201, 'report donor')
    const organId = expect(await call(officer, 'POST', `/v1/donors/${donor.donor.id as string}/organs`, { organType: 'kidney', part: 'left' }), 201, 'register organ').organ.id as string
    const body = { organId, policyId: 'etkas-kidney' }

    let listSize = 0
    // The first run reads the waiting list from the tables; later ones may reuse it (data/db/snapshot-source.ts).
    const warmUpMs: number[] = []
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now()
      const run = expect(await call(officer, 'POST', '/v1/match-runs', body), 201, 'warm-up match run').matchRun
      warmUpMs.push(Math.round(performance.now() - t0))
      listSize = (run.ranked as number) + (run.excluded as number)
    }

    const latencies: number[] = []
    const failures: string[] = []
    let started = 0
    const began = performance.now()
    const deadline = began + seconds * 1000
    const worker = async (): Promise<void> => {
      while (started < requests && performance.now() < deadline) {
        started++
        const t0 = performance.now()
        const reply = await call(officer, 'POST', '/v1/match-runs', body)
        const elapsed = performance.now() - t0
        if (reply.status === 201) latencies.push(elapsed)
        else failures.push(`${reply.status} ${String(reply.body?.code)}`)
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    const wallMs = performance.now() - began
    const sorted = [...latencies].sort((a, b) => a - b)
    const round = (ms: number): number => Math.round(ms)
    const databaseMb = Math.round(statSync(join(dataDir, 'registry.db')).size / 1_048_576)
    const result = {
      machine: `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Node ${process.version}`,
      candidates,
      listEntries: listSize,
      poolThreads: threads,
      concurrency,
      startupSeconds: Math.round(startupMs / 100) / 10,
      completed: latencies.length,
      failed: failures.length,
      wallSeconds: Math.round(wallMs / 100) / 10,
      matchRunsPerSecond: Math.round(latencies.length / (wallMs / 1000) * 100) / 100,
      warmUpMs,
      latencyMs: { min: round(sorted[0] ?? Number.NaN), p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? Number.NaN) },
      databaseMb
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    if (failures.length > 0) process.stderr.write(`failures: ${failures.slice(0, 10).join(', ')}\n`)
  } finally {
    await server.close()
    if (keep === undefined) rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
