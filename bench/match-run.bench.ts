import { builtInPolicy, builtInPolicyDocuments } from '../data/policies/index.js'
import type { Donor } from '../engine/domain/donor.js'
import { isEngineError } from '../engine/errors.js'
import { prepareMatchContext, type MatchRunInput } from '../engine/match/match-context.js'
import type { MatchList } from '../engine/match/match-list.js'
import { runMatch } from '../engine/match/match-run.js'
import { mergePartitions } from '../engine/match/merge-partitions.js'
import { scorePartition } from '../engine/match/score-partition.js'
import type { WaitlistSnapshot } from '../engine/match/snapshot.js'
import { createMatchPool, type MatchPool } from '../engine/parallel/match-pool.js'
import type { CompiledPolicy } from '../engine/policy/compile-policy.js'
import type { BenchCase, BenchSuite, SizeProfile } from './harness.js'
import { scanFloorMs, sizeLabel } from './scan-floor.bench.js'
import { benchRegistry, benchSnapshot, LIST_SIZES, MATCH_TIME } from './snapshot.bench.js'

/**
 * Match-run latency and throughput for each built-in policy over synthetic waiting lists of its
 * organ, serial (the calling thread) and pooled (engine/parallel). Every case cycles through the
 * same synthetic donors and times its own calls too, so that its figures can state the median as a
 * multiple of the scan floor and as a speed-up over the serial case of the same size.
 */

/** The size at which phases and throughput are also measured, for the policies listed. */
const DETAIL_SIZE: Record<SizeProfile, number> = { quick: 4000, full: 100_000 }
const DETAIL_POLICIES: Record<SizeProfile, readonly string[]> = { quick: ['us-kas-kidney'], full: ['us-kas-kidney', 'etkas-kidney'] }
/** The policy whose scoring is also timed with one, two and four partitions per thread. */
const PARTITION_POLICY = 'us-kas-kidney'
const THRESHOLD_SIZES: Record<SizeProfile, readonly number[]> = {
  quick: [500, 2000],
  full: [250, 500, 1000, 2000, 4000, 8000, 16_000, 32_000]
}

function median (values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] as number : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

function mean (values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length
}

/**
 * The donors a policy can run for. A policy may need a donor value the synthetic registry does not
 * record (the UK donor risk index): with no usable donor, the policy is skipped and the reason printed.
 */
function usableDonors (policy: CompiledPolicy, snapshot: WaitlistSnapshot, donors: readonly Donor[]): { donors: Donor[], reason: string | undefined } {
  const usable: Donor[] = []
  let reason: string | undefined
  for (const donor of donors) {
    try {
      prepareMatchContext({ matchRunId: 'probe', donor, organ: { id: `${donor.id}-probe`, donorId: donor.id, organType: policy.organType, part: 'whole' }, policy, snapshot, matchTime: MATCH_TIME })
      usable.push(donor)
    } catch (error) {
      if (!isEngineError(error)) throw error
      reason = error.message
    }
  }
  return { donors: usable, reason }
}

/** The inputs of successive runs: donors in a cycle, a new match run id each time. */
function inputCycle (policy: CompiledPolicy, snapshot: WaitlistSnapshot, donors: readonly Donor[], tag: string): () => MatchRunInput {
  let call = 0
  return () => {
    const donor = donors[call % donors.length] as Donor
    call++
    return { matchRunId: `bench-${tag}-${call}`, donor, organ: { id: `${donor.id}-${policy.organType}`, donorId: donor.id, organType: policy.organType, part: 'whole' }, policy, snapshot, matchTime: MATCH_TIME }
  }
}

/** Per-call wall times a case records itself (benchmark.js keeps its samples to itself until the end). */
class CallLog {
  readonly ms: number[] = []
  readonly eligible: number[] = []
  sync<T> (work: () => T, eligible: (result: T) => number): T {
    const start = performance.now()
    const result = work()
    this.ms.push(performance.now() - start)
    this.eligible.push(eligible(result))
    return result
  }

