import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { ClinicalValues } from '../../data/db/candidate-repository.js'
import { listCandidates } from '../registry-queries.js'
import { CandidateViewSchema, ClinicalValuesSchema, IdentifiersSchema, ProtectedAttributesSchema } from '../registry-schemas.js'
import { ACCESS } from '../roles.js'
import { actorOf, asResponse, defined, doc, queryInstant, renamingFields, requireResource, type RouteDeps } from '../route-support.js'
import { AboSchema, AntigenListSchema, enumOf, HlaTypingSchema, instant, OrganTypeSchema, problemResponses, pseudonymId, RECORD_BODY_LIMIT_BYTES, text } from '../schemas.js'

const CandidateParams = Type.Object({ candidateId: pseudonymId('candidate', 'Candidate pseudonym (C-…)') })

const RegistrationBody = Type.Object({
  localId: text('The programme\'s own registration number; only its keyed pseudonym is kept (not a national id)', 100),
  organType: OrganTypeSchema,
  centreId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
  registeredAt: instant('Registration on the waiting list'),
  waitingTimeFrom: Type.Optional(instant('When waiting time starts counting, if before registration (e.g. dialysis start)')),
  birthMonth: Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'YYYY-MM: the only birth information kept outside the encrypted identifiers' }),
  abo: AboSchema,
  hla: HlaTypingSchema,
  priorLivingDonor: Type.Boolean(),
  diagnosisGroup: text('Primary diagnosis group', 100),
  eligibleForA2Kidney: Type.Boolean(),
  status: enumOf(['active', 'inactive'] as const),
  clinical: ClinicalValuesSchema,
  unacceptableAntigens: AntigenListSchema,
  identifiers: Type.Optional(IdentifiersSchema),
  protectedAttributes: Type.Optional(ProtectedAttributesSchema)
}, { additionalProperties: false })

const StatusHistorySchema = Type.Array(Type.Object({ status: Type.String(), effectiveAt: Type.String(), reason: Type.String(), recordedAt: Type.String() }))

