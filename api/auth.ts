import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Registry } from '../data/registry.js'
import { ApiError } from './problem.js'
import type { Role } from './roles.js'

/** The authenticated caller: a user of the registry and the roles it holds now. */
export interface Principal {
  readonly userId: string
  readonly roles: readonly Role[]
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles admitted to the route; absent or empty admits nobody (deny by default). */
    roles?: readonly Role[]
    /** Served without a token (/health, /docs). */
    public?: boolean
    /** 'own': the route applies the victim-protection rule itself (api/subject-protection.ts). */
    subjectProtection?: 'own'
  }
  interface FastifyRequest {
    principal?: Principal
  }
}

export const AUTH_REALM = 'organ-allocation-engine'
/** Bearer tokens are visible ASCII (RFC 6750 b64token is narrower; ours are base64url after `oae_`). */
const BEARER = /^Bearer +([\x21-\x7e]{1,512})$/i

function unauthenticated (code: 'API_UNAUTHENTICATED' | 'API_TOKEN_INVALID', detail: string, error?: 'invalid_request' | 'invalid_token'): ApiError {
  // RFC 6750 §3: a request without credentials gets the bare challenge; a bad token names the error.
  const challenge = error === undefined ? `Bearer realm="${AUTH_REALM}"` : `Bearer realm="${AUTH_REALM}", error="${error}"`
  return new ApiError(401, code, detail, { headers: { 'www-authenticate': challenge } })
}

/** The caller of a protected route (the hook guarantees one). */
export function principalOf (request: FastifyRequest): Principal {
  const principal = request.principal
  /* c8 ignore next */
  if (principal === undefined) throw unauthenticated('API_UNAUTHENTICATED', 'a bearer token is required')
  return principal
}

/**
 * Authenticates every request before its body is read: opaque bearer tokens looked up by SHA-256
 * (data/db/user-repository.ts), then the route's roles. Unauthenticated or wrong-role requests never
 * reach body parsing, validation or the handler, so they cost one hash and one indexed lookup.
 * Public routes (/health, /docs) and unknown URLs (answered 404 by the not-found handler) are skipped.
 */
export function installAuthentication (app: FastifyInstance, options: { registry: Registry, now: () => string }): void {
  app.decorateRequest('principal', undefined)
  app.addHook('onRequest', async (request) => {
    if (request.is404) return
    const config = request.routeOptions.config
    if (config.public === true) return
    const header = request.headers.authorization
    if (header === undefined || header === '') {
      throw unauthenticated('API_UNAUTHENTICATED', 'this route needs a bearer token: Authorization: Bearer <token>')
    }
    const match = BEARER.exec(header)
    if (match === null) throw unauthenticated('API_TOKEN_INVALID', 'the Authorization header must be "Bearer <token>"', 'invalid_request')
    const user = options.registry.users.authenticate(match[1] as string, options.now())
    if (user === undefined) throw unauthenticated('API_TOKEN_INVALID', 'the token is unknown, expired or revoked, or its user is disabled', 'invalid_token')
    request.principal = { userId: user.id, roles: user.roles }
    const admitted = config.roles ?? []
    if (!user.roles.some((role) => admitted.includes(role))) {
      throw new ApiError(403, 'API_FORBIDDEN', admitted.length === 0
        ? 'this route admits no role'
        : `this route needs one of the roles ${admitted.join(', ')}; the token's user has ${user.roles.length === 0 ? 'no role' : user.roles.join(', ')}`)
    }
  })
}
