import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { OFFER_RESPONSES, type StoredMatchRun } from '../../data/db/match-run-repository.js'
import type { Registry } from '../../data/registry.js'
import type { MatchList } from '../../engine/match/match-list.js'
import { LruCache } from '../../engine/parallel/lru-cache.js'
import { idempotentCreate } from '../idempotency.js'
import { createJobQueue } from '../job-queue.js'
import { digestOf, prepareMatchRun, recordMatchRun, replayMatchRun, type PreparedMatchRun } from '../match-service.js'
import { ApiError } from '../problem.js'
import { ACCESS } from '../roles.js'
import { actorOf, asResponse, defined, doc, requireResource, type RouteDeps } from '../route-support.js'
import { enumOf, instant, PagingQuery, problemResponses, pseudonymId, RECORD_BODY_LIMIT_BYTES, UserIdSchema } from '../schemas.js'

export const MatchRunIdSchema = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$', description: 'Match run id (M-<uuid>)' })
const RunParams = Type.Object({ matchRunId: MatchRunIdSchema })

export const MatchRunDigestSchema = Type.Object({
  id: Type.String(),
  organId: Type.String(),
  donorId: Type.String(),
  policy: Type.Object({ id: Type.String(), version: Type.String(), hash: Type.String() }),
  snapshotHash: Type.String(),
  outputHash: Type.String({ description: 'SHA-256 of the list\'s canonical JSON: what a replay must reproduce' }),
  matchTime: Type.String(),
  recordedAt: Type.String(),
  ranked: Type.Integer({ description: 'Candidates ranked' }),
  excluded: Type.Integer({ description: 'Candidates excluded, each with its reasons' })
})

const RankedEntrySchema = Type.Object({
  rank: Type.Integer(),
  candidateId: Type.String(),
  centreId: Type.String(),
  tier: Type.Object({ index: Type.Integer(), name: Type.String() }),
  points: Type.Record(Type.String(), Type.Number(), { description: 'Points per policy component' }),
  totalPoints: Type.Number(),
  distanceNm: Type.Number(),
  tieBreak: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()]))
})

const ExcludedEntrySchema = Type.Object({
  candidateId: Type.String(),
  centreId: Type.String(),
  reasons: Type.Array(Type.Object({ code: Type.String(), detail: Type.String(), antigens: Type.Optional(Type.Array(Type.String())) }))
})

const OfferSchema = Type.Object({
  id: Type.Integer(),
  matchRunId: Type.String(),
  candidateId: Type.String(),
  sequenceNumber: Type.Integer({ description: 'The candidate\'s rank on the match list' }),
  response: Type.String(),
  refusalCode: Type.Optional(Type.Integer()),
  respondedBy: Type.String(),
  respondedAt: Type.String(),
  recordedAt: Type.String()
})

/** The rank of a candidate on the list, or a 409 naming where the candidate is instead. */
export function rankOn (list: MatchList, candidateId: string, field: string): number {
  const entry = list.ranked.find((e) => e.candidateId === candidateId)
  if (entry !== undefined) return entry.rank
  const excluded = list.excluded.find((e) => e.candidateId === candidateId)
  throw new ApiError(409, 'API_CANDIDATE_NOT_ON_MATCH_RUN', excluded === undefined
    ? `candidate ${candidateId} is not on match run ${list.matchRunId}`
    : `candidate ${candidateId} was excluded from match run ${list.matchRunId} (${excluded.reasons.map((r) => r.code).join(', ')})`, {
    errors: [{ field, rule: excluded === undefined ? 'must be ranked on the match run' : `was excluded: ${excluded.reasons.map((r) => r.code).join(', ')}` }]
  })
}

/** Stored match runs by id (rows never change; a list can hold every candidate of an organ type, so it is parsed once). */
export function matchRunCache (registry: Registry): (id: string) => StoredMatchRun {
  const cache = new LruCache<string, StoredMatchRun>(8)
  return (id) => {
    let run = cache.get(id)
    if (run === undefined) {
      run = registry.matchRuns.get(id)
      cache.set(id, run)
    }
    return run
  }
}

