import { stringify } from 'csv-stringify/sync'
import { requireInteger, requireString } from '../../engine/domain/input.js'
import type { OrganType } from '../../engine/domain/organ.js'
import { computeGodtReport, godtRow, type GodtDonor, type GodtEvents, type GodtOrgan, type GodtReport, type GodtTransplant } from '../../engine/oversight/godt.js'
import { computePathway, computeUtilisation, type PathwayCase, type PathwayDonor, type PathwayOrgan, type PathwayReport, type UtilisationReport } from '../../engine/oversight/pathway.js'
import { statement } from '../db/context.js'
import { optional, requireInstant } from '../db/values.js'
import type { OversightContext } from './context.js'
import type { PopulationTable } from './population.js'

/**
 * The GODT export and the self-sufficiency reports, computed from the registry's event tables
 * (donors, organs with recovery and fate, transplants, kidney-pancreas pairs, domino donors, pathway
 * cases) by the pure aggregations of engine/oversight. Only events that happened and were recorded
 * by the data cut-off count, so an export can be repeated: same cut-off, same snapshot hash.
 */

interface EventRows {
  donors: Array<GodtDonor & { centreId: string, reportedAt: string }>
  organs: Array<GodtOrgan & PathwayOrgan>
  transplants: GodtTransplant[]
  cases: PathwayCase[]
}

function loadEvents (ctx: OversightContext, cutoff: string): EventRows {
  const { db } = ctx
  const donorRows = statement(db, `SELECT d.id, d.kind, d.pathway, d.hospital_centre_id, d.reported_at, c.country,
      (SELECT 1 FROM domino_donors x WHERE x.donor_id = d.id AND x.recorded_at <= @cutoff) AS domino,
      (SELECT p.operative_incision_at FROM donation_pathway_cases p WHERE p.donor_id = d.id AND p.recorded_at <= @cutoff AND p.operative_incision_at <= @cutoff) AS incision_at
    FROM donors d JOIN centres c ON c.id = d.hospital_centre_id WHERE d.recorded_at <= @cutoff AND d.reported_at <= @cutoff ORDER BY d.id`).all({ cutoff }) as Array<{
    id: string, kind: 'deceased' | 'living', pathway: 'DBD' | 'DCD' | null, hospital_centre_id: string, reported_at: string, country: string, domino: number | null, incision_at: string | null
  }>
  const organRows = statement(db, `SELECT id, donor_id, organ_type, recovered_at, disposition, disposition_at, disposition_reason FROM organs
    WHERE recorded_at <= ? ORDER BY id`).all(cutoff) as Array<{
    id: string, donor_id: string, organ_type: OrganType, recovered_at: string | null, disposition: 'transplanted' | 'discarded' | 'research' | null, disposition_at: string | null, disposition_reason: string | null
  }>
  const transplantRows = statement(db, `SELECT t.id, t.organ_id, t.candidate_id, t.transplanted_at, c.country,
      (SELECT p.residence FROM protected_attributes p WHERE p.subject_id = t.candidate_id) AS residence,
      (SELECT CASE WHEN k.pancreas_transplant_id = t.id THEN 'pancreas' ELSE 'kidney' END FROM combined_transplants k
        WHERE (k.pancreas_transplant_id = t.id OR k.kidney_transplant_id = t.id) AND k.recorded_at <= @cutoff) AS kidney_pancreas
    FROM transplants t JOIN centres c ON c.id = t.centre_id WHERE t.transplanted_at <= @cutoff AND t.recorded_at <= @cutoff ORDER BY t.id`).all({ cutoff }) as Array<{
    id: string, organ_id: string, candidate_id: string, transplanted_at: string, country: string, residence: string | null, kidney_pancreas: 'pancreas' | 'kidney' | null
  }>
  const caseRows = statement(db, `SELECT p.id, p.hospital_centre_id, c.country, p.identified_at, p.furthest_stage, p.death_criterion, p.loss_reason, p.donor_id, p.operative_incision_at
    FROM donation_pathway_cases p JOIN centres c ON c.id = p.hospital_centre_id WHERE p.recorded_at <= @cutoff AND p.identified_at <= @cutoff ORDER BY p.id`).all({ cutoff }) as Array<{
    id: string, hospital_centre_id: string, country: string, identified_at: string, furthest_stage: 'possible' | 'potential' | 'eligible',
    death_criterion: 'neurological' | 'circulatory' | null, loss_reason: string | null, donor_id: string | null, operative_incision_at: string | null
  }>
  return {
    donors: donorRows.map((d) => ({
      id: d.id,
      kind: d.kind,
      pathway: d.pathway,
      country: d.country,
      domino: d.domino === 1,
      ...(d.incision_at === null ? {} : { incisionAt: d.incision_at }),
      centreId: d.hospital_centre_id,
      reportedAt: d.reported_at
    })),
    organs: organRows.map((o) => {
      const recovered = o.recovered_at !== null && o.recovered_at <= cutoff
      const fate = o.disposition !== null && o.disposition_at !== null && o.disposition_at <= cutoff
      return {
        id: o.id,
        donorId: o.donor_id,
        organType: o.organ_type,
        ...(recovered ? { recoveredAt: o.recovered_at as string } : {}),
        ...(fate ? { disposition: o.disposition as 'transplanted' | 'discarded' | 'research' } : {}),
        ...(fate && o.disposition_reason !== null ? { dispositionReason: o.disposition_reason } : {})
      }
    }),
    transplants: transplantRows.map((t) => ({
      id: t.id,
      organId: t.organ_id,
      centreCountry: t.country,
      transplantedAt: t.transplanted_at,
      ...(t.residence === null ? {} : { recipientResident: t.residence === t.country }),
      ...(t.kidney_pancreas === null ? {} : { kidneyPancreas: t.kidney_pancreas })
    })),
    cases: caseRows.map((c) => ({
      id: c.id,
      centreId: c.hospital_centre_id,
      country: c.country,
      identifiedAt: c.identified_at,
      furthestStage: c.furthest_stage,
      ...(c.death_criterion === null ? {} : { deathCriterion: c.death_criterion }),
      ...(c.loss_reason === null ? {} : { lossReason: c.loss_reason }),
      ...(c.donor_id === null ? {} : { donorId: c.donor_id }),
      ...(c.operative_incision_at === null ? {} : { incisionAt: c.operative_incision_at })
    }))
  }
}

