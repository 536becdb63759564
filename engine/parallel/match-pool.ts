import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import { requireInteger } from '../domain/input.js'
import { MatchRunError, WorkerFailedError } from '../errors.js'
import { prepareMatchContext, type MatchContext, type MatchRunInput } from '../match/match-context.js'
import { buildMatchList, type MatchList } from '../match/match-list.js'
import { runMatch as runMatchSerially } from '../match/match-run.js'
import { mergePartitions, type ScoredWaitlist } from '../match/merge-partitions.js'
import { scorePartition, type PartitionResult } from '../match/score-partition.js'
import { waitlistSnapshotParts } from '../match/snapshot.js'
import { MAX_PARTITIONS, partitionBounds, partitionCount, type PartitionPlan } from './partitioning.js'
import type { PartitionResponse, PartitionTask, RemoteError } from './partition-task.js'

/**
 * Lists shorter than this run on the calling thread. Measured on the 2-core reference machine
 * (docs/benchmarks.md, "Serial threshold"): scoring 16,000 candidates in the pool was still slower
 * than on the calling thread (a fixed cost of about 4 ms: the context is prepared in each worker as
 * well, plus messaging and the merge), 32,000 was faster.
 */
export const DEFAULT_SERIAL_THRESHOLD_CANDIDATES = 32_000
/**
 * Two partitions per thread: at 100,000 candidates on 2 threads, 4 partitions scored fastest (one
 * per thread leaves a thread idle when the eligible shares, and so the sort costs, differ; 8 pay
 * more messaging and merging).
 */
export const DEFAULT_PARTITIONS_PER_THREAD = 2
/** Threshold ÷ (2 threads × 2): a list just over the threshold still gets two partitions per thread. */
export const DEFAULT_MIN_PARTITION_CANDIDATES = 8000
export const MAX_THREADS = 64

// From source (tests, tsx) the worker is the .ts file and inherits the loader; from dist/ it is .js.
const WORKER_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const WORKER_FILE = fileURLToPath(new URL(`./match.worker${WORKER_EXTENSION}`, import.meta.url))

export interface MatchPoolOptions {
  /** Worker threads (default: the machine's available parallelism; the main thread mostly waits). */
  readonly threads?: number | undefined
  /** Snapshots with fewer candidates are matched on the calling thread (default: measured, see above). */
  readonly serialThresholdCandidates?: number | undefined
  readonly partitionsPerThread?: number | undefined
  readonly minPartitionCandidates?: number | undefined
}

export interface PooledRunOptions {
  /** Cut the run into exactly this many partitions (at most one per candidate), bypassing the serial threshold. */
  readonly partitions?: number | undefined
}

export interface MatchPoolStats {
  readonly threads: number
  readonly serialRuns: number
  readonly pooledRuns: number
  /** Tasks sent, resends included. */
  readonly tasks: number
  /** Tasks sent again, with the snapshot or policy, after the worker answered that it lacked them. */
  readonly resends: number
  /** Tasks that had to carry a snapshot's parts because the worker had not seen its hash. */
  readonly snapshotShipments: number
  /** Tasks that had to carry a policy document. */
  readonly policyShipments: number
  /** Worker threads that exited or crashed (each replaced by the pool). */
  readonly workerFailures: number
}

/** A match run scored and merged, before its explained list is built. */
export interface ScoredRun {
  readonly context: MatchContext
  readonly scored: ScoredWaitlist
}

export interface MatchPool {
  readonly threads: number
  readonly serialThresholdCandidates: number
  /** Same result as the serial runMatch, byte for byte; large lists are scored by the workers. */
  runMatch (input: MatchRunInput, options?: PooledRunOptions): Promise<MatchList>
  /**
   * The run up to the merged ranking, without the explained list (buildMatchList turns it into the
   * list). For callers that need the order only, and for benchmarks that time the phases apart.
   */
  score (input: MatchRunInput, options?: PooledRunOptions): Promise<ScoredRun>
  stats (): MatchPoolStats
  /** Waits for running tasks, then stops the workers. Later runs are refused. */
  close (): Promise<void>
}

