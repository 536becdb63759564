import t from 'tap'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../data/db/connection.js'
import { LATEST_SCHEMA_VERSION, migrate } from '../data/db/migrate.js'
import { MIGRATIONS } from '../data/db/migrations/index.js'
import { createRegistry, openRegistry } from '../data/registry.js'
import { deriveKeys } from '../data/security/keys.js'
import { CLERK, candidateInput, seedCentres, steppingClock, TEST_MASTER_KEY } from './fixtures/registry-fixtures.js'

t.test('first start creates the data directory, key file and database; the second start reuses them', async (t) => {
  const dataDir = join(t.testdir(), 'var')
  const first = openRegistry({ dataDir, env: {} })
  t.equal(first.created, true)
  t.same(first.schema.applied, MIGRATIONS.map((m) => m.version))
  t.equal(statSync(dataDir).mode & 0o077, 0, 'data directory closed to group and others')
  t.equal(statSync(join(dataDir, 'keys', 'registry.key')).mode & 0o777, 0o600)
  t.ok(existsSync(join(dataDir, 'registry.db')))
  t.equal(first.keys.source, 'file')
  t.same(first.audit.list().map((e) => e.action), ['registry.initialised'])
  t.equal(first.audit.list()[0]?.payload.checkpointPublicKey, first.keys.publicKeyBase64)
  seedCentres(first)
  const candidate = first.candidates.register(candidateInput(), CLERK)
  const { registryId } = first
  first.close()

  const second = openRegistry({ dataDir, env: {} })
  t.equal(second.created, false)
  t.same(second.schema, { from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION, applied: [] })
  t.equal(second.registryId, registryId)
  t.equal(second.candidates.idFor('LUMC-KI-0001'), candidate.id, 'same key, same pseudonyms')
  t.equal(second.identity.reveal(candidate.id, { reason: 'test' }, 'authority.one').name, 'Johanna Verbeek-Zwanenburg')
  t.equal(second.audit.verify().ok, true)
  t.equal(second.audit.list({ limit: 10_000 }).filter((e) => e.action === 'registry.initialised').length, 1)
  second.close()
})

t.test('DATA_DIR and REGISTRY_KEY come from the environment', async (t) => {
  const dataDir = t.testdir()
  const env = { DATA_DIR: dataDir, REGISTRY_KEY: TEST_MASTER_KEY.toString('base64') }
  const registry = openRegistry({ env, now: steppingClock() })
  t.equal(registry.keys.source, 'env')
  t.notOk(existsSync(join(dataDir, 'keys', 'registry.key')), 'no key file when the key comes from the environment')
  t.ok(existsSync(join(dataDir, 'registry.db')))
  t.match(registry.audit.list()[0]?.at, /^2025-01-01T00:00:0\d\.000Z$/, 'the injected clock')
  registry.close()
})

t.test('a different key is refused instead of producing unreadable data', async (t) => {
  const dataDir = t.testdir()
  openRegistry({ dataDir, env: {} }).close()
  t.throws(() => openRegistry({ dataDir, env: { REGISTRY_KEY: TEST_MASTER_KEY.toString('base64') } }), { code: 'ENGINE_INVALID_FIELD', field: 'REGISTRY_KEY' })
  const other = t.testdir({})
  openRegistry({ dataDir: other, env: { REGISTRY_KEY: TEST_MASTER_KEY.toString('base64') } }).close()
  t.throws(() => openRegistry({ dataDir: other, env: {} }), { code: 'ENGINE_INVALID_FIELD', field: 'keys/registry.key' })
})

t.test('a database from a newer release is refused at start', async (t) => {
  const dataDir = t.testdir()
  const env = { REGISTRY_KEY: TEST_MASTER_KEY.toString('base64') }
  const registry = openRegistry({ dataDir, env })
  registry.db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (99, \'future\', \'x\', \'2030-01-01T00:00:00Z\')').run()
  registry.close()
  t.throws(() => openRegistry({ dataDir, env }), { code: 'ENGINE_OUT_OF_RANGE', field: 'schema_migrations.version' })
})

t.test('migrating an existing registry appends a schema.migrated entry', async (t) => {
  const db = openDatabase({ file: ':memory:' })
  const keys = deriveKeys(TEST_MASTER_KEY, 'env')
  // A registry created before migration 2 existed: meta present, no audit log yet.
  migrate(db, MIGRATIONS.filter((m) => m.version === 1))
  db.prepare('INSERT INTO registry_meta (key, value) VALUES (\'key_check\', ?), (\'registry_id\', \'registry-old\')').run(keys.keyCheck)
  const registry = createRegistry(db, keys, { now: steppingClock() })
  t.equal(registry.created, false)
  const later = MIGRATIONS.filter((m) => m.version > 1).map((m) => m.version)
  t.same(registry.schema.applied, later)
  t.same(registry.audit.list().map((e) => [e.action, e.payload]), [['schema.migrated', { from: 1, to: LATEST_SCHEMA_VERSION, applied: later }]])
  t.equal(registry.registryId, 'registry-old')
})
