import type { Donor } from '../domain/donor.js'
import type { Organ } from '../domain/organ.js'
import { isEngineError } from '../errors.js'
import { prepareMatchContext, type MatchContext } from '../match/match-context.js'
import { scorePartition, type PartitionResult } from '../match/score-partition.js'
import { attachWaitlistSnapshot, type WaitlistSnapshot, type WaitlistSnapshotParts } from '../match/snapshot.js'
import { compilePolicy, type CompiledPolicy } from '../policy/compile-policy.js'
import type { PolicyDocument } from '../policy/policy-schema.js'
import { LruCache } from './lru-cache.js'

/**
 * One worker task: score candidates [start, end) of a snapshot for one donor organ under one policy.
 * The snapshot and the policy travel by hash; their content (`snapshot`, `policyDocument`) is sent
 * only when the worker answered `missing`, so each worker receives a snapshot's side table once and
 * its column buffer never (the SharedArrayBuffer is shared memory, not copied).
 */
export interface PartitionTask {
  readonly kind: 'partition'
  /** Unique per pooled run within one pool: the key of the worker's prepared-context cache. */
  readonly runKey: string
  readonly snapshotHash: string
  readonly snapshot?: WaitlistSnapshotParts | undefined
  readonly policyHash: string
  readonly policyDocument?: PolicyDocument | undefined
  readonly matchRunId: string
  readonly donor: Donor
  readonly organ: Organ
  readonly matchTime: string
  readonly start: number
  readonly end: number
  /** Test-only fault injection: 'throw' fails the task in the handler, 'exit' ends the worker thread. */
  readonly fault?: 'throw' | 'exit' | undefined
}

/** An error as it crosses the thread boundary (class identity does not survive structured clone). */
export interface RemoteError {
  readonly name: string
  readonly code: string | undefined
  readonly message: string
  readonly field: string | undefined
  readonly rule: string | undefined
}

export type PartitionResponse =
  | { readonly kind: 'scored', readonly partition: PartitionResult }
  | { readonly kind: 'missing', readonly snapshot: boolean, readonly policy: boolean }
  | { readonly kind: 'failed', readonly error: RemoteError }

export interface HandlerCacheSizes {
  /** Attached snapshots kept per worker (each holds a side table; the columns are shared). */
  readonly snapshots: number
  /** Compiled policies kept per worker. */
  readonly policies: number
  /** Prepared match contexts kept per worker (one per run in flight is enough). */
  readonly contexts: number
}

export const DEFAULT_CACHE_SIZES: HandlerCacheSizes = { snapshots: 4, policies: 16, contexts: 8 }

export interface HandlerStats {
  readonly tasks: number
  readonly snapshotsAttached: number
  readonly policiesCompiled: number
  readonly contextsPrepared: number
}

export interface PartitionTaskHandler {
  handle (task: PartitionTask): PartitionResponse
  stats (): HandlerStats
}

export function toRemoteError (error: unknown): RemoteError {
  if (isEngineError(error)) return { name: error.name, code: error.code, message: error.message, field: error.field, rule: error.rule }
  if (error instanceof Error) return { name: error.name, code: undefined, message: error.message, field: undefined, rule: undefined }
  return { name: 'Error', code: undefined, message: String(error), field: undefined, rule: undefined }
}

/**
 * The worker side of the pool, as a plain object so that it can be tested on the main thread (code
 * inside worker threads is invisible to coverage). Caches: snapshots by hash, compiled policies by
 * hash, prepared contexts by run key, each a bounded LRU.
 */
export function createPartitionTaskHandler (sizes: HandlerCacheSizes = DEFAULT_CACHE_SIZES): PartitionTaskHandler {
  const snapshots = new LruCache<string, WaitlistSnapshot>(sizes.snapshots)
  const policies = new LruCache<string, CompiledPolicy>(sizes.policies)
  const contexts = new LruCache<string, MatchContext>(sizes.contexts)
  let tasks = 0
  let snapshotsAttached = 0
  let policiesCompiled = 0
  let contextsPrepared = 0

  function snapshotFor (task: PartitionTask): WaitlistSnapshot | undefined {
    let snapshot = snapshots.get(task.snapshotHash)
    if (snapshot === undefined && task.snapshot !== undefined) {
      if (task.snapshot.hash !== task.snapshotHash) throw new Error(`snapshot parts carry hash ${task.snapshot.hash}, the task names ${task.snapshotHash}`)
      // No hash verification: the buffer is this process's own shared memory, and re-hashing 20 MB
      // in every worker would cost more than the run.
      snapshot = attachWaitlistSnapshot(task.snapshot)
      snapshots.set(task.snapshotHash, snapshot)
      snapshotsAttached++
    }
    return snapshot
  }

  function policyFor (task: PartitionTask): CompiledPolicy | undefined {
    let policy = policies.get(task.policyHash)
    if (policy === undefined && task.policyDocument !== undefined) {
      policy = compilePolicy(task.policyDocument)
      if (policy.hash !== task.policyHash) throw new Error(`the policy document compiles to hash ${policy.hash}, the task names ${task.policyHash}`)
      policies.set(task.policyHash, policy)
      policiesCompiled++
    }
    return policy
  }

  return {
    handle (task) {
      tasks++
      try {
        if (task.fault === 'throw') throw new Error('fault injected by a test')
        const snapshot = snapshotFor(task)
        const policy = policyFor(task)
        if (snapshot === undefined || policy === undefined) return { kind: 'missing', snapshot: snapshot === undefined, policy: policy === undefined }
        let context = contexts.get(task.runKey)
        if (context === undefined) {
          context = prepareMatchContext({ matchRunId: task.matchRunId, donor: task.donor, organ: task.organ, policy, snapshot, matchTime: task.matchTime })
          contexts.set(task.runKey, context)
          contextsPrepared++
        }
        return { kind: 'scored', partition: scorePartition(context, snapshot, task.start, task.end) }
      } catch (error) {
        return { kind: 'failed', error: toRemoteError(error) }
      }
    },
    stats: () => ({ tasks, snapshotsAttached, policiesCompiled, contextsPrepared })
  }
}

/** The distinct buffers behind a partition's typed arrays, to transfer them back instead of copying. */
export function partitionBuffers (partition: PartitionResult): ArrayBuffer[] {
  const arrays = [partition.ranked, partition.excluded, partition.reasons, partition.failedRules, partition.missing,
    partition.tier, partition.total, partition.points, partition.tieBreaks]
  const buffers = new Set<ArrayBuffer>()
  for (const array of arrays) {
    // A view on shared memory cannot be transferred (and is not copied either).
    if (array.buffer instanceof ArrayBuffer) buffers.add(array.buffer)
  }
  return [...buffers]
}
