import { InvalidFieldError } from '../errors.js'
import { compilePolicy, type CompiledPolicy } from '../policy/compile-policy.js'
import { prepareCohort, type PreparedCohort } from './prepared-cohort.js'
import { cohortKey, runReplication, type CohortProvider, type ReplicationResult, type ReplicationTask } from './replications.js'

/**
 * What the replication pool sends a worker: the task and where the cohort provider lives. The
 * provider is named by module URL and export because the engine imports nothing from data/ or api/,
 * where the synthetic generator is; the worker loads it once.
 */
export interface PooledReplicationTask {
  readonly task: ReplicationTask
  readonly providerModule: string
  readonly providerExport: string
}

/**
 * The worker's state between tasks: the cohort provider, the last prepared cohort (one: a US-scale
 * cohort holds hundreds of megabytes, and a job runs one scenario), and the compiled policies of
 * that job. Pure apart from the module load; the tests drive it on the main thread.
 */
export function createReplicationTaskHandler (load: (url: string) => Promise<Record<string, unknown>> = async (url) => await import(url) as Record<string, unknown>): (message: PooledReplicationTask) => Promise<ReplicationResult> {
  const providers = new Map<string, CohortProvider>()
  let cohort: { key: string, prepared: PreparedCohort } | undefined
  let policies: { key: string, compiled: CompiledPolicy[] } | undefined
  return async ({ task, providerModule, providerExport }) => {
    const providerKey = `${providerModule}#${providerExport}`
    let provider = providers.get(providerKey)
    if (provider === undefined) {
      const exported = (await load(providerModule))[providerExport]
      if (typeof exported !== 'function') throw new InvalidFieldError('providerExport', `${providerModule} exports no function ${providerExport}`)
      provider = exported as CohortProvider
      providers.set(providerKey, provider)
    }
    const key = `${providerKey}\u0000${cohortKey(task.scenario, task.years)}`
    if (cohort?.key !== key) {
      cohort = undefined // let the previous cohort be collected before the next is built
      cohort = { key, prepared: prepareCohort(provider(task.scenario, task.years)) }
    }
    const policyKey = JSON.stringify(task.policies)
    if (policies?.key !== policyKey) policies = { key: policyKey, compiled: task.policies.map((document) => compilePolicy(document)) }
    return runReplication(task, cohort.prepared, policies.compiled)
  }
}
