import t from 'tap'
import type { Test } from 'tap'
import fc from 'fast-check'
import { canonicalJson } from '../engine/canonical-hash.js'
import type { Candidate } from '../engine/domain/candidate.js'
import type { Centre } from '../engine/domain/centre.js'
import type { Donor } from '../engine/domain/donor.js'
import { buildMatchList, verifyMatchListHash, type MatchList } from '../engine/match/match-list.js'
import { runMatch } from '../engine/match/match-run.js'
import { buildWaitlistSnapshot, type WaitlistSnapshot } from '../engine/match/snapshot.js'
import { compilePolicy, type CompiledPolicy } from '../engine/policy/compile-policy.js'
import { armWorkerFault, createMatchPool, DEFAULT_SERIAL_THRESHOLD_CANDIDATES, type MatchPool, type MatchPoolStats } from '../engine/parallel/match-pool.js'
import { builtInPolicy } from '../data/policies/index.js'
import { candidate, centre, donor, organ } from './fixtures/match-fixtures.js'
import { minimalPolicy } from './fixtures/policy-minimal.js'
import { randomWaitlist } from './fixtures/match-waitlist.js'

const AT = '2024-05-01T00:00:00Z'
const MATCH_TIME = '2024-05-01T12:00:00Z'

function snapshotOf (waitlist: { candidates: readonly Candidate[], centres: readonly Centre[] }): WaitlistSnapshot {
  return buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: waitlist.candidates, centres: waitlist.centres })
}

function inputFor (policy: CompiledPolicy, snapshot: WaitlistSnapshot, d: Donor = donor(), matchRunId = 'pool-run') {
  return { matchRunId, donor: d, organ: organ(d), policy, snapshot, matchTime: MATCH_TIME }
}

function same (t: Test, pooled: MatchList, serial: MatchList, message: string): void {
  t.equal(canonicalJson(pooled), canonicalJson(serial), message)
  t.equal(pooled.outputHash, serial.outputHash, `${message}: output hash`)
}

/** Many exact ties (cPRA takes ten values), so the lottery decides across partition boundaries. */
const tiePolicy = compilePolicy(minimalPolicy({
  eligibility: { statuses: ['active'], abo: { ruleSet: 'compatible' }, virtualCrossmatch: true, centreAuthorisation: true, acceptanceCriteria: ['distance'], rules: [] },
  tiers: [{ name: 'near', when: 'pair.distanceNm <= 200' }, { name: 'all', when: 'true' }],
  components: [{ name: 'cpra', input: 'candidate.cpraPercent', scale: { kind: 'linear', slope: 1 }, weight: 1 }]
}))
const POLICIES: readonly CompiledPolicy[] = [builtInPolicy('etkas-kidney'), builtInPolicy('us-kas-kidney'), tiePolicy]

// Pools are shared by the tests below: under tap every new worker thread compiles the engine's
// TypeScript again, which costs seconds. Assertions on counters therefore use differences.
const pools = [1, 2, 3].map((threads) => createMatchPool({ threads })) as [MatchPool, MatchPool, MatchPool]
const [onePool, twoPool] = pools
t.teardown(() => Promise.all(pools.map((p) => p.close())))

function delta (pool: MatchPool, before: MatchPoolStats): Record<string, number> {
  const after = pool.stats()
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof MatchPoolStats]]))
}

t.test('pooled and serial runs give byte-identical lists for any thread and partition count', async (t) => {
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 0, max: 200 }),
    fc.string({ minLength: 1, maxLength: 8 }),
    fc.integer({ min: 0, max: POLICIES.length - 1 }),
    fc.integer({ min: 0, max: pools.length - 1 }),
    fc.integer({ min: 1, max: 9 }),
    fc.constantFrom<Donor['abo']>('O', 'A', 'B', 'AB'),
    fc.integer({ min: 0, max: 100 }),
    async (count, seed, policyIndex, poolIndex, partitions, abo, kdpi) => {
      const snapshot = snapshotOf(randomWaitlist(count, `pool-${seed}`))
      const input = inputFor(POLICIES[policyIndex] as CompiledPolicy, snapshot, donor({ abo, kdpi }), `run-${seed}`)
      const serial = runMatch(input)
      const pooled = await (pools[poolIndex] as MatchPool).runMatch(input, { partitions })
      if (canonicalJson(pooled) !== canonicalJson(serial) || pooled.outputHash !== serial.outputHash) {
        throw new Error(`lists differ: ${count} candidates, ${partitions} partitions, ${poolIndex + 1} threads`)
      }
      return verifyMatchListHash(pooled)
    }), { numRuns: 100, seed: 20240501 })
  t.pass('pooled lists equal the serial lists')
  t.ok(pools.every((p) => p.stats().pooledRuns > 0), 'every pool did pooled runs')
})

