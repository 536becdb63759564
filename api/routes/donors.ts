import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { CONSENT_BASES, CONSENT_RECORD_TYPES, LIVING_RELATIONSHIPS } from '../../data/db/donor-repository.js'
import { kdpiTables } from '../../data/reference/clinical-tables.js'
import { computeKdpi, selectKdpiTable } from '../../engine/clinical/kdpi.js'
import { consentRecords, matchRunsOfOrgan, organIdsOfDonor } from '../registry-queries.js'
import {
  DeceasedDonorViewSchema, DonorClinicalFields, IdentifiersSchema, LivingDonorViewSchema, OrganViewSchema, ProtectedAttributesSchema
} from '../registry-schemas.js'
import { ACCESS } from '../roles.js'
import { actorOf, asResponse, defined, doc, renamingFields, requireResource, type RouteDeps } from '../route-support.js'
import {
  enumOf, instant, OrganPartSchema, OrganTypeSchema, problemResponses, pseudonymId, RECORD_BODY_LIMIT_BYTES, text, TriStateSchema, UserIdSchema
} from '../schemas.js'

const DonorParams = Type.Object({ donorId: pseudonymId('donor', 'Donor pseudonym (D-…)') })
const OrganParams = Type.Object({ organId: Type.String({ pattern: '^D-[0-9A-Z]{26}\\.[a-z]+\\.[a-z-]+$', description: 'Organ id: <donor>.<organ type>.<part>' }) })
const CentreId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })

const ReportFields = {
  localId: text('The reporting organisation\'s donor number; only its keyed pseudonym is kept', 100),
  hospitalCentreId: CentreId,
  reportedAt: instant('Reported to the registry'),
  ...DonorClinicalFields,
  hypertension: TriStateSchema,
  diabetes: TriStateSchema,
  identifiers: Type.Optional(IdentifiersSchema),
  protectedAttributes: Type.Optional(ProtectedAttributesSchema)
}

const ConsentSchema = Type.Object({
  id: Type.Integer(),
  recordType: Type.String(),
  basis: Type.String(),
  organTypes: Type.Array(Type.String()),
  obtainedAt: Type.String(),
  obtainedBy: Type.String(),
  language: Type.Optional(Type.String()),
  witness: Type.Optional(Type.String())
})

const CharacterisationSchema = Type.Object({
  computed: Type.Boolean({ description: 'True when KDRI and KDPI were computed here (OPTN refit 2024, newest reference table)' }),
  kdri: Type.Optional(Type.Number()),
  kdpi: Type.Optional(Type.Number()),
  referenceYear: Type.Optional(Type.Integer())
})

