import { contentHash } from '../canonical-hash.js'
import { requireInteger, requireNumber } from '../domain/input.js'
import { InvalidFieldError, OutOfRangeError } from '../errors.js'
import { compilePolicy, type CompiledPolicy } from '../policy/compile-policy.js'
import type { SimulationCohort } from './cohort.js'
import type { EquityMeasure, GroupOutcome, OutcomeName } from './metrics.js'
import { OUTCOMES } from './metrics.js'
import { DAYS_PER_YEAR } from './model-parameters.js'
import { prepareCohort, type PreparedCohort } from './prepared-cohort.js'
import { drawCandidateUniforms, drawCentreNormals, replicationRandom } from './random-streams.js'
import { checkScenario, cohortCandidates, type ScenarioDefinition } from './scenarios.js'
import { simulateArm, type ArmOutcomes } from './simulate-arm.js'
import { confidenceInterval95, type Interval } from './statistics.js'

/**
 * Replications. Each replication is a pure function of (scenario, policy documents, seed, replication
 * index): it compiles the policies, draws its own streams, and runs every arm on the same cohort with
 * the same draws. An executor decides where replications run (in this thread, or in a worker pool);
 * results are ordered by replication index, so the summary is identical whatever the worker count.
 */

export const MAX_REPLICATIONS = 10_000
export const MAX_YEARS = 10

export interface SimulationSpec {
  readonly scenario: ScenarioDefinition
  /** Policy documents (JSON), compared arm by arm; the first is the reference for differences. */
  readonly policies: readonly unknown[]
  readonly years: number
  readonly replications: number
  readonly seed: number | string
}

/** What a worker needs to run one replication: plain JSON. */
export interface ReplicationTask {
  readonly scenario: ScenarioDefinition
  readonly policies: readonly unknown[]
  readonly years: number
  readonly seed: string
  readonly replication: number
}

export interface ReplicationResult {
  readonly replication: number
  readonly arms: readonly ArmOutcomes[]
}

export interface ReplicationExecutor {
  run (task: ReplicationTask): Promise<ReplicationResult>
  /** How many tasks to keep in flight (a pool's size); all at once when absent. */
  readonly concurrency?: number | undefined
}

/**
 * Builds the cohort a scenario describes for a number of simulated years (outside the engine: the
 * synthetic generator lives in data/). Must be deterministic: every worker builds its own copy.
 */
export type CohortProvider = (scenario: ScenarioDefinition, years: number) => SimulationCohort

/** Runs one replication over a prepared cohort. Pure: same task and cohort, same result. */
export function runReplication (task: ReplicationTask, cohort: PreparedCohort, compiled?: readonly CompiledPolicy[]): ReplicationResult {
  const replication = requireInteger(task.replication, 'replication', { min: 0, max: MAX_REPLICATIONS - 1, unit: '' })
  const years = requireYears(task.years)
  const policies = compiled ?? task.policies.map((document) => compilePolicy(document))
  const random = replicationRandom(task.seed, replication)
  const candidateUniforms = drawCandidateUniforms(random, cohort.persons)
  const centreNormals = drawCentreNormals(random, cohort.centreCount)
  const arms = policies.map((policy) => simulateArm({
    cohort,
    policy,
    model: task.scenario.model,
    horizonDays: years * DAYS_PER_YEAR,
    runLabel: `${task.seed}/${replication}`,
    random,
    candidateUniforms,
    centreNormals
  }))
  return { replication, arms }
}

/** Simulated years: more than 0 (a fraction simulates part of a year), at most MAX_YEARS. */
export function requireYears (value: unknown, field = 'years'): number {
  const years = requireNumber(value, field, { min: 0, max: MAX_YEARS, unit: 'years' })
  // Zero is refused like any out-of-range value (the range is open at 0).
  if (years === 0) throw new OutOfRangeError(field, years, 0, MAX_YEARS, 'years (more than 0)')
  return years
}

/**
 * The size of a simulation, for admission limits: candidates the cohort holds over the period ×
 * years × replications × policies. Run time grows with each factor (and with donors, which scale
 * with candidates in every built-in scenario).
 */
export function estimatedWorkUnits (scenario: ScenarioDefinition, years: number, replications: number, policies: number): number {
  return cohortCandidates(scenario, years) * years * replications * policies
}

