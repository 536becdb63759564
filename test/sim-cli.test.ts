import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parseSimulateArguments, progressLine, runSimulateCommand, type CliIo } from '../api/cli/simulate.js'
import { POLICY_FILES, SMALL_SCENARIO } from './fixtures/sim-cohort.js'

function io (cwd: string): CliIo & { out: string[], err: string[] } {
  const out: string[] = []
  const err: string[] = []
  let clock = 0
  return { out, err, cwd, stdout: (s) => out.push(s), stderr: (s) => err.push(s), now: () => (clock += 1000) }
}

t.test('arguments: repeatable --policy, defaults, and refusals', async (t) => {
  t.same(parseSimulateArguments(['--policy', 'a', '--policy', 'b.json', '--years', '3', '--replications', '20', '--seed', '1']), {
    policies: ['a', 'b.json'], scenario: 'national-kidney', years: 3, replications: 20, seed: '1', out: 'simulation-output', workers: undefined
  })
  t.equal(parseSimulateArguments(['--policy', 'a']).years, undefined, 'years default to the scenario\'s')
  t.throws(() => parseSimulateArguments([]), { code: 'ENGINE_INVALID_FIELD', field: '--policy' })
  t.throws(() => parseSimulateArguments(['--policy']), { code: 'ENGINE_INVALID_FIELD', field: '--policy' })
  t.throws(() => parseSimulateArguments(['--policy', 'a', '--years', '0']), { code: 'ENGINE_INVALID_FIELD', field: '--years' })
  t.throws(() => parseSimulateArguments(['--policy', 'a', '--replications', 'many']), { code: 'ENGINE_INVALID_FIELD', field: '--replications' })
  t.throws(() => parseSimulateArguments(['--policy', 'a', '--fast']), { code: 'ENGINE_INVALID_FIELD', field: '--fast' })
})

t.test('the progress line shows a bar, the count and an ETA', async (t) => {
  t.equal(progressLine(0, 4, 0), '[..............................] 0/4 replications, 0s elapsed, ETA ?')
  t.equal(progressLine(1, 4, 10_000), '[########......................] 1/4 replications, 10s elapsed, ETA 30s')
  t.equal(progressLine(4, 4, 125_000), '[##############################] 4/4 replications, 2m05s elapsed, ETA 0s')
})

t.test('simulate writes the results JSON and the HTML report, with progress on stderr', async (t) => {
  const dir = t.testdir({ 'scenario.json': JSON.stringify(SMALL_SCENARIO) })
  const streams = io(dir)
  const code = await runSimulateCommand(['--policy', POLICY_FILES.points, '--policy', POLICY_FILES.waiting, '--scenario', 'scenario.json', '--replications', '2', '--seed', '5', '--out', 'out'], streams)
  t.equal(code, 0, streams.err.join(''))
  const resultsPath = join(dir, 'out', 'simulation-results.json')
  const reportPath = join(dir, 'out', 'simulation-report.html')
  t.ok(existsSync(resultsPath) && existsSync(reportPath))
  const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as { resultsHash: string, arms: unknown[], replications: number, years: number }
  t.equal(results.arms.length, 2)
  t.equal(results.replications, 2)
  t.equal(results.years, 1)
  t.match(readFileSync(reportPath, 'utf8'), /^<!doctype html>/)
  t.match(streams.out.join(''), new RegExp(`results hash ${results.resultsHash}`))
  const stderr = streams.err.join('')
  t.match(stderr, /simulating test-small-kidney: 2 policies, 1 year, 2 replications, seed 5/)
  t.match(stderr, /2\/2 replications, \d+s elapsed, ETA 0s/)
  t.match(stderr, /ETA \d+s/)
  // The same command again gives the same results, byte for byte.
  const again = io(dir)
  await runSimulateCommand(['--policy', POLICY_FILES.points, '--policy', POLICY_FILES.waiting, '--scenario', 'scenario.json', '--replications', '2', '--seed', '5', '--out', 'out2'], again)
  t.equal(readFileSync(join(dir, 'out2', 'simulation-results.json'), 'utf8'), readFileSync(resultsPath, 'utf8'))
})

t.test('input errors exit with 2 and name the problem', async (t) => {
  const dir = t.testdir({ 'bad.json': '{ not json', 'scenario.json': JSON.stringify({ ...SMALL_SCENARIO, defaultYears: 0 }) })
  const cases: Array<[string[], RegExp]> = [
    [[], /--policy is required/],
    [['--policy', 'no-such-built-in-policy'], /policyId must be one of .*us-kas-kidney/],
    [['--policy', 'missing.json'], /cannot read/],
    [['--policy', 'bad.json'], /is not JSON/],
    [['--policy', POLICY_FILES.points, '--scenario', 'atlantis'], /scenario must be one of/],
    [['--policy', POLICY_FILES.points, '--scenario', 'scenario.json'], /scenario\.defaultYears/]
  ]
  for (const [argv, message] of cases) {
    const streams = io(dir)
    t.equal(await runSimulateCommand(argv, streams), 2, argv.join(' '))
    t.match(streams.err.join(''), message)
  }
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ formatVersion: 1 }))
  const streams = io(dir)
  t.equal(await runSimulateCommand(['--policy', 'policy.json', '--scenario', 'national-kidney'], streams), 2)
  t.match(streams.err.join(''), /policy is invalid/)
})
