import { sign, verify as verifySignature, type KeyObject } from 'node:crypto'
import { canonicalJson, contentHash, sha256Hex } from '../../engine/canonical-hash.js'
import { InvalidFieldError } from '../../engine/errors.js'
import { requireInteger, requireString } from '../../engine/domain/input.js'
import type { RegistryDatabase } from '../db/connection.js'
import { statement } from '../db/context.js'
import { publicKeyFromBase64 } from '../security/keys.js'

/**
 * The tamper-evident audit log: a hash chain over canonical JSON (RFC 8785) entries.
 *
 *   hash(n) = SHA-256( prevHash(n) ‖ canonicalJson(entry n without its hash) ),  prevHash(1) = 64 zeros
 *
 * Appending happens inside the caller's transaction, so an audit entry and the change it records
 * commit together or not at all. Rows of append-only business tables (match runs, offers, status
 * history…) are listed in their entry's `payload.rows` by rowid and SHA-256 of the row, so editing such a row
 * by hand is caught by verify() even when the log itself is untouched. Signed checkpoints of the
 * chain head (Ed25519) let an outside party detect a history rewritten from the start.
 */

export const GENESIS_HASH = '0'.repeat(64)

/** Payload keys that would carry a direct identifier or a protected attribute; refused anywhere in a payload. */
export const FORBIDDEN_PAYLOAD_KEYS: readonly string[] = [
  'name', 'nationalId', 'birthDate', 'dateOfBirth', 'sex', 'raceEthnicity', 'race', 'ethnicity', 'nationality', 'residence'
]

/**
 * Tables whose rows never change after insert (append-only triggers), each with its primary-key
 * column, so a row can be pinned by a digest in its audit entry. Rows are named by primary key, not
 * rowid, because VACUUM may renumber the rowids of tables without an INTEGER PRIMARY KEY. The list is
 * fixed here and never taken from a payload: a tampered payload must not name an arbitrary table.
 */
export const PINNED_TABLES = {
  centres: 'id',
  centre_authorisations: 'id',
  candidates: 'id',
  candidate_status_history: 'id',
  candidate_clinical_values: 'id',
  candidate_unacceptable_antigens: 'id',
  donors: 'id',
  consent_records: 'id',
  procedure_authorisations: 'id',
  policy_versions: 'id',
  match_runs: 'id',
  offers: 'id',
  transplants: 'id'
} as const
export type PinnedTable = keyof typeof PINNED_TABLES
const PINNED_TABLE_NAMES = Object.keys(PINNED_TABLES) as PinnedTable[]

function isPinnedTable (table: unknown): table is PinnedTable {
  return typeof table === 'string' && Object.hasOwn(PINNED_TABLES, table)
}

/** A reference from an audit entry to a business row it created: table, primary key, SHA-256 of the row's canonical JSON. */
export interface RowPin {
  readonly table: PinnedTable
  readonly key: string | number
  readonly sha256: string
}

export interface AuditEntryInput {
  /** User id (or `system`) responsible for the change. */
  readonly actor: string
  /** `entity.verb`, e.g. `candidate.registered`, `match-run.recorded`. */
  readonly action: string
  readonly entityType: string
  /** The entity's pseudonym or registry id, never a direct identifier. */
  readonly entityId: string
  /** What changed, as JSON. No direct identifiers, no protected attributes. */
  readonly payload: Readonly<Record<string, unknown>>
}

export interface AuditEntry extends AuditEntryInput {
  readonly seq: number
  readonly at: string
  readonly prevHash: string
  readonly hash: string
}

export interface BrokenEntry {
  /** The first entry that fails; null when the fault is a business row with no audit entry at all. */
  readonly seq: number | null
  readonly reason: string
}

export interface AuditVerification {
  readonly ok: boolean
  /** Entries walked. */
  readonly entries: number
  readonly headHash: string
  readonly firstBroken?: BrokenEntry
}

export interface AuditCheckpoint {
  /** Names the log, so a checkpoint of one registry is never checked against another. */
  readonly origin: string
  readonly seq: number
  readonly headHash: string
  readonly at: string
  /** Raw Ed25519 public key, base64. */
  readonly publicKey: string
  /** Ed25519 signature of checkpointText(), base64. */
  readonly signature: string
}

export interface CheckpointVerification {
  readonly ok: boolean
  readonly reason?: string
  readonly firstBroken?: BrokenEntry
}

