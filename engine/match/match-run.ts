import { prepareMatchContext, type MatchRunInput } from './match-context.js'
import { buildMatchList, type MatchList } from './match-list.js'
import { mergePartitions } from './merge-partitions.js'
import { scorePartition } from './score-partition.js'

/**
 * Runs a policy for one donor organ over a waiting-list snapshot: every candidate of the snapshot
 * ends up either ranked (tier, points per component, total, distance, tie-break values) or excluded
 * with every reason that applies. The serial run is one partition merged alone, the same code path a
 * worker pool uses with several partitions, so both give byte-identical lists and hashes.
 */
export function runMatch (input: MatchRunInput): MatchList {
  const context = prepareMatchContext(input)
  const partition = scorePartition(context, input.snapshot, 0, input.snapshot.count)
  return buildMatchList(context, input.snapshot, mergePartitions(context, input.snapshot, [partition]))
}
