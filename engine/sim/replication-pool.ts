import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import { requireInteger, requireString } from '../domain/input.js'
import { WorkerFailedError } from '../errors.js'
import { MAX_THREADS } from '../parallel/match-pool.js'
import type { PooledReplicationTask } from './replication-task.js'
import type { ReplicationExecutor, ReplicationResult, ReplicationTask } from './replications.js'

// From source (tests, tsx) the worker is the .ts file and inherits the loader; from dist/ it is .js.
const WORKER_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const WORKER_FILE = fileURLToPath(new URL(`./replication.worker${WORKER_EXTENSION}`, import.meta.url))

export interface ReplicationPoolOptions {
  /** Worker threads (default: the machine's available parallelism). */
  readonly threads?: number | undefined
  /** URL of the module exporting the cohort provider (file: URL; e.g. api/cli/simulate's own URL). */
  readonly providerModule: string
  /** Name of the provider export (default `syntheticCohort`). */
  readonly providerExport?: string | undefined
}

export interface ReplicationPool extends ReplicationExecutor {
  readonly threads: number
  readonly concurrency: number
  /** Stops the workers. `force`: tasks in flight are abandoned and their runs fail. */
  close (options?: { force?: boolean }): Promise<void>
}

/**
 * A replication executor on a Piscina pool: one replication (every arm) per task, as many in
 * flight as there are threads. Each worker builds and prepares the cohort once per scenario and
 * years from the same deterministic provider, so a replication's result does not depend on which
 * worker ran it; runReplications orders results by index, so the results hash is the serial one.
 */
export function createReplicationPool (options: ReplicationPoolOptions): ReplicationPool {
  const threads = options.threads === undefined
    ? Math.max(1, availableParallelism())
    : requireInteger(options.threads, 'threads', { min: 1, max: MAX_THREADS, unit: 'threads' })
  const providerModule = requireString(options.providerModule, 'providerModule', /^file:/, 'must be a file: URL')
  const providerExport = requireString(options.providerExport ?? 'syntheticCohort', 'providerExport')
  const piscina = new Piscina<PooledReplicationTask, ReplicationResult>({
    filename: WORKER_FILE,
    minThreads: threads,
    maxThreads: threads,
    // Workers keep a prepared cohort; an idle pool gives the memory back after a minute.
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1
  })
  let closing: Promise<void> | undefined
  // A worker that dies outside a task (e.g. failing to load) is reported here; without a listener the
  // event would be thrown and take the whole server down. Its replacement is started by Piscina, and
  // a task it was running fails through run() below.
  piscina.on('error', () => {})
  return {
    threads,
    concurrency: threads,
    async run (task: ReplicationTask): Promise<ReplicationResult> {
      if (closing !== undefined) throw new WorkerFailedError('the replication pool is closed', { field: 'pool', rule: 'must be open (createReplicationPool)' })
      try {
        return await piscina.run({ task, providerModule, providerExport })
      } catch (error) {
        // Engine errors keep their class across the thread boundary only as plain objects: say where it came from.
        throw new WorkerFailedError(`replication ${task.replication} failed in a worker: ${(error as Error).message}`, { field: 'replication', rule: 'the worker must run its replication', cause: error })
      }
    },
    close (closeOptions = {}) {
      closing ??= piscina.close({ force: closeOptions.force === true })
      return closing
    }
  }
}
