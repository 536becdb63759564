import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { EngineError, InvalidFieldError, OutOfRangeError, PolicyValidationError } from '../engine/errors.js'

/**
 * One error shape for every route: RFC 9457 problem details with a stable `code`, and for input
 * errors the list of fields with the rule each broke.
 */
export interface ProblemField {
  /** Where the problem is: `body.creatinineMgDl`, `querystring.page`, a JSON pointer inside a policy. */
  field: string
  rule: string
}

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  instance?: string
  errors?: ProblemField[]
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable'
}

/** Engine error codes and the HTTP status each maps to; anything not listed is a 400 input error. */
const ENGINE_STATUS: Record<string, number> = {
  ENGINE_MATCH_RUN_FAILED: 422,
  ENGINE_WORKER_FAILED: 503
}

/**
 * An error raised by the HTTP layer itself (authentication, roles, missing resources, conflicts,
 * idempotency). `headers` are set on the response (WWW-Authenticate on 401, Retry-After on 503).
 */
export class ApiError extends Error {
  override name = 'ApiError'
  readonly statusCode: number
  readonly code: string
  readonly errors: ProblemField[] | undefined
  readonly headers: Readonly<Record<string, string>>

  constructor (statusCode: number, code: string, message: string, options: { errors?: ProblemField[], headers?: Record<string, string> } = {}) {
    super(message)
    this.statusCode = statusCode
    this.code = code
    this.errors = options.errors
    this.headers = options.headers ?? {}
  }
}

/** 404 for a resource named in the path that does not exist. */
export function notFound (what: string, id: string | number): ApiError {
  return new ApiError(404, 'API_NOT_FOUND', `${what} ${String(id)} does not exist`)
}

/**
 * Repositories refuse a second registration, recording, suspension or closing of the same thing with
 * an InvalidFieldError whose rule says "already" ("is already registered", "already has a
 * disposition"). That is a conflict with the registry's state, not bad input: 409.
 */
function isConflict (error: EngineError): boolean {
  return error instanceof InvalidFieldError && /\balready\b/.test(error.rule ?? '')
}

/**
 * Storage faults (a pragma that did not take, a changed migration) are raised as plain EngineError
 * naming the pragma or migration; they are the server's fault, not the caller's.
 */
function isStorageFault (error: EngineError): boolean {
  return error.code === 'ENGINE_ERROR' && /^(PRAGMA |schema_migrations)/.test(error.field ?? '')
}

export function problem (status: number, code: string, detail: string, errors?: ProblemField[]): Problem {
  const body: Problem = {
    type: `https://organ-allocation-engine.org/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code
  }
  if (errors !== undefined && errors.length > 0) body.errors = errors
  return body
}

interface AjvIssue {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

/** Turns one Ajv issue into a field and a rule a person can act on. */
function describeAjvIssue (part: string, issue: AjvIssue): ProblemField {
  const path = issue.instancePath.split('/').filter(Boolean).join('.')
  const base = path === '' ? part : `${part}.${path}`
  const p = issue.params
  switch (issue.keyword) {
    case 'additionalProperties':
      return { field: `${base}.${String(p.additionalProperty)}`, rule: 'is not a known field' }
    case 'required':
      return { field: `${base}.${String(p.missingProperty)}`, rule: 'is required' }
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return { field: base, rule: `must be ${String(p.comparison)} ${String(p.limit)}` }
    case 'enum':
      return { field: base, rule: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` }
    default:
      return { field: base, rule: issue.message ?? issue.keyword }
  }
}

export function problemFromError (error: unknown): Problem {
  if (error instanceof ApiError) return problem(error.statusCode, error.code, error.message, error.errors)
  if (error instanceof PolicyValidationError) {
    return problem(400, error.code, error.message, error.issues.map((i) => ({ field: i.path, rule: i.message })))
  }
  if (error instanceof EngineError) {
    if (isStorageFault(error)) return problem(500, 'API_INTERNAL_ERROR', 'The server could not complete the request')
    if (isConflict(error)) return problem(409, 'API_CONFLICT', error.message, error.field === undefined ? undefined : [{ field: error.field, rule: error.rule ?? '' }])
    const status = ENGINE_STATUS[error.code] ?? 400
    const fields = error.field !== undefined && error.rule !== undefined
      ? [{ field: error.field, rule: error.rule + (error instanceof OutOfRangeError ? ` (got ${error.value})` : '') }]
      : undefined
    return problem(status, error.code, error.message, fields)
  }
  const fastifyError = error as FastifyError & { validation?: AjvIssue[], validationContext?: string }
  if (Array.isArray(fastifyError.validation)) {
    const part = fastifyError.validationContext ?? 'body'
    const fields = fastifyError.validation.map((issue) => describeAjvIssue(part, issue))
    const detail = fields.map((f) => `${f.field} ${f.rule}`).join('; ')
    return problem(400, 'API_VALIDATION_FAILED', detail, fields)
  }
  // better-sqlite3 gives up on a lock after busy_timeout: the registry is busy, try again shortly.
  if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return problem(503, 'API_REGISTRY_BUSY', 'The registry is busy; retry the request')
  const status = typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 ? fastifyError.statusCode : 500
  if (status >= 500) return problem(500, 'API_INTERNAL_ERROR', 'The server could not complete the request')
  return problem(status, fastifyError.code ?? 'API_ERROR', fastifyError.message)
}

export function sendProblem (reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body)
}

export function errorHandler (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = problemFromError(error)
  body.instance = request.url
  if (error instanceof ApiError) reply.headers(error.headers)
  if (body.code === 'API_REGISTRY_BUSY') reply.header('retry-after', '1')
  // Engine errors name the input field ("creatinineMgDl"); say where it was, as schema errors do.
  if (error instanceof EngineError && !(error instanceof PolicyValidationError) && request.body !== undefined && request.body !== null) {
    if (body.errors !== undefined) body.errors = body.errors.map((e) => (/^(\/|body\.|params\.|querystring\.|headers\.)/.test(e.field) ? e : { ...e, field: `body.${e.field}` }))
  }
  if (body.status >= 500) request.log.error({ err: error }, 'request failed')
  return sendProblem(reply, body)
}