interface AuditRow {
  seq: number
  at: string
  actor: string
  action: string
  entity_type: string
  entity_id: string
  payload: string
  prev_hash: string
  hash: string
}

const ACTION = /^[a-z][a-z-]*\.[a-z][a-z-]*$/
const HEX_64 = /^[0-9a-f]{64}$/

/** The hash of an entry: SHA-256 over the previous hash followed by the entry's canonical JSON (hash field excluded). */
export function entryHash (entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, at, actor, action, entityType, entityId, payload, prevHash } = entry
  return sha256Hex(prevHash + canonicalJson({ seq, at, actor, action, entityType, entityId, payload, prevHash }))
}

function findForbiddenKey (value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findForbiddenKey(item, `${path}/${index}`)
      if (found !== undefined) return found
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN_PAYLOAD_KEYS.includes(key)) return `${path}/${key}`
      const found = findForbiddenKey(item, `${path}/${key}`)
      if (found !== undefined) return found
    }
  }
  return undefined
}

function rowToEntry (row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash
  }
}

/** SHA-256 of a row's canonical JSON, read by primary key from one of the pinned tables. */
export function rowDigest (db: RegistryDatabase, table: PinnedTable, key: string | number): string | undefined {
  if (!isPinnedTable(table)) throw new InvalidFieldError('table', `must be one of ${PINNED_TABLE_NAMES.join(', ')}`)
  const row = statement(db, `SELECT * FROM ${table} WHERE ${PINNED_TABLES[table]} = ?`).get(key)
  return row === undefined ? undefined : contentHash(row)
}

/** Pins a freshly written row: call inside the same transaction as the insert and list the result in the payload's `rows`. */
export function pinRow (db: RegistryDatabase, table: PinnedTable, key: string | number | bigint): RowPin {
  const id = typeof key === 'bigint' ? Number(key) : key
  const digest = rowDigest(db, table, id)
  if (digest === undefined) throw new InvalidFieldError('key', `names no row of ${table}`)
  return { table, key: id, sha256: digest }
}

function isRowPin (value: unknown): value is RowPin {
  if (value === null || typeof value !== 'object') return false
  const pin = value as Record<string, unknown>
  return isPinnedTable(pin.table) && (typeof pin.key === 'string' || typeof pin.key === 'number') && typeof pin.sha256 === 'string'
}

/**
 * Walks the chain from entry 1 (up to `untilSeq` when given) and cross-checks every pinned business
 * row. Stops at, and names, the first fault.
 */
export function verifyAuditLog (db: RegistryDatabase, options: { untilSeq?: number } = {}): AuditVerification {
  const until = options.untilSeq ?? Number.MAX_SAFE_INTEGER
  // Read in pages: better-sqlite3 cannot run the pin look-ups while an iterator holds the connection.
  const page = db.prepare('SELECT * FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT 1000')
  function * allRows (): Generator<AuditRow> {
    let after = 0
    for (;;) {
      const rows = page.all(after, until) as AuditRow[]
      yield * rows
      const last = rows.at(-1)
      if (last === undefined || rows.length < 1000) return
      after = last.seq
    }
  }
  const rows = allRows()
  const pinned = new Map<PinnedTable, Set<string | number>>(PINNED_TABLE_NAMES.map((table) => [table, new Set()]))
  let expected = 1
  let prevHash = GENESIS_HASH
  let count = 0
  const broken = (seq: number | null, reason: string): AuditVerification =>
    ({ ok: false, entries: count, headHash: prevHash, firstBroken: { seq, reason } })

  for (const row of rows) {
    if (row.seq !== expected) {
      return broken(expected, `entry ${expected} is missing (the next entry present is ${row.seq}): entries were deleted`)
    }
    if (row.prev_hash !== prevHash) {
      return broken(row.seq, expected === 1
        ? 'entry 1 does not start from the genesis hash'
        : `entry ${row.seq} does not chain to entry ${row.seq - 1} (its prevHash differs from that entry's hash): one of them was rewritten`)
    }
    let entry: AuditEntry
    try {
      entry = rowToEntry(row)
    /* c8 ignore next 3 -- the json_valid CHECK stops this unless the table itself was rebuilt */
    } catch {
      return broken(row.seq, `entry ${row.seq} has a payload that is not JSON`)
    }
    if (entryHash(entry) !== row.hash) {
      return broken(row.seq, `entry ${row.seq} (${row.action} ${row.entity_id}) was altered: its contents no longer give its hash`)
    }
    const pins = entry.payload.rows
    if (pins !== undefined) {
      if (!Array.isArray(pins)) return broken(row.seq, `entry ${row.seq} (${row.action} ${row.entity_id}): its row references are malformed`)
      for (const pin of pins as unknown[]) {
        const problem = checkPin(db, pin)
        if (problem !== undefined) return broken(row.seq, `entry ${row.seq} (${row.action} ${row.entity_id}): ${problem}`)
        const { table, key } = pin as RowPin
        pinned.get(table)?.add(key)
      }
    }
    prevHash = row.hash
    expected += 1
    count += 1
  }
  if (options.untilSeq === undefined) {
    for (const table of PINNED_TABLE_NAMES) {
      const seen = pinned.get(table) ?? new Set()
      const column = PINNED_TABLES[table]
      for (const key of db.prepare(`SELECT ${column} FROM ${table} ORDER BY ${column}`).pluck().iterate() as IterableIterator<string | number>) {
        if (!seen.has(key)) return broken(null, `${table} row ${key} has no audit entry: it was inserted outside the registry`)
      }
    }
  }
  return { ok: true, entries: count, headHash: prevHash }
}

