import t from 'tap'
import fc from 'fast-check'
import { canonicalJson } from '../engine/canonical-hash.js'
import { MatchRunError } from '../engine/errors.js'
import { prepareMatchContext } from '../engine/match/match-context.js'
import { buildMatchList } from '../engine/match/match-list.js'
import { runMatch } from '../engine/match/match-run.js'
import { mergePartitions } from '../engine/match/merge-partitions.js'
import type { PartitionResult } from '../engine/match/score-partition.js'
import { buildWaitlistSnapshot, waitlistSnapshotParts } from '../engine/match/snapshot.js'
import { compilePolicy } from '../engine/policy/compile-policy.js'
import { LruCache } from '../engine/parallel/lru-cache.js'
import { createPartitionTaskHandler, partitionBuffers, toRemoteError, type PartitionResponse, type PartitionTask } from '../engine/parallel/partition-task.js'
import { MAX_PARTITIONS, partitionBounds, partitionCount } from '../engine/parallel/partitioning.js'
import { builtInPolicy } from '../data/policies/index.js'
import { candidate, centre, donor, organ } from './fixtures/match-fixtures.js'
import { minimalPolicy } from './fixtures/policy-minimal.js'
import { randomWaitlist } from './fixtures/match-waitlist.js'

const AT = '2024-05-01T00:00:00Z'
const MATCH_TIME = '2024-05-01T12:00:00Z'

t.test('partition bounds cover [0, count) once, evenly, without empty ranges', async (t) => {
  t.same(partitionBounds(10, 3), [0, 3, 6, 10])
  t.same(partitionBounds(2, 5), [0, 1, 2], 'never more partitions than candidates')
  t.same(partitionBounds(0, 4), [0, 0], 'an empty list is one empty range')
  fc.assert(fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: MAX_PARTITIONS }), (count, partitions) => {
    const bounds = partitionBounds(count, partitions)
    const sizes = bounds.slice(1).map((end, k) => end - (bounds[k] as number))
    return bounds[0] === 0 && bounds[bounds.length - 1] === count &&
      sizes.length === Math.max(1, Math.min(partitions, count)) &&
      (count === 0 || (Math.min(...sizes) >= 1 && Math.max(...sizes) - Math.min(...sizes) <= 1))
  }), { numRuns: 300 })
  t.pass('bounds are a partition of [0, count)')
  t.throws(() => partitionBounds(10, 0), { code: 'ENGINE_OUT_OF_RANGE', field: 'partitions' })
  t.throws(() => partitionBounds(10, MAX_PARTITIONS + 1), { code: 'ENGINE_OUT_OF_RANGE', field: 'partitions' })
  t.throws(() => partitionBounds(-1, 2), { code: 'ENGINE_OUT_OF_RANGE', field: 'count' })
  t.throws(() => partitionBounds(2.5, 2), { code: 'ENGINE_INVALID_FIELD', field: 'count' })
})

t.test('partition count: a few per thread, none smaller than the minimum', async (t) => {
  const plan = { threads: 2, partitionsPerThread: 2, minPartitionCandidates: 4000 }
  t.equal(partitionCount(100_000, plan), 4)
  t.equal(partitionCount(10_000, plan), 2, '10,000 candidates make two partitions of 5,000')
  t.equal(partitionCount(3_000, plan), 1)
  t.equal(partitionCount(0, plan), 1)
  t.equal(partitionCount(10 ** 9, { threads: 64, partitionsPerThread: 64, minPartitionCandidates: 1 }), MAX_PARTITIONS)
})

t.test('the LRU cache keeps the most recently used entries', async (t) => {
  const cache = new LruCache<string, number>(2)
  cache.set('a', 1)
  cache.set('b', 2)
  t.equal(cache.get('a'), 1, 'reading a makes b the oldest')
  cache.set('c', 3)
  t.same(cache.keys(), ['a', 'c'])
  t.notOk(cache.has('b'))
  t.equal(cache.get('b'), undefined)
  cache.set('a', 10)
  cache.set('d', 4)
  t.same(cache.keys(), ['a', 'd'], 'overwriting refreshes an entry')
  t.equal(cache.size, 2)
  t.equal(cache.capacity, 2)
  t.throws(() => new LruCache(0), RangeError)
  t.throws(() => new LruCache(1.5), RangeError)
})

const waitlist = randomWaitlist(300, 'task-handler')
const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: AT, ...waitlist })
const policy = builtInPolicy('us-kas-kidney')
const d = donor({ abo: 'O' })

function task (overrides: Partial<PartitionTask> = {}): PartitionTask {
  return {
    kind: 'partition', runKey: 'r1', snapshotHash: snapshot.hash, policyHash: policy.hash,
    matchRunId: 'task-run', donor: d, organ: organ(d), matchTime: MATCH_TIME, start: 0, end: snapshot.count, ...overrides
  }
}

function scored (response: PartitionResponse): PartitionResult {
  if (response.kind !== 'scored') throw new Error(`expected a scored partition, got ${canonicalJson(response)}`)
  return response.partition
}

