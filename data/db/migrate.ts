import { EngineError, OutOfRangeError } from '../../engine/errors.js'
import { sha256Hex } from '../../engine/canonical-hash.js'
import type { RegistryDatabase } from './connection.js'
import { MIGRATIONS, type Migration } from './migrations/index.js'

export interface MigrationResult {
  /** Schema version before and after. */
  readonly from: number
  readonly to: number
  /** Versions applied by this call (empty when the database was already current). */
  readonly applied: readonly number[]
}

interface AppliedRow {
  version: number
  name: string
  checksum: string
}

/**
 * Brings the database to the newest schema. Each migration runs in its own transaction together
 * with its `schema_migrations` row, so a failure leaves the previous version intact. A database
 * written by a newer release is refused rather than used by code that does not know its tables,
 * and a released migration whose text has changed is refused too.
 */
export function migrate (db: RegistryDatabase, migrations: readonly Migration[] = MIGRATIONS, now: () => string = () => new Date().toISOString()): MigrationResult {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`)
  const known = new Map(migrations.map((migration) => [migration.version, migration]))
  const latest = migrations.reduce((max, migration) => Math.max(max, migration.version), 0)
  const applied = db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all() as AppliedRow[]
  const from = applied.reduce((max, row) => Math.max(max, row.version), 0)
  if (from > latest) {
    throw new OutOfRangeError('schema_migrations.version', from, 0, latest, '')
  }
  for (const row of applied) {
    const migration = known.get(row.version)
    if (migration === undefined || sha256Hex(migration.sql) !== row.checksum) {
      throw new EngineError(`migration ${row.version} (${row.name}) differs from the one applied to this database`, {
        field: `schema_migrations[${row.version}]`, rule: 'a released migration must never change; add a new one'
      })
    }
  }
  const done = new Set(applied.map((row) => row.version))
  const insert = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)')
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck()
  const newlyApplied: number[] = []
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue
    // Checked again under the write lock: another process starting at the same moment may have won.
    const ran = db.transaction(() => {
      if (isApplied.get(migration.version) !== undefined) return false
      db.exec(migration.sql)
      insert.run(migration.version, migration.name, sha256Hex(migration.sql), now())
      return true
    }).immediate()
    if (ran) newlyApplied.push(migration.version)
  }
  return { from, to: Math.max(from, latest), applied: newlyApplied }
}

/** The newest migration version this code knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, migration) => Math.max(max, migration.version), 0)