t.test('the default plan: small lists stay on the calling thread, large ones go to the workers', async (t) => {
  const pool = createMatchPool({ threads: 1, serialThresholdCandidates: 100, minPartitionCandidates: 50, partitionsPerThread: 4 })
  t.teardown(() => pool.close())
  t.equal(pool.threads, 1)
  t.equal(pool.serialThresholdCandidates, 100)
  const small = snapshotOf(randomWaitlist(99, 'small'))
  same(t, await pool.runMatch(inputFor(tiePolicy, small)), runMatch(inputFor(tiePolicy, small)), 'small list')
  t.match(pool.stats(), { serialRuns: 1, pooledRuns: 0, tasks: 0 })

  const large = snapshotOf(randomWaitlist(400, 'large'))
  const etkas = builtInPolicy('etkas-kidney')
  for (let run = 0; run < 4; run++) {
    const d = donor({ abo: run % 2 === 0 ? 'O' : 'A', ageYears: 30 + run })
    same(t, await pool.runMatch(inputFor(etkas, large, d, `large-${run}`)), runMatch(inputFor(etkas, large, d, `large-${run}`)), `large list, run ${run}`)
  }
  const stats = pool.stats()
  t.equal(stats.pooledRuns, 4)
  // 400 candidates, at least 50 per partition, 4 per thread: 4 partitions per run.
  t.equal(stats.tasks - stats.resends, 16, 'four partitions per run')
  t.ok(stats.snapshotShipments >= 1 && stats.snapshotShipments < 16, `the snapshot is not sent with every task (${stats.snapshotShipments} of 16)`)
  t.equal(stats.workerFailures, 0)
})

t.test('each worker receives a snapshot and a policy once, then works from its cache', async (t) => {
  // One thread makes the later counts exact. In the first run, tasks queued before the worker's
  // first "missing" answer came back are resent with the parts too (how many depends on timing).
  const pool = onePool
  const before = pool.stats()
  const snapshot = snapshotOf(randomWaitlist(200, 'once'))
  const policy = compilePolicy({ ...builtInPolicy('us-kas-kidney').document, version: '9.9.9' })
  await pool.runMatch(inputFor(policy, snapshot, donor(), 'once-0'), { partitions: 4 })
  const first = delta(pool, before)
  t.ok((first.snapshotShipments as number) >= 1 && (first.snapshotShipments as number) <= 4, 'the first run ships the snapshot')
  t.equal(first.policyShipments, first.snapshotShipments, 'and the policy with it')
  t.equal(first.tasks, 4 + (first.resends as number))
  for (let run = 1; run <= 5; run++) {
    const d = donor({ ageYears: 20 + run })
    same(t, await pool.runMatch(inputFor(policy, snapshot, d, `once-${run}`), { partitions: 4 }), runMatch(inputFor(policy, snapshot, d, `once-${run}`)), `run ${run}`)
  }
  t.match(delta(pool, before), { tasks: (first.tasks as number) + 20, resends: first.resends, snapshotShipments: first.snapshotShipments }, 'later runs send hashes only')
  const otherPolicy = compilePolicy({ ...tiePolicy.document, version: '9.9.9' })
  await pool.runMatch(inputFor(otherPolicy, snapshot, donor(), 'once-tie'), { partitions: 2 })
  const last = delta(pool, before)
  t.equal(last.snapshotShipments, first.snapshotShipments, 'a new policy on a known snapshot ships the policy alone')
  t.ok((last.policyShipments as number) > (first.policyShipments as number))
})

t.test('score gives the merged ranking without the list, pooled or serial', async (t) => {
  const snapshot = snapshotOf(randomWaitlist(240, 'score-only'))
  const input = inputFor(builtInPolicy('etkas-kidney'), snapshot, donor({ abo: 'O' }), 'score-only')
  const serial = runMatch(input)
  for (const partitions of [undefined, 1, 5]) {
    const { context, scored } = await twoPool.score(input, partitions === undefined ? {} : { partitions })
    t.equal(scored.order.length, serial.ranked.length, `${partitions ?? 'serial'}: every eligible candidate is ordered`)
    t.same([...scored.order].map((i) => snapshot.tables.candidateIds[i]), serial.ranked.map((r) => r.candidateId))
    t.equal(buildMatchList(context, snapshot, scored).outputHash, serial.outputHash)
  }
})

