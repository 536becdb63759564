import { selectEptsTable, type EptsTables } from '../../engine/clinical/epts.js'
import { selectKdpiTable, type KdpiTables } from '../../engine/clinical/kdpi.js'
import { populationFrequencies } from '../../engine/clinical/mismatch-probability.js'
import type { HlaTyping } from '../../engine/domain/hla.js'
import { requireInteger, requireNumber } from '../../engine/domain/input.js'
import { InvalidFieldError } from '../../engine/errors.js'
import { createRandom } from '../../engine/random.js'
import { eptsTables as defaultEptsTables, kdpiTables as defaultKdpiTables } from '../reference/clinical-tables.js'
import type { CandidateRecord, CentreRecord, DonorRecord } from '../import/records.js'
import { buildCandidateContext, generateCandidate, type CandidateContext } from './candidates.js'
import { DAYS_PER_YEAR, MS_PER_DAY, isoDate, parseStartDate } from './dates.js'
import { buildDonorContext, generateDonor, type DonorContext } from './donors.js'
import { buildGeography, type Geography } from './geography.js'
import { buildHlaSamplers } from './hla-frequencies.js'
import { MismatchProbabilityCache } from './mismatch-probability-cache.js'
import { DEFAULT_PANEL_SIZE, RACE_ETHNICITIES } from './parameters.js'
import { aboDistribution, donorAboType, drawTyping } from './people.js'
import { countryProfile, type CountryProfile } from './profile.js'
import { Draw, categorical } from './sampling.js'
import { buildSensitisationModel, type PanelDonor, type SensitisationModel } from './sensitisation.js'

/**
 * Seeded, deterministic generator of a synthetic national registry: centres with authorisations,
 * the waiting list on a start date, and the deceased donors (and optionally new candidates) that
 * arrive over the following period. Same options ⇒ identical records, on any machine.
 *
 * Each kind of entity draws from its own fork of the seed (geography, panel, candidates, candidate
 * arrivals, donors, and separate identity streams for names), so changing how many donors are drawn
 * never shifts a candidate's draws, and vice versa.
 */

/** Largest list the generator accepts in one registry. */
export const MAX_CANDIDATES = 1_000_000
export const MAX_DONORS_PER_YEAR = 200_000

export interface GenerateOptions {
  /** Any number or text; the whole registry is a function of it and the other options. */
  readonly seed: number | string
  /** Candidates on the waiting list at the start date. */
  readonly candidates: number
  /** Snapshot date of the list and start of the arrival period, YYYY-MM-DD. */
  readonly startDate: string
  /** Length of the arrival period in days (default 365). */
  readonly periodDays?: number | undefined
  /** Deceased donors per year (default: the profile's ratio to the list size). */
  readonly donorsPerYear?: number | undefined
  /** New candidates registering per year during the period (default 0: the list as of the start date). */
  readonly candidateArrivalsPerYear?: number | undefined
  /** Country profile id: 'national' (default, US scale) or 'compact' (Eurotransplant-country scale). */
  readonly profile?: string | undefined
  /** Reference panel size for vPRA (default 5,000 typings). */
  readonly panelSize?: number | undefined
}

export interface ResolvedOptions {
  readonly seed: string
  readonly candidates: number
  readonly startDate: string
  readonly periodDays: number
  readonly donors: number
  readonly candidateArrivals: number
  readonly profile: string
  readonly panelSize: number
}

export interface SyntheticRegistry {
  readonly options: ResolvedOptions
  readonly centres: readonly CentreRecord[]
  readonly regions: readonly string[]
  /** The list at the start date, then arrivals in registration order. */
  readonly candidates: readonly CandidateRecord[]
  /** In order of report time. */
  readonly donors: readonly DonorRecord[]
  /** The reference panel every candidate's vPRA was counted against. */
  readonly panel: readonly PanelDonor[]
}

/** Reference tables the generator scores with; the shipped OPTN tables by default. */
export interface GeneratorTables {
  readonly kdpiTables: KdpiTables
  readonly eptsTables: EptsTables
}

export function resolveOptions (options: GenerateOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new InvalidFieldError('options', 'must be an object')
  if (typeof options.seed !== 'string' && typeof options.seed !== 'number') throw new InvalidFieldError('seed', 'must be a number or a string')
  if (typeof options.seed === 'number' && !Number.isFinite(options.seed)) throw new InvalidFieldError('seed', 'must be a finite number')
  const candidates = requireInteger(options.candidates, 'candidates', { min: 0, max: MAX_CANDIDATES, unit: 'candidates' })
  parseStartDate(options.startDate)
  const periodDays = requireInteger(options.periodDays ?? 365, 'periodDays', { min: 1, max: 3660, unit: 'days' })
  const profile = countryProfile(options.profile ?? 'national')
  const donorsPerYear = requireNumber(options.donorsPerYear ?? candidates * profile.donorsPerYearPerListedCandidate,
    'donorsPerYear', { min: 0, max: MAX_DONORS_PER_YEAR, unit: 'donors per year' })
  const arrivalsPerYear = requireNumber(options.candidateArrivalsPerYear ?? 0, 'candidateArrivalsPerYear', { min: 0, max: MAX_CANDIDATES, unit: 'candidates per year' })
  const panelSize = requireInteger(options.panelSize ?? DEFAULT_PANEL_SIZE, 'panelSize', { min: 100, max: 100_000, unit: 'typings' })
  return {
    seed: String(options.seed),
    candidates,
    startDate: options.startDate,
    periodDays,
    donors: Math.round(donorsPerYear * periodDays / DAYS_PER_YEAR),
    candidateArrivals: Math.round(arrivalsPerYear * periodDays / DAYS_PER_YEAR),
    profile: profile.id,
    panelSize
  }
}

