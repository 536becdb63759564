import { requireEnum } from '../../engine/domain/input.js'
import { InvalidFieldError } from '../../engine/errors.js'
import { flagStatistics, type FlagStatistics } from '../../engine/oversight/flag-statistics.js'
import { FLAG_OUTCOMES, FLAG_SEVERITIES, type OversightFlag } from '../db/oversight-repository.js'
import { statement, writeTransaction } from '../db/context.js'
import { optional, requireInstant } from '../db/values.js'
import { REVIEWER_ROLES, type OversightContext, type Viewer } from './context.js'
import { pinOversightRow } from './record-pins.js'
import { guardSubjects, visibleItems } from './victim-protection.js'

/**
 * The review queue: flags for human review, closed by two different reviewers who agree on the
 * outcome (four-eyes; OWASP API6 and the reference doc's dual sign-off for B rules). Neither reviewer
 * may be the flag's raiser — for an authorisation override, the person who recorded it. Reviewers
 * hold the auditor, registry-authority or protection-officer role. Flags about a suspected victim
 * are shown to, and reviewed by, protection staff only.
 */

export type FlagOutcome = typeof FLAG_OUTCOMES[number]

export interface FlagReview {
  readonly reviewer: string
  readonly outcome: FlagOutcome
  readonly reviewedAt: string
}

export interface QueuedFlag extends OversightFlag {
  readonly findingKind?: 'fired' | 'missing-data'
  readonly ruleSetHash?: string
  /** Pseudonyms the flag concerns. */
  readonly subjectIds: readonly string[]
  readonly reviews: readonly FlagReview[]
  /** open: no review yet; awaiting-second-review: one; disputed: reviews disagree; closed. */
  readonly reviewState: 'open' | 'awaiting-second-review' | 'disputed' | 'closed'
}

interface FindingRow { finding_kind: 'fired' | 'missing-data', rule_set_hash: string, subject_ids_json: string }

function withReviews (ctx: OversightContext, flag: OversightFlag): QueuedFlag {
  const finding = statement(ctx.db, 'SELECT finding_kind, rule_set_hash, subject_ids_json FROM oversight_flag_findings WHERE flag_id = ?').get(flag.id) as FindingRow | undefined
  const reviews = (statement(ctx.db, 'SELECT reviewer, outcome, reviewed_at FROM oversight_flag_reviews WHERE flag_id = ? ORDER BY id').all(flag.id) as
    Array<{ reviewer: string, outcome: FlagOutcome, reviewed_at: string }>).map((r) => ({ reviewer: r.reviewer, outcome: r.outcome, reviewedAt: r.reviewed_at }))
  // A flag raised by hand names its entity only; when that entity is a person's pseudonym, it is the subject.
  const subjectIds = finding === undefined
    ? (/^[CD]-/.test(flag.entityId) ? [flag.entityId.split('.')[0] as string] : [])
    : JSON.parse(finding.subject_ids_json) as string[]
  const reviewState = flag.status === 'closed'
    ? 'closed'
    : reviews.length === 0 ? 'open' : new Set(reviews.map((r) => r.outcome)).size > 1 ? 'disputed' : 'awaiting-second-review'
  return {
    ...flag,
    ...(finding === undefined ? {} : { findingKind: finding.finding_kind, ruleSetHash: finding.rule_set_hash }),
    subjectIds,
    reviews,
    reviewState
  }
}

export interface FlagFilter {
  readonly status?: 'open' | 'closed' | undefined
  readonly ruleId?: string | undefined
  readonly severity?: typeof FLAG_SEVERITIES[number] | undefined
}