/** Waiting-list candidates: registration, status, clinical values, unacceptable antigens, removal. */
export const candidateRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { registry, now, protection }) => {
  app.post('/candidates', {
    config: { roles: ACCESS.candidateWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('candidates', 'Register a candidate on the waiting list', ACCESS.candidateWrite,
        'The centre must hold a valid, unsuspended transplant authorisation for the organ on the registration date. Identifiers and protected attributes are stored apart and never returned.'),
      body: RegistrationBody,
      response: { 201: Type.Object({ candidate: CandidateViewSchema }), ...problemResponses(409, 413) }
    }
  }, async (request, reply) => {
    const { identifiers, protectedAttributes, waitingTimeFrom, clinical, ...rest } = request.body
    const candidate = registry.candidates.register({
      ...rest,
      ...(waitingTimeFrom === undefined ? {} : { waitingTimeFrom }),
      clinical: defined(clinical) as ClinicalValues,
      ...(identifiers === undefined ? {} : { identifiers: defined(identifiers) }),
      ...(protectedAttributes === undefined ? {} : { protectedAttributes: defined(protectedAttributes) })
    }, actorOf(request))
    reply.code(201).header('location', `/v1/candidates/${candidate.id}`)
    return asResponse({ candidate })
  })

  app.get('/candidates', {
    config: { roles: ACCESS.candidateRead },
    schema: {
      ...doc('candidates', 'Candidates by pseudonym, a page at a time (keyset paging: pass the last id as `after`)', ACCESS.candidateRead),
      querystring: Type.Object({
        organType: Type.Optional(OrganTypeSchema),
        centreId: Type.Optional(Type.String({ maxLength: 64 })),
        after: Type.Optional(Type.String({ maxLength: 64, description: 'Last id of the previous page' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 }))
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          candidates: Type.Array(Type.Object({ id: Type.String(), organType: Type.String(), centreId: Type.String(), registeredAt: Type.String() })),
          next: Type.Optional(Type.String({ description: 'Pass as `after` for the next page; absent on the last page' }))
        }),
        ...problemResponses()
      }
    }
  }, async (request) => {
    const limit = request.query.limit ?? 100
    const page = listCandidates(registry, { ...request.query, limit })
    const last = page[page.length - 1]
    // Paging follows the unfiltered page, so a page may hold fewer than `limit` and still have a next.
    const candidates = protection === undefined ? page : protection.visible(request, page, (c) => [c.id])
    return { candidates, ...(page.length === limit && last !== undefined ? { next: last.id } : {}) }
  })

  app.get('/candidates/:candidateId', {
    config: { roles: ACCESS.candidateRead },
    schema: {
      ...doc('candidates', 'A candidate as the engine sees it at `at` (default now)', ACCESS.candidateRead),
      params: CandidateParams,
      querystring: Type.Object({ at: Type.Optional(instant('Instant')) }, { additionalProperties: false }),
      response: { 200: Type.Object({ at: Type.String(), candidate: CandidateViewSchema }), ...problemResponses(404) }
    }
  }, async (request) => {
    const { candidateId } = request.params
    requireResource(registry, 'candidate', candidateId, 'candidate')
    const at = queryInstant(request.query.at, 'at', now)
    return asResponse({ at, candidate: renamingFields(() => registry.candidates.get(candidateId, at), { at: 'querystring.at' }) })
  })

  app.get('/candidates/:candidateId/status-history', {
    config: { roles: ACCESS.candidateRead },
    schema: {
      ...doc('candidates', 'Every status change with when it took effect and when it was recorded', ACCESS.candidateRead),
      params: CandidateParams,
      response: { 200: Type.Object({ candidateId: Type.String(), history: StatusHistorySchema }), ...problemResponses(404) }
    }
  }, async (request) => {
    const { candidateId } = request.params
    requireResource(registry, 'candidate', candidateId, 'candidate')
    return { candidateId, history: registry.candidates.statusHistory(candidateId) }
  })

  app.post('/candidates/:candidateId/status', {
    config: { roles: ACCESS.candidateWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('candidates', 'Make a candidate active or inactive (temporarily unable to receive offers)', ACCESS.candidateWrite,
        'Removal and death go through /removal; "transplanted" is set by recording the transplant.'),
      params: CandidateParams,
      body: Type.Object({ status: enumOf(['active', 'inactive'] as const), effectiveAt: instant('Takes effect'), reason: text('Why') }, { additionalProperties: false }),
      response: { 200: Type.Object({ candidateId: Type.String(), history: StatusHistorySchema }), ...problemResponses(404, 413) }
    }
  }, async (request) => {
    const { candidateId } = request.params
    requireResource(registry, 'candidate', candidateId, 'candidate')
    registry.candidates.changeStatus(candidateId, request.body, actorOf(request))
    return { candidateId, history: registry.candidates.statusHistory(candidateId) }
  })

  app.post('/candidates/:candidateId/removal', {
    config: { roles: ACCESS.candidateWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('candidates', 'Remove a candidate from the waiting list, with the reason', ACCESS.candidateWrite),
      params: CandidateParams,
      body: Type.Object({
        outcome: Type.Optional(enumOf(['removed', 'deceased'] as const, 'removed (default) or deceased')),
        effectiveAt: instant('Takes effect'),
        reason: text('Why (e.g. "recovered renal function", "transplanted abroad", "patient request")')
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ candidateId: Type.String(), history: StatusHistorySchema }), ...problemResponses(404, 413) }
    }
  }, async (request) => {
    const { candidateId } = request.params
    requireResource(registry, 'candidate', candidateId, 'candidate')
    const { outcome = 'removed', effectiveAt, reason } = request.body
    registry.candidates.changeStatus(candidateId, { status: outcome, effectiveAt, reason }, actorOf(request))
    return { candidateId, history: registry.candidates.statusHistory(candidateId) }
  })

  app.post('/candidates/:candidateId/clinical-values', {
    config: { roles: ACCESS.candidateWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('candidates', 'Record a new full set of clinical values (urgency, size, sensitisation, scores, acceptance criteria)', ACCESS.candidateWrite),
      params: CandidateParams,
      body: Type.Object({ effectiveAt: instant('Takes effect'), values: ClinicalValuesSchema }, { additionalProperties: false }),
      response: { 200: Type.Object({ candidate: CandidateViewSchema }), ...problemResponses(404, 413) }
    }
  }, async (request) => {
    const { candidateId } = request.params
    requireResource(registry, 'candidate', candidateId, 'candidate')
    registry.candidates.recordClinicalValues(candidateId, { effectiveAt: request.body.effectiveAt, values: defined(request.body.values) as ClinicalValues }, actorOf(request))
    const at = now()
    return asResponse({ candidate: registry.candidates.get(candidateId, at > request.body.effectiveAt ? at : new Date(request.body.effectiveAt).toISOString()) })
  })

  app.put('/candidates/:candidateId/unacceptable-antigens', {
    config: { roles: ACCESS.candidateWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('candidates', 'Replace the set of unacceptable antigens (virtual crossmatch) from an instant', ACCESS.candidateWrite),
      params: CandidateParams,
      body: Type.Object({ effectiveAt: instant('Takes effect'), antigens: AntigenListSchema }, { additionalProperties: false }),
      response: { 200: Type.Object({ candidateId: Type.String(), effectiveAt: Type.String(), antigens: Type.Array(Type.String()) }), ...problemResponses(404, 413) }
    }
  }, async (request) => {
    const { candidateId } = request.params
    requireResource(registry, 'candidate', candidateId, 'candidate')
    registry.candidates.setUnacceptableAntigens(candidateId, request.body, actorOf(request))
    const effectiveAt = new Date(request.body.effectiveAt).toISOString()
    return { candidateId, effectiveAt, antigens: registry.candidates.get(candidateId, effectiveAt).unacceptableAntigens.slice() }
  })
}
