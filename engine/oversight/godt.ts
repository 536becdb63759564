import { contentHash } from '../canonical-hash.js'
import { requireInteger, requireNumber, requireString } from '../domain/input.js'
import type { OrganType } from '../domain/organ.js'
import { InvalidFieldError } from '../errors.js'

/**
 * The yearly GODT questionnaire counts (WHO-ONT Global Observatory on Donation and Transplantation),
 * computed from plain event records. Variable names are those of the public GODT export; definitions:
 *
 * - actual deceased donor: a deceased donor in whom an operative incision was made to recover organs,
 *   or from whom at least one organ was recovered; utilised: an actual donor from whom at least one
 *   organ was transplanted (critical pathway, Domínguez-Gil et al., Transpl Int 2011);
 * - DBD / DCD: by the criterion of death (neurological / circulatory);
 * - transplants by organ and donor type (deceased, living, domino liver), pancreas alone and
 *   simultaneous kidney-pancreas, small bowel;
 * - pmp: count ÷ population × 10⁶.
 *
 * Attribution: a donor counts in the year (UTC) and country of the donation (first recovery or
 * incision, at the donor hospital); a transplant in the year (UTC) and country of the transplant centre.
 */

export const GODT_QUERY_VERSION = 'godt-export/1'

/** The GODT variables this export computes, in the order of the public export. */
export const GODT_VARIABLES = [
  'total_actual_dd', 'actual_dbd', 'actual_dcd',
  'total_utilized_dd', 'utilized_dbd', 'utilized_dcd',
  'dd_kidney_tx', 'ld_kidney_tx', 'total_kidney_tx',
  'dd_liver_tx', 'domino_liver_tx', 'ld_liver_tx', 'total_liver_tx',
  'total_heart_tx',
  'dd_lung_tx', 'ld_lung_tx', 'total_lung_tx',
  'pancreas_tx', 'kidney_pancreas_tx',
  'small_bowel_tx',
  'total_tx'
] as const
export type GodtVariable = typeof GODT_VARIABLES[number]

export interface GodtDonor {
  readonly id: string
  readonly kind: 'deceased' | 'living'
  readonly pathway: 'DBD' | 'DCD' | null
  /** Country of the donor hospital. */
  readonly country: string
  /** A living donor whose own explanted liver was given (domino). */
  readonly domino: boolean
  /** An operative incision without any organ recovered. */
  readonly incisionAt?: string | undefined
}

export interface GodtOrgan {
  readonly id: string
  readonly donorId: string
  readonly organType: OrganType
  readonly recoveredAt?: string | undefined
}

export interface GodtTransplant {
  readonly id: string
  readonly organId: string
  /** Country of the transplant centre. */
  readonly centreCountry: string
  readonly transplantedAt: string
  /** Recipient resident in the centre's country at transplant; undefined when not recorded. */
  readonly recipientResident?: boolean | undefined
  /** For a simultaneous kidney-pancreas transplant: its role in the pair. */
  readonly kidneyPancreas?: 'pancreas' | 'kidney' | undefined
}

export interface GodtEvents {
  readonly donors: readonly GodtDonor[]
  readonly organs: readonly GodtOrgan[]
  readonly transplants: readonly GodtTransplant[]
}

export interface Population {
  readonly country: string
  readonly year: number
  readonly population: number
  /** Where the figure comes from (e.g. UN World Population Prospects 2024), or "synthetic". */
  readonly source: string
}

export interface NonResidentCounts {
  /** Transplants into recipients not resident in the centre's country, by donor type. */
  readonly nonresident_dd_tx: number
  readonly nonresident_ld_tx: number
  /** Transplants whose recipient's residence is not recorded. */
  readonly residence_unknown_tx: number
}

export interface GodtProvenance {
  readonly queryVersion: string
  /** Only events at or before this instant, recorded at or before it, are counted. */
  readonly dataCutoff: string
  /** SHA-256 of the canonical JSON of the event records counted. */
  readonly snapshotHash: string
  /** The audit log's head at the cut-off, so the export can be tied to the tamper-evident log. */
  readonly auditHead?: { readonly seq: number, readonly hash: string } | undefined
  readonly populationSource: string
}

export interface GodtReport {
  readonly country: string
  readonly reportyear: number
  readonly population: number
  readonly counts: Readonly<Record<GodtVariable, number>>
  /** Each count per million population, rounded to two decimals. */
  readonly pmp: Readonly<Record<GodtVariable, number>>
  readonly nonResidents: NonResidentCounts
  readonly provenance: GodtProvenance
}

function yearOf (instant: string): number {
  return Number(instant.slice(0, 4))
}

/** Count per million population, rounded half away from zero to two decimals. */
export function perMillion (count: number, population: number): number {
  const value = count / population * 1_000_000
  return Math.sign(value) * Math.round(Math.abs(value) * 100) / 100
}

