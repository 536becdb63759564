import { canonicalJson } from '../../engine/canonical-hash.js'
import { requireEnum, requireString } from '../../engine/domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import type { RegistryContext } from './context.js'
import { requireActor, statement, writeTransaction } from './context.js'
import { requireInstant } from './values.js'

/** B: block unless overridden with dual sign-off; R: route to review; M: monitor. */
export const FLAG_SEVERITIES = ['B', 'R', 'M'] as const
export const FLAG_OUTCOMES = ['true-positive', 'false-positive', 'inconclusive'] as const

export interface FlagInput {
  /** Indicator rule id and version, e.g. "A1@1", "F2@1". */
  readonly ruleId: string
  readonly severity: typeof FLAG_SEVERITIES[number]
  readonly entityType: string
  /** Pseudonym or registry id of the flagged entity. */
  readonly entityId: string
  /** Which fields and values triggered the rule; pseudonyms only, never direct identifiers. */
  readonly evidence: Readonly<Record<string, unknown>>
  readonly raisedAt: string
}

export interface OversightFlag extends FlagInput {
  readonly id: number
  readonly raisedBy: string
  readonly status: 'open' | 'closed'
  readonly outcome?: typeof FLAG_OUTCOMES[number]
  readonly closedAt?: string
  readonly closedBy?: string
}

interface FlagRow {
  id: number
  rule_id: string
  severity: typeof FLAG_SEVERITIES[number]
  entity_type: string
  entity_id: string
  evidence_json: string
  raised_at: string
  raised_by: string
  status: 'open' | 'closed'
  outcome: typeof FLAG_OUTCOMES[number] | null
  closed_at: string | null
  closed_by: string | null
}

function toFlag (row: FlagRow): OversightFlag {
  return {
    id: row.id,
    ruleId: row.rule_id,
    severity: row.severity,
    entityType: row.entity_type,
    entityId: row.entity_id,
    evidence: JSON.parse(row.evidence_json) as Record<string, unknown>,
    raisedAt: row.raised_at,
    raisedBy: row.raised_by,
    status: row.status,
    ...(row.outcome === null ? {} : { outcome: row.outcome }),
    ...(row.closed_at === null ? {} : { closedAt: row.closed_at }),
    ...(row.closed_by === null ? {} : { closedBy: row.closed_by })
  }
}

/**
 * Oversight flags: findings for human review, never verdicts. Closing one records its outcome (so
 * thresholds can be calibrated) and needs a second person: the closer may not be the raiser.
 */
export class OversightRepository {
  readonly #ctx: RegistryContext

  constructor (ctx: RegistryContext) {
    this.#ctx = ctx
  }

  raise (input: FlagInput, actor: string): OversightFlag {
    const who = requireActor(actor)
    const flag = {
      ruleId: requireString(input.ruleId, 'ruleId'),
      severity: requireEnum(input.severity, 'severity', FLAG_SEVERITIES),
      entityType: requireString(input.entityType, 'entityType'),
      entityId: requireString(input.entityId, 'entityId'),
      raisedAt: requireInstant(input.raisedAt, 'raisedAt')
    }
    if (input.evidence === null || typeof input.evidence !== 'object' || Array.isArray(input.evidence)) throw new InvalidFieldError('evidence', 'must be a JSON object')
    const evidenceJson = canonicalJson(input.evidence)
    const { db, audit } = this.#ctx
    return writeTransaction(db, () => {
      const id = Number(statement(db, `INSERT INTO oversight_flags (rule_id, severity, entity_type, entity_id, evidence_json, raised_at, raised_by, status)
        VALUES (?, ?, ?, ?, ?, ?, ?, 'open')`).run(flag.ruleId, flag.severity, flag.entityType, flag.entityId, evidenceJson, flag.raisedAt, who).lastInsertRowid)
      // The evidence goes into the log too, and the log refuses identifier fields: a flag cannot smuggle one in.
      audit.append({ actor: who, action: 'oversight-flag.raised', entityType: flag.entityType, entityId: flag.entityId, payload: { flagId: id, ...flag, evidence: JSON.parse(evidenceJson) as unknown } })
      return this.get(id)
    })
  }

  close (flagId: number, input: { outcome: typeof FLAG_OUTCOMES[number], at: string }, actor: string): OversightFlag {
    const who = requireActor(actor)
    const outcome = requireEnum(input.outcome, 'outcome', FLAG_OUTCOMES)
    const at = requireInstant(input.at, 'at')
    const { db, audit } = this.#ctx
    return writeTransaction(db, () => {
      const flag = this.get(flagId)
      if (flag.status === 'closed') throw new InvalidFieldError('flagId', 'is already closed')
      if (flag.raisedBy === who) throw new InvalidFieldError('actor', 'must be someone other than who raised the flag (four-eyes review)')
      statement(db, 'UPDATE oversight_flags SET status = \'closed\', outcome = ?, closed_at = ?, closed_by = ? WHERE id = ?').run(outcome, at, who, flag.id)
      audit.append({ actor: who, action: 'oversight-flag.closed', entityType: flag.entityType, entityId: flag.entityId, payload: { flagId: flag.id, outcome, at } })
      return this.get(flag.id)
    })
  }

  get (flagId: number): OversightFlag {
    const row = statement(this.#ctx.db, 'SELECT * FROM oversight_flags WHERE id = ?').get(flagId) as FlagRow | undefined
    if (row === undefined) throw new UnknownValueError('flagId', `names no oversight flag (${flagId})`)
    return toFlag(row)
  }

  list (filter: { status?: 'open' | 'closed', ruleId?: string } = {}): OversightFlag[] {
    const rows = statement(this.#ctx.db, `SELECT * FROM oversight_flags
      WHERE (@status IS NULL OR status = @status) AND (@ruleId IS NULL OR rule_id = @ruleId) ORDER BY id`)
      .all({ status: filter.status ?? null, ruleId: filter.ruleId ?? null }) as FlagRow[]
    return rows.map(toFlag)
  }
}
