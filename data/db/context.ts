import { requireString } from '../../engine/domain/input.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { RegistryKeys } from '../security/keys.js'
import type { Statement } from 'better-sqlite3'
import type { RegistryDatabase } from './connection.js'

/** What every repository needs: the connection, the audit log it appends to, the keys and the clock. */
export interface RegistryContext {
  readonly db: RegistryDatabase
  readonly audit: AuditLog
  readonly keys: RegistryKeys
  /** The registry's clock, ISO 8601 UTC; tests pass a fixed one. */
  readonly now: () => string
}

/**
 * Runs `fn` in one IMMEDIATE transaction (or inside the caller's, when one is open), so a change and
 * its audit entry commit together. IMMEDIATE takes the write lock up front: a second writer waits
 * for busy_timeout instead of failing half-way with SQLITE_BUSY.
 */
export function writeTransaction<T> (db: RegistryDatabase, fn: () => T): T {
  return db.inTransaction ? fn() : db.transaction(fn).immediate()
}

/** Every mutation names who made it. */
export function requireActor (actor: unknown): string {
  return requireString(actor, 'actor', /^[A-Za-z0-9._@-]{1,64}$/, 'must be a user id: 1-64 letters, digits or . _ @ -')
}

/** 0/1 column ↔ boolean. */
export function bit (value: boolean): 0 | 1 {
  return value ? 1 : 0
}

const statements = new WeakMap<RegistryDatabase, Map<string, Statement>>()

/**
 * A prepared statement, compiled once per connection and reused: compiling SQL costs more than
 * running a point query, and a registration runs a dozen of them.
 */
export function statement (db: RegistryDatabase, sql: string): Statement {
  let cache = statements.get(db)
  if (cache === undefined) {
    cache = new Map()
    statements.set(db, cache)
  }
  let prepared = cache.get(sql)
  if (prepared === undefined) {
    prepared = db.prepare(sql)
    cache.set(sql, prepared)
  }
  return prepared
}
