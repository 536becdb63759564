import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { verifyCheckpoint } from '../../data/audit/audit-log.js'
import { writeTransaction } from '../../data/db/context.js'
import { InvalidFieldError } from '../../engine/errors.js'
import { ACCESS } from '../roles.js'
import { actorOf, asResponse, doc, type RouteDeps } from '../route-support.js'
import { enumOf, problemResponses, RECORD_BODY_LIMIT_BYTES } from '../schemas.js'

const HEX_64 = '^[0-9a-f]{64}$'

const CheckpointSchema = Type.Object({
  origin: Type.String({ maxLength: 200 }),
  seq: Type.Integer({ minimum: 0 }),
  headHash: Type.String({ pattern: HEX_64 }),
  at: Type.String({ maxLength: 40 }),
  publicKey: Type.String({ maxLength: 100, description: 'Raw Ed25519 public key, base64' }),
  signature: Type.String({ maxLength: 200, description: 'Ed25519 signature of "<origin>\\n<seq>\\n<headHash>\\n<at>\\n", base64' })
}, { additionalProperties: false })

const BrokenSchema = Type.Object({ seq: Type.Union([Type.Integer(), Type.Null()]), reason: Type.String() })

/** The audit log (verify the chain, read entries, signed checkpoints), oversight flags and the equity export. */
export const auditRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { registry, now, protection }) => {
  app.get('/audit/verify', {
    config: { roles: ACCESS.auditVerify },
    schema: {
      ...doc('audit', 'Verify the whole hash chain and every pinned row', ACCESS.auditVerify,
        'Names the first broken entry. A rewritten or truncated history is found by checking a checkpoint published earlier (POST /v1/audit/checkpoints/verify).'),
      response: { 200: Type.Object({ ok: Type.Boolean(), entries: Type.Integer(), headHash: Type.String(), firstBroken: Type.Optional(BrokenSchema) }), ...problemResponses() }
    }
  }, async () => asResponse(registry.audit.verify()))

  app.get('/audit/entries', {
    config: { roles: ACCESS.auditRead },
    schema: {
      ...doc('audit', 'Audit entries in sequence order, optionally for one entity', ACCESS.auditRead),
      querystring: Type.Object({
        fromSeq: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        entityType: Type.Optional(Type.String({ maxLength: 64 })),
        entityId: Type.Optional(Type.String({ maxLength: 200 }))
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          entries: Type.Array(Type.Object({
            seq: Type.Integer(),
            at: Type.String(),
            actor: Type.String(),
            action: Type.String(),
            entityType: Type.String(),
            entityId: Type.String(),
            payload: Type.Record(Type.String(), Type.Unknown()),
            prevHash: Type.String(),
            hash: Type.String()
          })),
          next: Type.Optional(Type.Integer({ description: 'fromSeq of the next page' }))
        }),
        ...problemResponses()
      }
    }
  }, async (request) => {
    const { fromSeq = 1, limit = 100, entityType, entityId } = request.query
    if ((entityType === undefined) !== (entityId === undefined)) {
      throw new InvalidFieldError(entityType === undefined ? 'querystring.entityType' : 'querystring.entityId', 'must be given together with the other (entityType and entityId)')
    }
    const entries = registry.audit.list({ fromSeq, limit, ...(entityId === undefined ? {} : { entityType, entityId }) })
    const last = entries[entries.length - 1]
    return asResponse({ entries, ...(entries.length === limit && last !== undefined ? { next: last.seq + 1 } : {}) })
  })

  app.get('/audit/checkpoint', {
    config: { roles: ACCESS.auditVerify },
    schema: {
      ...doc('audit', 'A signed checkpoint of the log\'s current head, to publish outside this host', ACCESS.auditVerify),
      response: { 200: CheckpointSchema, ...problemResponses() }
    }
  }, async () => registry.audit.exportCheckpoint())

  app.post('/audit/checkpoints/verify', {
    config: { roles: ACCESS.auditVerify },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('audit', 'Check a checkpoint published earlier against the log (signature, presence, chain, head hash)', ACCESS.auditVerify,
        'Pass the public key you already trust as trustedPublicKey: the key inside the checkpoint proves nothing on its own.'),
      body: Type.Object({ checkpoint: CheckpointSchema, trustedPublicKey: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ ok: Type.Boolean(), reason: Type.Optional(Type.String()), firstBroken: Type.Optional(BrokenSchema) }), ...problemResponses(413) }
    }
  }, async (request) => {
    const { checkpoint, trustedPublicKey } = request.body
    return asResponse(verifyCheckpoint(checkpoint, registry.db, trustedPublicKey === undefined ? {} : { trustedPublicKey }))
  })

  app.get('/equity/protected-attributes', {
    config: { roles: ACCESS.equityExport },
    schema: {
      ...doc('equity', 'Protected attributes of every candidate or donor, by pseudonym, for equity monitoring; the export is audited', ACCESS.equityExport),
      querystring: Type.Object({ subjectKind: enumOf(['candidate', 'donor'] as const) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          subjectKind: Type.String(),
          subjects: Type.Array(Type.Object({
            subjectId: Type.String(), sex: Type.Optional(Type.String()), raceEthnicity: Type.Optional(Type.String()), nationality: Type.Optional(Type.String()), residence: Type.Optional(Type.String())
          }))
        }),
        ...problemResponses()
      }
    }
  }, async (request, reply) => {
    const { subjectKind } = request.query
    const subjects = writeTransaction(registry.db, () => {
      const all = registry.identity.protectedAttributesForEquity(subjectKind)
      const rows = protection === undefined ? all : protection.visible(request, all, (row) => [row.subjectId])
      registry.audit.append({ actor: actorOf(request), action: 'protected-attributes.exported', entityType: 'registry', entityId: registry.registryId, payload: { subjectKind, subjects: rows.length } })
      return rows
    })
    reply.header('cache-control', 'no-store')
    return asResponse({ subjectKind, subjects })
  })
}
