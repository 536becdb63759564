import t from 'tap'
import { COHORT_PROVIDER_MODULE, syntheticCohort } from '../api/cli/simulate.js'
import { createReplicationPool } from '../engine/sim/replication-pool.js'
import { createReplicationTaskHandler } from '../engine/sim/replication-task.js'
import { createSerialExecutor, replicationTasks, runReplications, type SimulationSpec } from '../engine/sim/replications.js'
import { canonicalJson } from '../engine/canonical-hash.js'
import { SMALL_SCENARIO, testPolicy } from './fixtures/sim-cohort.js'

const spec: SimulationSpec = { scenario: SMALL_SCENARIO, policies: [testPolicy('points'), testPolicy('waiting')], years: 1, replications: 4, seed: 'parallel' }

// Under tap every worker compiles the engine's TypeScript first (seconds): three workers in all.
const pools = [1, 2].map((threads) => createReplicationPool({ threads, providerModule: COHORT_PROVIDER_MODULE }))
t.teardown(() => Promise.all(pools.map(async (pool) => { await pool.close() })))

t.test('pooled replications give byte-identical results to the serial executor, for 1 and 2 workers', async (t) => {
  const serial = await runReplications(spec, createSerialExecutor(syntheticCohort))
  for (const [index, threads] of [1, 2].entries()) {
    const pool = pools[index]!
    t.equal(pool.concurrency, threads)
    const progress: number[] = []
    const pooled = await runReplications(spec, pool, { onProgress: (done) => progress.push(done) })
    t.equal(pooled.resultsHash, serial.resultsHash, `${threads} worker(s): same results hash`)
    t.equal(canonicalJson(pooled), canonicalJson(serial), `${threads} worker(s): same bytes`)
    t.same(progress, [1, 2, 3, 4])
  }
  // A different seed changes the hash: the comparison above can fail.
  const other = await runReplications({ ...spec, seed: 'other', replications: 1 }, createSerialExecutor(syntheticCohort))
  t.not(other.resultsHash, serial.resultsHash)
})

t.test('the pool refuses bad options, reports a worker-side failure, and refuses work once closed', async (t) => {
  t.throws(() => createReplicationPool({ threads: 0, providerModule: COHORT_PROVIDER_MODULE }), { code: 'ENGINE_OUT_OF_RANGE', field: 'threads' })
  t.throws(() => createReplicationPool({ providerModule: '../api/cli/simulate.js' }), { code: 'ENGINE_INVALID_FIELD', field: 'providerModule' })
  const pool = pools[0]!
  const [task] = replicationTasks({ ...spec, replications: 1 })
  // A task the worker cannot run (replication index out of range) fails as a worker failure naming the replication.
  await t.rejects(pool.run({ ...task!, replication: -1 }), { code: 'ENGINE_WORKER_FAILED', field: 'replication' })
  await pool.close()
  await t.rejects(pool.run(task!), { code: 'ENGINE_WORKER_FAILED', field: 'pool' })
})

t.test('the worker handler loads the provider once, keeps one cohort and the compiled policies', async (t) => {
  let loads = 0
  let builds = 0
  const handler = createReplicationTaskHandler(async () => {
    loads++
    return { cohort: (scenario: typeof SMALL_SCENARIO, years: number) => { builds++; return syntheticCohort(scenario, years) }, notAFunction: 1 }
  })
  const tasks = replicationTasks({ ...spec, replications: 2 })
  const message = (i: number, years = 1): Parameters<typeof handler>[0] => ({ task: { ...tasks[i]!, years }, providerModule: 'file:///provider.js', providerExport: 'cohort' })
  const first = await handler(message(0))
  const second = await handler(message(1))
  t.equal(first.replication, 0)
  t.equal(second.replication, 1)
  t.equal(loads, 1, 'module loaded once')
  t.equal(builds, 1, 'cohort built once for the same scenario and years')
  await handler(message(0, 0.5))
  t.equal(builds, 2, 'another period, another cohort')
  await t.rejects(handler({ ...message(0), providerExport: 'notAFunction' }), { code: 'ENGINE_INVALID_FIELD', field: 'providerExport' })
})