function checkPin (db: RegistryDatabase, pin: unknown): string | undefined {
  if (!isRowPin(pin)) return 'its row reference is malformed'
  const digest = rowDigest(db, pin.table, pin.key)
  if (digest === undefined) return `${pin.table} row ${pin.key} is missing: it was deleted`
  if (digest !== pin.sha256) return `${pin.table} row ${pin.key} was altered after it was recorded`
  return undefined
}

/** The exact text an Ed25519 checkpoint signature covers (one field per line, in the spirit of C2SP tlog-checkpoint). */
export function checkpointText (checkpoint: Pick<AuditCheckpoint, 'origin' | 'seq' | 'headHash' | 'at'>): string {
  return `${checkpoint.origin}\n${checkpoint.seq}\n${checkpoint.headHash}\n${checkpoint.at}\n`
}

export interface AuditLogOptions {
  /** The clock for entry and checkpoint times (ISO 8601 UTC). */
  readonly now: () => string
  /** Names this log in checkpoints. */
  readonly origin: string
  /** Keys for signing checkpoints. */
  readonly signingKey: KeyObject
  readonly publicKeyBase64: string
}

export class AuditLog {
  readonly #db: RegistryDatabase
  readonly #options: AuditLogOptions
  readonly #insert
  readonly #last
  readonly #bySeq