/** Key under which a cohort can be cached: its scenario's cohort description and the years simulated. */
export function cohortKey (scenario: ScenarioDefinition, years: number): string {
  return contentHash({ cohort: scenario.cohort, years })
}

/**
 * Runs replications one after another in this thread, preparing each scenario's cohort once. The
 * worker-pool executor does the same per worker.
 */
export function createSerialExecutor (provider: CohortProvider): ReplicationExecutor {
  const cache = new Map<string, PreparedCohort>()
  return {
    concurrency: 1,
    async run (task) {
      const key = cohortKey(task.scenario, task.years)
      let cohort = cache.get(key)
      if (cohort === undefined) {
        cohort = prepareCohort(provider(task.scenario, task.years))
        cache.set(key, cohort)
      }
      return runReplication(task, cohort)
    }
  }
}

export interface RunOptions {
  /** Called after each replication finishes, with the number done and the total. */
  readonly onProgress?: (done: number, total: number) => void
}

export function checkSpec (spec: SimulationSpec): SimulationSpec {
  if (spec === null || typeof spec !== 'object') throw new InvalidFieldError('spec', 'must be an object')
  checkScenario(spec.scenario)
  if (!Array.isArray(spec.policies) || spec.policies.length === 0) throw new InvalidFieldError('policies', 'must list at least one policy document')
  requireYears(spec.years)
  requireInteger(spec.replications, 'replications', { min: 1, max: MAX_REPLICATIONS, unit: 'replications' })
  if ((typeof spec.seed !== 'number' || !Number.isFinite(spec.seed)) && (typeof spec.seed !== 'string' || spec.seed.length === 0)) {
    throw new InvalidFieldError('seed', 'must be a finite number or a non-empty string')
  }
  // Compile once here so that a bad policy fails before any work starts, naming its path.
  spec.policies.forEach((document) => compilePolicy(document))
  return spec
}

/** The tasks of a simulation, in replication order. */
export function replicationTasks (spec: SimulationSpec): ReplicationTask[] {
  return Array.from({ length: spec.replications }, (_, replication) => ({
    scenario: spec.scenario, policies: spec.policies, years: spec.years, seed: String(spec.seed), replication
  }))
}

export async function runReplications (spec: SimulationSpec, executor: ReplicationExecutor, options: RunOptions = {}): Promise<SimulationResults> {
  checkSpec(spec)
  const tasks = replicationTasks(spec)
  const limit = Math.max(1, Math.min(tasks.length, executor.concurrency ?? tasks.length))
  const results: ReplicationResult[] = []
  let next = 0
  let done = 0
  // A fixed number of lanes pull tasks in order; with one lane (the serial executor) progress is
  // reported after each replication instead of after all of them.
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++
      results[index] = await executor.run(tasks[index] as ReplicationTask)
      done++
      options.onProgress?.(done, tasks.length)
    }
  }
  await Promise.all(Array.from({ length: limit }, lane))
  return summariseReplications(spec, results)
}

export interface GroupSummary {
  readonly dimension: GroupOutcome['dimension']
  readonly group: string
  readonly candidates: Interval
  readonly patientYears: Interval
  readonly transplantRatePer100PatientYears: Interval
  readonly waitlistMortalityPer100PatientYears: Interval
  readonly accessRatio: Interval
}

export interface EquitySummary {
  readonly dimension: EquityMeasure['dimension']
  readonly ordering: EquityMeasure['ordering']
  readonly concentrationIndex: Interval
}

export interface SeriesSummary {
  readonly day: readonly number[]
  readonly waiting: readonly Interval[]
  readonly active: readonly Interval[]
  readonly transplants: readonly Interval[]
  readonly waitlistDeaths: readonly Interval[]
}

export interface ArmSummary {
  readonly policy: ArmOutcomes['policy']
  readonly outcomes: Readonly<Record<OutcomeName, Interval>>
  readonly groups: readonly GroupSummary[]
  readonly equity: readonly EquitySummary[]
  readonly series: SeriesSummary
  readonly matchRuns: Interval
}

/** Paired differences (arm − reference) per replication: common random numbers make these precise. */
export interface DifferenceSummary {
  readonly policy: ArmOutcomes['policy']
  readonly reference: ArmOutcomes['policy']
  readonly outcomes: Readonly<Record<OutcomeName, Interval>>
}

