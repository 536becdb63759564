import { requireInteger } from '../../engine/domain/input.js'
import { evaluateCatalogue, type Finding, type RuleTally } from '../../engine/oversight/rule-evaluator.js'
import type { OversightFlag } from '../db/oversight-repository.js'
import { requireActor, writeTransaction } from '../db/context.js'
import { optional, requireInstant } from '../db/values.js'
import { INDICATOR_ACTOR, type OversightContext } from './context.js'
import { allSubjectRecords } from './facts.js'
import { raiseFindings } from './flags.js'

/**
 * A run of the indicator engine over the registry as of an instant: gathers every subject's facts,
 * evaluates the catalogue, and raises a flag for each finding not raised before. Flags are raised by
 * the indicator actor ("system"), so any two reviewers may close them; the person who asked for the
 * run is named in the run's own audit entry with the rule-set hash and the tallies.
 */

export interface IndicatorRun {
  readonly asOf: string
  readonly year: number
  readonly ruleSetHash: string
  readonly tallies: readonly RuleTally[]
  readonly findings: readonly Finding[]
  readonly raised: readonly OversightFlag[]
  readonly alreadyRaised: number
}

export function runIndicators (ctx: OversightContext, input: { asOf: string, year?: number | undefined }, actor: string): IndicatorRun {
  const who = requireActor(actor)
  const asOf = requireInstant(input.asOf, 'asOf')
  const year = optional(input.year, 'year', (v, f) => requireInteger(v, f, { min: 1900, max: 2200, unit: '' })) ?? Number(asOf.slice(0, 4))
  const records = allSubjectRecords(ctx, asOf, year)
  const { findings, tallies } = evaluateCatalogue(ctx.rules, records)
  return writeTransaction(ctx.db, () => {
    const { raised, alreadyRaised } = raiseFindings(ctx, findings, { raisedBy: INDICATOR_ACTOR, raisedAt: asOf })
    ctx.registry.audit.append({
      actor: who,
      action: 'oversight-evaluation.completed',
      entityType: 'registry',
      entityId: ctx.registry.registryId,
      payload: {
        asOf,
        year,
        ruleSetHash: ctx.ruleSetHash,
        subjects: records.length,
        findings: findings.length,
        raised: raised.length,
        alreadyRaised,
        tallies: tallies.filter((t) => t.evaluated > 0)
      }
    })
    return { asOf, year, ruleSetHash: ctx.ruleSetHash, tallies, findings, raised, alreadyRaised }
  })
}
