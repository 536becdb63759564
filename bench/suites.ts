import type { BenchSuite } from './harness.js'
import { clinicalScoresSuite } from './clinical-scores.bench.js'

/** Every benchmark suite, in the order `npm run bench` runs them. */
export const SUITES: readonly BenchSuite[] = [
  clinicalScoresSuite
]
