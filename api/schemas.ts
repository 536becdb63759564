import { Type, type TNumber, type TSchema, type TString, type TUnsafe } from '@sinclair/typebox'
import { ABO_TYPES } from '../engine/domain/abo.js'
import type { NumericRange, TriState } from '../engine/domain/input.js'
import { ORGAN_PARTS, ORGAN_TYPES } from '../engine/domain/organ.js'
import { pseudonymPattern, type PseudonymKind } from '../data/security/pseudonym.js'

/**
 * Schema pieces shared by routes. A numeric field takes its range from the engine's exported
 * constant, so the HTTP door and the engine refuse exactly the same values.
 */
export function rangedNumber (range: NumericRange, description: string): TNumber {
  return Type.Number({
    minimum: range.min,
    maximum: range.max,
    description: `${description} (${range.unit === '' ? '' : `${range.unit}, `}${range.min}–${range.max})`
  })
}

/** A string that must be one of a list: one clear error ("must be one of …") where a union gives several. */
export function enumOf<T extends string> (values: readonly T[], description?: string): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description === undefined ? {} : { description }) })
}

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String({ description: 'Stable error code; match on it, not on detail' }),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), rule: Type.String() })))
}, { $id: 'Problem', description: 'RFC 9457 problem details' })

const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid input: unknown field, wrong type, missing or out-of-range value (`errors` names each field and rule)',
  401: 'No bearer token, or the token is unknown, expired or revoked',
  403: 'The token\'s user lacks every role this route admits',
  404: 'No such resource',
  409: 'Conflicts with the registry\'s state, or an Idempotency-Key reused with a different request',
  413: 'Body larger than the route accepts',
  422: 'The match run cannot be carried out with these inputs',
  429: 'Too many requests for this token; see Retry-After',
  503: 'The registry or the match pool is busy; retry'
}

/** Problem responses a protected route can give, for its OpenAPI description (and serialisation). */
export function problemResponses (...statuses: number[]): Record<number, TSchema> {
  const all = [...new Set([400, 401, 403, 429, ...statuses])].sort((a, b) => a - b)
  return Object.fromEntries(all.map((status) => [status, Type.Ref(ProblemSchema, { description: PROBLEM_DESCRIPTIONS[status] ?? 'Error' })]))
}

export const INSTANT_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$'

export function instant (description: string): TString {
  return Type.String({ pattern: INSTANT_PATTERN, description: `${description} (ISO 8601 with a zone, e.g. 2025-03-01T14:05:00Z)` })
}

export function calendarDate (description: string): TString {
  return Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: `${description} (YYYY-MM-DD)` })
}

export function pseudonymId (kind: PseudonymKind, description: string): TString {
  return Type.String({ pattern: pseudonymPattern(kind).source, description })
}

/** Free text with a length cap (a reason, a reference): never unbounded. */
export function text (description: string, maxLength = 500): TString {
  return Type.String({ minLength: 1, maxLength, description })
}

export const UserIdSchema = Type.String({ pattern: '^[A-Za-z0-9._@-]{1,64}$', description: 'User id: 1-64 letters, digits or . _ @ -' })

const Antigens = Type.Array(Type.String({ minLength: 1, maxLength: 16 }), { minItems: 1, maxItems: 2 })
export const HlaTypingSchema = Type.Object({
  A: Antigens,
  B: Antigens,
  C: Type.Optional(Antigens),
  DR: Antigens,
  DQ: Type.Optional(Antigens)
}, { additionalProperties: false, description: 'Serological HLA typing, e.g. {"A":["A2","A24"],"B":["B7","B44"],"DR":["DR4","DR15"]}' })

export const AntigenListSchema = Type.Array(Type.String({ minLength: 1, maxLength: 16 }), { maxItems: 200 })

export const OrganTypeSchema = enumOf(ORGAN_TYPES)
export const OrganPartSchema = enumOf(ORGAN_PARTS)
export const AboSchema = enumOf(ABO_TYPES)
export const TriStateSchema = Type.Unsafe<TriState>({ enum: [true, false, 'unknown'], description: 'true, false or "unknown"' })

export const PagingQuery = {
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0, description: 'Entries to skip' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Entries per page (at most 500)' }))
}

/** Registry write bodies are small; policy documents get the server-wide limit. */
export const RECORD_BODY_LIMIT_BYTES = 65_536
