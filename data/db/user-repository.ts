import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { requireString } from '../../engine/domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import type { RegistryContext } from './context.js'
import { requireActor, statement, writeTransaction } from './context.js'
import { requireInstant } from './values.js'

export const ROLES = ['registry-clerk', 'allocation-officer', 'policy-analyst', 'auditor', 'registry-authority', 'protection-officer', 'admin'] as const
export type Role = typeof ROLES[number]

export interface User {
  readonly id: string
  readonly roles: readonly Role[]
  readonly disabled: boolean
}

export interface IssuedToken {
  readonly tokenId: string
  /** Shown once; only its SHA-256 is stored. */
  readonly token: string
  readonly expiresAt: string
}

/** Tokens are 32 random bytes, so a plain SHA-256 is enough to store them (no dictionary to try). */
function tokenHash (token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

const TOKEN_PREFIX = 'oae_'

/** Users (one account per person, HIPAA §164.312(a)(2)(i)), their roles and their API tokens. */
export class UserRepository {
  readonly #ctx: RegistryContext

  constructor (ctx: RegistryContext) {
    this.#ctx = ctx
  }

  create (input: { id: string, roles: readonly Role[] }, actor: string): User {
    const who = requireActor(actor)
    const id = requireActor(input.id)
    if (!Array.isArray(input.roles)) throw new InvalidFieldError('roles', `must be a list of roles (${ROLES.join(', ')})`)
    const roles = [...new Set(input.roles.map((role, index) => this.#role(role, `roles[${index}]`)))].sort()
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      if (statement(db, 'SELECT 1 FROM users WHERE id = ?').get(id) !== undefined) throw new InvalidFieldError('id', `is already a user (${id})`)
      const at = now()
      statement(db, 'INSERT INTO users (id, created_at) VALUES (?, ?)').run(id, at)
      const grant = statement(db, 'INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, ?, ?)')
      for (const role of roles) grant.run(id, role, at)
      audit.append({ actor: who, action: 'user.created', entityType: 'user', entityId: id, payload: { roles } })
      return this.get(id)
    })
  }

  grantRole (userId: string, role: Role, actor: string): void {
    const who = requireActor(actor)
    const user = this.get(userId)
    const name = this.#role(role, 'role')
    if (user.roles.includes(name)) return
    const { db, audit, now } = this.#ctx
    writeTransaction(db, () => {
      statement(db, 'INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, ?, ?)').run(user.id, name, now())
      audit.append({ actor: who, action: 'user.role-granted', entityType: 'user', entityId: user.id, payload: { role: name } })
    })
  }

  revokeRole (userId: string, role: Role, actor: string): void {
    const who = requireActor(actor)
    const user = this.get(userId)
    const name = this.#role(role, 'role')
    const { db, audit } = this.#ctx
    writeTransaction(db, () => {
      const removed = statement(db, 'DELETE FROM user_roles WHERE user_id = ? AND role = ?').run(user.id, name).changes
      if (removed > 0) audit.append({ actor: who, action: 'user.role-revoked', entityType: 'user', entityId: user.id, payload: { role: name } })
    })
  }

  disable (userId: string, actor: string): void {
    const who = requireActor(actor)
    const user = this.get(userId)
    const { db, audit, now } = this.#ctx
    writeTransaction(db, () => {
      const at = now()
      statement(db, 'UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL').run(at, user.id)
      statement(db, 'UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(at, user.id)
      audit.append({ actor: who, action: 'user.disabled', entityType: 'user', entityId: user.id, payload: {} })
    })
  }

  get (userId: string): User {
    const id = requireString(userId, 'userId')
    const row = statement(this.#ctx.db, 'SELECT id, disabled_at FROM users WHERE id = ?').get(id) as { id: string, disabled_at: string | null } | undefined
    if (row === undefined) throw new UnknownValueError('userId', `names no user (${id})`)
    const roles = statement(this.#ctx.db, 'SELECT role FROM user_roles WHERE user_id = ? ORDER BY role').pluck().all(id) as Role[]
    return { id: row.id, roles, disabled: row.disabled_at !== null }
  }

  /** Issues an API token; the caller shows it once. The audit entry names the token id, never the token or its hash. */
  issueToken (userId: string, input: { expiresAt: string }, actor: string): IssuedToken {
    const who = requireActor(actor)
    const user = this.get(userId)
    if (user.disabled) throw new InvalidFieldError('userId', 'names a disabled user')
    const expiresAt = requireInstant(input.expiresAt, 'expiresAt')
    const { db, audit, now } = this.#ctx
    const createdAt = now()
    if (expiresAt <= createdAt) throw new InvalidFieldError('expiresAt', 'must be in the future')
    const tokenId = randomUUID()
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
    writeTransaction(db, () => {
      statement(db, 'INSERT INTO api_tokens (id, user_id, token_sha256, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(tokenId, user.id, tokenHash(token), createdAt, expiresAt)
      audit.append({ actor: who, action: 'api-token.issued', entityType: 'user', entityId: user.id, payload: { tokenId, expiresAt } })
    })
    return { tokenId, token, expiresAt }
  }

  revokeToken (tokenId: string, actor: string): void {
    const who = requireActor(actor)
    const { db, audit, now } = this.#ctx
    writeTransaction(db, () => {
      const row = statement(db, 'SELECT user_id FROM api_tokens WHERE id = ?').get(requireString(tokenId, 'tokenId')) as { user_id: string } | undefined
      if (row === undefined) throw new UnknownValueError('tokenId', `names no token (${tokenId})`)
      statement(db, 'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now(), tokenId)
      audit.append({ actor: who, action: 'api-token.revoked', entityType: 'user', entityId: row.user_id, payload: { tokenId } })
    })
  }

  /** The user a bearer token belongs to, when the token is known, unexpired at `at`, unrevoked, and its user enabled. */
  authenticate (token: string, at: string): User | undefined {
    if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX)) return undefined
    const instant = requireInstant(at, 'at')
    const row = statement(this.#ctx.db, `SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_sha256 = ? AND t.revoked_at IS NULL AND t.expires_at > ? AND u.disabled_at IS NULL`).get(tokenHash(token), instant) as { user_id: string } | undefined
    return row === undefined ? undefined : this.get(row.user_id)
  }

  #role (role: unknown, field: string): Role {
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw new InvalidFieldError(field, `must be one of ${ROLES.join(', ')}`)
    return role as Role
  }
}
