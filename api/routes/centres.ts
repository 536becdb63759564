import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ACTIVITIES } from '../../engine/domain/centre.js'
import { ACCESS } from '../roles.js'
import { actorOf, asResponse, defined, doc, queryInstant, requireResource, type RouteDeps } from '../route-support.js'
import { calendarDate, enumOf, instant, OrganTypeSchema, problemResponses, RECORD_BODY_LIMIT_BYTES, text } from '../schemas.js'

const CENTRE_ID = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'
const CentreIdSchema = Type.String({ pattern: CENTRE_ID, description: 'Centre code: 1-64 letters, digits, . _ -' })

const AuthorisationSchema = Type.Object({
  organType: Type.String(),
  activity: Type.String(),
  validFrom: Type.String(),
  validUntil: Type.Optional(Type.String()),
  suspended: Type.Boolean()
})

export const CentreSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  country: Type.String(),
  region: Type.String(),
  latitudeDeg: Type.Number(),
  longitudeDeg: Type.Number(),
  authorisations: Type.Array(AuthorisationSchema, { description: 'As in force at the instant asked for' })
})

const AuthorisationRecordSchema = Type.Object({
  id: Type.Integer(),
  organType: Type.String(),
  activity: Type.String(),
  validFrom: Type.String(),
  validUntil: Type.Optional(Type.String()),
  decisionReference: Type.String(),
  suspensions: Type.Array(Type.Object({ id: Type.Integer(), suspendedFrom: Type.String(), liftedAt: Type.Optional(Type.String()), reason: Type.String() }))
})

const AtQuery = { at: Type.Optional(instant('Instant to evaluate authorisations at; default now')) }

/** Centres and the authorisations they hold (UN 71/322 para 3(d)): recorded by clerks, granted and suspended by the registry authority. */
export const centreRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { registry, now }) => {
  app.post('/centres', {
    config: { roles: ACCESS.centreWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('centres', 'Register a transplant centre or donor hospital', ACCESS.centreWrite),
      body: Type.Object({
        id: CentreIdSchema,
        name: text('Name of the hospital or programme', 200),
        country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, capitals' }),
        region: text('Allocation region inside the country', 100),
        latitudeDeg: Type.Number({ minimum: -90, maximum: 90 }),
        longitudeDeg: Type.Number({ minimum: -180, maximum: 180 })
      }, { additionalProperties: false }),
      response: { 201: CentreSchema, ...problemResponses(409, 413) }
    }
  }, async (request, reply) => {
    const centre = registry.centres.register(request.body, actorOf(request))
    reply.code(201).header('location', `/v1/centres/${centre.id}`)
    return asResponse(centre)
  })

  app.get('/centres', {
    config: { roles: ACCESS.centreRead },
    schema: {
      ...doc('centres', 'Every centre, with authorisations in force at `at`', ACCESS.centreRead),
      querystring: Type.Object({ ...AtQuery, organType: Type.Optional(OrganTypeSchema) }, { additionalProperties: false }),
      response: { 200: Type.Object({ at: Type.String(), centres: Type.Array(CentreSchema) }), ...problemResponses() }
    }
  }, async (request) => {
    const at = queryInstant(request.query.at, 'at', now)
    return asResponse({ at, centres: registry.centres.list(at, request.query.organType) })
  })

  app.get('/centres/:centreId', {
    config: { roles: ACCESS.centreRead },
    schema: {
      ...doc('centres', 'A centre with its authorisations in force at `at` and their full history', ACCESS.centreRead),
      params: Type.Object({ centreId: CentreIdSchema }),
      querystring: Type.Object(AtQuery, { additionalProperties: false }),
      response: { 200: Type.Object({ at: Type.String(), centre: CentreSchema, authorisationRecords: Type.Array(AuthorisationRecordSchema) }), ...problemResponses(404) }
    }
  }, async (request) => {
    requireResource(registry, 'centre', request.params.centreId, 'centre')
    const at = queryInstant(request.query.at, 'at', now)
    return asResponse({ at, centre: registry.centres.get(request.params.centreId, at), authorisationRecords: registry.centres.authorisations(request.params.centreId) })
  })

  app.post('/centres/:centreId/authorisations', {
    config: { roles: ACCESS.authorisationWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('centres', 'Grant an authorisation for an organ type and activity', ACCESS.authorisationWrite),
      params: Type.Object({ centreId: CentreIdSchema }),
      body: Type.Object({
        organType: OrganTypeSchema,
        activity: enumOf(ACTIVITIES),
        validFrom: calendarDate('First valid day'),
        validUntil: Type.Optional(calendarDate('Last valid day, inclusive; absent means open-ended')),
        decisionReference: text('The competent authority\'s decision number', 200)
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ authorisationId: Type.Integer(), centreId: Type.String() }), ...problemResponses(404, 413) }
    }
  }, async (request, reply) => {
    requireResource(registry, 'centre', request.params.centreId, 'centre')
    const id = registry.centres.grantAuthorisation(request.params.centreId, request.body, actorOf(request))
    reply.code(201)
    return { authorisationId: id, centreId: request.params.centreId }
  })

  app.post('/authorisations/:authorisationId/suspensions', {
    config: { roles: ACCESS.authorisationWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('centres', 'Suspend an authorisation from an instant until lifted', ACCESS.authorisationWrite),
      params: Type.Object({ authorisationId: Type.Integer({ minimum: 1 }) }),
      body: Type.Object({ from: instant('Suspended from'), reason: text('Why') }, { additionalProperties: false }),
      response: { 201: Type.Object({ suspensionId: Type.Integer(), authorisationId: Type.Integer() }), ...problemResponses(404, 409, 413) }
    }
  }, async (request, reply) => {
    const { authorisationId } = request.params
    requireResource(registry, 'authorisation', authorisationId, 'authorisation')
    const suspensionId = registry.centres.suspendAuthorisation(authorisationId, request.body, actorOf(request))
    reply.code(201)
    return { suspensionId, authorisationId }
  })

  app.post('/suspensions/:suspensionId/lift', {
    config: { roles: ACCESS.authorisationWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('centres', 'Lift a suspension', ACCESS.authorisationWrite),
      params: Type.Object({ suspensionId: Type.Integer({ minimum: 1 }) }),
      body: Type.Object({ at: instant('Lifted at') }, { additionalProperties: false }),
      response: { 200: Type.Object({ suspensionId: Type.Integer(), liftedAt: Type.String() }), ...problemResponses(404, 409, 413) }
    }
  }, async (request) => {
    const { suspensionId } = request.params
    requireResource(registry, 'suspension', suspensionId, 'suspension')
    registry.centres.liftSuspension(suspensionId, request.body, actorOf(request))
    return defined({ suspensionId, liftedAt: new Date(request.body.at).toISOString() })
  })
}
