import { COHORT_PROVIDER_MODULE, syntheticCohort } from '../../api/cli/simulate.js'
import { builtInPolicyDocument } from '../../data/policies/index.js'
import { compilePolicy } from '../../engine/policy/compile-policy.js'
import { prepareCohort } from '../../engine/sim/prepared-cohort.js'
import { createReplicationPool, type ReplicationPool } from '../../engine/sim/replication-pool.js'
import { runReplication, runReplications, type ReplicationTask } from '../../engine/sim/replications.js'
import { scenarioById } from '../../engine/sim/scenarios.js'
import type { BenchCase, BenchSuite, SizeProfile } from '../harness.js'

/**
 * Simulation throughput (docs/simulation.md, "Scale"). Quick: the demonstration scenario, one
 * replication on this thread and two on a pool of two workers. Full: for the Eurotransplant-scale
 * scenario (3 years, ETKAS and US KAS) and the US-scale one (1 year, US KAS), one whole replication
 * is timed once (figures: wall and CPU seconds, match runs, milliseconds per match run); the timed
 * samples simulate one week on the same cohort, since twenty samples of a whole replication would
 * take hours.
 */
const WEEK_YEARS = 7 / 365.25

let pool: ReplicationPool | undefined

function cpuSeconds (since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

function scaleCase (scenarioId: string, years: number, policyIds: readonly string[]): BenchCase {
  const scenario = scenarioById(scenarioId)
  const documents = policyIds.map((id) => builtInPolicyDocument(id))
  const compiled = documents.map((d) => compilePolicy(d))
  const started = process.cpuUsage()
  const cohort = prepareCohort(syntheticCohort(scenario, years))
  const cohortCpuSeconds = cpuSeconds(started)
  const task = (horizonYears: number): ReplicationTask => ({ scenario, policies: documents, years: horizonYears, seed: 'bench', replication: 0 })
  return {
    name: `${scenarioId} ${policyIds.join(' + ')}, one week`,
    params: { scenario: scenarioId, years, policies: policyIds.length, candidates: cohort.persons, donors: cohort.donors.length },
    fn: () => runReplication(task(WEEK_YEARS), cohort, compiled),
    figures: () => {
      const cpu = process.cpuUsage()
      const wall = performance.now()
      const result = runReplication(task(years), cohort, compiled)
      const replicationCpuSeconds = cpuSeconds(cpu)
      const matchRuns = result.arms.reduce((sum, arm) => sum + arm.matchRuns, 0)
      return {
        replicationSeconds: (performance.now() - wall) / 1000,
        replicationCpuSeconds,
        matchRuns,
        cpuMsPerMatchRun: replicationCpuSeconds * 1000 / matchRuns,
        cohortCpuSeconds
      }
    }
  }
}

export const simulationSuite: BenchSuite = {
  name: 'simulation',
  description: 'policy simulation replications: the demonstration scenario (quick), one replication of each scale scenario (full)',
  async setup (profile: SizeProfile): Promise<readonly BenchCase[]> {
    if (profile === 'full') {
      return [scaleCase('et-kidney', 3, ['etkas-kidney', 'us-kas-kidney']), scaleCase('us-kidney', 1, ['us-kas-kidney'])]
    }
    const scenario = scenarioById('demo-kidney')
    const policies = [builtInPolicyDocument('etkas-kidney'), builtInPolicyDocument('us-kas-kidney')]
    const cohort = prepareCohort(syntheticCohort(scenario, 1))
    pool = createReplicationPool({ threads: 2, providerModule: COHORT_PROVIDER_MODULE })
    const workers = pool
    return [
      { name: 'demo-kidney one replication, this thread', params: { scenario: 'demo-kidney', policies: 2, workers: 0 }, fn: () => runReplication({ scenario, policies, years: 1, seed: 'bench', replication: 0 }, cohort) },
      { name: 'demo-kidney two replications, pool of 2', params: { scenario: 'demo-kidney', policies: 2, workers: 2 }, fn: async () => await runReplications({ scenario, policies, years: 1, replications: 2, seed: 'bench' }, workers) }
    ]
  },
  async teardown () {
    await pool?.close()
    pool = undefined
  }
}
