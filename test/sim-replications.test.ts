import t from 'tap'
import { syntheticCohort } from '../api/cli/simulate.js'
import { compilePolicy } from '../engine/policy/compile-policy.js'
import { DEFAULT_MODEL } from '../engine/sim/model-parameters.js'
import { prepareCohort } from '../engine/sim/prepared-cohort.js'
import { drawCandidateUniforms, drawCentreNormals, replicationRandom } from '../engine/sim/random-streams.js'
import {
  checkSpec, createSerialExecutor, replicationTasks, runReplication, runReplications, summariseReplications,
  type ReplicationExecutor, type ReplicationResult, type SimulationSpec
} from '../engine/sim/replications.js'
import type { ScenarioDefinition } from '../engine/sim/scenarios.js'
import { simulateArm } from '../engine/sim/simulate-arm.js'
import { SMALL_SCENARIO, testPolicy } from './fixtures/sim-cohort.js'

const points = testPolicy('points')
const waiting = testPolicy('waiting')
const prepared = prepareCohort(syntheticCohort(SMALL_SCENARIO, 1))
const provider = (): ReturnType<typeof syntheticCohort> => syntheticCohort(SMALL_SCENARIO, 1)
const spec: SimulationSpec = { scenario: SMALL_SCENARIO, policies: [points, waiting], years: 1, replications: 3, seed: 7 }

/** An executor that runs tasks out of order on its own cohort copy, as a worker pool might. */
function shuffledExecutor (): ReplicationExecutor {
  const cohort = prepareCohort(provider())
  const queue: Array<() => void> = []
  return {
    async run (task) {
      await new Promise<void>((resolve) => { queue.unshift(resolve); setImmediate(() => queue.shift()?.()) })
      return runReplication(task, cohort)
    }
  }
}

t.test('the same seed gives the same results hash, whatever executes the replications', async (t) => {
  const progress: Array<[number, number]> = []
  const first = await runReplications(spec, createSerialExecutor(provider), { onProgress: (done, total) => progress.push([done, total]) })
  const second = await runReplications(spec, createSerialExecutor(provider))
  const shuffled = await runReplications(spec, shuffledExecutor())
  t.match(first.resultsHash, /^[0-9a-f]{64}$/)
  t.equal(second.resultsHash, first.resultsHash)
  t.equal(shuffled.resultsHash, first.resultsHash)
  t.same(progress, [[1, 3], [2, 3], [3, 3]])
  // Split differently: each replication on its own, then summarised together.
  const parts: ReplicationResult[] = replicationTasks(spec).reverse().map((task) => runReplication(task, prepared))
  t.equal(summariseReplications(spec, parts).resultsHash, first.resultsHash)
  t.equal(first.replicationHashes.length, 3)
  t.equal(new Set(first.replicationHashes).size, 3, 'replications differ from each other')
  // The serial executor reports progress after each replication, before the next starts.
  const events: string[] = []
  const serial = createSerialExecutor(provider)
  await runReplications(spec, { concurrency: serial.concurrency, run: async (task) => { events.push(`run ${task.replication}`); return await serial.run(task) } }, { onProgress: (done) => events.push(`done ${done}`) })
  t.same(events, ['run 0', 'done 1', 'run 1', 'done 2', 'run 2', 'done 3'])
  const otherSeed = await runReplications({ ...spec, seed: 8 }, createSerialExecutor(provider))
  t.not(otherSeed.resultsHash, first.resultsHash, 'another seed, other results')
  // A run of 2 replications is the first 2 of a run of 3.
  const two = await runReplications({ ...spec, replications: 2 }, createSerialExecutor(provider))
  t.same(two.replicationHashes, first.replicationHashes.slice(0, 2))
})

t.test('common random numbers: two identical policies give identical arms', async (t) => {
  const result = runReplication({ scenario: SMALL_SCENARIO, policies: [points, points], years: 1, seed: 'crn', replication: 0 }, prepared)
  t.same(result.arms[1], result.arms[0])
  const summary = summariseReplications({ ...spec, policies: [points, points] }, [result])
  const difference = summary.differences[0]
  t.ok(difference !== undefined)
  t.ok(Object.values(difference?.outcomes ?? {}).every((i) => i.mean === 0 && i.lower === 0 && i.upper === 0), 'every paired difference is exactly 0')
  const different = runReplication({ scenario: SMALL_SCENARIO, policies: [points, waiting], years: 1, seed: 'crn', replication: 0 }, prepared)
  t.notSame(different.arms[1]?.outcomes, different.arms[0]?.outcomes, 'different rules give different outcomes')
  t.equal(different.arms[1]?.outcomes.kidneysRecovered, different.arms[0]?.outcomes.kidneysRecovered, 'the same donors arrive in both arms')
})

