import t from 'tap'
import { join } from 'node:path'
import { ABO_TYPES } from '../engine/domain/abo.js'
import { CANDIDATE_STATUSES } from '../engine/domain/candidate.js'
import { ACTIVITIES } from '../engine/domain/centre.js'
import { ORGAN_PARTS, ORGAN_TYPES } from '../engine/domain/organ.js'
import { assertPragmas, DEFAULT_BUSY_TIMEOUT_MS, integrityCheck, openDatabase } from '../data/db/connection.js'
import { LATEST_SCHEMA_VERSION, migrate } from '../data/db/migrate.js'
import { MIGRATIONS } from '../data/db/migrations/index.js'
import { ROLES } from '../data/db/user-repository.js'

t.test('openDatabase sets WAL, synchronous=FULL, foreign keys and a busy timeout, and checks them', async (t) => {
  const file = join(t.testdir(), 'pragmas.db')
  const db = openDatabase({ file })
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  t.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL, not the bundled WAL default NORMAL (1)')
  t.equal(db.pragma('foreign_keys', { simple: true }), 1)
  t.equal(db.pragma('busy_timeout', { simple: true }), DEFAULT_BUSY_TIMEOUT_MS)
  t.equal(db.pragma('trusted_schema', { simple: true }), 0)
  t.same(integrityCheck(db), ['ok'])
  // A setting that did not take is refused, naming the pragma.
  db.pragma('synchronous = NORMAL')
  t.throws(() => assertPragmas(db, { inMemory: false, busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS }), { code: 'ENGINE_ERROR', field: 'PRAGMA synchronous' })
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = OFF')
  t.throws(() => assertPragmas(db, { inMemory: false, busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS }), { code: 'ENGINE_ERROR', field: 'PRAGMA foreign_keys' })
  db.pragma('foreign_keys = ON')
  t.throws(() => assertPragmas(db, { inMemory: false, busyTimeoutMs: 1 }), { code: 'ENGINE_ERROR', field: 'PRAGMA busy_timeout' })
  t.throws(() => assertPragmas(db, { inMemory: true, busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS }), { code: 'ENGINE_ERROR', field: 'PRAGMA journal_mode' })
  db.close()
  const memory = openDatabase({ file: ':memory:', busyTimeoutMs: 250 })
  t.equal(memory.pragma('journal_mode', { simple: true }), 'memory')
  t.equal(memory.pragma('busy_timeout', { simple: true }), 250)
  memory.close()
})

t.test('migrations: applied once each in order, recorded, and a re-run is a no-op', async (t) => {
  const db = openDatabase({ file: ':memory:' })
  const first = migrate(db)
  t.same(first, { from: 0, to: LATEST_SCHEMA_VERSION, applied: MIGRATIONS.map((m) => m.version) })
  t.same(migrate(db), { from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION, applied: [] })
  const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()
  t.same(rows, MIGRATIONS.map((m) => ({ version: m.version, name: m.name })))
  const tables = db.prepare('SELECT name FROM sqlite_master WHERE type = \'table\' ORDER BY name').pluck().all()
  for (const table of ['audit_log', 'candidates', 'centre_authorisations', 'direct_identifiers', 'donors', 'follow_ups', 'match_runs', 'offers', 'oversight_flags', 'protected_attributes', 'transplants', 'users', 'api_tokens', 'simulation_jobs']) {
    t.ok(tables.includes(table), `table ${table}`)
  }
  // Every table is STRICT.
  const notStrict = db.prepare('SELECT name FROM pragma_table_list WHERE schema = \'main\' AND type = \'table\' AND strict = 0 AND name NOT LIKE \'sqlite_%\'').pluck().all()
  t.same(notStrict, [])
  t.same(db.prepare('SELECT name FROM roles ORDER BY name').pluck().all(), [...ROLES].sort())
})