const faultArmers = new WeakMap<MatchPool, (fault: 'throw' | 'exit') => void>()

/** Test-only: the next pooled run's first task fails in the handler ('throw') or kills its worker ('exit'). */
export function armWorkerFault (pool: MatchPool, fault: 'throw' | 'exit'): void {
  const arm = faultArmers.get(pool)
  if (arm === undefined) throw new MatchRunError('not a match pool made by createMatchPool', { field: 'pool' })
  arm(fault)
}

function fromRemote (error: RemoteError, task: PartitionTask): Error {
  // Scoring errors (a formula giving NaN…) are the run's own errors: the serial path throws the same.
  if (error.code === 'ENGINE_MATCH_RUN_FAILED') return new MatchRunError(error.message, { field: error.field, rule: error.rule })
  return new WorkerFailedError(`a worker failed on candidates [${task.start}, ${task.end}) of match run ${task.matchRunId}: ${error.name}: ${error.message}`,
    { field: 'partition', rule: 'the worker must score its partition', cause: error })
}

function optionalInteger (value: number | undefined, field: string, fallback: number, min: number, max: number): number {
  return value === undefined ? fallback : requireInteger(value, field, { min, max, unit: '' })
}

/**
 * A Piscina pool that scores match runs in parallel. The main thread validates the input and
 * prepares the context (the same checks as the serial run), cuts the snapshot into partitions and
 * sends one task per partition; workers score their partition and return its typed arrays by
 * transfer; the main thread merges the ranked slices and builds the list. The snapshot's column
 * buffer is shared memory and its side table reaches each worker once (workers cache by hash and
 * answer `missing` for a hash they have not seen). A worker that crashes fails the run it was
 * working on with WorkerFailedError; Piscina replaces it and the next run works.
 */
