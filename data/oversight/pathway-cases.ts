import { randomUUID } from 'node:crypto'
import { requireEnum, requireString } from '../../engine/domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import { PATHWAY_LOSS_REASONS, type PreDonationStage } from '../../engine/oversight/pathway.js'
import { requireActor, statement, writeTransaction } from '../db/context.js'
import { optional, requireInstant } from '../db/values.js'
import { pseudonymPattern } from '../security/pseudonym.js'
import type { OversightContext } from './context.js'
import { pinOversightRow } from './record-pins.js'

/**
 * Cases of the critical pathway of deceased donation (engine/oversight/pathway.ts): one per possible
 * donor a hospital identifies, recorded once the case's course is known. A case that stopped before
 * donation gives the furthest stage reached and the reason; a case that went on to donation names the
 * registered deceased donor (actual and utilised are then read from the donor's organs).
 */

export interface PathwayCaseInput {
  readonly hospitalCentreId: string
  readonly identifiedAt: string
  readonly furthestStage: PreDonationStage
  readonly deathCriterion?: 'neurological' | 'circulatory' | undefined
  /** Required when the case stopped before donation; one of PATHWAY_LOSS_REASONS for its stage. */
  readonly lossReason?: string | undefined
  readonly donorId?: string | undefined
  /** An operative incision was made but no organ was recovered. */
  readonly operativeIncisionAt?: string | undefined
}

export function recordPathwayCase (ctx: OversightContext, input: PathwayCaseInput, actor: string): string {
  const who = requireActor(actor)
  const { db, registry } = ctx
  const centreId = requireString(input.hospitalCentreId, 'hospitalCentreId')
  const identifiedAt = requireInstant(input.identifiedAt, 'identifiedAt')
  registry.centres.get(centreId, identifiedAt)
  const stage = requireEnum(input.furthestStage, 'furthestStage', ['possible', 'potential', 'eligible'] as const)
  const deathCriterion = optional(input.deathCriterion, 'deathCriterion', (v, f) => requireEnum(v, f, ['neurological', 'circulatory'] as const))
  const donorId = optional(input.donorId, 'donorId', (v, f) => requireString(v, f, pseudonymPattern('donor'), 'must be a donor pseudonym (D-…)'))
  const incisionAt = optional(input.operativeIncisionAt, 'operativeIncisionAt', requireInstant)
  const lossReason = optional(input.lossReason, 'lossReason', (v, f) => requireEnum(v, f, PATHWAY_LOSS_REASONS[stage]))
  if (donorId === undefined) {
    if (lossReason === undefined) throw new InvalidFieldError('lossReason', `is required when the case stopped before donation: one of ${PATHWAY_LOSS_REASONS[stage].join(', ')}`)
    if (incisionAt !== undefined) throw new InvalidFieldError('operativeIncisionAt', 'needs the donor the incision was made on (donorId)')
    if (stage !== 'possible' && deathCriterion === undefined) throw new InvalidFieldError('deathCriterion', `is required from the potential stage on (${stage})`)
  } else {
    if (stage !== 'eligible') throw new InvalidFieldError('furthestStage', 'must be "eligible" for a case that went on to donation')
    const donor = statement(db, 'SELECT kind, pathway, reported_at FROM donors WHERE id = ?').get(donorId) as { kind: string, pathway: string | null, reported_at: string } | undefined
    if (donor === undefined) throw new UnknownValueError('donorId', `names no registered donor (${donorId})`)
    if (donor.kind !== 'deceased') throw new InvalidFieldError('donorId', 'names a living donor; the critical pathway is for deceased donation')
    const expected = donor.pathway === 'DCD' ? 'circulatory' : 'neurological'
    if (deathCriterion !== undefined && deathCriterion !== expected) throw new InvalidFieldError('deathCriterion', `must agree with the donor's pathway (${donor.pathway ?? ''}: ${expected})`)
    if (incisionAt !== undefined && incisionAt < identifiedAt) throw new InvalidFieldError('operativeIncisionAt', 'must not be before the case was identified')
  }
  const id = `PW-${randomUUID()}`
  return writeTransaction(db, () => {
    if (donorId !== undefined && statement(db, 'SELECT 1 FROM donation_pathway_cases WHERE donor_id = ?').get(donorId) !== undefined) {
      throw new InvalidFieldError('donorId', 'already has a pathway case')
    }
    statement(db, `INSERT INTO donation_pathway_cases (id, hospital_centre_id, identified_at, furthest_stage, death_criterion, loss_reason, donor_id, operative_incision_at, recorded_at, recorded_by)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, centreId, identifiedAt, stage, deathCriterion ?? null, lossReason ?? null, donorId ?? null, incisionAt ?? null, ctx.now(), who)
    registry.audit.append({
      actor: who,
      action: 'pathway-case.recorded',
      entityType: 'pathway-case',
      entityId: id,
      payload: { hospitalCentreId: centreId, identifiedAt, furthestStage: stage, deathCriterion, lossReason, donorId, operativeIncisionAt: incisionAt, oversightRows: [pinOversightRow(db, 'donation_pathway_cases', id)] }
    })
    return id
  })
}
