import type { BenchSuite } from './harness.js'
import { clinicalScoresSuite } from './clinical-scores.bench.js'
import { matchRunSuite, matchThresholdSuite } from './match-run.bench.js'
import { scanFloorSuite } from './scan-floor.bench.js'
import { snapshotSuite } from './snapshot.bench.js'

/** Every benchmark suite, in the order `npm run bench` runs them. */
export const SUITES: readonly BenchSuite[] = [
  clinicalScoresSuite,
  snapshotSuite,
  scanFloorSuite,
  matchRunSuite,
  matchThresholdSuite
]