export function createMatchPool (options: MatchPoolOptions = {}): MatchPool {
  const threads = optionalInteger(options.threads, 'threads', Math.max(1, availableParallelism()), 1, MAX_THREADS)
  const serialThresholdCandidates = optionalInteger(options.serialThresholdCandidates, 'serialThresholdCandidates', DEFAULT_SERIAL_THRESHOLD_CANDIDATES, 0, 2 ** 31 - 1)
  const plan: PartitionPlan = {
    threads,
    partitionsPerThread: optionalInteger(options.partitionsPerThread, 'partitionsPerThread', DEFAULT_PARTITIONS_PER_THREAD, 1, 64),
    minPartitionCandidates: optionalInteger(options.minPartitionCandidates, 'minPartitionCandidates', DEFAULT_MIN_PARTITION_CANDIDATES, 1, 2 ** 31 - 1)
  }
  const piscina = new Piscina<PartitionTask, PartitionResponse>({
    filename: WORKER_FILE,
    // A fixed number of threads: no start-up cost on a run, no create/terminate churn between runs.
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1
  })
  let serialRuns = 0
  let pooledRuns = 0
  let tasks = 0
  let resends = 0
  let snapshotShipments = 0
  let policyShipments = 0
  let workerFailures = 0
  let sequence = 0
  let armedFault: 'throw' | 'exit' | undefined
  let closing: Promise<void> | undefined
  // A worker that dies between tasks has no run to fail; Piscina reports it here and replaces it.
  piscina.on('error', () => { workerFailures++ })

  async function send (task: PartitionTask): Promise<PartitionResponse> {
    tasks++
    try {
      return await piscina.run(task)
    } catch (error) {
      workerFailures++
      throw new WorkerFailedError(
        `a worker thread stopped while scoring candidates [${task.start}, ${task.end}) of match run ${task.matchRunId} (${(error as Error).message}); the pool replaces it`,
        { field: 'partition', rule: 'the worker must score its partition', cause: error })
    }
  }

  async function scoreRemotely (task: PartitionTask, input: MatchRunInput): Promise<PartitionResult> {
    let response = await send(task)
    // A resent task may land on another worker, which may lack the other half (it has the snapshot
    // but not the policy): what is shipped only grows, so two resends at most.
    let shipSnapshot = false
    let shipPolicy = false
    while (response.kind === 'missing') {
      /* c8 ignore next 3 */
      if ((response.snapshot && shipSnapshot) || (response.policy && shipPolicy)) {
        throw new WorkerFailedError(`a worker lost the snapshot or policy of match run ${task.matchRunId} it had just received`, { field: 'partition' })
      }
      shipSnapshot ||= response.snapshot
      shipPolicy ||= response.policy
      resends++
      if (shipSnapshot) snapshotShipments++
      if (shipPolicy) policyShipments++
      const { fault: _once, ...retry } = task
      response = await send({
        ...retry,
        ...(shipSnapshot ? { snapshot: waitlistSnapshotParts(input.snapshot) } : {}),
        ...(shipPolicy ? { policyDocument: input.policy.document } : {})
      })
    }
    if (response.kind === 'failed') throw fromRemote(response.error, task)
    return response.partition
  }

  /** The partition count of a pooled run, or undefined when the run stays on the calling thread. */
  function pooledPartitions (input: MatchRunInput, runOptions: PooledRunOptions): number | undefined {
    if (closing !== undefined) throw new MatchRunError('the match pool is closed', { field: 'pool', rule: 'must be open (createMatchPool)' })
    const explicit = runOptions.partitions === undefined ? undefined : requireInteger(runOptions.partitions, 'partitions', { min: 1, max: MAX_PARTITIONS, unit: 'partitions' })
    const count = input?.snapshot?.count
    if (typeof count !== 'number' || (explicit === undefined && count < serialThresholdCandidates)) {
      serialRuns++
      return undefined
    }
    pooledRuns++
    return explicit ?? partitionCount(count, plan)
  }

  async function scorePooled (input: MatchRunInput, context: MatchContext, partitions: number): Promise<ScoredWaitlist> {
    const bounds = partitionBounds(input.snapshot.count, partitions)
    const runKey = String(++sequence)
    const fault = armedFault
    armedFault = undefined
    const settled = await Promise.allSettled(bounds.slice(1).map((end, k) => scoreRemotely({
      kind: 'partition',
      runKey,
      snapshotHash: input.snapshot.hash,
      policyHash: input.policy.hash,
      matchRunId: context.matchRunId,
      donor: input.donor,
      organ: input.organ,
      matchTime: input.matchTime,
      start: bounds[k] as number,
      end,
      ...(k === 0 && fault !== undefined ? { fault } : {})
    }, input)))
    // Every task has settled, so no worker still reads for this run. The first failure in snapshot
    // order is the one the serial run would have met first.
    const results: PartitionResult[] = []
    for (const outcome of settled) {
      if (outcome.status === 'rejected') throw outcome.reason
      results.push(outcome.value)
    }
    return mergePartitions(context, input.snapshot, results)
  }

  const pool: MatchPool = {
    threads,
    serialThresholdCandidates,
    async runMatch (input, runOptions = {}) {
      const partitions = pooledPartitions(input, runOptions)
      if (partitions === undefined) return runMatchSerially(input)
      const context = prepareMatchContext(input)
      return buildMatchList(context, input.snapshot, await scorePooled(input, context, partitions))
    },
    async score (input, runOptions = {}) {
      const partitions = pooledPartitions(input, runOptions)
      const context = prepareMatchContext(input)
      if (partitions !== undefined) return { context, scored: await scorePooled(input, context, partitions) }
      return { context, scored: mergePartitions(context, input.snapshot, [scorePartition(context, input.snapshot, 0, input.snapshot.count)]) }
    },
    stats: () => ({ threads, serialRuns, pooledRuns, tasks, resends, snapshotShipments, policyShipments, workerFailures }),
    close () {
      closing ??= piscina.close()
      return closing
    }
  }
  faultArmers.set(pool, (fault) => { armedFault = fault })
  return pool
}
