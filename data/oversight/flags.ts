import type { Finding } from '../../engine/oversight/rule-evaluator.js'
import type { OversightFlag } from '../db/oversight-repository.js'
import { statement, writeTransaction } from '../db/context.js'
import type { OversightContext } from './context.js'
import { pinOversightRow } from './record-pins.js'

/**
 * Turns indicator findings into oversight flags. A finding is raised once: its key (rule version,
 * finding kind, entity, scope) is stored beside the flag, so evaluating the same data again raises
 * nothing new, and a flag that was closed is not raised again. The flag and its finding row are
 * written in one transaction with their audit entries.
 */

export interface RaisedFindings {
  readonly raised: readonly OversightFlag[]
  /** Findings already raised earlier (open or closed). */
  readonly alreadyRaised: number
}

/**
 * True when the finding was raised before: by the indicator engine (same key), or — for a finding
 * without a scope — by another path of the registry under the same rule version and entity (the
 * HTTP transplant route raises F2 itself, the replay route F3).
 */
export function findingRaised (ctx: OversightContext, finding: Pick<Finding, 'findingKey' | 'flagRuleId' | 'entityType' | 'entityId' | 'scope'>): boolean {
  if (statement(ctx.db, 'SELECT 1 FROM oversight_flag_findings WHERE finding_key = ?').get(finding.findingKey) !== undefined) return true
  return finding.scope === undefined &&
    statement(ctx.db, 'SELECT 1 FROM oversight_flags WHERE rule_id = ? AND entity_type = ? AND entity_id = ?').get(finding.flagRuleId, finding.entityType, finding.entityId) !== undefined
}

export function raiseFindings (ctx: OversightContext, findings: readonly Finding[], input: { raisedBy: string, raisedAt: string }): RaisedFindings {
  const { db, registry } = ctx
  return writeTransaction(db, () => {
    const raised: OversightFlag[] = []
    let alreadyRaised = 0
    for (const finding of findings) {
      if (findingRaised(ctx, finding)) {
        alreadyRaised += 1
        continue
      }
      const flag = registry.oversight.raise({
        ruleId: finding.flagRuleId,
        severity: finding.severity,
        entityType: finding.entityType,
        entityId: finding.entityId,
        evidence: finding.evidence,
        raisedAt: input.raisedAt
      }, input.raisedBy)
      statement(db, `INSERT INTO oversight_flag_findings (flag_id, finding_key, finding_kind, rule_set_hash, subject_ids_json)
        VALUES (?, ?, ?, ?, ?)`).run(flag.id, finding.findingKey, finding.kind, ctx.ruleSetHash, JSON.stringify(finding.subjectIds))
      registry.audit.append({
        actor: input.raisedBy,
        action: 'oversight-flag.finding-recorded',
        entityType: finding.entityType,
        entityId: finding.entityId,
        payload: { flagId: flag.id, findingKey: finding.findingKey, ruleSetHash: ctx.ruleSetHash, oversightRows: [pinOversightRow(db, 'oversight_flag_findings', flag.id)] }
      })
      raised.push(flag)
    }
    return { raised, alreadyRaised }
  })
}
