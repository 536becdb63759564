import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { principalOf } from '../auth.js'
import { ApiError } from '../problem.js'
import { listUsers, tokensOfUser, usersWithRole } from '../registry-queries.js'
import { ACCESS, ROLES, type Role } from '../roles.js'
import { actorOf, doc, requireResource, type RouteDeps } from '../route-support.js'
import { enumOf, problemResponses, RECORD_BODY_LIMIT_BYTES, UserIdSchema } from '../schemas.js'

const RoleSchema = enumOf(ROLES)
const DAY_MS = 86_400_000
export const MAX_TOKEN_DAYS = 365

const UserSchema = Type.Object({ id: Type.String(), roles: Type.Array(Type.String()), disabled: Type.Boolean() })
const TokenSchema = Type.Object({ tokenId: Type.String(), createdAt: Type.String(), expiresAt: Type.String(), revokedAt: Type.Optional(Type.String()) })
const UserParams = Type.Object({ userId: UserIdSchema })

/** Users, roles and API tokens (admin), the caller's own identity, and the user-access review (auditor). */
export const userRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { registry, now }) => {
  const refuseLastAdmin = (userId: string): void => {
    const admins = usersWithRole(registry, 'admin')
    if (admins.length === 1 && admins[0] === userId) {
      throw new ApiError(409, 'API_LAST_ADMIN', `${userId} is the only admin; grant admin to another user first`)
    }
  }

  app.get('/me', {
    config: { roles: ACCESS.anyone },
    schema: {
      ...doc('users', 'The caller: user id and roles', ACCESS.anyone),
      response: { 200: Type.Object({ userId: Type.String(), roles: Type.Array(Type.String()) }), ...problemResponses() }
    }
  }, async (request) => {
    const { userId, roles } = principalOf(request)
    return { userId, roles: [...roles] }
  })

  app.post('/users', {
    config: { roles: ACCESS.admin },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('users', 'Create a user (one account per person)', ACCESS.admin),
      body: Type.Object({ id: UserIdSchema, roles: Type.Array(RoleSchema, { minItems: 1, maxItems: ROLES.length, uniqueItems: true }) }, { additionalProperties: false }),
      response: { 201: UserSchema, ...problemResponses(409, 413) }
    }
  }, async (request, reply) => {
    const user = registry.users.create({ id: request.body.id, roles: request.body.roles }, actorOf(request))
    reply.code(201).header('location', `/v1/users/${user.id}`)
    return { ...user, roles: [...user.roles] }
  })

  app.get('/users', {
    config: { roles: ACCESS.userReview },
    schema: {
      ...doc('users', 'Every user with roles and live tokens (user-access review)', ACCESS.userReview),
      response: { 200: Type.Object({ users: Type.Array(Type.Object({ id: Type.String(), roles: Type.Array(Type.String()), disabled: Type.Boolean(), createdAt: Type.String(), activeTokens: Type.Integer() })) }), ...problemResponses() }
    }
  }, async () => ({ users: listUsers(registry, now()) }))

  app.get('/users/:userId', {
    config: { roles: ACCESS.userReview },
    schema: {
      ...doc('users', 'A user with its tokens (ids and dates only; a token is shown once, when issued)', ACCESS.userReview),
      params: UserParams,
      response: { 200: Type.Object({ id: Type.String(), roles: Type.Array(Type.String()), disabled: Type.Boolean(), tokens: Type.Array(TokenSchema) }), ...problemResponses(404) }
    }
  }, async (request) => {
    requireResource(registry, 'user', request.params.userId, 'user')
    const user = registry.users.get(request.params.userId)
    return { ...user, roles: [...user.roles], tokens: tokensOfUser(registry, user.id) }
  })

  app.post('/users/:userId/roles', {
    config: { roles: ACCESS.admin },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('users', 'Grant a role', ACCESS.admin),
      params: UserParams,
      body: Type.Object({ role: RoleSchema }, { additionalProperties: false }),
      response: { 200: UserSchema, ...problemResponses(404, 413) }
    }
  }, async (request) => {
    requireResource(registry, 'user', request.params.userId, 'user')
    registry.users.grantRole(request.params.userId, request.body.role, actorOf(request))
    const user = registry.users.get(request.params.userId)
    return { ...user, roles: [...user.roles] }
  })

  app.delete('/users/:userId/roles/:role', {
    config: { roles: ACCESS.admin },
    schema: {
      ...doc('users', 'Revoke a role', ACCESS.admin),
      params: Type.Object({ userId: UserIdSchema, role: RoleSchema }),
      response: { 200: UserSchema, ...problemResponses(404, 409) }
    }
  }, async (request) => {
    const { userId, role } = request.params
    requireResource(registry, 'user', userId, 'user')
    if (role === 'admin') refuseLastAdmin(userId)
    registry.users.revokeRole(userId, role as Role, actorOf(request))
    const user = registry.users.get(userId)
    return { ...user, roles: [...user.roles] }
  })

  app.post('/users/:userId/disable', {
    config: { roles: ACCESS.admin },
    schema: {
      ...doc('users', 'Disable a user and revoke all its tokens', ACCESS.admin),
      params: UserParams,
      response: { 200: UserSchema, ...problemResponses(404, 409) }
    }
  }, async (request) => {
    const { userId } = request.params
    requireResource(registry, 'user', userId, 'user')
    refuseLastAdmin(userId)
    registry.users.disable(userId, actorOf(request))
    const user = registry.users.get(userId)
    return { ...user, roles: [...user.roles] }
  })

  app.post('/users/:userId/tokens', {
    config: { roles: ACCESS.admin },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('users', 'Issue an API token (shown once; only its SHA-256 is stored)', ACCESS.admin),
      params: UserParams,
      body: Type.Object({
        expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKEN_DAYS, default: 30, description: 'Lifetime in days (1-365, default 30)' }))
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ tokenId: Type.String(), userId: Type.String(), token: Type.String(), expiresAt: Type.String() }), ...problemResponses(404, 409, 413) }
    }
  }, async (request, reply) => {
    const { userId } = request.params
    requireResource(registry, 'user', userId, 'user')
    if (registry.users.get(userId).disabled) throw new ApiError(409, 'API_USER_DISABLED', `user ${userId} is disabled`)
    const days = request.body.expiresInDays ?? 30
    const issued = registry.users.issueToken(userId, { expiresAt: new Date(Date.parse(now()) + days * DAY_MS).toISOString() }, actorOf(request))
    reply.code(201)
    return { tokenId: issued.tokenId, userId, token: issued.token, expiresAt: issued.expiresAt }
  })

  app.post('/tokens/:tokenId/revoke', {
    config: { roles: ACCESS.admin },
    schema: {
      ...doc('users', 'Revoke an API token', ACCESS.admin),
      params: Type.Object({ tokenId: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'Token id (UUID)' }) }),
      response: { 200: Type.Object({ tokenId: Type.String(), revoked: Type.Literal(true) }), ...problemResponses(404) }
    }
  }, async (request) => {
    requireResource(registry, 'token', request.params.tokenId, 'token')
    registry.users.revokeToken(request.params.tokenId, actorOf(request))
    return { tokenId: request.params.tokenId, revoked: true as const }
  })
}
