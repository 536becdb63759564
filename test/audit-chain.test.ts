import t from 'tap'
import fc from 'fast-check'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { AuditLog, entryHash, GENESIS_HASH, pinRow, rowDigest, verifyAuditLog, verifyCheckpoint } from '../data/audit/audit-log.js'
import { openDatabase } from '../data/db/connection.js'
import { migrate } from '../data/db/migrate.js'
import { openRegistry, type Registry } from '../data/registry.js'
import { deriveKeys } from '../data/security/keys.js'
import { CLERK, candidateInput, deceasedDonorInput, memoryRegistry, recordKidneyMatch, seedCentres, TEST_MASTER_KEY } from './fixtures/registry-fixtures.js'

/** A registry with centres, a candidate, a donor, an organ, a match run and two offer responses. */
function populated (registry: Registry = memoryRegistry()): { registry: Registry, candidateId: string, matchRunId: string } {
  seedCentres(registry)
  const candidate = registry.candidates.register(candidateInput(), CLERK)
  const donor = registry.donors.registerDeceased(deceasedDonorInput(), CLERK)
  const organ = registry.donors.registerOrgan(donor.id, { organType: 'kidney', part: 'left' }, CLERK)
  const run = recordKidneyMatch(registry, { matchRunId: 'M-0001', donorId: donor.id, organId: organ.id, matchTime: '2025-02-01T05:00:00Z' })
  registry.matchRuns.recordOfferResponse({ matchRunId: run.id, candidateId: candidate.id, sequenceNumber: 1, response: 'Z', respondedBy: 'surgeon.one', respondedAt: '2025-02-01T05:20:00Z' }, 'officer.one')
  registry.matchRuns.recordOfferResponse({ matchRunId: run.id, candidateId: candidate.id, sequenceNumber: 1, response: 'N', refusalCode: 730, respondedBy: 'surgeon.one', respondedAt: '2025-02-01T06:00:00Z' }, 'officer.one')
  return { registry, candidateId: candidate.id, matchRunId: run.id }
}

/** What an attacker with the sqlite3 tool does: drop the guard triggers, then edit. */
function handEdit (db: Database.Database, sql: string, ...params: unknown[]): void {
  for (const name of db.prepare('SELECT name FROM sqlite_master WHERE type = \'trigger\'').pluck().all() as string[]) {
    db.exec(`DROP TRIGGER ${name}`)
  }
  db.prepare(sql).run(...params)
}

t.test('each entry hashes the previous hash and its own canonical JSON', async (t) => {
  const { registry } = populated()
  const entries = registry.audit.list()
  t.ok(entries.length > 10)
  t.equal(entries[0]?.prevHash, GENESIS_HASH)
  t.equal(entries[0]?.action, 'registry.initialised')
  for (const [index, entry] of entries.entries()) {
    t.equal(entry.seq, index + 1)
    const { hash, ...rest } = entry
    t.equal(entryHash(rest), hash, `entry ${entry.seq} hash recomputes`)
    if (index > 0) t.equal(entry.prevHash, entries[index - 1]?.hash)
  }
  const verification = registry.audit.verify()
  t.same(verification, { ok: true, entries: entries.length, headHash: entries.at(-1)?.hash })
  t.same(registry.audit.head(), { seq: entries.length, hash: entries.at(-1)?.hash })
  t.equal(registry.audit.get(2)?.action, 'centre.registered')
  t.equal(registry.audit.get(9999), undefined)
  const candidateEntries = registry.audit.list({ entityType: 'candidate', entityId: registry.candidates.idFor('LUMC-KI-0001') })
  t.same(candidateEntries.map((e) => e.action), ['candidate.registered', 'identifiers.recorded', 'protected-attributes.recorded'])
  t.equal(registry.audit.list({ fromSeq: 3, limit: 2 }).length, 2)
  t.throws(() => registry.audit.list({ limit: 0 }), { code: 'ENGINE_OUT_OF_RANGE' })
})