t.test('a database from a newer release is refused; an edited released migration is refused', async (t) => {
  const newer = openDatabase({ file: ':memory:' })
  migrate(newer)
  newer.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)').run(LATEST_SCHEMA_VERSION + 1, 'future', 'x', '2030-01-01T00:00:00Z')
  t.throws(() => migrate(newer), { code: 'ENGINE_OUT_OF_RANGE', field: 'schema_migrations.version' })

  const edited = openDatabase({ file: ':memory:' })
  migrate(edited)
  const changed = MIGRATIONS.map((m) => m.version === 2 ? { ...m, sql: `${m.sql}\n-- edited` } : m)
  t.throws(() => migrate(edited, changed), { code: 'ENGINE_ERROR', field: 'schema_migrations[2]' })
})

t.test('a failing migration rolls back whole and leaves the previous version', async (t) => {
  const db = openDatabase({ file: ':memory:' })
  migrate(db)
  // The next version after whatever migrations the release ships.
  const latest = Math.max(...MIGRATIONS.map((m) => m.version))
  const next = latest + 1
  const broken = [...MIGRATIONS, { version: next, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER) STRICT; INSERT INTO no_such_table VALUES (1);' }]
  t.throws(() => migrate(db, broken))
  t.equal(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get(), latest)
  t.equal(db.prepare('SELECT count(*) FROM sqlite_master WHERE name = \'half_done\'').pluck().get(), 0)
  const fixed = [...MIGRATIONS, { version: next, name: 'fixed', sql: 'CREATE TABLE later_table (x INTEGER) STRICT;' }]
  t.same(migrate(db, fixed).applied, [next])
})

t.test('value lists in the schema match the domain constants (a new value needs a new migration)', async (t) => {
  const sql = MIGRATIONS.map((m) => m.sql).join('\n')
  const list = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ')
  t.ok(sql.includes(`organ_type IN (${list(ORGAN_TYPES)})`), 'organ types')
  t.ok(sql.includes(`part IN (${list(ORGAN_PARTS)})`), 'organ parts')
  t.ok(sql.includes(`abo IN (${list(ABO_TYPES)})`), 'ABO types')
  t.ok(sql.includes(`status IN (${list(CANDIDATE_STATUSES)})`), 'candidate statuses')
  t.ok(sql.includes(`activity IN (${list(ACTIVITIES)})`), 'activities')
})

t.test('the schema itself refuses bad rows: types, checks, foreign keys', async (t) => {
  const db = openDatabase({ file: ':memory:' })
  migrate(db)
  const centre = db.prepare('INSERT INTO centres (id, name, country, region, latitude_deg, longitude_deg, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
  t.throws(() => centre.run('X', 'X', 'NL', 'r', 'north', 4, 'now'), { code: 'SQLITE_CONSTRAINT_DATATYPE' }, 'STRICT: text in a REAL column')
  t.throws(() => centre.run('X', 'X', 'nl', 'r', 52, 4, 'now'), { code: 'SQLITE_CONSTRAINT_CHECK' }, 'country code in capitals')
  t.throws(() => centre.run('X', 'X', 'NL', 'r', 95, 4, 'now'), { code: 'SQLITE_CONSTRAINT_CHECK' }, 'latitude range')
  t.throws(() => db.prepare(`INSERT INTO centre_authorisations (centre_id, organ_type, activity, valid_from, decision_reference, recorded_at)
    VALUES ('nowhere', 'kidney', 'transplant', '2020-01-01', 'r', 'now')`).run(), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })
  centre.run('X', 'X', 'NL', 'r', 52, 4, 'now')
  t.throws(() => db.prepare(`INSERT INTO centre_authorisations (centre_id, organ_type, activity, valid_from, decision_reference, recorded_at)
    VALUES ('X', 'spleen', 'transplant', '2020-01-01', 'r', 'now')`).run(), { code: 'SQLITE_CONSTRAINT_CHECK' })
  t.throws(() => db.prepare('INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, payload, prev_hash, hash) VALUES (1, \'a\', \'a\', \'a\', \'a\', \'a\', \'not json\', ?, ?)')
    .run('0'.repeat(64), '0'.repeat(64)), { code: 'SQLITE_CONSTRAINT_CHECK' })
})
