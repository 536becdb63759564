import { contentHash } from '../../engine/canonical-hash.js'
import { InvalidFieldError } from '../../engine/errors.js'
import type { RegistryDatabase } from '../db/connection.js'
import { statement } from '../db/context.js'

/**
 * Pins for the oversight tables of migration 4. The audit log's own pins (`payload.rows`) accept only
 * the tables listed in data/audit/audit-log.ts, which this module may not extend; so oversight entries
 * carry their pins under `payload.oversightRows`, with the same meaning — table, primary key, SHA-256
 * of the row's canonical JSON — and `verifyOversightPins` checks them as verify() checks its own.
 */
export const OVERSIGHT_PINNED_TABLES = {
  recovery_records: 'organ_id',
  transplant_records: 'transplant_id',
  combined_transplants: 'pancreas_transplant_id',
  domino_donors: 'donor_id',
  donation_pathway_cases: 'id',
  living_donor_evaluations: 'id',
  donor_payments: 'id',
  transplants_abroad: 'id',
  oversight_flag_reviews: 'id',
  oversight_flag_findings: 'flag_id'
} as const
export type OversightPinnedTable = keyof typeof OVERSIGHT_PINNED_TABLES

export interface OversightRowPin {
  readonly table: OversightPinnedTable
  readonly key: string | number
  readonly sha256: string
}

function isTable (table: unknown): table is OversightPinnedTable {
  return typeof table === 'string' && Object.hasOwn(OVERSIGHT_PINNED_TABLES, table)
}

function digest (db: RegistryDatabase, table: OversightPinnedTable, key: string | number): string | undefined {
  const row = statement(db, `SELECT * FROM ${table} WHERE ${OVERSIGHT_PINNED_TABLES[table]} = ?`).get(key)
  return row === undefined ? undefined : contentHash(row)
}

/** Pins a row just written; call in the same transaction and list it in the entry's `oversightRows`. */
export function pinOversightRow (db: RegistryDatabase, table: OversightPinnedTable, key: string | number | bigint): OversightRowPin {
  const id = typeof key === 'bigint' ? Number(key) : key
  const sha256 = digest(db, table, id)
  if (sha256 === undefined) throw new InvalidFieldError('key', `names no row of ${table}`)
  return { table, key: id, sha256 }
}

export interface OversightPinVerification {
  readonly ok: boolean
  readonly checked: number
  readonly firstBroken?: { readonly seq: number | null, readonly reason: string }
}

/**
 * Checks every oversight pin in the audit log against its row, and that every row of a pinned
 * oversight table has a pin (a row inserted by hand has none). Run it beside `audit.verify()`.
 */
export function verifyOversightPins (db: RegistryDatabase): OversightPinVerification {
  const seen = new Map<OversightPinnedTable, Set<string | number>>()
  let checked = 0
  const rows = db.prepare('SELECT seq, action, entity_id, payload FROM audit_log WHERE payload LIKE \'%"oversightRows"%\' ORDER BY seq').all() as
    Array<{ seq: number, action: string, entity_id: string, payload: string }>
  for (const row of rows) {
    const pins = (JSON.parse(row.payload) as { oversightRows?: unknown }).oversightRows
    if (!Array.isArray(pins)) return { ok: false, checked, firstBroken: { seq: row.seq, reason: `entry ${row.seq} (${row.action}): its oversight row references are malformed` } }
    for (const pin of pins as Array<Partial<OversightRowPin>>) {
      if (!isTable(pin.table) || (typeof pin.key !== 'string' && typeof pin.key !== 'number') || typeof pin.sha256 !== 'string') {
        return { ok: false, checked, firstBroken: { seq: row.seq, reason: `entry ${row.seq} (${row.action}): an oversight row reference is malformed` } }
      }
      const current = digest(db, pin.table, pin.key)
      if (current === undefined) return { ok: false, checked, firstBroken: { seq: row.seq, reason: `entry ${row.seq} (${row.action} ${row.entity_id}): ${pin.table} row ${pin.key} is missing: it was deleted` } }
      if (current !== pin.sha256) return { ok: false, checked, firstBroken: { seq: row.seq, reason: `entry ${row.seq} (${row.action} ${row.entity_id}): ${pin.table} row ${pin.key} was altered after it was recorded` } }
      const set = seen.get(pin.table) ?? new Set()
      set.add(pin.key)
      seen.set(pin.table, set)
      checked += 1
    }
  }
  for (const [table, column] of Object.entries(OVERSIGHT_PINNED_TABLES) as Array<[OversightPinnedTable, string]>) {
    for (const key of db.prepare(`SELECT ${column} FROM ${table} ORDER BY ${column}`).pluck().all() as Array<string | number>) {
      if (!(seen.get(table)?.has(key) ?? false)) return { ok: false, checked, firstBroken: { seq: null, reason: `${table} row ${key} has no audit entry: it was inserted outside the registry` } }
    }
  }
  return { ok: true, checked }
}