t.test('the log refuses UPDATE and DELETE, and so do match runs and offers', async (t) => {
  const { registry, matchRunId } = populated()
  const { db } = registry
  t.throws(() => db.prepare('UPDATE audit_log SET actor = ? WHERE seq = 2').run('mallory'), { code: 'SQLITE_CONSTRAINT_TRIGGER' })
  t.throws(() => db.prepare('DELETE FROM audit_log WHERE seq = 2').run(), { code: 'SQLITE_CONSTRAINT_TRIGGER' })
  t.throws(() => db.prepare('DELETE FROM audit_log').run(), { code: 'SQLITE_CONSTRAINT_TRIGGER' })
  t.throws(() => db.prepare('UPDATE match_runs SET match_list_json = \'[]\' WHERE id = ?').run(matchRunId), { code: 'SQLITE_CONSTRAINT_TRIGGER' })
  t.throws(() => db.prepare('DELETE FROM offers').run(), { code: 'SQLITE_CONSTRAINT_TRIGGER' })
  t.throws(() => db.prepare('UPDATE candidate_status_history SET status = \'active\'').run(), { code: 'SQLITE_CONSTRAINT_TRIGGER' })
  t.equal(registry.audit.verify().ok, true)
})

t.test('a hand edit of a log row is caught and the entry named', async (t) => {
  const { registry } = populated()
  handEdit(registry.db, 'UPDATE audit_log SET actor = \'someone.else\' WHERE seq = 5')
  const result = registry.audit.verify()
  t.equal(result.ok, false)
  t.equal(result.firstBroken?.seq, 5)
  t.match(result.firstBroken?.reason, /entry 5 .*was altered/)
  t.equal(result.entries, 4, 'entries before the break were walked')
})

t.test('an edit that also recomputes the row hash breaks the link to the next entry', async (t) => {
  const { registry } = populated()
  const entry = registry.audit.get(6)
  if (entry === undefined) throw new Error('no entry 6')
  const forged = { ...entry, actor: 'someone.else' }
  const { hash: _old, ...unhashed } = forged
  handEdit(registry.db, 'UPDATE audit_log SET actor = ?, hash = ? WHERE seq = 6', forged.actor, entryHash(unhashed))
  const result = registry.audit.verify()
  t.equal(result.firstBroken?.seq, 7)
  t.match(result.firstBroken?.reason, /does not chain to entry 6/)
})

t.test('deleted entries are named, at the start, in the middle', async (t) => {
  const middle = populated().registry
  handEdit(middle.db, 'DELETE FROM audit_log WHERE seq = 4')
  t.same(middle.audit.verify().firstBroken, { seq: 4, reason: 'entry 4 is missing (the next entry present is 5): entries were deleted' })
  const first = populated().registry
  handEdit(first.db, 'DELETE FROM audit_log WHERE seq = 1')
  t.equal(first.audit.verify().firstBroken?.seq, 1)
})

t.test('a genesis entry with a wrong prevHash is named', async (t) => {
  const { registry } = populated()
  handEdit(registry.db, 'UPDATE audit_log SET prev_hash = ? WHERE seq = 1', 'f'.repeat(64))
  t.same(registry.audit.verify().firstBroken, { seq: 1, reason: 'entry 1 does not start from the genesis hash' })
})

t.test('editing a match-run row is caught through its audit entry, even with the log untouched', async (t) => {
  const { registry, matchRunId } = populated()
  const seq = registry.audit.list().find((entry) => entry.action === 'match-run.recorded')?.seq
  // Rewrite the list and its output hash consistently, as a careful attacker would.
  const forgedList = JSON.stringify({ ranked: [], excluded: [] })
  handEdit(registry.db, 'UPDATE match_runs SET match_list_json = ?, output_hash = ? WHERE id = ?', forgedList, 'c'.repeat(64), matchRunId)
  const result = registry.audit.verify()
  t.equal(result.ok, false)
  t.equal(result.firstBroken?.seq, seq)
  t.match(result.firstBroken?.reason, new RegExp(`match_runs row ${matchRunId} was altered`))
})

t.test('deleting a pinned row, or inserting one outside the registry, is caught', async (t) => {
  const deleted = populated()
  handEdit(deleted.registry.db, 'DELETE FROM offers WHERE response = \'N\'')
  t.match(deleted.registry.audit.verify().firstBroken?.reason, /offers row \d+ is missing/)

  const inserted = populated()
  handEdit(inserted.registry.db, `INSERT INTO offers (match_run_id, candidate_id, sequence_number, response, refusal_code, responded_by, responded_at, recorded_at)
    VALUES (?, ?, 1, 'Y', NULL, 'surgeon.one', '2025-02-01T07:00:00.000Z', '2025-02-01T07:00:00.000Z')`, inserted.matchRunId, inserted.candidateId)
  const result = inserted.registry.audit.verify()
  t.equal(result.firstBroken?.seq, null)
  t.match(result.firstBroken?.reason, /offers row \d+ has no audit entry/)
})