t.test('a default pool is sized to the machine and uses the measured threshold', async (t) => {
  const pool = createMatchPool()
  t.teardown(() => pool.close())
  t.ok(pool.threads >= 1)
  t.equal(pool.serialThresholdCandidates, DEFAULT_SERIAL_THRESHOLD_CANDIDATES)
})

t.test('concurrent runs on one pool do not mix their partitions', async (t) => {
  const pool = pools[2]
  const snapshots = [snapshotOf(randomWaitlist(150, 'concurrent-a')), snapshotOf(randomWaitlist(180, 'concurrent-b'))]
  const inputs = Array.from({ length: 8 }, (_, k) => inputFor(POLICIES[k % POLICIES.length] as CompiledPolicy, snapshots[k % 2] as WaitlistSnapshot,
    donor({ abo: k % 3 === 0 ? 'B' : 'O', ageYears: 20 + k }), `concurrent-${k}`))
  const pooled = await Promise.all(inputs.map((input, k) => pool.runMatch(input, { partitions: 2 + (k % 4) })))
  pooled.forEach((list, k) => same(t, list, runMatch(inputs[k] as ReturnType<typeof inputFor>), `run ${k}`))
})

t.test('a worker that dies fails that run with WorkerFailedError, and the pool recovers', async (t) => {
  const pool = twoPool
  const before = pool.stats()
  const snapshot = snapshotOf(randomWaitlist(120, 'crash'))
  const input = inputFor(builtInPolicy('us-kas-kidney'), snapshot)
  const serial = runMatch(input)

  armWorkerFault(pool, 'exit')
  await t.rejects(pool.runMatch(input, { partitions: 3 }), { code: 'ENGINE_WORKER_FAILED', field: 'partition' })
  t.ok((delta(pool, before).workerFailures as number) >= 1, 'the failure is counted')
  same(t, await pool.runMatch(input, { partitions: 3 }), serial, 'the next run works')

  armWorkerFault(pool, 'throw')
  await t.rejects(pool.runMatch(input, { partitions: 2 }), { code: 'ENGINE_WORKER_FAILED', field: 'partition' })
  same(t, await pool.runMatch(input, { partitions: 4 }), serial, 'and after a worker that threw')
  t.throws(() => armWorkerFault({} as MatchPool, 'throw'), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'pool' })
})

t.test('a scoring error in a worker is the same error the serial run throws', async (t) => {
  const pool = twoPool
  const snapshot = snapshotOf({ candidates: [candidate('P1', { waitingDays: 10 }), candidate('P2', { waitingDays: 0 }), candidate('P3', { waitingDays: 5 })], centres: [centre('C0')] })
  const lnZero = compilePolicy(minimalPolicy({ components: [{ name: 'bad', scale: { kind: 'formula', formula: 'ln(candidate.waitingDays)' }, weight: 1 }] }))
  t.throws(() => runMatch(inputFor(lnZero, snapshot)), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'components.bad' })
  await t.rejects(pool.runMatch(inputFor(lnZero, snapshot), { partitions: 3 }), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'components.bad' })
  // Input errors are found on the calling thread, before any task is sent.
  await t.rejects(pool.runMatch({ ...inputFor(lnZero, snapshot), matchTime: '2024-05-01' }, { partitions: 2 }), { code: 'ENGINE_INVALID_FIELD', field: 'matchTime' })
  await t.rejects(pool.runMatch({ ...inputFor(lnZero, snapshot), snapshot: undefined as unknown as WaitlistSnapshot }))
})

t.test('options are checked, and a closed pool refuses runs', async (t) => {
  t.throws(() => createMatchPool({ threads: 0 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'threads' })
  t.throws(() => createMatchPool({ threads: 1.5 }), { code: 'ENGINE_INVALID_FIELD', field: 'threads' })
  t.throws(() => createMatchPool({ serialThresholdCandidates: -1 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'serialThresholdCandidates' })
  t.throws(() => createMatchPool({ partitionsPerThread: 0 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'partitionsPerThread' })
  t.throws(() => createMatchPool({ minPartitionCandidates: 0 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'minPartitionCandidates' })
  const pool = createMatchPool({ threads: 1 })
  const snapshot = snapshotOf(randomWaitlist(20, 'closed'))
  await t.rejects(pool.runMatch(inputFor(tiePolicy, snapshot), { partitions: 0 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'partitions' })
  await pool.close()
  await pool.close()
  await t.rejects(pool.runMatch(inputFor(tiePolicy, snapshot)), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'pool' })
})
