import { randomUUID } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sha256Hex } from '../engine/canonical-hash.js'
import { InvalidFieldError } from '../engine/errors.js'
import { statement, writeTransaction } from '../data/db/context.js'
import { SYSTEM_ACTOR, type Registry } from '../data/registry.js'
import { exists, usersWithRole } from './registry-queries.js'
import type { Role } from './roles.js'

export const ADMIN_USER_ID = 'admin'
export const ADMIN_TOKEN_FILE = 'admin-token'
/** The first admin token is for creating real users; it should not outlive that by much. */
export const BOOTSTRAP_TOKEN_DAYS = 30
/** The repository's token form: `oae_` then base64url; a scripted value needs at least 32 characters after the prefix. */
const SCRIPTED_TOKEN = /^oae_[A-Za-z0-9_-]{32,200}$/
const DAY_MS = 86_400_000

export interface BootstrapResult {
  /** False when some user already holds the admin role: nothing was done. */
  readonly created: boolean
  readonly userId?: string
  readonly tokenId?: string
  readonly expiresAt?: string
  /** Where the token is: BOOTSTRAP_ADMIN_TOKEN, or a file in DATA_DIR readable only by its owner. */
  readonly source?: 'env' | 'file'
  readonly file?: string
}

/** Stores a token chosen by the operator, as the repository stores its own (SHA-256 only), with the same audit entry. */
function storeScriptedToken (registry: Registry, userId: string, token: string, createdAt: string, expiresAt: string): string {
  const tokenId = randomUUID()
  writeTransaction(registry.db, () => {
    statement(registry.db, 'INSERT INTO api_tokens (id, user_id, token_sha256, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(tokenId, userId, sha256Hex(token), createdAt, expiresAt)
    registry.audit.append({ actor: SYSTEM_ACTOR, action: 'api-token.issued', entityType: 'user', entityId: userId, payload: { tokenId, expiresAt, source: 'BOOTSTRAP_ADMIN_TOKEN' } })
  })
  return tokenId
}

/**
 * On a registry where nobody holds the admin role (first start, or a registry made by the CLI),
 * creates the `admin` user and one token for it. With BOOTSTRAP_ADMIN_TOKEN set, that value becomes
 * the token (scripted deployments, tests); otherwise a random token is written to
 * `<DATA_DIR>/admin-token` (mode 0600) and never printed or logged. The caller prints where it is.
 */
export function bootstrapAdmin (registry: Registry, options: { dataDir: string, env: Readonly<Record<string, string | undefined>>, now: () => string }): BootstrapResult {
  if (usersWithRole(registry, 'admin').length > 0) return { created: false }
  const scripted = options.env.BOOTSTRAP_ADMIN_TOKEN
  if (scripted !== undefined && !SCRIPTED_TOKEN.test(scripted)) {
    throw new InvalidFieldError('BOOTSTRAP_ADMIN_TOKEN', 'must be "oae_" followed by 32-200 letters, digits, _ or - (e.g. oae_$(openssl rand -hex 32))')
  }
  const createdAt = options.now()
  const expiresAt = new Date(Date.parse(createdAt) + BOOTSTRAP_TOKEN_DAYS * DAY_MS).toISOString()
  if (exists(registry, 'user', ADMIN_USER_ID)) registry.users.grantRole(ADMIN_USER_ID, 'admin', SYSTEM_ACTOR)
  else registry.users.create({ id: ADMIN_USER_ID, roles: ['admin'] }, SYSTEM_ACTOR)
  if (scripted !== undefined) {
    const tokenId = storeScriptedToken(registry, ADMIN_USER_ID, scripted, createdAt, expiresAt)
    return { created: true, userId: ADMIN_USER_ID, tokenId, expiresAt, source: 'env' }
  }
  const issued = registry.users.issueToken(ADMIN_USER_ID, { expiresAt }, SYSTEM_ACTOR)
  const file = join(options.dataDir, ADMIN_TOKEN_FILE)
  // A stale file from an earlier registry must not keep looser permissions: remove, then create 0600.
  rmSync(file, { force: true })
  writeFileSync(file, `${issued.token}\n`, { mode: 0o600, flag: 'wx' })
  return { created: true, userId: ADMIN_USER_ID, tokenId: issued.tokenId, expiresAt: issued.expiresAt, source: 'file', file }
}

export const DEMO_TOKEN_FILE = 'demo-tokens'

/** One demo user per staff role of the console; ids say they are demo accounts. */
export const DEMO_USERS: ReadonlyArray<{ readonly id: string, readonly role: Role }> = [
  { id: 'demo.officer', role: 'allocation-officer' },
  { id: 'demo.analyst', role: 'policy-analyst' },
  { id: 'demo.auditor', role: 'auditor' },
  { id: 'demo.clerk', role: 'registry-clerk' },
  { id: 'demo.authority', role: 'registry-authority' }
]

export interface DemoUsersResult {
  readonly file: string
  readonly users: ReadonlyArray<{ readonly id: string, readonly role: Role }>
  readonly expiresAt: string
}

/**
 * For a registry that this start seeded with SYNTHETIC data only: one user per console role, each
 * with a token, written to `<DATA_DIR>/demo-tokens` (mode 0600, one `user role token` line each) and
 * never printed or logged. A newcomer can then open the console as an allocation officer without
 * first creating users as the admin. Never called for an imported or empty registry.
 */
export function createDemoUsers (registry: Registry, options: { dataDir: string, now: () => string }): DemoUsersResult {
  const createdAt = options.now()
  const expiresAt = new Date(Date.parse(createdAt) + BOOTSTRAP_TOKEN_DAYS * DAY_MS).toISOString()
  const lines: string[] = []
  for (const user of DEMO_USERS) {
    if (!exists(registry, 'user', user.id)) registry.users.create({ id: user.id, roles: [user.role] }, SYSTEM_ACTOR)
    else if (!registry.users.get(user.id).roles.includes(user.role)) registry.users.grantRole(user.id, user.role, SYSTEM_ACTOR)
    const issued = registry.users.issueToken(user.id, { expiresAt }, SYSTEM_ACTOR)
    lines.push(`${user.id.padEnd(16)} ${user.role.padEnd(20)} ${issued.token}`)
  }
  const file = join(options.dataDir, DEMO_TOKEN_FILE)
  rmSync(file, { force: true })
  writeFileSync(file, [
    `# Demo users of a SYNTHETIC registry, tokens expire ${expiresAt}. Log in to the console (http://HOST:PORT/) with one token.`,
    '# user           role                 token',
    ...lines, ''
  ].join('\n'), { mode: 0o600, flag: 'wx' })
  return { file, users: DEMO_USERS, expiresAt }
}