/** The events one country-year's counts depend on (so its snapshot hash changes only when they do). */
function godtEvents (rows: EventRows, country: string, year: number): GodtEvents {
  const organsByDonor = new Map<string, typeof rows.organs>()
  for (const organ of rows.organs) organsByDonor.set(organ.donorId, [...(organsByDonor.get(organ.donorId) ?? []), organ])
  const organById = new Map(rows.organs.map((o) => [o.id, o]))
  const inYear = (instant: string | undefined): boolean => instant !== undefined && Number(instant.slice(0, 4)) === year
  const countryDonors = rows.donors.filter((d) => {
    if (d.kind !== 'deceased' || d.country !== country) return false
    const times = [...(organsByDonor.get(d.id) ?? []).flatMap((o) => (o.recoveredAt === undefined ? [] : [o.recoveredAt])), ...(d.incisionAt === undefined ? [] : [d.incisionAt])].sort()
    return inYear(times[0])
  })
  const countryDonorIds = new Set(countryDonors.map((d) => d.id))
  const transplants = rows.transplants.filter((t) => (t.centreCountry === country && inYear(t.transplantedAt)) || countryDonorIds.has(organById.get(t.organId)?.donorId ?? ''))
  const organIds = new Set([...rows.organs.filter((o) => countryDonorIds.has(o.donorId)).map((o) => o.id), ...transplants.map((t) => t.organId)])
  const organs = rows.organs.filter((o) => organIds.has(o.id))
  const donorIds = new Set(organs.map((o) => o.donorId))
  const strip = <T extends object>(value: T, keys: readonly string[]): T => Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k))) as T
  return {
    donors: rows.donors.filter((d) => donorIds.has(d.id) || countryDonorIds.has(d.id)).map((d) => strip(d, ['centreId', 'reportedAt'])),
    organs: organs.map((o) => ({ id: o.id, donorId: o.donorId, organType: o.organType, ...(o.recoveredAt === undefined ? {} : { recoveredAt: o.recoveredAt }) })),
    transplants
  }
}

function auditHeadAt (ctx: OversightContext, cutoff: string): { seq: number, hash: string } | undefined {
  return statement(ctx.db, 'SELECT seq, hash FROM audit_log WHERE at <= ? ORDER BY seq DESC LIMIT 1').get(cutoff) as { seq: number, hash: string } | undefined
}

export interface ReportRequest {
  readonly country: string
  readonly year: number
  /** Data cut-off (default: the registry clock now). */
  readonly cutoff?: string | undefined
}

function request (ctx: OversightContext, input: ReportRequest): { country: string, year: number, cutoff: string } {
  return {
    country: requireString(input.country, 'country', /^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in capitals'),
    year: requireInteger(input.year, 'year', { min: 1900, max: 2200, unit: '' }),
    cutoff: optional(input.cutoff, 'cutoff', requireInstant) ?? ctx.now()
  }
}

export function godtReport (ctx: OversightContext, population: PopulationTable, input: ReportRequest): GodtReport {
  const { country, year, cutoff } = request(ctx, input)
  const denominator = population.lookup(country, year)
  return computeGodtReport({ country, year, events: godtEvents(loadEvents(ctx, cutoff), country, year), population: denominator, dataCutoff: cutoff, auditHead: auditHeadAt(ctx, cutoff) })
}

/** The export as CSV: one header line with the GODT variable names, then the country-year's row. */
export function godtCsv (report: GodtReport): string {
  const row = godtRow(report)
  return stringify([row], { header: true, columns: Object.keys(row) })
}

export function pathwayReport (ctx: OversightContext, population: PopulationTable | undefined, input: ReportRequest): PathwayReport {
  const { country, year, cutoff } = request(ctx, input)
  const rows = loadEvents(ctx, cutoff)
  const donors: PathwayDonor[] = rows.donors.filter((d) => d.kind === 'deceased').map((d) => ({ id: d.id, centreId: d.centreId, country: d.country, reportedAt: d.reportedAt, pathway: d.pathway ?? 'DBD' }))
  const denominator = population?.rows.find((r) => r.country === country && r.year === year)
  return computePathway({ country, year, cases: rows.cases, donors, organs: rows.organs, population: denominator })
}

export function utilisationReport (ctx: OversightContext, population: PopulationTable | undefined, input: ReportRequest): UtilisationReport {
  const { country, year, cutoff } = request(ctx, input)
  const rows = loadEvents(ctx, cutoff)
  const donors: PathwayDonor[] = rows.donors.filter((d) => d.kind === 'deceased').map((d) => ({ id: d.id, centreId: d.centreId, country: d.country, reportedAt: d.reportedAt, pathway: d.pathway ?? 'DBD' }))
  const denominator = population?.rows.find((r) => r.country === country && r.year === year)
  return computeUtilisation({ country, year, donors, organs: rows.organs, population: denominator })
}