t.test('the outcomes add up', async (t) => {
  const result = runReplication({ scenario: SMALL_SCENARIO, policies: [points], years: 1, seed: '3', replication: 0 }, prepared)
  const arm = result.arms[0]
  t.ok(arm !== undefined)
  if (arm === undefined) return
  const o = arm.outcomes
  t.ok(o.transplants > 0 && o.waitlistDeaths > 0, `something happens (${o.transplants} transplants, ${o.waitlistDeaths} deaths)`)
  t.equal(o.kidneysRecovered, o.transplants + o.kidneysDiscarded, 'every recovered kidney is transplanted or discarded')
  t.equal(arm.matchRuns, o.kidneysRecovered / 2, 'one match run per donor, two kidneys each')
  t.equal(arm.series.waiting[arm.series.waiting.length - 1], o.waitingAtEnd)
  t.equal(arm.series.transplants[arm.series.transplants.length - 1], o.transplants)
  t.equal(arm.series.day.length, 13, 'the start and 12 month ends')
  for (const dimension of ['bloodGroup', 'sex', 'ageBand']) {
    const rows = arm.groups.filter((g) => g.dimension === dimension)
    t.equal(rows.reduce((sum, g) => sum + g.transplants, 0), o.transplants, `${dimension}: group transplants add up`)
    t.equal(rows.reduce((sum, g) => sum + g.waitlistDeaths, 0), o.waitlistDeaths, `${dimension}: group deaths add up`)
  }
  t.ok(o.nonUsePercent >= 0 && o.nonUsePercent <= 100)
  t.ok(o.meanColdIschaemiaHours >= DEFAULT_MODEL.offers.baseColdIschaemiaHours)
})

t.test('always-accept: the first ranked candidates take every kidney', async (t) => {
  const scenario: ScenarioDefinition = { ...SMALL_SCENARIO, model: { ...DEFAULT_MODEL, acceptance: { ...DEFAULT_MODEL.acceptance, kind: 'always-accept' } } }
  const result = runReplication({ scenario, policies: [points], years: 1, seed: '3', replication: 0 }, prepared)
  const o = result.arms[0]?.outcomes
  t.equal(o?.offersPerPlacedKidney, 1, 'one offer per kidney')
  t.equal(o?.rescuePlacementPercent, 0)
  t.ok((o?.transplants ?? 0) > 0)
})

t.test('how far ahead the working snapshot looks changes no result', async (t) => {
  const policy = compilePolicy(points)
  const random = replicationRandom('window', 0)
  const base = {
    cohort: prepared,
    policy,
    model: DEFAULT_MODEL,
    horizonDays: 365.25,
    runLabel: 'window/0',
    random,
    candidateUniforms: drawCandidateUniforms(random, prepared.persons),
    centreNormals: drawCentreNormals(random, prepared.centreCount)
  }
  t.same(simulateArm({ ...base, compactionDays: 1 }), simulateArm({ ...base, compactionDays: 120 }))
})

t.test('a bad specification is refused before any work, naming the field', async (t) => {
  const executor = createSerialExecutor(provider)
  await t.rejects(runReplications({ ...spec, policies: [] }, executor), { code: 'ENGINE_INVALID_FIELD', field: 'policies' })
  await t.rejects(runReplications({ ...spec, years: 0 }, executor), { code: 'ENGINE_OUT_OF_RANGE', field: 'years' })
  await t.rejects(runReplications({ ...spec, replications: 1.5 }, executor), { code: 'ENGINE_INVALID_FIELD', field: 'replications' })
  await t.rejects(runReplications({ ...spec, seed: '' }, executor), { code: 'ENGINE_INVALID_FIELD', field: 'seed' })
  await t.rejects(runReplications({ ...spec, policies: [{ ...points, tiers: [] }] }, executor), { code: 'ENGINE_POLICY_INVALID' })
  await t.rejects(runReplications({ ...spec, scenario: { ...SMALL_SCENARIO, organType: 'liver' as 'kidney' } }, executor), { code: 'ENGINE_UNKNOWN_VALUE', field: 'scenario.organType' })
  t.throws(() => checkSpec(null as unknown as SimulationSpec), { code: 'ENGINE_INVALID_FIELD', field: 'spec' })
  t.throws(() => summariseReplications(spec, []), { code: 'ENGINE_INVALID_FIELD', field: 'results' })
  t.throws(() => runReplication({ scenario: SMALL_SCENARIO, policies: [points], years: 11, seed: '1', replication: 0 }, prepared), { code: 'ENGINE_OUT_OF_RANGE', field: 'years' })
})
