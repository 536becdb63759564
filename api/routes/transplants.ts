import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { idempotentCreate } from '../idempotency.js'
import { ApiError } from '../problem.js'
import { exists, followUpStatus, refusedCandidates } from '../registry-queries.js'
import { ACCESS } from '../roles.js'
import { actorOf, asResponse, defined, doc, requireResource, type RouteDeps } from '../route-support.js'
import { enumOf, instant, problemResponses, pseudonymId, RECORD_BODY_LIMIT_BYTES, text } from '../schemas.js'
import { MatchRunIdSchema, matchRunCache, rankOn } from './match-runs.js'

const TransplantIdSchema = Type.String({ pattern: '^T-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'Transplant id (T-<uuid>)' })

const TransplantSchema = Type.Object({
  id: Type.String(),
  organId: Type.String(),
  candidateId: Type.String(),
  centreId: Type.String(),
  matchRunId: Type.Optional(Type.String()),
  transplantedAt: Type.String(),
  recordedAt: Type.String()
})

const FollowUpSchema = Type.Object({
  id: Type.Integer(),
  transplantId: Type.String(),
  subjectKind: Type.String(),
  subjectId: Type.String(),
  label: Type.String(),
  dueDate: Type.String(),
  windowStart: Type.String(),
  windowEnd: Type.String(),
  status: Type.String(),
  completedAt: Type.Optional(Type.String()),
  closedReason: Type.Optional(Type.String())
})

/** How many skipped candidates a flag lists by pseudonym; the count is always complete. */
const SKIPPED_LISTED = 50

/**
 * Transplants and follow-ups. A deceased donor's organ may go only to a candidate ranked on that
 * organ's match run (indicator F1, severity B: refused). Candidates ranked above the recipient who
 * have no recorded refusal (N or B with a code) were skipped (F2, severity R): the transplant is
 * recorded, since it happened, and an oversight flag goes to review in the same transaction.
 */
export const transplantRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { registry, now }) => {
  const storedRun = matchRunCache(registry)

  app.post('/transplants', {
    config: { roles: ACCESS.transplantWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('transplants', 'Record a transplant (starts the follow-up schedule)', ACCESS.transplantWrite,
        'Refused (409 API_CANDIDATE_NOT_ON_MATCH_RUN) when a deceased donor\'s organ goes to a candidate not ranked on its match run; flagged (F2) when higher-ranked candidates have no recorded refusal. Send an Idempotency-Key header so a retry never records a second transplant.'),
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
      body: Type.Object({
        organId: Type.String({ maxLength: 100 }),
        candidateId: pseudonymId('candidate', 'Recipient'),
        centreId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'Transplanting centre' }),
        transplantedAt: instant('Transplant'),
        matchRunId: Type.Optional(MatchRunIdSchema)
      }, { additionalProperties: false }),
      response: {
        201: Type.Object({
          transplant: TransplantSchema,
          oversightFlags: Type.Array(Type.Object({ id: Type.Integer(), ruleId: Type.String(), severity: Type.String(), skippedCandidates: Type.Integer() }))
        }),
        ...problemResponses(409, 413)
      }
    }
  }, async (request, reply) => {
    const actor = actorOf(request)
    const { matchRunId, candidateId, organId } = request.body
    let skipped: string[] = []
    let recipientRank: number | undefined
    if (matchRunId !== undefined && exists(registry, 'matchRun', matchRunId)) {
      const run = storedRun(matchRunId)
      // A run of another organ is refused by the repository with the field named.
      if (run.organId === organId) {
        recipientRank = rankOn(run.matchList, candidateId, 'body.candidateId')
        const refused = refusedCandidates(registry, matchRunId)
        skipped = run.matchList.ranked.filter((e) => e.rank < (recipientRank as number) && !refused.has(e.candidateId)).map((e) => e.candidateId)
      }
    }
    return asResponse(await idempotentCreate(registry, request, reply, () => undefined, () => {
      const transplant = registry.transplants.record(defined(request.body), actor)
      const oversightFlags = []
      if (skipped.length > 0) {
        const flag = registry.oversight.raise({
          ruleId: 'F2@1',
          severity: 'R',
          entityType: 'transplant',
          entityId: transplant.id,
          evidence: { organId, matchRunId, recipientCandidateId: candidateId, recipientRank, skippedCount: skipped.length, skippedCandidates: skipped.slice(0, SKIPPED_LISTED) },
          raisedAt: now()
        }, actor)
        oversightFlags.push({ id: flag.id, ruleId: flag.ruleId, severity: flag.severity, skippedCandidates: skipped.length })
      }
      return { statusCode: 201, body: { transplant, oversightFlags }, location: `/v1/transplants/${transplant.id}` }
    }, now))
  })

  app.get('/transplants/:transplantId', {
    config: { roles: ACCESS.transplantRead },
    schema: {
      ...doc('transplants', 'A transplant', ACCESS.transplantRead),
      params: Type.Object({ transplantId: TransplantIdSchema }),
      response: { 200: Type.Object({ transplant: TransplantSchema }), ...problemResponses(404) }
    }
  }, async (request) => {
    requireResource(registry, 'transplant', request.params.transplantId, 'transplant')
    return asResponse({ transplant: registry.transplants.get(request.params.transplantId) })
  })

  app.get('/transplants/:transplantId/follow-ups', {
    config: { roles: ACCESS.transplantRead },
    schema: {
      ...doc('transplants', 'The follow-up schedule of a transplant (recipient, and living donor)', ACCESS.transplantRead),
      params: Type.Object({ transplantId: TransplantIdSchema }),
      response: { 200: Type.Object({ transplantId: Type.String(), followUps: Type.Array(FollowUpSchema) }), ...problemResponses(404) }
    }
  }, async (request) => {
    const { transplantId } = request.params
    requireResource(registry, 'transplant', transplantId, 'transplant')
    return asResponse({ transplantId, followUps: registry.transplants.followUps(transplantId) })
  })

  app.post('/follow-ups/:followUpId/completion', {
    config: { roles: ACCESS.followUpWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('transplants', 'Record a completed follow-up form', ACCESS.followUpWrite),
      params: Type.Object({ followUpId: Type.Integer({ minimum: 1 }) }),
      body: Type.Object({
        completedAt: instant('Completed'),
        form: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 200, description: 'The follow-up form (graft function, status, …); stored, not logged' })
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ followUpId: Type.Integer(), status: Type.Literal('completed'), completedAt: Type.String() }), ...problemResponses(404, 409, 413) }
    }
  }, async (request) => {
    const { followUpId } = request.params
    requireResource(registry, 'followUp', followUpId, 'follow-up')
    const status = followUpStatus(registry, followUpId)
    if (status !== 'due') throw new ApiError(409, 'API_CONFLICT', `follow-up ${followUpId} is ${String(status)}, not due`)
    registry.transplants.completeFollowUp(followUpId, request.body, actorOf(request))
    return { followUpId, status: 'completed' as const, completedAt: new Date(request.body.completedAt).toISOString() }
  })

  app.post('/transplants/:transplantId/follow-ups/closure', {
    config: { roles: ACCESS.followUpWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('transplants', 'Close the follow-ups still due after an instant (death, graft failure, transfer, lost to follow-up)', ACCESS.followUpWrite),
      params: Type.Object({ transplantId: TransplantIdSchema }),
      body: Type.Object({ subjectKind: enumOf(['recipient', 'living-donor'] as const), at: instant('From'), reason: text('Why') }, { additionalProperties: false }),
      response: { 200: Type.Object({ transplantId: Type.String(), closed: Type.Integer() }), ...problemResponses(404, 413) }
    }
  }, async (request) => {
    const { transplantId } = request.params
    requireResource(registry, 'transplant', transplantId, 'transplant')
    return { transplantId, closed: registry.transplants.closeFollowUps(transplantId, request.body, actorOf(request)) }
  })
}