t.test('malformed row references in a (tampered) entry are reported, not trusted', async (t) => {
  const { registry } = populated()
  const db = registry.db
  const audit = new AuditLog(db, { now: () => '2025-03-01T00:00:00.000Z', origin: 'test', signingKey: registry.keys.signingKey, publicKeyBase64: registry.keys.publicKeyBase64 })
  const bad = audit.append({ actor: 'x', action: 'test.bad-pin', entityType: 't', entityId: '1', payload: { rows: [{ table: 'sqlite_master', key: 1, sha256: 'x' }] } })
  t.match(verifyAuditLog(db).firstBroken, { seq: bad.seq, reason: /malformed/ })
  const notList = populated().registry
  const entry = new AuditLog(notList.db, { now: () => '2025-03-01T00:00:00.000Z', origin: 'test', signingKey: notList.keys.signingKey, publicKeyBase64: notList.keys.publicKeyBase64 })
    .append({ actor: 'x', action: 'test.bad-pin', entityType: 't', entityId: '1', payload: { rows: 'centres' } })
  t.match(verifyAuditLog(notList.db).firstBroken, { seq: entry.seq, reason: /malformed/ })
  t.throws(() => rowDigest(db, 'sqlite_master' as never, 1), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => pinRow(db, 'offers', 99999), { code: 'ENGINE_INVALID_FIELD' })
})

t.test('property: any single-field hand edit of any entry is detected and named', async (t) => {
  const { registry } = populated()
  const { db } = registry
  const count = registry.audit.head().seq
  const columns = ['at', 'actor', 'action', 'entity_type', 'entity_id', 'payload'] as const
  fc.assert(fc.property(fc.integer({ min: 1, max: count }), fc.constantFrom(...columns), fc.string({ minLength: 1, maxLength: 8 }), (seq, column, text) => {
    const original = db.prepare(`SELECT ${column} FROM audit_log WHERE seq = ?`).pluck().get(seq) as string
    const edited = column === 'payload' ? JSON.stringify({ ...JSON.parse(original) as object, note: text }) : `${original}${text}`
    db.exec('DROP TRIGGER IF EXISTS audit_log_refuse_update')
    db.prepare(`UPDATE audit_log SET ${column} = ? WHERE seq = ?`).run(edited, seq)
    const result = verifyAuditLog(db)
    db.prepare(`UPDATE audit_log SET ${column} = ? WHERE seq = ?`).run(original, seq)
    return result.ok === false && result.firstBroken?.seq === seq && verifyAuditLog(db).ok
  }), { numRuns: 150 })
  t.pass()
})

t.test('audit entries refuse identifier and protected-attribute fields, and malformed input', async (t) => {
  const registry = memoryRegistry()
  const base = { actor: 'clerk.one', action: 'test.thing', entityType: 't', entityId: '1' }
  t.throws(() => registry.audit.append({ ...base, payload: { nested: [{ birthDate: '1970-01-01' }] } }), { code: 'ENGINE_INVALID_FIELD', field: 'payload/nested/0/birthDate' })
  t.throws(() => registry.audit.append({ ...base, payload: { sex: 'female' } }), { code: 'ENGINE_INVALID_FIELD', field: 'payload/sex' })
  t.throws(() => registry.audit.append({ ...base, payload: [] as never }), { code: 'ENGINE_INVALID_FIELD', field: 'payload' })
  t.throws(() => registry.audit.append({ ...base, action: 'Registered', payload: {} }), { code: 'ENGINE_INVALID_FIELD', field: 'action' })
  t.throws(() => registry.audit.append({ ...base, actor: '', payload: {} }), { code: 'ENGINE_INVALID_FIELD', field: 'actor' })
  t.throws(() => registry.audit.append({ ...base, payload: { x: Number.NaN } }), { code: 'ENGINE_INVALID_FIELD' })
  const entry = registry.audit.append({ ...base, payload: { b: 1, a: [1, 2] } })
  t.same(entry.payload, { a: [1, 2], b: 1 })
})