  async async<T> (work: () => Promise<T>, eligible: (result: T) => number): Promise<T> {
    const start = performance.now()
    const result = await work()
    this.ms.push(performance.now() - start)
    this.eligible.push(eligible(result))
    return result
  }

  get medianMs (): number {
    return median(this.ms)
  }
}

/** Eligible count; reads `ranked` only, so the excluded entries' objects are not built (match-list.ts). */
const ranked = (list: MatchList): number => list.ranked.length

let pool: MatchPool | undefined

export const matchRunSuite: BenchSuite = {
  name: 'match-run',
  description: 'full match run (explained list and output hash) per built-in policy, serial and pooled; phases and throughput at the detail size',
  async setup (profile) {
    const matchPool = pool = createMatchPool({ serialThresholdCandidates: 0 })
    const threads = matchPool.threads
    const registry = benchRegistry(profile)
    const cases: BenchCase[] = []
    for (const size of LIST_SIZES[profile]) {
      for (const { id, organType } of builtInPolicyDocuments()) {
        const policy = builtInPolicy(id)
        const snapshot = benchSnapshot(profile, organType, size)
        const { donors, reason } = usableDonors(policy, snapshot, registry.donors)
        if (donors.length === 0) {
          console.log(`  (skipped ${id} ${sizeLabel(size)}: no synthetic donor it can run for: ${String(reason)})`)
          continue
        }
        const bytesPerCandidate = snapshot.byteLength / snapshot.count
        const floorMs = scanFloorMs(policy, snapshot)
        const base = { policy: id, candidates: size }
        const figures = (log: CallLog): Record<string, number> => ({
          eligible: mean(log.eligible),
          bytesPerCandidate,
          scanFloorMs: floorMs,
          multipleOfScanFloor: log.medianMs / floorMs
        })

        const serial = new CallLog()
        const nextSerial = inputCycle(policy, snapshot, donors, `${id}-${size}-serial`)
        cases.push({
          name: `${id} ${sizeLabel(size)} serial`,
          params: { ...base, run: 'full list', mode: 'serial', threads: 1 },
          fn: () => serial.sync(() => runMatch(nextSerial()), ranked),
          figures: () => ({ ...figures(serial), runsPerSecond: 1000 / serial.medianMs })
        })
        const pooled = new CallLog()
        const nextPooled = inputCycle(policy, snapshot, donors, `${id}-${size}-pooled`)
        cases.push({
          name: `${id} ${sizeLabel(size)} pooled`,
          params: { ...base, run: 'full list', mode: 'pooled', threads },
          fn: () => pooled.async(() => matchPool.runMatch(nextPooled()), ranked),
          figures: () => ({ ...figures(pooled), runsPerSecond: 1000 / pooled.medianMs, speedupOverSerial: serial.medianMs / pooled.medianMs })
        })

        if (size !== DETAIL_SIZE[profile] || !DETAIL_POLICIES[profile].includes(id)) continue
        // The run above reads only `ranked` (the list's entry objects are built on first read); this
        // one also reads `excluded`, as a caller that stores or serves the whole list does.
        const withObjects = new CallLog()
        const nextWithObjects = inputCycle(policy, snapshot, donors, `${id}-${size}-objects`)
        cases.push({
          name: `${id} ${sizeLabel(size)} serial, every entry object read`,
          params: { ...base, run: 'full list, all entry objects', mode: 'serial', threads: 1 },
          fn: () => withObjects.sync(() => runMatch(nextWithObjects()), (list) => list.excluded.length >= 0 ? list.ranked.length : Number.NaN),
          figures: () => figures(withObjects)
        })
        // Phases: scoring and merging only (no explained list), serial and pooled.
        const scoreSerial = new CallLog()
        const nextScoreSerial = inputCycle(policy, snapshot, donors, `${id}-${size}-score-serial`)
        cases.push({
          name: `${id} ${sizeLabel(size)} score only serial`,
          params: { ...base, run: 'score + merge', mode: 'serial', threads: 1 },
          fn: () => scoreSerial.sync(() => {
            const input = nextScoreSerial()
            const context = prepareMatchContext(input)
            return mergePartitions(context, snapshot, [scorePartition(context, snapshot, 0, snapshot.count)])
          }, (scored) => scored.order.length),
          figures: () => figures(scoreSerial)
        })
        const partitionCounts = id === PARTITION_POLICY && profile === 'full' ? [undefined, threads, threads * 4] : [undefined]
        for (const partitions of partitionCounts) {
          const scorePooled = new CallLog()
          const nextScorePooled = inputCycle(policy, snapshot, donors, `${id}-${size}-score-pooled-${partitions ?? 'default'}`)
          cases.push({
            name: `${id} ${sizeLabel(size)} score only pooled, ${partitions === undefined ? 'default' : partitions} partitions`,
            params: { ...base, run: 'score + merge', mode: 'pooled', threads, ...(partitions === undefined ? {} : { partitions }) },
            fn: () => scorePooled.async(() => matchPool.score(nextScorePooled(), partitions === undefined ? {} : { partitions }), (run) => run.scored.order.length),
            figures: () => ({ ...figures(scorePooled), speedupOverSerial: scoreSerial.medianMs / scorePooled.medianMs })
          })
        }
        // Throughput: several runs in flight, so list building on the main thread overlaps scoring in the workers.
        const inFlight = threads * 2
        const burst = new CallLog()
        const nextBurst = inputCycle(policy, snapshot, donors, `${id}-${size}-burst`)
        cases.push({
          name: `${id} ${sizeLabel(size)} pooled, ${inFlight} runs in flight`,
          params: { ...base, run: 'full list', mode: `pooled, ${inFlight} in flight`, threads },
          fn: () => burst.async(() => Promise.all(Array.from({ length: inFlight }, () => matchPool.runMatch(nextBurst()))), (lists) => mean(lists.map(ranked))),
          figures: () => ({
            eligible: mean(burst.eligible),
            runsPerSecond: inFlight * 1000 / burst.medianMs,
            throughputOverSerial: (inFlight * 1000 / burst.medianMs) / (1000 / serial.medianMs)
          })
        })
      }
    }
    return cases
  },
  async teardown () {
    await pool?.close()
    pool = undefined
  }
}