t.test('the worker handler asks for what it lacks, then scores from its caches', async (t) => {
  const handler = createPartitionTaskHandler()
  t.same(handler.handle(task()), { kind: 'missing', snapshot: true, policy: true })
  t.same(handler.handle(task({ snapshot: waitlistSnapshotParts(snapshot) })), { kind: 'missing', snapshot: false, policy: true }, 'the snapshot is kept while the policy is still missing')
  const bounds = [0, 70, 71, 300]
  const partitions = bounds.slice(1).map((end, k) => scored(handler.handle(task({ policyDocument: policy.document, start: bounds[k] as number, end }))))
  t.match(handler.stats(), { tasks: 5, snapshotsAttached: 1, policiesCompiled: 1, contextsPrepared: 1 }, 'one context serves every partition of the run')

  const input = { matchRunId: 'task-run', donor: d, organ: organ(d), policy, snapshot, matchTime: MATCH_TIME }
  const context = prepareMatchContext(input)
  const list = buildMatchList(context, snapshot, mergePartitions(context, snapshot, partitions))
  t.equal(canonicalJson(list), canonicalJson(runMatch(input)), 'the handler\'s partitions merge into the serial list')

  const again = scored(handler.handle(task({ runKey: 'r2', matchRunId: 'other-run', start: 10, end: 20 })))
  t.equal(again.end - again.start, 10)
  t.match(handler.stats(), { snapshotsAttached: 1, policiesCompiled: 1, contextsPrepared: 2 }, 'a new run reuses the snapshot and policy')
})

t.test('the worker handler reports failures instead of throwing', async (t) => {
  const handler = createPartitionTaskHandler({ snapshots: 1, policies: 1, contexts: 1 })
  const parts = waitlistSnapshotParts(snapshot)
  const failed = (response: PartitionResponse): Record<string, unknown> => {
    if (response.kind !== 'failed') throw new Error(`expected a failure, got ${response.kind}`)
    return { ...response.error }
  }
  t.match(failed(handler.handle(task({ fault: 'throw' }))), { name: 'Error', code: undefined, message: /fault injected/ })
  t.match(failed(handler.handle(task({ snapshot: { ...parts, hash: 'f'.repeat(64) } }))), { message: /carry hash/ })
  const other = compilePolicy(minimalPolicy())
  t.match(failed(handler.handle(task({ snapshot: parts, policyDocument: other.document }))), { message: /compiles to hash/ })
  t.match(failed(handler.handle(task({ snapshotHash: 'a'.repeat(64), snapshot: { ...parts, hash: 'a'.repeat(64), buffer: new SharedArrayBuffer(8) } }))),
    { code: 'ENGINE_INVALID_FIELD', field: 'buffer' }, 'a corrupted snapshot is refused by attach')
  t.match(failed(handler.handle(task({ snapshot: parts, policyDocument: policy.document, start: 5, end: 400 }))), { code: 'ENGINE_MATCH_RUN_FAILED', field: 'partition' })
  t.match(failed(handler.handle(task({ snapshot: parts, policyDocument: policy.document, matchTime: 'yesterday', runKey: 'bad-time' }))), { code: 'ENGINE_INVALID_FIELD', field: 'matchTime' })

  // Capacity one: a second snapshot evicts the first, which must then be shipped again.
  const small = buildWaitlistSnapshot({ organType: 'kidney', at: AT, candidates: [candidate('P1')], centres: [centre('C0')] })
  scored(handler.handle(task({ snapshotHash: small.hash, snapshot: waitlistSnapshotParts(small), policyDocument: policy.document, runKey: 'small', end: 1 })))
  t.same(handler.handle(task()), { kind: 'missing', snapshot: true, policy: false })
})

t.test('errors cross the thread boundary as plain data', async (t) => {
  t.same(toRemoteError(new MatchRunError('bad', { field: 'components.x', rule: 'must be finite' })),
    { name: 'MatchRunError', code: 'ENGINE_MATCH_RUN_FAILED', message: 'bad', field: 'components.x', rule: 'must be finite' })
  t.same(toRemoteError(new TypeError('oops')), { name: 'TypeError', code: undefined, message: 'oops', field: undefined, rule: undefined })
  t.same(toRemoteError('text'), { name: 'Error', code: undefined, message: 'text', field: undefined, rule: undefined })
})

t.test('a partition is returned by transferring its own buffers', async (t) => {
  const handler = createPartitionTaskHandler()
  const partition = scored(handler.handle(task({ snapshot: waitlistSnapshotParts(snapshot), policyDocument: policy.document, start: 0, end: 50 })))
  const buffers = partitionBuffers(partition)
  t.equal(buffers.length, 9, 'nine arrays, nine distinct buffers')
  t.ok(buffers.every((b) => b instanceof ArrayBuffer))
  const onShared = { ...partition, ranked: new Int32Array(new SharedArrayBuffer(8)) }
  t.equal(partitionBuffers(onShared).length, 8, 'shared memory is never put on a transfer list')
})
