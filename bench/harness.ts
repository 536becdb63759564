import Benchmark from 'benchmark'

/**
 * A thin layer over benchmark.js: each suite yields cases for a size profile; the runner measures
 * them with benchmark.js and reports median, 99th percentile, mean and relative margin of error from
 * the samples, plus any figures a case records itself (bytes per candidate, multiple of a floor).
 */
export type SizeProfile = 'quick' | 'full'

export interface BenchCase {
  /** Unique within the suite, e.g. "us-kas kidney 100k pooled". */
  readonly name: string
  /** Parameters shown in the results table (policy, candidates, workers…). */
  readonly params: Readonly<Record<string, string | number>>
  /** The measured operation; a returned promise makes the case asynchronous. */
  readonly fn: () => unknown
  /** Figures measured once outside the timing loop (bytes per candidate, heap use…). */
  readonly figures?: () => Readonly<Record<string, number>>
}

export interface BenchSuite {
  readonly name: string
  readonly description: string
  /** Builds the cases for a profile; expensive setup (snapshots, pools) happens here. */
  setup (profile: SizeProfile): Promise<readonly BenchCase[]>
  /** Releases what setup made (worker pools). */
  teardown? (): Promise<void>
}

export interface CaseResult {
  suite: string
  name: string
  params: Record<string, string | number>
  samples: number
  opsPerSecond: number
  meanMs: number
  medianMs: number
  p99Ms: number
  rmePercent: number
  figures: Record<string, number>
}

function quantile (sortedMs: readonly number[], q: number): number {
  if (sortedMs.length === 0) return Number.NaN
  const position = (sortedMs.length - 1) * q
  const lower = Math.floor(position)
  const upper = Math.ceil(position)
  const a = sortedMs[lower] ?? 0
  const b = sortedMs[upper] ?? a
  return a + (b - a) * (position - lower)
}

/** Runs one case with benchmark.js and summarises its samples. */
export async function measure (suite: string, benchCase: BenchCase, profile: SizeProfile): Promise<CaseResult> {
  const first = benchCase.fn()
  const isAsync = first instanceof Promise
  if (isAsync) await first
  const options: Benchmark.Options = {
    // Quick runs prove the suite works; full runs gather enough samples for a stable median.
    minSamples: profile === 'quick' ? 3 : 20,
    maxTime: profile === 'quick' ? 0.25 : 4,
    initCount: 1
  }
  const bench = isAsync
    ? new Benchmark(benchCase.name, {
      ...options,
      defer: true,
      fn: (deferred: { resolve: () => void }) => {
        (benchCase.fn() as Promise<unknown>).then(() => deferred.resolve(), (error: unknown) => {
          bench.error = error as Error
          deferred.resolve()
        })
      }
    })
    : new Benchmark(benchCase.name, { ...options, fn: benchCase.fn })
  await new Promise<void>((resolve) => {
    bench.on('complete', () => resolve())
    bench.on('error', () => resolve())
    bench.run({ async: true })
  })
  if (bench.error !== undefined && bench.error !== null) {
    throw new Error(`benchmark case "${benchCase.name}" failed: ${String((bench.error as Error).message ?? bench.error)}`)
  }
  const samplesMs = (bench.stats.sample as number[]).map((seconds) => seconds * 1000).sort((a, b) => a - b)
  return {
    suite,
    name: benchCase.name,
    params: { ...benchCase.params },
    samples: samplesMs.length,
    opsPerSecond: bench.hz,
    meanMs: bench.stats.mean * 1000,
    medianMs: quantile(samplesMs, 0.5),
    p99Ms: quantile(samplesMs, 0.99),
    rmePercent: bench.stats.rme,
    figures: { ...(benchCase.figures?.() ?? {}) }
  }
}