export interface SimulationResults {
  readonly format: 1
  readonly scenario: { readonly id: string, readonly name: string, readonly hash: string }
  readonly years: number
  readonly replications: number
  readonly seed: string
  readonly arms: readonly ArmSummary[]
  readonly differences: readonly DifferenceSummary[]
  /** Content hash of each replication's raw result, in replication order. */
  readonly replicationHashes: readonly string[]
  /** Content hash of everything above: equal hashes mean equal results. */
  readonly resultsHash: string
}

function intervalsOf (values: ReadonlyArray<readonly number[]>): Interval[] {
  return values.map((v) => confidenceInterval95(v))
}

function summariseArm (arms: readonly ArmOutcomes[]): ArmSummary {
  const first = arms[0] as ArmOutcomes
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o.name, confidenceInterval95(arms.map((a) => a.outcomes[o.name]))])) as Record<OutcomeName, Interval>
  const groupValues = new Map<string, { dimension: GroupOutcome['dimension'], group: string, rows: GroupOutcome[] }>()
  for (const arm of arms) {
    for (const g of arm.groups) {
      const key = `${g.dimension}\u0000${g.group}`
      let entry = groupValues.get(key)
      if (entry === undefined) groupValues.set(key, entry = { dimension: g.dimension, group: g.group, rows: [] })
      entry.rows.push(g)
    }
  }
  const groups: GroupSummary[] = [...groupValues.values()].map(({ dimension, group, rows }) => ({
    dimension,
    group,
    candidates: confidenceInterval95(rows.map((r) => r.candidates)),
    patientYears: confidenceInterval95(rows.map((r) => r.patientYears)),
    transplantRatePer100PatientYears: confidenceInterval95(rows.map((r) => r.transplantRatePer100PatientYears)),
    waitlistMortalityPer100PatientYears: confidenceInterval95(rows.map((r) => r.waitlistMortalityPer100PatientYears)),
    accessRatio: confidenceInterval95(rows.map((r) => r.accessRatio))
  }))
  const equity: EquitySummary[] = first.equity.map((e, i) => ({
    dimension: e.dimension,
    ordering: e.ordering,
    concentrationIndex: confidenceInterval95(arms.map((a) => (a.equity[i] as EquityMeasure).concentrationIndex))
  }))
  const points = first.series.day.length
  const column = (pick: (a: ArmOutcomes) => readonly number[]): Interval[] =>
    intervalsOf(Array.from({ length: points }, (_, k) => arms.map((a) => pick(a)[k] as number)))
  return {
    policy: first.policy,
    outcomes,
    groups,
    equity,
    series: {
      day: first.series.day,
      waiting: column((a) => a.series.waiting),
      active: column((a) => a.series.active),
      transplants: column((a) => a.series.transplants),
      waitlistDeaths: column((a) => a.series.waitlistDeaths)
    },
    matchRuns: confidenceInterval95(arms.map((a) => a.matchRuns))
  }
}

/** Means and 95% intervals per arm, paired differences against the first arm, and the result hashes. */
export function summariseReplications (spec: SimulationSpec, results: readonly ReplicationResult[]): SimulationResults {
  if (results.length === 0) throw new InvalidFieldError('results', 'must hold at least one replication')
  const ordered = [...results].sort((a, b) => a.replication - b.replication)
  const armCount = (ordered[0] as ReplicationResult).arms.length
  const perArm = Array.from({ length: armCount }, (_, k) => ordered.map((r) => r.arms[k] as ArmOutcomes))
  const arms = perArm.map(summariseArm)
  const reference = perArm[0] as ArmOutcomes[]
  const differences: DifferenceSummary[] = perArm.slice(1).map((armRuns) => ({
    policy: (armRuns[0] as ArmOutcomes).policy,
    reference: (reference[0] as ArmOutcomes).policy,
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o.name, confidenceInterval95(armRuns.map((a, r) => a.outcomes[o.name] - (reference[r] as ArmOutcomes).outcomes[o.name]))])) as Record<OutcomeName, Interval>
  }))
  const content = {
    format: 1 as const,
    scenario: { id: spec.scenario.id, name: spec.scenario.name, hash: contentHash(spec.scenario) },
    years: spec.years,
    replications: ordered.length,
    seed: String(spec.seed),
    arms,
    differences,
    replicationHashes: ordered.map((r) => contentHash(r))
  }
  return { ...content, resultsHash: contentHash(content) }
}