let thresholdPool: MatchPool | undefined

/**
 * Where the pool starts to pay: serial and pooled full runs of the US KAS policy over short lists.
 * The pool here cuts every run into two partitions per thread whatever its size, so the crossover
 * says at which size the default threshold (DEFAULT_SERIAL_THRESHOLD_CANDIDATES) should sit.
 */
export const matchThresholdSuite: BenchSuite = {
  name: 'match-threshold',
  description: 'serial against pooled (two partitions per thread) full runs of us-kas-kidney on short lists: the serial threshold',
  async setup (profile) {
    const matchPool = thresholdPool = createMatchPool({ serialThresholdCandidates: 0, minPartitionCandidates: 1 })
    const policy = builtInPolicy('us-kas-kidney')
    const cases: BenchCase[] = []
    const { donors } = benchRegistry(profile)
    for (const size of THRESHOLD_SIZES[profile]) {
      const snapshot = benchSnapshot(profile, 'kidney', size)
      const serial = new CallLog()
      const pooled = new CallLog()
      const nextSerial = inputCycle(policy, snapshot, donors, `threshold-${size}-serial`)
      const nextPooled = inputCycle(policy, snapshot, donors, `threshold-${size}-pooled`)
      const base = { policy: 'us-kas-kidney', candidates: size }
      cases.push(
        { name: `${sizeLabel(size)} serial`, params: { ...base, mode: 'serial' }, fn: () => serial.sync(() => runMatch(nextSerial()), ranked) },
        {
          name: `${sizeLabel(size)} pooled`,
          params: { ...base, mode: `pooled, ${matchPool.threads * 2} partitions` },
          fn: () => pooled.async(() => matchPool.runMatch(nextPooled()), ranked),
          figures: () => ({ speedupOverSerial: serial.medianMs / pooled.medianMs })
        }
      )
    }
    return cases
  },
  async teardown () {
    await thresholdPool?.close()
    thresholdPool = undefined
  }
}