/** Match runs (officer), their paged lists, replays (auditor), and offer responses. */
export const matchRunRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { registry, now, matchRunner, matchQueue = createJobQueue({ concurrency: 1, maxWaiting: 16 }) }) => {
  const storedRun = matchRunCache(registry)

  app.post('/match-runs', {
    config: { roles: ACCESS.matchRunCreate },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('match runs', 'Run the match for a donor organ under a policy, and record it', ACCESS.matchRunCreate,
        'The donor is the organ\'s. The waiting list is the registry\'s as of now. Without policyVersion: the version recorded last in the registry, else the built-in one (recorded on first use). Send an Idempotency-Key header: a retried request then never makes a second match run.'),
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'Any unique string (a UUID), 1-255 visible ASCII characters' })) }),
      body: Type.Object({
        organId: Type.String({ maxLength: 100, description: 'Organ id from POST /v1/donors/{donorId}/organs' }),
        policyId: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,63}$', description: 'e.g. etkas-kidney, us-kas-kidney' }),
        policyVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 64 }))
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ matchRun: MatchRunDigestSchema }), ...problemResponses(409, 413, 422, 503) }
    }
  }, async (request, reply) => {
    const actor = actorOf(request)
    // The whole request holds a queue slot, so a retry sent while its first attempt still runs waits
    // and then finds the stored answer instead of scoring again.
    return asResponse(await matchQueue.run(async () => await idempotentCreate(registry, request, reply,
      async (): Promise<{ prepared: PreparedMatchRun, list: MatchList }> => {
        const prepared = prepareMatchRun(registry, request.body, now())
        return { prepared, list: await matchRunner(prepared.input) }
      },
      ({ prepared, list }) => {
        const stored = recordMatchRun(registry, prepared, list, actor)
        return { statusCode: 201, body: { matchRun: digestOf(stored) }, location: `/v1/match-runs/${stored.id}` }
      }, now)))
  })

  app.get('/match-runs/:matchRunId', {
    config: { roles: ACCESS.matchRunRead },
    schema: {
      ...doc('match runs', 'A match run and one page of its ranked (or excluded) list', ACCESS.matchRunRead),
      params: RunParams,
      querystring: Type.Object({ list: Type.Optional(enumOf(['ranked', 'excluded'] as const, 'Which list to page (default ranked)')), ...PagingQuery }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          matchRun: MatchRunDigestSchema,
          page: Type.Object({ list: Type.String(), offset: Type.Integer(), limit: Type.Integer(), total: Type.Integer() }),
          ranked: Type.Optional(Type.Array(RankedEntrySchema)),
          excluded: Type.Optional(Type.Array(ExcludedEntrySchema))
        }),
        ...problemResponses(404)
      }
    }
  }, async (request) => {
    const { matchRunId } = request.params
    requireResource(registry, 'matchRun', matchRunId, 'match run')
    const run = storedRun(matchRunId)
    const { list = 'ranked', offset = 0, limit = 50 } = request.query
    const entries = list === 'ranked' ? run.matchList.ranked : run.matchList.excluded
    return asResponse({
      matchRun: digestOf(run),
      page: { list, offset, limit, total: entries.length },
      [list]: entries.slice(offset, offset + limit)
    })
  })

  app.post('/match-runs/:matchRunId/replay', {
    config: { roles: ACCESS.matchRunReplay },
    schema: {
      ...doc('match runs', 'Recompute a match run from the registry as known at its time and compare output hashes', ACCESS.matchRunReplay,
        'The policy is found by its hash, the waiting list rebuilt as of the match time with only rows recorded by then, the run\'s own id seeds the lottery. A difference raises oversight flag F3. The replay is audited.'),
      params: RunParams,
      response: {
        200: Type.Object({
          matchRunId: Type.String(),
          identical: Type.Boolean(),
          storedListIntact: Type.Boolean(),
          stored: Type.Object({ outputHash: Type.String(), snapshotHash: Type.String(), policyHash: Type.String() }),
          replayed: Type.Optional(Type.Object({ outputHash: Type.String(), snapshotHash: Type.String(), policyHash: Type.String(), ranked: Type.Integer(), excluded: Type.Integer() })),
          firstDifferentRank: Type.Optional(Type.Integer()),
          reason: Type.Optional(Type.String()),
          flagId: Type.Optional(Type.Integer())
        }),
        ...problemResponses(404, 503)
      }
    }
  }, async (request) => {
    const { matchRunId } = request.params
    requireResource(registry, 'matchRun', matchRunId, 'match run')
    return await matchQueue.run(async () => await replayMatchRun(registry, matchRunId, matchRunner, actorOf(request), now))
  })

  app.post('/match-runs/:matchRunId/offers', {
    config: { roles: ACCESS.offerWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('offers', 'Record a centre\'s response to an offer: Y accept, N refuse, Z provisional yes, B bypass', ACCESS.offerWrite,
        'N and B need a 700-series refusal code; Y and Z may not have one. The candidate must be ranked on the match run; the sequence number is its rank. Send an Idempotency-Key header so a retry never records a second response.'),
      params: RunParams,
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
      body: Type.Object({
        candidateId: pseudonymId('candidate', 'Candidate pseudonym from the match list'),
        response: enumOf(OFFER_RESPONSES),
        refusalCode: Type.Optional(Type.Integer({ minimum: 700, maximum: 799, description: 'OPTN-style refusal code, required for N and B' })),
        respondedBy: Type.Optional(UserIdSchema),
        respondedAt: Type.Optional(instant('When the centre responded; default now'))
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ offer: OfferSchema }), ...problemResponses(404, 409, 413) }
    }
  }, async (request, reply) => {
    const { matchRunId } = request.params
    requireResource(registry, 'matchRun', matchRunId, 'match run')
    const actor = actorOf(request)
    const { candidateId, respondedBy, respondedAt, ...response } = request.body
    const sequenceNumber = rankOn(storedRun(matchRunId).matchList, candidateId, 'body.candidateId')
    return asResponse(await idempotentCreate(registry, request, reply, () => undefined, () => {
      const offer = registry.matchRuns.recordOfferResponse(defined({ matchRunId, candidateId, sequenceNumber, ...response, respondedBy: respondedBy ?? actor, respondedAt: respondedAt ?? now() }), actor)
      return { statusCode: 201, body: { offer } }
    }, now))
  })

  app.get('/match-runs/:matchRunId/offers', {
    config: { roles: ACCESS.matchRunRead },
    schema: {
      ...doc('offers', 'Every offer response of a match run, in sequence order', ACCESS.matchRunRead),
      params: RunParams,
      response: { 200: Type.Object({ matchRunId: Type.String(), offers: Type.Array(OfferSchema) }), ...problemResponses(404) }
    }
  }, async (request) => {
    const { matchRunId } = request.params
    requireResource(registry, 'matchRun', matchRunId, 'match run')
    return asResponse({ matchRunId, offers: registry.matchRuns.offers(matchRunId) })
  })
}