t.test('signed checkpoints verify, and catch a rewritten or truncated history', async (t) => {
  const dataDir = t.testdir()
  const env = { REGISTRY_KEY: TEST_MASTER_KEY.toString('base64') }
  const { registry } = populated(openRegistry({ dataDir, env }))
  const checkpoint = registry.audit.exportCheckpoint()
  t.equal(checkpoint.seq, registry.audit.head().seq)
  t.equal(checkpoint.publicKey, deriveKeys(TEST_MASTER_KEY, 'env').publicKeyBase64)
  t.same(verifyCheckpoint(checkpoint, registry.db, { trustedPublicKey: checkpoint.publicKey }), { ok: true })

  // More entries later: the old checkpoint still verifies against the longer log.
  registry.oversight.raise({ ruleId: 'F2@1', severity: 'R', entityType: 'match-run', entityId: 'M-0001', evidence: { skipped: 1 }, raisedAt: '2025-02-02T00:00:00Z' }, 'auditor.one')
  t.same(verifyCheckpoint(checkpoint, registry.db), { ok: true })

  const tampered = (changes: Partial<typeof checkpoint>): boolean => verifyCheckpoint({ ...checkpoint, ...changes }, registry.db).ok
  t.equal(tampered({ seq: checkpoint.seq - 1 }), false, 'a changed field breaks the signature')
  t.equal(tampered({ headHash: 'e'.repeat(64) }), false)
  const other = deriveKeys(Buffer.alloc(32, 9), 'env')
  t.same(verifyCheckpoint({ ...checkpoint, publicKey: other.publicKeyBase64 }, registry.db, { trustedPublicKey: checkpoint.publicKey }),
    { ok: false, reason: 'the checkpoint is signed with a key other than the trusted one' })
  t.throws(() => verifyCheckpoint({ ...checkpoint, headHash: 'xyz' }, registry.db), { code: 'ENGINE_INVALID_FIELD', field: 'checkpoint.headHash' })
  t.throws(() => verifyCheckpoint({ ...checkpoint, publicKey: 'AAAA' }, registry.db), { code: 'ENGINE_INVALID_FIELD', field: 'publicKey' })
  registry.close()

  // An attacker rewrites history from entry 3 on, recomputing every hash: verify() alone is satisfied...
  const db = openDatabase({ file: join(dataDir, 'registry.db') })
  db.exec('DROP TRIGGER audit_log_refuse_update')
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Array<Record<string, string | number>>
  let prev = String(rows[1]?.hash)
  for (const row of rows.slice(2)) {
    const entry = {
      seq: Number(row.seq), at: String(row.at), actor: row.seq === 3 ? 'mallory' : String(row.actor), action: String(row.action),
      entityType: String(row.entity_type), entityId: String(row.entity_id), payload: JSON.parse(String(row.payload)) as Record<string, unknown>, prevHash: prev
    }
    const hash = entryHash(entry)
    db.prepare('UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(entry.actor, prev, hash, entry.seq)
    prev = hash
  }
  t.equal(verifyAuditLog(db).ok, true, 'a full rewrite passes the chain check on its own')
  // ...but not the checkpoint published before it.
  const result = verifyCheckpoint(checkpoint, db, { trustedPublicKey: checkpoint.publicKey })
  t.equal(result.ok, false)
  t.match(result.reason, new RegExp(`entry ${checkpoint.seq} differs from the checkpoint`))

  // Truncation below the checkpoint is caught too.
  db.exec('DROP TRIGGER audit_log_refuse_delete')
  db.prepare('DELETE FROM audit_log WHERE seq >= ?').run(checkpoint.seq)
  t.match(verifyCheckpoint(checkpoint, db).reason, /truncated/)
  db.close()
})

t.test('a checkpoint over a chain broken before its head fails with the break named', async (t) => {
  const { registry } = populated()
  const checkpoint = registry.audit.exportCheckpoint()
  handEdit(registry.db, 'UPDATE audit_log SET actor = \'x\' WHERE seq = 2')
  const result = verifyCheckpoint(checkpoint, registry.db)
  t.equal(result.ok, false)
  t.equal(result.firstBroken?.seq, 2)
  t.equal(memoryRegistry().audit.exportCheckpoint().seq, 1, 'a new registry starts with its initialisation entry')
})

t.test('an empty log has the genesis head, and its checkpoint verifies', async (t) => {
  const db = openDatabase({ file: ':memory:' })
  migrate(db)
  const keys = deriveKeys(TEST_MASTER_KEY, 'env')
  const audit = new AuditLog(db, { now: () => '2025-01-01T00:00:00.000Z', origin: 'empty', signingKey: keys.signingKey, publicKeyBase64: keys.publicKeyBase64 })
  t.same(audit.head(), { seq: 0, hash: GENESIS_HASH })
  const checkpoint = audit.exportCheckpoint()
  t.same(verifyCheckpoint(checkpoint, db), { ok: true })
  t.same(verifyAuditLog(db), { ok: true, entries: 0, headHash: GENESIS_HASH })
  // A standalone append opens its own transaction.
  const first = audit.append({ actor: 'clerk.one', action: 'test.appended', entityType: 't', entityId: '1', payload: {} })
  t.equal(first.prevHash, GENESIS_HASH)
  t.equal(first.seq, 1)
})
