import { MatchRunError } from '../errors.js'
import type { MatchContext } from './match-context.js'
import { rankingComparator, type PartitionResult, type RankingValues } from './score-partition.js'
import type { WaitlistSnapshot } from './snapshot.js'

/** A whole snapshot scored: per-candidate arrays indexed by snapshot index, and the merged order. */
export interface ScoredWaitlist extends RankingValues {
  /** Eligible candidates (snapshot indexes) in ranking order. */
  readonly order: Int32Array
  /** Excluded candidates in snapshot order. */
  readonly excluded: Int32Array
  readonly reasons: Uint32Array
  readonly failedRules: Uint32Array
  readonly missing: Uint32Array
  readonly points: Float64Array
}

/**
 * Merges partitions that together cover the snapshot exactly once. Each partition's ranked slice is
 * already sorted by the same total order, so a k-way merge gives the list a single partition would:
 * serial and pooled runs are identical by construction.
 */
export function mergePartitions (context: MatchContext, snapshot: WaitlistSnapshot, partitions: readonly PartitionResult[]): ScoredWaitlist {
  const parts = [...partitions].sort((a, b) => a.start - b.start || a.end - b.end)
  let expected = 0
  for (const part of parts) {
    if (part.start !== expected) throw new MatchRunError(`partitions leave a gap or overlap at candidate ${expected}`, { field: 'partitions', rule: 'must cover the snapshot exactly once' })
    expected = part.end
  }
  if (expected !== snapshot.count) throw new MatchRunError(`partitions end at ${expected}, the snapshot has ${snapshot.count} candidates`, { field: 'partitions', rule: 'must cover the snapshot exactly once' })

  const count = snapshot.count
  const componentCount = context.components.length
  const tieBreakerCount = context.tieBreakers.length
  const reasons = new Uint32Array(count)
  const failedRules = new Uint32Array(count)
  const missing = new Uint32Array(count)
  const tier = new Int32Array(count)
  const total = new Float64Array(count)
  const points = new Float64Array(count * componentCount)
  const tieBreaks = new Float64Array(count * tieBreakerCount)
  let rankedCount = 0
  let excludedCount = 0
  for (const part of parts) {
    reasons.set(part.reasons, part.start)
    failedRules.set(part.failedRules, part.start)
    missing.set(part.missing, part.start)
    tier.set(part.tier, part.start)
    total.set(part.total, part.start)
    points.set(part.points, part.start * componentCount)
    tieBreaks.set(part.tieBreaks, part.start * tieBreakerCount)
    rankedCount += part.ranked.length
    excludedCount += part.excluded.length
  }

  const compare = rankingComparator(context, snapshot, { offset: 0, tier, total, tieBreaks } satisfies RankingValues)
  const order = new Int32Array(rankedCount)
  const heads = parts.map(() => 0)
  for (let out = 0; out < rankedCount; out++) {
    let best = -1
    for (let p = 0; p < parts.length; p++) {
      const ranked = (parts[p] as PartitionResult).ranked
      const head = heads[p] as number
      if (head >= ranked.length) continue
      if (best < 0 || compare(ranked[head] as number, order[out] as number) < 0) {
        best = p
        order[out] = ranked[head] as number
      }
    }
    heads[best] = (heads[best] as number) + 1
  }

  const excluded = new Int32Array(excludedCount)
  let offset = 0
  for (const part of parts) {
    excluded.set(part.excluded, offset)
    offset += part.excluded.length
  }
  return { offset: 0, order, excluded, reasons, failedRules, missing, tier, total, points, tieBreaks }
}
