import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { measure, type CaseResult, type SizeProfile } from './harness.js'
import { describeMachine, markdownTables, replaceGeneratedBlock, type BenchResults } from './report.js'
import { SUITES as MATCH_SUITES } from './suites.js'
import { simulationSuite } from './suites/simulation.js'

const SUITES = [...MATCH_SUITES, simulationSuite]

/**
 * `npm run bench`: every suite at full size, results to bench/results/latest.json and the tables in
 * docs/benchmarks.md. `npm run bench:quick`: every suite at small sizes, to prove they still run
 * (CI); it prints and writes bench/results/quick.json but leaves the recorded figures alone.
 * `--suite NAME` runs one suite.
 */
async function main (): Promise<void> {
  const args = process.argv.slice(2)
  const profile: SizeProfile = args.includes('--quick') ? 'quick' : 'full'
  const suiteIndex = args.indexOf('--suite')
  const only = suiteIndex === -1 ? undefined : args[suiteIndex + 1]
  const suites = only === undefined ? SUITES : SUITES.filter((s) => s.name === only)
  if (suites.length === 0) throw new Error(`no suite named ${only ?? ''}; known: ${SUITES.map((s) => s.name).join(', ')}`)

  const results: CaseResult[] = []
  for (const suite of suites) {
    console.log(`# ${suite.name}: ${suite.description}`)
    const cases = await suite.setup(profile)
    try {
      for (const benchCase of cases) {
        const result = await measure(suite.name, benchCase, profile)
        results.push(result)
        const figures = Object.entries(result.figures).map(([k, v]) => `${k}=${Number(v.toFixed(3))}`).join(' ')
        console.log(`  ${result.name}: median ${result.medianMs.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms, ${result.opsPerSecond.toFixed(1)} ops/s ±${result.rmePercent.toFixed(1)}% (${result.samples} samples) ${figures}`)
      }
    } finally {
      await suite.teardown?.()
    }
  }

  const record: BenchResults = { recordedAt: new Date().toISOString(), machine: describeMachine(), profile, results }
  const resultsDir = new URL('../../bench/results/', import.meta.url)
  mkdirSync(resultsDir, { recursive: true })
  const fileName = profile === 'quick' ? 'quick.json' : (only === undefined ? 'latest.json' : `latest-${only}.json`)
  writeFileSync(new URL(fileName, resultsDir), JSON.stringify(record, null, 2) + '\n')
  if (profile === 'full' && only === undefined) {
    const docUrl = new URL('../../docs/benchmarks.md', import.meta.url)
    writeFileSync(docUrl, replaceGeneratedBlock(readFileSync(docUrl, 'utf8'), markdownTables(record)))
    console.log('wrote bench/results/latest.json and docs/benchmarks.md')
  }
  console.log(`bench: ${results.length} cases ran (${profile})`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error)
  process.exit(1)
})