/** Deceased and living donors, consent and authorisation records, organs, recovery and disposition. */
export const donorRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { registry }) => {
  app.post('/donors', {
    config: { roles: ACCESS.donorReport },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('donors', 'Report a deceased donor and characterise it', ACCESS.donorReport,
        'When neither kdri nor kdpi is given they are computed (OPTN refit-2024 KDRI, newest KDPI reference table), as the importer does; given values are kept.'),
      body: Type.Object({
        ...ReportFields,
        pathway: enumOf(['DBD', 'DCD'] as const),
        causeOfDeathCva: Type.Boolean(),
        kdri: Type.Optional(Type.Number({ minimum: 0.1, maximum: 10 })),
        kdpi: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
        ukDonorRiskQuartile: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 }))
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ donor: DeceasedDonorViewSchema, characterisation: CharacterisationSchema }), ...problemResponses(409, 413) }
    }
  }, async (request, reply) => {
    const { identifiers, protectedAttributes, ...report } = request.body
    let characterisation: { computed: boolean, kdri?: number, kdpi?: number, referenceYear?: number } = { computed: false }
    if (report.kdri === undefined && report.kdpi === undefined) {
      const table = selectKdpiTable(kdpiTables, 'refit-2024')
      const score = computeKdpi({
        ageYears: report.ageYears, heightCm: report.heightCm, weightKg: report.weightKg, hypertension: report.hypertension, diabetes: report.diabetes,
        causeOfDeathCva: report.causeOfDeathCva, creatinineMgDl: report.creatinineMgDl, dcd: report.pathway === 'DCD'
      }, table)
      // Six decimals, as the importer stores a computed KDRI (data/import/importer.ts).
      characterisation = { computed: true, kdri: Math.round(score.kdriRao * 1e6) / 1e6, kdpi: score.kdpi, referenceYear: score.referenceYear }
    }
    const donor = registry.donors.registerDeceased({
      ...defined(report),
      ...(characterisation.computed ? { kdri: characterisation.kdri, kdpi: characterisation.kdpi } : {}),
      ...(identifiers === undefined ? {} : { identifiers: defined(identifiers) }),
      ...(protectedAttributes === undefined ? {} : { protectedAttributes: defined(protectedAttributes) })
    }, actorOf(request))
    if (!characterisation.computed) characterisation = defined({ computed: false, kdri: donor.kdri, kdpi: donor.kdpi })
    reply.code(201).header('location', `/v1/donors/${donor.id}`)
    return asResponse({ donor, characterisation })
  })

  app.post('/living-donors', {
    config: { roles: ACCESS.livingDonation },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('donors', 'Register a living donor', ACCESS.livingDonation,
        'Recovery will be refused until consent and an approved procedure authorisation decided before surgery are recorded (UN 71/322 para 3(f)).'),
      body: Type.Object({ ...ReportFields, relationship: enumOf(LIVING_RELATIONSHIPS) }, { additionalProperties: false }),
      response: { 201: Type.Object({ donor: LivingDonorViewSchema }), ...problemResponses(409, 413) }
    }
  }, async (request, reply) => {
    const { identifiers, protectedAttributes, ...report } = request.body
    const donor = registry.donors.registerLiving({
      ...report,
      ...(identifiers === undefined ? {} : { identifiers: defined(identifiers) }),
      ...(protectedAttributes === undefined ? {} : { protectedAttributes: defined(protectedAttributes) })
    }, actorOf(request))
    reply.code(201).header('location', `/v1/donors/${donor.id}`)
    return asResponse({ donor })
  })

  app.get('/donors/:donorId', {
    config: { roles: ACCESS.donorRead },
    schema: {
      ...doc('donors', 'A donor with its organs and consent records', ACCESS.donorRead),
      params: DonorParams,
      response: {
        200: Type.Object({ donor: Type.Union([DeceasedDonorViewSchema, LivingDonorViewSchema]), organs: Type.Array(OrganViewSchema), consents: Type.Array(ConsentSchema) }),
        ...problemResponses(404)
      }
    }
  }, async (request) => {
    const { donorId } = request.params
    requireResource(registry, 'donor', donorId, 'donor')
    const donor = registry.donors.kindOf(donorId) === 'deceased' ? registry.donors.getDeceased(donorId) : registry.donors.getLiving(donorId)
    return asResponse({ donor, organs: organIdsOfDonor(registry, donorId).map((id) => registry.donors.getOrgan(id)), consents: consentRecords(registry, donorId) })
  })

  app.post('/donors/:donorId/consents', {
    config: { roles: ACCESS.donorReport },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('donors', 'Record consent, authorisation, verified no-objection, or a withdrawal', ACCESS.donorReport),
      params: DonorParams,
      body: Type.Object({
        recordType: enumOf(CONSENT_RECORD_TYPES),
        basis: enumOf(CONSENT_BASES),
        organTypes: Type.Array(OrganTypeSchema, { minItems: 1, maxItems: 6 }),
        obtainedAt: instant('Obtained'),
        obtainedBy: UserIdSchema,
        language: Type.Optional(Type.String({ maxLength: 35, description: 'BCP 47 tag, e.g. nl or pt-BR' })),
        witness: Type.Optional(text('Staff user id or role of the witness', 64))
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ consentRecordId: Type.Integer(), donorId: Type.String() }), ...problemResponses(404, 413) }
    }
  }, async (request, reply) => {
    const { donorId } = request.params
    requireResource(registry, 'donor', donorId, 'donor')
    const id = registry.donors.recordConsent(donorId, defined(request.body), actorOf(request))
    reply.code(201)
    return { consentRecordId: id, donorId }
  })

  app.post('/donors/:donorId/procedure-authorisations', {
    config: { roles: ACCESS.procedureAuthorisation },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('donors', 'Record the independent decision approving or refusing a living donation', ACCESS.procedureAuthorisation),
      params: DonorParams,
      body: Type.Object({
        candidateId: Type.Optional(pseudonymId('candidate', 'Intended recipient')),
        decision: enumOf(['approved', 'refused'] as const),
        decidedBy: text('Deciding body: ethics committee, independent assessor, competent authority', 200),
        decidedAt: instant('Decided'),
        reference: text('Decision reference', 200)
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ procedureAuthorisationId: Type.Integer(), donorId: Type.String() }), ...problemResponses(404, 413) }
    }
  }, async (request, reply) => {
    const { donorId } = request.params
    requireResource(registry, 'donor', donorId, 'donor')
    const id = registry.donors.recordProcedureAuthorisation({ donorId, ...defined(request.body) }, actorOf(request))
    reply.code(201)
    return { procedureAuthorisationId: id, donorId }
  })

  app.post('/donors/:donorId/organs', {
    config: { roles: ACCESS.donorReport },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('donors', 'Register an organ of the donor (the unit a match run is for)', ACCESS.donorReport),
      params: DonorParams,
      body: Type.Object({ organType: OrganTypeSchema, part: OrganPartSchema }, { additionalProperties: false }),
      response: { 201: Type.Object({ organ: OrganViewSchema }), ...problemResponses(404, 409, 413) }
    }
  }, async (request, reply) => {
    const { donorId } = request.params
    requireResource(registry, 'donor', donorId, 'donor')
    const organ = registry.donors.registerOrgan(donorId, request.body, actorOf(request))
    reply.code(201).header('location', `/v1/organs/${organ.id}`)
    return { organ }
  })

  app.get('/organs/:organId', {
    config: { roles: ACCESS.donorRead },
    schema: {
      ...doc('donors', 'An organ with its recovery, disposition and match runs (without their lists)', ACCESS.donorRead),
      params: OrganParams,
      response: {
        200: Type.Object({
          organ: OrganViewSchema,
          matchRuns: Type.Array(Type.Object({
            id: Type.String(),
            policy: Type.Object({ id: Type.String(), version: Type.String(), hash: Type.String() }),
            snapshotHash: Type.String(),
            outputHash: Type.String(),
            matchTime: Type.String(),
            recordedAt: Type.String()
          }))
        }),
        ...problemResponses(404)
      }
    }
  }, async (request) => {
    const { organId } = request.params
    requireResource(registry, 'organ', organId, 'organ')
    return { organ: registry.donors.getOrgan(organId), matchRuns: matchRunsOfOrgan(registry, organId) }
  })

  app.post('/organs/:organId/recovery', {
    config: { roles: ACCESS.donorReport },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('donors', 'Record recovery (refused without consent in force, and for living donors without an approved authorisation)', ACCESS.donorReport),
      params: OrganParams,
      body: Type.Object({ recoveredAt: instant('Recovered') }, { additionalProperties: false }),
      response: { 200: Type.Object({ organ: OrganViewSchema }), ...problemResponses(404, 409, 413) }
    }
  }, async (request) => {
    const { organId } = request.params
    requireResource(registry, 'organ', organId, 'organ')
    renamingFields(() => { registry.donors.recordRecovery(organId, request.body, actorOf(request)) }, { organId: 'params.organId' })
    return { organ: registry.donors.getOrgan(organId) }
  })

  app.post('/organs/:organId/disposition', {
    config: { roles: ACCESS.donorReport },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('donors', 'Record that an organ was discarded or used for research (a transplant is recorded under /transplants)', ACCESS.donorReport),
      params: OrganParams,
      body: Type.Object({ disposition: enumOf(['discarded', 'research'] as const), at: instant('When'), reason: text('Why') }, { additionalProperties: false }),
      response: { 200: Type.Object({ organ: OrganViewSchema }), ...problemResponses(404, 409, 413) }
    }
  }, async (request) => {
    const { organId } = request.params
    requireResource(registry, 'organ', organId, 'organ')
    renamingFields(() => { registry.donors.recordDisposition(organId, request.body, actorOf(request)) }, { organId: 'params.organId' })
    return { organ: registry.donors.getOrgan(organId) }
  })
}
