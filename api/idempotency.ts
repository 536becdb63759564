import type { FastifyReply, FastifyRequest } from 'fastify'
import { canonicalJson, sha256Hex } from '../engine/canonical-hash.js'
import { statement, writeTransaction } from '../data/db/context.js'
import type { Registry } from '../data/registry.js'
import { principalOf } from './auth.js'
import { ApiError } from './problem.js'

/** What a creating POST answers; stored with its key so a retry gets the same answer. */
export interface CreatedResponse {
  readonly statusCode: number
  readonly body: unknown
  readonly location?: string | undefined
}

interface KeyRow {
  route: string
  request_sha256: string
  status_code: number
  response_json: string
  location: string | null
}

export const IDEMPOTENCY_HEADER = 'idempotency-key'
/** Visible ASCII, as the IETF httpapi draft's examples; a UUID is the usual choice. */
const KEY = /^[\x21-\x7e]{1,255}$/

/** The request's key, checked; undefined when the header is absent. */
export function idempotencyKeyOf (request: FastifyRequest): string | undefined {
  const value = request.headers[IDEMPOTENCY_HEADER]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !KEY.test(value)) {
    throw new ApiError(400, 'API_VALIDATION_FAILED', 'headers.idempotency-key must be 1-255 visible ASCII characters (a UUID is a good key)', {
      errors: [{ field: 'headers.idempotency-key', rule: 'must be 1-255 visible ASCII characters' }]
    })
  }
  return value
}

/** Method, route pattern, path parameters and body: the same key with anything else changed is a conflict. */
function fingerprint (request: FastifyRequest): string {
  return sha256Hex(canonicalJson({ method: request.method, route: request.routeOptions.url ?? request.url, params: request.params ?? {}, body: request.body ?? null }))
}

function find (registry: Registry, userId: string, key: string): KeyRow | undefined {
  return statement(registry.db, 'SELECT route, request_sha256, status_code, response_json, location FROM idempotency_keys WHERE user_id = ? AND idempotency_key = ?')
    .get(userId, key) as KeyRow | undefined
}

function replay (row: KeyRow, requestHash: string, reply: FastifyReply): unknown {
  if (row.request_sha256 !== requestHash) {
    throw new ApiError(409, 'API_IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different request; use a new key for a new request', {
      errors: [{ field: 'headers.idempotency-key', rule: `was first used for ${row.route} with another body` }]
    })
  }
  reply.code(row.status_code).header('idempotent-replayed', 'true')
  if (row.location !== null) reply.header('location', row.location)
  return JSON.parse(row.response_json) as unknown
}

/**
 * Runs a creating POST at most once per (user, Idempotency-Key). `prepare` may be slow and async (a
 * match run's scoring) and must not write; `commit` writes, synchronously, inside one transaction
 * with the stored key and response, so the thing created and its key commit together. A retry with
 * the same key and the same request gets the stored response (`Idempotent-Replayed: true`); the same
 * key with another request is a 409. Without the header the request simply runs. Only successes are
 * stored: a refused request may be corrected and retried under its key.
 */
export async function idempotentCreate<P> (
  registry: Registry,
  request: FastifyRequest,
  reply: FastifyReply,
  prepare: () => P | Promise<P>,
  commit: (prepared: P) => CreatedResponse,
  now: () => string
): Promise<unknown> {
  const key = idempotencyKeyOf(request)
  const { userId } = principalOf(request)
  const requestHash = fingerprint(request)
  if (key !== undefined) {
    const earlier = find(registry, userId, key)
    if (earlier !== undefined) return replay(earlier, requestHash, reply)
  }
  const prepared = await prepare()
  const outcome = writeTransaction(registry.db, () => {
    if (key !== undefined) {
      // A concurrent request with the same key may have committed while this one was preparing.
      const raced = find(registry, userId, key)
      if (raced !== undefined) return { raced }
    }
    const created = commit(prepared)
    const body = JSON.parse(JSON.stringify(created.body)) as unknown
    if (key !== undefined) {
      statement(registry.db, `INSERT INTO idempotency_keys (user_id, idempotency_key, route, request_sha256, status_code, response_json, location, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(userId, key, `${request.method} ${request.routeOptions.url ?? ''}`, requestHash, created.statusCode, JSON.stringify(body), created.location ?? null, now())
    }
    return { created: { ...created, body } }
  })
  if ('raced' in outcome) return replay(outcome.raced, requestHash, reply)
  reply.code(outcome.created.statusCode)
  if (outcome.created.location !== undefined) reply.header('location', outcome.created.location)
  return outcome.created.body
}
