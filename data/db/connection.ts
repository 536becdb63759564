import Database from 'better-sqlite3'
import { EngineError } from '../../engine/errors.js'

export type RegistryDatabase = Database.Database

export interface OpenDatabaseOptions {
  /** Path of the database file, or ':memory:' for tests. */
  readonly file: string
  /** How long a writer waits for another connection's lock before failing, in milliseconds. */
  readonly busyTimeoutMs?: number
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000
/** PRAGMA synchronous values: 2 is FULL. */
const SYNCHRONOUS_FULL = 2

/**
 * Opens the registry database with the settings durability depends on:
 * - WAL journal, so readers (match runs, reports) never block the single writer;
 * - synchronous=FULL: better-sqlite3's bundled SQLite is compiled with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1,
 *   i.e. NORMAL in WAL mode, where a committed transaction can roll back after power loss (sqlite.org
 *   pragma.html#pragma_synchronous); a registry must not lose an acknowledged offer or transplant;
 * - foreign keys on (the bundled build enables them, a custom build might not);
 * - a busy timeout, so a second connection waits instead of failing at once;
 * - trusted_schema off, as SQLite advises for applications that do not need it.
 * Each setting is read back and checked, because SQLite ignores some pragmas silently.
 */
export function openDatabase (options: OpenDatabaseOptions): RegistryDatabase {
  const db = new Database(options.file)
  try {
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`)
    db.pragma('trusted_schema = OFF')
    assertPragmas(db, { inMemory: options.file === ':memory:', busyTimeoutMs })
  } catch (error) {
    db.close()
    throw error
  }
  return db
}

function pragmaValue (db: RegistryDatabase, name: string): unknown {
  return db.pragma(name, { simple: true })
}

function refuse (pragma: string, expected: string, actual: unknown): never {
  throw new EngineError(`PRAGMA ${pragma} is ${String(actual)}, the registry needs ${expected}`, { field: `PRAGMA ${pragma}`, rule: `must be ${expected}` })
}

/** Reads back the durability settings and throws if any did not take effect. */
export function assertPragmas (db: RegistryDatabase, expected: { inMemory: boolean, busyTimeoutMs: number }): void {
  const journal = pragmaValue(db, 'journal_mode')
  // An in-memory database has no file to journal; SQLite reports 'memory' and that is all it can do.
  const journalExpected = expected.inMemory ? 'memory' : 'wal'
  if (journal !== journalExpected) refuse('journal_mode', journalExpected, journal)
  const synchronous = pragmaValue(db, 'synchronous')
  if (synchronous !== SYNCHRONOUS_FULL) refuse('synchronous', 'FULL (2)', synchronous)
  const foreignKeys = pragmaValue(db, 'foreign_keys')
  if (foreignKeys !== 1) refuse('foreign_keys', 'ON (1)', foreignKeys)
  const busy = pragmaValue(db, 'busy_timeout')
  if (busy !== expected.busyTimeoutMs) refuse('busy_timeout', String(expected.busyTimeoutMs), busy)
}

/** PRAGMA integrity_check: 'ok' or the list of problems SQLite found. */
export function integrityCheck (db: RegistryDatabase): string[] {
  return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check)
}