  constructor (db: RegistryDatabase, options: AuditLogOptions) {
    this.#db = db
    this.#options = options
    this.#insert = db.prepare(`INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, payload, prev_hash, hash)
      VALUES (@seq, @at, @actor, @action, @entityType, @entityId, @payload, @prevHash, @hash)`)
    this.#last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')
    this.#bySeq = db.prepare('SELECT * FROM audit_log WHERE seq = ?')
  }

  /**
   * Appends one entry. Call it inside the transaction that makes the change it records; on its own it
   * opens an IMMEDIATE transaction, so two writers cannot both take the same sequence number.
   */
  append (input: AuditEntryInput): AuditEntry {
    const actor = requireString(input.actor, 'actor')
    const action = requireString(input.action, 'action', ACTION, 'must look like entity.verb in lower case, e.g. candidate.registered')
    const entityType = requireString(input.entityType, 'entityType')
    const entityId = requireString(input.entityId, 'entityId')
    if (input.payload === null || typeof input.payload !== 'object' || Array.isArray(input.payload)) {
      throw new InvalidFieldError('payload', 'must be a JSON object')
    }
    const forbidden = findForbiddenKey(input.payload, '')
    if (forbidden !== undefined) {
      throw new InvalidFieldError(`payload${forbidden}`, 'must not hold a direct identifier or a protected attribute')
    }
    const payloadText = canonicalJson(input.payload)
    const payload = JSON.parse(payloadText) as Record<string, unknown>
    const write = (): AuditEntry => {
      const last = this.#last.get() as { seq: number, hash: string } | undefined
      const unhashed = {
        seq: (last?.seq ?? 0) + 1,
        at: this.#options.now(),
        actor,
        action,
        entityType,
        entityId,
        payload,
        prevHash: last?.hash ?? GENESIS_HASH
      }
      const entry = { ...unhashed, hash: entryHash(unhashed) }
      this.#insert.run({ ...entry, payload: payloadText })
      return entry
    }
    return this.#db.inTransaction ? write() : this.#db.transaction(write).immediate()
  }

  /** The newest entry's sequence number and hash (0 and the genesis hash for an empty log). */
  head (): { seq: number, hash: string } {
    const last = this.#last.get() as { seq: number, hash: string } | undefined
    return last ?? { seq: 0, hash: GENESIS_HASH }
  }

  get (seq: number): AuditEntry | undefined {
    const row = this.#bySeq.get(seq) as AuditRow | undefined
    return row === undefined ? undefined : rowToEntry(row)
  }

  /** Entries in sequence order, from `fromSeq` (default 1), at most `limit` (default 1000). */
  list (options: { fromSeq?: number, limit?: number, entityType?: string, entityId?: string } = {}): AuditEntry[] {
    const fromSeq = requireInteger(options.fromSeq ?? 1, 'fromSeq', { min: 1, max: Number.MAX_SAFE_INTEGER, unit: '' })
    const limit = requireInteger(options.limit ?? 1000, 'limit', { min: 1, max: 10_000, unit: '' })
    const rows = options.entityId === undefined
      ? this.#db.prepare('SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?').all(fromSeq, limit)
      : this.#db.prepare('SELECT * FROM audit_log WHERE seq >= ? AND entity_type = ? AND entity_id = ? ORDER BY seq LIMIT ?')
        .all(fromSeq, options.entityType ?? '', options.entityId, limit)
    return (rows as AuditRow[]).map(rowToEntry)
  }

  verify (): AuditVerification {
    return verifyAuditLog(this.#db)
  }

  /** A signed statement of the current head, to publish outside this machine (a witness, WORM storage). */
  exportCheckpoint (): AuditCheckpoint {
    const head = this.head()
    const unsigned = { origin: this.#options.origin, seq: head.seq, headHash: head.hash, at: this.#options.now() }
    const signature = sign(null, Buffer.from(checkpointText(unsigned), 'utf8'), this.#options.signingKey)
    return { ...unsigned, publicKey: this.#options.publicKeyBase64, signature: signature.toString('base64') }
  }
}

/**
 * Checks a published checkpoint against a database: the signature must verify (with `trustedPublicKey`
 * when the verifier holds one, which it should), the log must still hold the checkpoint's entry with
 * the same hash, and the chain up to it must verify. A history rewritten from any point before the
 * checkpoint, or truncated below it, fails.
 */
export function verifyCheckpoint (checkpoint: AuditCheckpoint, db: RegistryDatabase, options: { trustedPublicKey?: string } = {}): CheckpointVerification {
  const seq = requireInteger(checkpoint.seq, 'checkpoint.seq', { min: 0, max: Number.MAX_SAFE_INTEGER, unit: '' })
  requireString(checkpoint.headHash, 'checkpoint.headHash', HEX_64, 'must be 64 lower-case hex digits')
  requireString(checkpoint.origin, 'checkpoint.origin')
  requireString(checkpoint.at, 'checkpoint.at')
  requireString(checkpoint.signature, 'checkpoint.signature')
  if (options.trustedPublicKey !== undefined && options.trustedPublicKey !== checkpoint.publicKey) {
    return { ok: false, reason: 'the checkpoint is signed with a key other than the trusted one' }
  }
  const key = publicKeyFromBase64(requireString(checkpoint.publicKey, 'checkpoint.publicKey'))
  const signed = verifySignature(null, Buffer.from(checkpointText(checkpoint), 'utf8'), key, Buffer.from(checkpoint.signature, 'base64'))
  if (!signed) return { ok: false, reason: 'the checkpoint signature does not verify' }
  if (seq === 0) return { ok: true }
  const row = db.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(seq) as { hash: string } | undefined
  if (row === undefined) return { ok: false, reason: `the log no longer has entry ${seq}: it was truncated`, firstBroken: { seq, reason: 'missing' } }
  const chain = verifyAuditLog(db, { untilSeq: seq })
  if (chain.firstBroken !== undefined) return { ok: false, reason: chain.firstBroken.reason, firstBroken: chain.firstBroken }
  if (row.hash !== checkpoint.headHash) {
    return { ok: false, reason: `entry ${seq} differs from the checkpoint: the history up to it was rewritten`, firstBroken: { seq, reason: 'hash differs from the signed checkpoint' } }
  }
  return { ok: true }
}
