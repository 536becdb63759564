import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ACCESS, type Role } from '../roles.js'
import { IdentifiersSchema, ProtectedAttributesSchema } from '../registry-schemas.js'
import { actorOf, asResponse, defined, doc, requireResource, type RouteDeps } from '../route-support.js'
import { problemResponses, pseudonymId, RECORD_BODY_LIMIT_BYTES, text } from '../schemas.js'

export interface IdentityRouteOptions extends RouteDeps {
  readonly kind: 'candidate' | 'donor'
  /** Roles that may record identifiers and protected attributes. */
  readonly writers: readonly Role[]
}

/**
 * Direct identifiers and protected attributes of a candidate or donor. They can be recorded (and
 * replaced) by the roles that register the subject, are stored apart (identifiers encrypted), and
 * are never part of any other response. Identifiers come back only through an audited reveal, by
 * the registry authority, with a stated reason (45 CFR 164.312(b); registry decision 1 in docs/registry.md).
 */
export const identityRoutes: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (app, { registry, kind, writers }) => {
  const plural = kind === 'candidate' ? 'candidates' : 'donors'
  const tag = plural
  // Named as on the subject's other routes (/candidates/:candidateId, /donors/:donorId).
  const param = kind === 'candidate' ? 'candidateId' : 'donorId'
  const Params = Type.Record(Type.Literal(param), pseudonymId(kind, `${kind} pseudonym`))
  const subjectOf = (params: Record<string, string>): string => params[param] as string

  app.put(`/${plural}/:${param}/identifiers`, {
    config: { roles: writers },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc(tag, `Record or replace the ${kind}'s direct identifiers (stored encrypted; never returned except by reveal)`, writers),
      params: Params,
      body: Type.Object(IdentifiersSchema.properties, { additionalProperties: false, minProperties: 1 }),
      response: { 200: Type.Object({ subjectId: Type.String(), fieldsRecorded: Type.Array(Type.String()) }), ...problemResponses(404, 413) }
    }
  }, async (request) => {
    const subjectId = subjectOf(request.params)
    requireResource(registry, kind, subjectId, kind)
    registry.identity.recordIdentifiers(subjectId, kind, defined(request.body), actorOf(request))
    return { subjectId, fieldsRecorded: Object.keys(request.body).sort() }
  })

  app.put(`/${plural}/:${param}/protected-attributes`, {
    config: { roles: writers },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc(tag, `Record or replace the ${kind}'s protected attributes (equity monitoring only; the engine never reads them)`, writers),
      params: Params,
      body: Type.Object(ProtectedAttributesSchema.properties, { additionalProperties: false, minProperties: 1 }),
      response: { 200: Type.Object({ subjectId: Type.String(), fieldsRecorded: Type.Array(Type.String()) }), ...problemResponses(404, 413) }
    }
  }, async (request) => {
    const subjectId = subjectOf(request.params)
    requireResource(registry, kind, subjectId, kind)
    registry.identity.recordProtectedAttributes(subjectId, kind, defined(request.body), actorOf(request))
    return { subjectId, fieldsRecorded: Object.keys(request.body).sort() }
  })

  app.post(`/${plural}/:${param}/identifiers/reveal`, {
    config: { roles: ACCESS.identifierReveal },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc(tag, `Reveal the ${kind}'s direct identifiers; the reveal, who asked and why, is audited`, ACCESS.identifierReveal),
      params: Params,
      body: Type.Object({ reason: text('Why the identifiers are needed (recorded in the audit log)', 500) }, { additionalProperties: false }),
      response: {
        200: Type.Object({ subjectId: Type.String(), name: Type.Optional(Type.String()), nationalId: Type.Optional(Type.String()), birthDate: Type.Optional(Type.String()), personPseudonym: Type.Optional(Type.String()) }),
        ...problemResponses(404, 413)
      }
    }
  }, async (request, reply) => {
    const subjectId = subjectOf(request.params)
    requireResource(registry, kind, subjectId, kind)
    requireResource(registry, 'identifiers', subjectId, 'recorded identifiers of')
    const revealed = registry.identity.reveal(subjectId, { reason: request.body.reason }, actorOf(request))
    // Identifiers must not linger in shared caches or the browser's.
    reply.header('cache-control', 'no-store')
    return asResponse({ subjectId, ...revealed })
  })
}