/** The queue as the viewer may see it (flags about protected subjects only for protection staff). */
export function listFlags (ctx: OversightContext, viewer: Viewer, filter: FlagFilter = {}): QueuedFlag[] {
  const status = optional(filter.status, 'status', (v, f) => requireEnum(v, f, ['open', 'closed'] as const))
  const severity = optional(filter.severity, 'severity', (v, f) => requireEnum(v, f, FLAG_SEVERITIES))
  const flags = ctx.registry.oversight.list({ ...(status === undefined ? {} : { status }), ...(filter.ruleId === undefined ? {} : { ruleId: filter.ruleId }) })
    .filter((flag) => severity === undefined || flag.severity === severity)
    .map((flag) => withReviews(ctx, flag))
  return visibleItems(ctx, flags, (flag) => flag.subjectIds, viewer, 'review-queue')
}

export function getFlag (ctx: OversightContext, flagId: number, viewer: Viewer): QueuedFlag {
  const flag = withReviews(ctx, ctx.registry.oversight.get(flagId))
  guardSubjects(ctx, flag.subjectIds, viewer, 'review-queue', { field: 'flagId', rule: `names no oversight flag (${flagId})` })
  return flag
}

/**
 * Records one reviewer's outcome. When a second, different reviewer records the same outcome, the
 * flag closes with it, in the same transaction.
 */
export function reviewFlag (ctx: OversightContext, flagId: number, input: { outcome: FlagOutcome, at: string }, viewer: Viewer): QueuedFlag {
  const outcome = requireEnum(input.outcome, 'outcome', FLAG_OUTCOMES)
  const at = requireInstant(input.at, 'at')
  if (!viewer.roles.some((role) => REVIEWER_ROLES.includes(role))) {
    throw new InvalidFieldError('actor', `must hold a reviewing role (${REVIEWER_ROLES.join(', ')})`)
  }
  const flag = getFlag(ctx, flagId, viewer)
  const who = viewer.id
  if (ctx.registry.users.get(who).disabled) throw new InvalidFieldError('actor', 'names a disabled user')
  if (flag.status === 'closed') throw new InvalidFieldError('flagId', 'is already closed')
  if (flag.raisedBy === who) throw new InvalidFieldError('actor', 'must be someone other than who raised the flag (four-eyes review)')
  if (flag.reviews.some((r) => r.reviewer === who)) throw new InvalidFieldError('actor', 'has already reviewed this flag: a second review must come from someone else')
  if (at < flag.raisedAt) throw new InvalidFieldError('at', `must not be before the flag was raised (${flag.raisedAt})`)
  const { db, registry } = ctx
  return writeTransaction(db, () => {
    const id = Number(statement(db, 'INSERT INTO oversight_flag_reviews (flag_id, reviewer, outcome, reviewed_at, recorded_at) VALUES (?, ?, ?, ?, ?)')
      .run(flag.id, who, outcome, at, ctx.now()).lastInsertRowid)
    registry.audit.append({
      actor: who,
      action: 'oversight-flag.reviewed',
      entityType: flag.entityType,
      entityId: flag.entityId,
      payload: { flagId: flag.id, outcome, at, oversightRows: [pinOversightRow(db, 'oversight_flag_reviews', id)] }
    })
    const agreeing = flag.reviews.find((r) => r.outcome === outcome)
    if (agreeing !== undefined) {
      statement(db, 'UPDATE oversight_flags SET status = \'closed\', outcome = ?, closed_at = ?, closed_by = ? WHERE id = ? AND status = \'open\'').run(outcome, at, who, flag.id)
      registry.audit.append({
        actor: who,
        action: 'oversight-flag.closed',
        entityType: flag.entityType,
        entityId: flag.entityId,
        payload: { flagId: flag.id, outcome, at, reviewers: [agreeing.reviewer, who] }
      })
    }
    return withReviews(ctx, registry.oversight.get(flag.id))
  })
}

/** Aggregate statistics over every flag, with no entity, subject or reviewer named. */
export function flagStatisticsReport (ctx: OversightContext, period: { from?: string | undefined, to?: string | undefined } = {}): FlagStatistics {
  const from = optional(period.from, 'from', requireInstant)
  const to = optional(period.to, 'to', requireInstant)
  return flagStatistics(ctx.registry.oversight.list(), { from, to })
}
