import { readFile, mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { candidateAsOf, centreAsOf, donorAt, type CandidateRecord } from '../../data/import/records.js'
import { builtInPolicyDocument } from '../../data/policies/index.js'
import { createRegistryGenerator } from '../../data/synthetic/generator.js'
import { countryProfile } from '../../data/synthetic/profile.js'
import type { Centre } from '../../engine/domain/centre.js'
import { EngineError, InvalidFieldError } from '../../engine/errors.js'
import type { CohortCandidate, CohortDonor, SimulationCohort } from '../../engine/sim/cohort.js'
import { MAX_THREADS } from '../../engine/parallel/match-pool.js'
import { renderReportHtml } from '../../engine/sim/report-html.js'
import { createReplicationPool } from '../../engine/sim/replication-pool.js'
import { createSerialExecutor, runReplications, type ReplicationExecutor, type SimulationResults } from '../../engine/sim/replications.js'
import { checkScenario, scenarioById, SCENARIOS, type ScenarioDefinition } from '../../engine/sim/scenarios.js'

/**
 * `simulate`: compares allocation policies on one scenario by discrete-event simulation.
 *
 *   simulate --policy A --policy B [--scenario national-kidney|FILE] [--years 3] [--replications 20]
 *            [--seed 1] [--out DIR] [--workers N]
 *
 * `--policy` is a built-in policy id (data/policies/<id>.json) or a path to a policy JSON file. Writes
 * DIR/simulation-results.json and DIR/simulation-report.html; progress with an ETA goes to stderr.
 * `--workers N` runs replications on a pool of N worker threads (the results hash is the same).
 */

const DAY_MS = 86_400_000

/** This module's URL: replication workers load `syntheticCohort` from it (engine code cannot import it). */
export const COHORT_PROVIDER_MODULE = import.meta.url

/**
 * The cohort a synthetic scenario describes, from the seeded registry generator. The generator draws
 * candidates for every organ in the profile's shares, so it is asked for enough candidates that the
 * kidney list has about the scenario's size; the kidney candidates are kept. Donors come from the
 * generator's donor stream; each gives two kidneys. Deterministic: the same scenario and years give
 * the same cohort in every process.
 */
export function syntheticCohort (scenario: ScenarioDefinition, years: number): SimulationCohort {
  const spec = scenario.cohort
  const kidneyShare = countryProfile(spec.profile).organShares.kidney
  const periodDays = Math.ceil(years * 365.25)
  const generator = createRegistryGenerator({
    seed: spec.seed,
    candidates: Math.round(spec.candidates / kidneyShare),
    startDate: spec.startDate,
    periodDays,
    donorsPerYear: spec.donorsPerYear,
    candidateArrivalsPerYear: spec.candidateArrivalsPerYear / kidneyShare,
    profile: spec.profile
  })
  const startInstant = `${spec.startDate}T00:00:00.000Z`
  const startMs = Date.parse(startInstant)
  const candidates: CohortCandidate[] = []
  const used = new Set<string>()
  for (const record of generator.candidates() as Iterable<CandidateRecord>) {
    if (record.organType !== 'kidney') continue
    const asOf = Date.parse(record.registeredAt) > startMs ? record.registeredAt : startInstant
    if (record.diabetes === undefined || record.priorSolidOrganTransplant === undefined) {
      throw new InvalidFieldError(`candidates.${record.id}`, 'must record diabetes and priorSolidOrganTransplant (post-transplant survival needs them)')
    }
    const attributes = record.protectedAttributes
    candidates.push({
      candidate: candidateAsOf(record, asOf),
      diabetes: record.diabetes,
      priorSolidOrganTransplant: record.priorSolidOrganTransplant,
      ...(record.dialysisFrom === undefined ? {} : { dialysisFrom: record.dialysisFrom }),
      // "unknown" is a group of its own in equity tables: not recorded is itself worth seeing.
      equity: { sex: attributes?.sex ?? 'unknown', raceEthnicity: attributes?.raceEthnicity ?? 'unknown', residence: attributes?.residence ?? 'unknown' }
    })
    used.add(record.centreId)
  }
  const centres = generator.centres.map((c) => centreAsOf(c, startInstant))
  const byId = new Map<string, Centre>(centres.map((c) => [c.id, c]))
  const donors: CohortDonor[] = []
  for (const record of generator.donors()) {
    const hospital = byId.get(record.hospitalCentreId)
    if (hospital === undefined) throw new InvalidFieldError(`donors.${record.id}.hospitalCentreId`, 'names no centre of the registry')
    if (Date.parse(record.reportedAt) - startMs >= periodDays * DAY_MS) continue
    donors.push({ donor: donorAt(record, hospital), reportedAt: record.reportedAt, kidneys: 2 })
  }
  return {
    organType: 'kidney',
    startDate: spec.startDate,
    centres: centres.filter((c) => used.has(c.id)),
    candidates,
    donors
  }
}

export interface CliIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** Directory relative paths are resolved against. */
  readonly cwd: string
  /** Milliseconds since some origin, for progress and ETA (the CLI's only clock). */
  readonly now: () => number
  /** Runs replications; the default runs them in this thread. */
  readonly executor?: ReplicationExecutor
}

export interface SimulateArguments {
  readonly policies: readonly string[]
  readonly scenario: string
  readonly years: number | undefined
  readonly replications: number
  readonly seed: string
  readonly out: string
  /** Worker threads; undefined runs the replications on the calling thread. */
  readonly workers: number | undefined
}

const USAGE = `usage: simulate --policy ID|FILE [--policy ID|FILE …] [--scenario ${Object.keys(SCENARIOS).join('|')}|FILE]
                [--years N] [--replications N] [--seed S] [--out DIR] [--workers N]`