/** Canonical, order-independent form of the events, for the snapshot hash. */
export function godtSnapshotHash (events: GodtEvents): string {
  const byId = <T extends { id: string }>(list: readonly T[]): T[] => [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return contentHash({ donors: byId(events.donors), organs: byId(events.organs), transplants: byId(events.transplants) })
}

/**
 * The GODT counts of one country and year. Throws when the population does not match the country and
 * year asked (a rate over the wrong denominator would be silently wrong).
 */
export function computeGodtReport (input: {
  country: string
  year: number
  events: GodtEvents
  population: Population
  dataCutoff: string
  auditHead?: { seq: number, hash: string } | undefined
}): GodtReport {
  const country = requireString(input.country, 'country', /^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in capitals')
  const year = requireInteger(input.year, 'year', { min: 1900, max: 2200, unit: '' })
  const population = requireNumber(input.population.population, 'population.population', { min: 1, max: 10_000_000_000, unit: 'people' })
  if (input.population.country !== country || input.population.year !== year) {
    throw new InvalidFieldError('population', `is for ${input.population.country} ${input.population.year}, not ${country} ${year}`)
  }
  const { donors, organs, transplants } = input.events
  const donorById = new Map(donors.map((d) => [d.id, d]))
  const organById = new Map(organs.map((o) => [o.id, o]))
  const organsByDonor = new Map<string, GodtOrgan[]>()
  for (const organ of organs) organsByDonor.set(organ.donorId, [...(organsByDonor.get(organ.donorId) ?? []), organ])
  const transplantedOrgans = new Set(transplants.map((t) => t.organId))

  const counts = Object.fromEntries(GODT_VARIABLES.map((name) => [name, 0])) as Record<GodtVariable, number>
  const add = (name: GodtVariable): void => { counts[name] += 1 }

  for (const donor of donors) {
    if (donor.kind !== 'deceased' || donor.country !== country) continue
    const own = organsByDonor.get(donor.id) ?? []
    const times = [...own.flatMap((o) => (o.recoveredAt === undefined ? [] : [o.recoveredAt])), ...(donor.incisionAt === undefined ? [] : [donor.incisionAt])].sort()
    const donationAt = times[0]
    if (donationAt === undefined || yearOf(donationAt) !== year) continue
    add('total_actual_dd')
    add(donor.pathway === 'DCD' ? 'actual_dcd' : 'actual_dbd')
    if (own.some((o) => transplantedOrgans.has(o.id))) {
      add('total_utilized_dd')
      add(donor.pathway === 'DCD' ? 'utilized_dcd' : 'utilized_dbd')
    }
  }

  let nonresidentDd = 0
  let nonresidentLd = 0
  let residenceUnknown = 0
  for (const transplant of transplants) {
    if (transplant.centreCountry !== country || yearOf(transplant.transplantedAt) !== year) continue
    const organ = organById.get(transplant.organId)
    const donor = organ === undefined ? undefined : donorById.get(organ.donorId)
    if (organ === undefined || donor === undefined) throw new InvalidFieldError(`transplants.${transplant.id}`, 'names an organ or donor missing from the events')
    const deceased = donor.kind === 'deceased'
    if (transplant.recipientResident === undefined) residenceUnknown += 1
    else if (!transplant.recipientResident) {
      if (deceased) nonresidentDd += 1
      else nonresidentLd += 1
    }
    // A simultaneous kidney-pancreas transplant counts once, under kidney_pancreas_tx, by its pancreas.
    if (transplant.kidneyPancreas === 'kidney') continue
    switch (organ.organType) {
      case 'kidney':
        add(deceased ? 'dd_kidney_tx' : 'ld_kidney_tx')
        add('total_kidney_tx')
        break
      case 'liver':
        add(deceased ? 'dd_liver_tx' : donor.domino ? 'domino_liver_tx' : 'ld_liver_tx')
        add('total_liver_tx')
        break
      case 'heart':
        add('total_heart_tx')
        break
      case 'lung':
        add(deceased ? 'dd_lung_tx' : 'ld_lung_tx')
        add('total_lung_tx')
        break
      case 'pancreas':
        add(transplant.kidneyPancreas === 'pancreas' ? 'kidney_pancreas_tx' : 'pancreas_tx')
        break
      case 'intestine':
        add('small_bowel_tx')
        break
    }
  }
  counts.total_tx = counts.total_kidney_tx + counts.total_liver_tx + counts.total_heart_tx + counts.total_lung_tx +
    counts.pancreas_tx + counts.kidney_pancreas_tx + counts.small_bowel_tx

  const pmp = Object.fromEntries(GODT_VARIABLES.map((name) => [name, perMillion(counts[name], population)])) as Record<GodtVariable, number>
  return {
    country,
    reportyear: year,
    population,
    counts,
    pmp,
    nonResidents: { nonresident_dd_tx: nonresidentDd, nonresident_ld_tx: nonresidentLd, residence_unknown_tx: residenceUnknown },
    provenance: {
      queryVersion: GODT_QUERY_VERSION,
      dataCutoff: input.dataCutoff,
      snapshotHash: godtSnapshotHash(input.events),
      ...(input.auditHead === undefined ? {} : { auditHead: input.auditHead }),
      populationSource: input.population.source
    }
  }
}

/** One flat row: country, reportyear, the counts, the pmp_* rates, population, non-residents, provenance. */
export function godtRow (report: GodtReport): Record<string, string | number> {
  const row: Record<string, string | number> = { country: report.country, reportyear: report.reportyear }
  for (const name of GODT_VARIABLES) row[name] = report.counts[name]
  for (const name of GODT_VARIABLES) row[`pmp_${name}`] = report.pmp[name]
  row.population = report.population
  row.population_source = report.provenance.populationSource
  row.nonresident_dd_tx = report.nonResidents.nonresident_dd_tx
  row.nonresident_ld_tx = report.nonResidents.nonresident_ld_tx
  row.residence_unknown_tx = report.nonResidents.residence_unknown_tx
  row.query_version = report.provenance.queryVersion
  row.data_cutoff = report.provenance.dataCutoff
  row.snapshot_hash = report.provenance.snapshotHash
  row.audit_head_seq = report.provenance.auditHead?.seq ?? ''
  row.audit_head_hash = report.provenance.auditHead?.hash ?? ''
  return row
}
