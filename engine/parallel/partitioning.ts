import { requireInteger } from '../domain/input.js'

/**
 * How a match run's candidates [0, count) are cut into contiguous partitions for the worker pool.
 * Partitions are as even as integer bounds allow; the order of the merged list never depends on them
 * (mergePartitions applies the same total order), only the speed does.
 */

/** Largest number of partitions one run is cut into. */
export const MAX_PARTITIONS = 256

/**
 * The bounds [0, b1, …, count] of `partitions` contiguous, non-empty ranges (fewer when there are
 * fewer candidates than partitions; one empty range when count is 0).
 */
export function partitionBounds (count: number, partitions: number): number[] {
  requireInteger(count, 'count', { min: 0, max: 2 ** 31 - 1, unit: 'candidates' })
  requireInteger(partitions, 'partitions', { min: 1, max: MAX_PARTITIONS, unit: 'partitions' })
  const parts = Math.max(1, Math.min(partitions, count))
  const bounds: number[] = []
  for (let k = 0; k <= parts; k++) bounds.push(Math.floor((k * count) / parts))
  return bounds
}

export interface PartitionPlan {
  readonly threads: number
  /** Partitions per thread when the list is large enough; more than one evens out uneven partitions. */
  readonly partitionsPerThread: number
  /** Smallest partition worth a task (piscina costs 0.05–0.1 ms per task; keep tasks ≥ about 1 ms). */
  readonly minPartitionCandidates: number
}

/** How many partitions a run over `count` candidates gets: a few per thread, none below the minimum size. */
export function partitionCount (count: number, plan: PartitionPlan): number {
  const bySize = Math.floor(count / plan.minPartitionCandidates)
  return Math.max(1, Math.min(plan.threads * plan.partitionsPerThread, bySize, MAX_PARTITIONS))
}