/**
 * The pieces every record is drawn against, built once: geography, HLA samplers, the reference panel
 * and its sensitisation bitsets, MMP frequencies, and the score tables.
 */
export interface RegistryGenerator {
  readonly options: ResolvedOptions
  readonly profile: CountryProfile
  readonly geography: Geography
  readonly panel: readonly PanelDonor[]
  readonly centres: readonly CentreRecord[]
  /** Candidates on the list at the start date, then arrivals, one at a time (constant memory). */
  candidates (): Generator<CandidateRecord>
  /** Donors in report order, one at a time. */
  donors (): Generator<DonorRecord>
}

/** Instants spread uniformly over [startMs, startMs + period), sorted: a Poisson process given its count. */
function arrivalTimes (draw: Draw, count: number, startMs: number, periodMs: number): Float64Array {
  const times = new Float64Array(count)
  for (let i = 0; i < count; i++) times[i] = startMs + Math.floor(draw.uniform(0, periodMs))
  return times.sort()
}

function buildPanel (draw: Draw, size: number, profile: CountryProfile, samplers: ReturnType<typeof buildHlaSamplers>): PanelDonor[] {
  const races = categorical(RACE_ETHNICITIES.map((race) => [race, profile.donorPopulation[race]] as const))
  const abo = Object.fromEntries(RACE_ETHNICITIES.map((race) => [race, aboDistribution(race)]))
  const panel: PanelDonor[] = []
  for (let i = 0; i < size; i++) {
    const race = draw.pick(races)
    const group = draw.pick(abo[race] as ReturnType<typeof aboDistribution>)
    const hla: HlaTyping = drawTyping(draw, samplers, race)
    panel.push({ abo: donorAboType(draw, group), hla })
  }
  return panel
}

export function createRegistryGenerator (options: GenerateOptions, tables: GeneratorTables = { kdpiTables: defaultKdpiTables, eptsTables: defaultEptsTables }): RegistryGenerator {
  const resolved = resolveOptions(options)
  const profile = countryProfile(resolved.profile)
  const startMs = parseStartDate(resolved.startDate)
  const root = createRandom(`synthetic-registry/${resolved.seed}`)
  const samplers = buildHlaSamplers()
  const lastDay = isoDate(startMs + (resolved.periodDays - 1) * MS_PER_DAY)
  const geography = buildGeography(new Draw(root.fork('geography')), profile, resolved.candidates, { startDate: resolved.startDate, lastDay })
  const panel = buildPanel(new Draw(root.fork('panel')), resolved.panelSize, profile, samplers)
  const sensitisation: SensitisationModel = buildSensitisationModel(panel, samplers)
  const candidateContext: CandidateContext = buildCandidateContext({
    profile,
    startMs,
    geography,
    samplers,
    sensitisation,
    mmp: new MismatchProbabilityCache(populationFrequencies(panel)),
    eptsTable: selectEptsTable(tables.eptsTables)
  })
  const donorContext: DonorContext = buildDonorContext({ profile, geography, samplers, kdpiTable: selectKdpiTable(tables.kdpiTables, 'refit-2024') })
  const periodMs = resolved.periodDays * MS_PER_DAY

  return {
    options: resolved,
    profile,
    geography,
    panel,
    centres: geography.centres.map((c) => c.centre),
    * candidates () {
      const draw = new Draw(root.fork('candidates'))
      const identity = new Draw(root.fork('candidate-identities'))
      for (let i = 0; i < resolved.candidates; i++) yield generateCandidate(candidateContext, draw, identity, i + 1)
      const arrivalDraw = new Draw(root.fork('candidate-arrivals'))
      const arrivalIdentity = new Draw(root.fork('candidate-arrival-identities'))
      const times = arrivalTimes(new Draw(root.fork('candidate-arrival-times')), resolved.candidateArrivals, startMs, periodMs)
      for (let i = 0; i < times.length; i++) {
        yield generateCandidate(candidateContext, arrivalDraw, arrivalIdentity, resolved.candidates + i + 1, times[i] as number)
      }
    },
    * donors () {
      const draw = new Draw(root.fork('donors'))
      const identity = new Draw(root.fork('donor-identities'))
      const times = arrivalTimes(new Draw(root.fork('donor-times')), resolved.donors, startMs, periodMs)
      for (let i = 0; i < times.length; i++) yield generateDonor(donorContext, draw, identity, i + 1, times[i] as number)
    }
  }
}

/** The whole registry in memory. For national scale, stream with `createRegistryGenerator` instead. */
export function generateRegistry (options: GenerateOptions, tables?: GeneratorTables): SyntheticRegistry {
  const generator = createRegistryGenerator(options, tables)
  return {
    options: generator.options,
    centres: generator.centres,
    regions: generator.geography.regions,
    candidates: [...generator.candidates()],
    donors: [...generator.donors()],
    panel: generator.panel
  }
}

/** End of the arrival period, YYYY-MM-DD (exclusive). */
export function periodEnd (options: ResolvedOptions): string {
  return isoDate(parseStartDate(options.startDate) + options.periodDays * MS_PER_DAY)
}