function positiveInteger (value: string | undefined, flag: string, max: number): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new InvalidFieldError(flag, `must be a whole number from 1 to ${max}`)
  }
  return Number(value)
}

export function parseSimulateArguments (argv: readonly string[]): SimulateArguments {
  const policies: string[] = []
  let scenario = 'national-kidney'
  let years: number | undefined
  let replications = 20
  let seed = '1'
  let out = 'simulation-output'
  let workers: number | undefined
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string
    const value = argv[i + 1]
    const take = (): string => {
      if (value === undefined || value.startsWith('--')) throw new InvalidFieldError(flag, 'needs a value')
      i++
      return value
    }
    switch (flag) {
      case '--policy': policies.push(take()); break
      case '--scenario': scenario = take(); break
      case '--years': years = positiveInteger(take(), '--years', 10); break
      case '--replications': replications = positiveInteger(take(), '--replications', 10_000); break
      case '--seed': seed = take(); break
      case '--out': out = take(); break
      case '--workers': workers = positiveInteger(take(), '--workers', MAX_THREADS); break
      default: throw new InvalidFieldError(flag, `is not an option of simulate\n${USAGE}`)
    }
  }
  if (policies.length === 0) throw new InvalidFieldError('--policy', `is required at least once\n${USAGE}`)
  return { policies, scenario, years, replications, seed, out, workers }
}

async function readJson (path: string, what: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    throw new InvalidFieldError(what, `cannot read ${path}`)
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new InvalidFieldError(what, `${path} is not JSON (${(error as Error).message})`)
  }
}

/** A built-in policy id (a name without a path separator or .json) or a JSON file. */
async function loadPolicy (reference: string, cwd: string): Promise<unknown> {
  const isFile = reference.endsWith('.json') || reference.includes('/') || reference.includes('\\')
  return isFile ? await readJson(resolve(cwd, reference), '--policy') : builtInPolicyDocument(reference)
}

async function loadScenario (reference: string, cwd: string): Promise<ScenarioDefinition> {
  if (Object.hasOwn(SCENARIOS, reference)) return scenarioById(reference)
  if (reference.endsWith('.json') || reference.includes('/')) return checkScenario(await readJson(resolve(cwd, reference), '--scenario') as ScenarioDefinition)
  return scenarioById(reference)
}

function formatDuration (ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`
}

/** A one-line progress bar with elapsed time and an ETA from the mean time per replication so far. */
export function progressLine (done: number, total: number, elapsedMs: number): string {
  const width = 30
  const filled = Math.round(width * done / total)
  const eta = done > 0 ? elapsedMs / done * (total - done) : Number.NaN
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} replications, ${formatDuration(elapsedMs)} elapsed, ETA ${Number.isNaN(eta) ? '?' : formatDuration(eta)}`
}

/**
 * Runs the command; returns the exit code (0 success, 2 bad arguments or input). Never throws for
 * input errors: they are written to stderr with the field that caused them.
 */
export async function runSimulateCommand (argv: readonly string[], io: CliIo): Promise<number> {
  let results: SimulationResults
  let outDir: string
  try {
    const args = parseSimulateArguments(argv)
    const scenario = await loadScenario(args.scenario, io.cwd)
    const policies = await Promise.all(args.policies.map(async (p) => await loadPolicy(p, io.cwd)))
    const years = args.years ?? scenario.defaultYears
    outDir = resolve(io.cwd, args.out)
    const started = io.now()
    io.stderr(`simulating ${scenario.id}: ${policies.length} polic${policies.length === 1 ? 'y' : 'ies'}, ${years} year${years === 1 ? '' : 's'}, ${args.replications} replication${args.replications === 1 ? '' : 's'}, seed ${args.seed}${args.workers === undefined ? '' : `, ${args.workers} worker${args.workers === 1 ? '' : 's'}`}\n`)
    const pool = io.executor === undefined && args.workers !== undefined
      ? createReplicationPool({ threads: args.workers, providerModule: COHORT_PROVIDER_MODULE })
      : undefined
    const executor = io.executor ?? pool ?? createSerialExecutor(syntheticCohort)
    try {
      results = await runReplications(
        { scenario, policies, years, replications: args.replications, seed: args.seed },
        executor,
        { onProgress: (done, total) => io.stderr(`\r${progressLine(done, total, io.now() - started)}${done === total ? '\n' : ''}`) }
      )
    } finally {
      await pool?.close()
    }
    io.stderr(`done in ${formatDuration(io.now() - started)}\n`)
  } catch (error) {
    if (error instanceof EngineError) {
      io.stderr(`simulate: ${error.message}${error.field !== undefined ? ` [${error.field}]` : ''}\n`)
      return 2
    }
    throw error
  }
  await mkdir(outDir, { recursive: true })
  const jsonPath = join(outDir, 'simulation-results.json')
  const htmlPath = join(outDir, 'simulation-report.html')
  await writeFile(jsonPath, `${JSON.stringify(results, null, 2)}\n`)
  await writeFile(htmlPath, renderReportHtml(results))
  io.stdout(`${jsonPath}\n${htmlPath}\nresults hash ${results.resultsHash}\n`)
  return 0
}

// Run directly (`npx tsx api/cli/simulate.ts --policy …`) until the main CLI binary wires it in.
/* c8 ignore start */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runSimulateCommand(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    now: () => performance.now()
  }).then((code) => { process.exitCode = code }, (error: unknown) => { process.stderr.write(`${String((error as Error).stack ?? error)}\n`); process.exitCode = 1 })
}
/* c8 ignore stop */
