import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Oversight } from '../../data/oversight/oversight.js'
import { GODT_VARIABLES } from '../../engine/oversight/godt.js'
import { PATHWAY_STAGES } from '../../engine/oversight/pathway.js'
import { ORGAN_TYPES } from '../../engine/domain/organ.js'
import { ACCESS } from '../roles.js'
import { asResponse, doc, renamingFields, type RouteDeps } from '../route-support.js'
import { enumOf, instant, problemResponses } from '../schemas.js'

/**
 * Reports for oversight bodies: the GODT questionnaire counts of a year (UN GA res. 71/322 para 3(h);
 * WHO-ONT Global Observatory on Donation and Transplantation), and the self-sufficiency analytics
 * (para 5): the deceased-donation critical pathway and organ utilisation. All aggregates, no identities.
 */

export interface ReportRouteOptions extends RouteDeps {
  readonly oversight: Oversight
}


const YearParams = Type.Object({ year: Type.Integer({ minimum: 1900, maximum: 2200 }) })
const ReportQuery = {
  country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code of the reporting country' }),
  cutoff: Type.Optional(instant('Data cut-off: events that happened and were recorded by then; default now'))
}
const Counts = (names: readonly string[]) => Type.Object(Object.fromEntries(names.map((name) => [name, Type.Number()])))
const Nullable = (schema: ReturnType<typeof Type.Number>) => Type.Union([schema, Type.Null()])

const GodtSchema = Type.Object({
  country: Type.String(),
  reportyear: Type.Integer(),
  population: Type.Integer(),
  counts: Counts(GODT_VARIABLES),
  pmp: Counts(GODT_VARIABLES),
  nonResidents: Type.Object({ nonresident_dd_tx: Type.Integer(), nonresident_ld_tx: Type.Integer(), residence_unknown_tx: Type.Integer() }),
  provenance: Type.Object({
    queryVersion: Type.String(),
    dataCutoff: Type.String(),
    snapshotHash: Type.String(),
    auditHead: Type.Optional(Type.Object({ seq: Type.Integer(), hash: Type.String() })),
    populationSource: Type.String()
  })
})

const StageCounts = Counts(PATHWAY_STAGES)
const PathwaySummaryFields = {
  stages: StageCounts,
  byDeathCriterion: Type.Object({ neurological: StageCounts, circulatory: StageCounts, unknown: StageCounts }),
  losses: Type.Array(Type.Object({ from: Type.String(), to: Type.String(), reason: Type.String(), count: Type.Integer() })),
  conversion: Type.Object(Object.fromEntries(['potentialPerPossible', 'eligiblePerPotential', 'actualPerEligible', 'utilisedPerActual'].map((k) => [k, Nullable(Type.Number())]))),
  donorsWithoutCase: Type.Integer()
}
const PathwaySchema = Type.Object({
  country: Type.String(),
  year: Type.Integer(),
  ...PathwaySummaryFields,
  population: Type.Optional(Type.Integer()),
  populationSource: Type.Optional(Type.String()),
  pmp: Type.Optional(StageCounts),
  byCentre: Type.Array(Type.Object({ centreId: Type.String(), ...PathwaySummaryFields }))
})

const UtilisationCounts = Type.Object({
  recovered: Type.Integer(),
  transplanted: Type.Integer(),
  discarded: Type.Integer(),
  research: Type.Integer(),
  noFate: Type.Integer(),
  utilisationRate: Nullable(Type.Number()),
  nonUseReasons: Type.Array(Type.Object({ disposition: Type.String(), reason: Type.String(), count: Type.Integer() }))
})
const ByOrgan = Type.Object(Object.fromEntries(ORGAN_TYPES.map((organ) => [organ, UtilisationCounts])))
const UtilisationSchema = Type.Object({
  country: Type.String(),
  year: Type.Integer(),
  byOrgan: ByOrgan,
  total: UtilisationCounts,
  pmp: Type.Optional(Type.Object({ recovered: Type.Number(), transplanted: Type.Number() })),
  population: Type.Optional(Type.Integer()),
  populationSource: Type.Optional(Type.String()),
  byCentre: Type.Array(Type.Object({ centreId: Type.String(), byOrgan: ByOrgan, total: UtilisationCounts }))
})

const QUERY_FIELDS = { country: 'querystring.country', cutoff: 'querystring.cutoff', year: 'params.year' }

export const reportRoutes: FastifyPluginAsyncTypebox<ReportRouteOptions> = async (app, { oversight }) => {
  app.get('/reports/godt/:year', {
    config: { roles: ACCESS.godtReport },
    schema: {
      ...doc('oversight', 'GODT questionnaire counts of a year, as JSON or CSV', ACCESS.godtReport,
        'Variables named as in the public GODT export (total_actual_dd, actual_dbd, … small_bowel_tx, total_tx), their rates per million population from the population table (source given), non-resident counts, and provenance: query version, data cut-off, snapshot hash, audit-log head. `format=csv` (or Accept: text/csv) gives one header line and one row.'),
      params: YearParams,
      querystring: Type.Object({ ...ReportQuery, format: Type.Optional(enumOf(['json', 'csv'] as const)) }, { additionalProperties: false }),
      response: { 200: GodtSchema, ...problemResponses() }
    }
  }, async (request, reply) => {
    const { country, cutoff, format } = request.query
    const report = renamingFields(() => oversight.godtReport({ country, year: request.params.year, cutoff }), QUERY_FIELDS)
    const csv = format === 'csv' || (format === undefined && (request.headers.accept ?? '').includes('text/csv'))
    if (csv) {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="godt-${report.country}-${report.reportyear}.csv"`)
        .serializer((payload: unknown) => payload as string).send(asResponse(oversight.godtCsv(report)))
    }
    return asResponse(report)
  })

  app.get('/reports/pathway/:year', {
    config: { roles: ACCESS.selfSufficiencyReport },
    schema: {
      ...doc('oversight', 'The deceased-donation critical pathway of a year, per donor hospital, with the reason for every drop', ACCESS.selfSufficiencyReport),
      params: YearParams,
      querystring: Type.Object(ReportQuery, { additionalProperties: false }),
      response: { 200: PathwaySchema, ...problemResponses() }
    }
  }, async (request) => asResponse(renamingFields(() => oversight.pathwayReport({ country: request.query.country, year: request.params.year, cutoff: request.query.cutoff }), QUERY_FIELDS)))

  app.get('/reports/utilisation/:year', {
    config: { roles: ACCESS.selfSufficiencyReport },
    schema: {
      ...doc('oversight', 'Organ utilisation of a year: recovered, transplanted, discarded, research, by organ, reason and donor hospital', ACCESS.selfSufficiencyReport),
      params: YearParams,
      querystring: Type.Object(ReportQuery, { additionalProperties: false }),
      response: { 200: UtilisationSchema, ...problemResponses() }
    }
  }, async (request) => asResponse(renamingFields(() => oversight.utilisationReport({ country: request.query.country, year: request.params.year, cutoff: request.query.cutoff }), QUERY_FIELDS)))
}
