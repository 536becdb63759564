import { randomUUID } from 'node:crypto'
import { requireEnum, requireString } from '../../engine/domain/input.js'
import { ORGAN_TYPES, type OrganType } from '../../engine/domain/organ.js'
import { InvalidFieldError, MissingFieldError, UnknownValueError } from '../../engine/errors.js'
import { evaluateRule } from '../../engine/oversight/rule-evaluator.js'
import type { OversightFlag } from '../db/oversight-repository.js'
import { requireActor, statement, writeTransaction } from '../db/context.js'
import { optional, requireDate, requireInstant } from '../db/values.js'
import { personPseudonym, pseudonymPattern } from '../security/pseudonym.js'
import { INDICATOR_ACTOR, type OversightContext } from './context.js'
import { transplantAbroadRecordOf } from './facts.js'
import { raiseFindings } from './flags.js'
import { pinOversightRow } from './record-pins.js'

/**
 * Patients who present after a transplant abroad (DICG 2018: register standardised information on
 * patients who travel for transplantation; CoE CM/Res(2013)55 and CM/Res(2017)2). The intake record
 * holds the country, city/centre, date, organ, donor type and relationship, donor country if known,
 * payment, and the documents the patient brought. Recording it evaluates rules D1-D3 at once: D1
 * refers the case for review, D3 is the origin-certification flag (UN 71/322 para 7).
 */

export const DONOR_TYPES_ABROAD = ['deceased', 'living', 'unknown'] as const
export const DONOR_RELATIONSHIPS_ABROAD = ['genetic', 'emotional', 'unrelated', 'unknown'] as const
export const ABROAD_DOCUMENT_TYPES = ['operative-report', 'discharge-summary', 'donor-identifier', 'authorisation-evidence', 'immunosuppression-record', 'invoice', 'other'] as const

export interface TransplantAbroadInput {
  /** The patient's candidate pseudonym, when listed here; otherwise (or also) the national id, kept only as a person pseudonym. */
  readonly candidateId?: string | undefined
  readonly nationalId?: string | undefined
  readonly presentingCentreId: string
  readonly presentedAt: string
  readonly transplantCountry: string
  readonly transplantCity?: string | undefined
  readonly transplantCentreName?: string | undefined
  /** YYYY-MM-DD, when the patient knows it. */
  readonly transplantDate?: string | undefined
  readonly organType: OrganType
  readonly donorType: typeof DONOR_TYPES_ABROAD[number]
  readonly donorRelationship?: typeof DONOR_RELATIONSHIPS_ABROAD[number] | undefined
  /** ISO 3166-1 alpha-2 of the donor's country, if known. */
  readonly donorCountry?: string | undefined
  /** The donor identifier of the foreign registry or centre, if the documents give one. */
  readonly donorIdentifier?: string | undefined
  /** Whether the documents show the foreign centre's authorisation for the transplant. */
  readonly authorisationEvidence: boolean
  readonly paymentReported: 'yes' | 'no' | 'unknown'
  readonly documents: ReadonlyArray<{ readonly type: typeof ABROAD_DOCUMENT_TYPES[number], readonly issuedOn?: string | undefined }>
  /** ISO 3166-1 alpha-2 country of residence, when the patient is not a listed candidate with a recorded residence. */
  readonly patientResidence?: string | undefined
}

export interface TransplantAbroadRecord {
  readonly id: string
  /** True when donor identifier, centre name and authorisation evidence are all present (rule D3 clear). */
  readonly originCertified: boolean
  readonly flags: readonly OversightFlag[]
}

const COUNTRY = /^[A-Z]{2}$/
const country = (value: unknown, field: string): string => requireString(value, field, COUNTRY, 'must be an ISO 3166-1 alpha-2 code in capitals')

export function recordTransplantAbroad (ctx: OversightContext, input: TransplantAbroadInput, actor: string): TransplantAbroadRecord {
  const who = requireActor(actor)
  const { db, registry } = ctx
  const candidateId = optional(input.candidateId, 'candidateId', (v, f) => requireString(v, f, pseudonymPattern('candidate'), 'must be a candidate pseudonym (C-…)'))
  if (candidateId !== undefined && statement(db, 'SELECT 1 FROM candidates WHERE id = ?').get(candidateId) === undefined) {
    throw new UnknownValueError('candidateId', `names no registered candidate (${candidateId})`)
  }
  const person = optional(input.nationalId, 'nationalId', (v, f) => personPseudonym(registry.keys.pseudonymKey, requireString(v, f)))
  if (candidateId === undefined && person === undefined) throw new MissingFieldError('candidateId', 'or nationalId is required: the patient must be identifiable for follow-up and linkage')
  const presentingCentreId = requireString(input.presentingCentreId, 'presentingCentreId')
  const presentedAt = requireInstant(input.presentedAt, 'presentedAt')
  registry.centres.get(presentingCentreId, presentedAt)
  if (!Array.isArray(input.documents)) throw new InvalidFieldError('documents', 'must be a list (empty when the patient brought none)')
  const record = {
    transplantCountry: country(input.transplantCountry, 'transplantCountry'),
    transplantCity: optional(input.transplantCity, 'transplantCity', (v, f) => requireString(v, f)),
    transplantCentreName: optional(input.transplantCentreName, 'transplantCentreName', (v, f) => requireString(v, f)),
    transplantDate: optional(input.transplantDate, 'transplantDate', requireDate),
    organType: requireEnum(input.organType, 'organType', ORGAN_TYPES),
    donorType: requireEnum(input.donorType, 'donorType', DONOR_TYPES_ABROAD),
    donorRelationship: optional(input.donorRelationship, 'donorRelationship', (v, f) => requireEnum(v, f, DONOR_RELATIONSHIPS_ABROAD)),
    donorCountry: optional(input.donorCountry, 'donorCountry', country),
    donorIdentifier: optional(input.donorIdentifier, 'donorIdentifier', (v, f) => requireString(v, f)),
    authorisationEvidence: input.authorisationEvidence,
    paymentReported: requireEnum(input.paymentReported, 'paymentReported', ['yes', 'no', 'unknown'] as const),
    documents: input.documents.map((d, i) => ({
      type: requireEnum(d?.type, `documents[${i}].type`, ABROAD_DOCUMENT_TYPES),
      ...(d.issuedOn === undefined ? {} : { issuedOn: requireDate(d.issuedOn, `documents[${i}].issuedOn`) })
    })),
    patientResidence: optional(input.patientResidence, 'patientResidence', country)
  }
  if (typeof record.authorisationEvidence !== 'boolean') throw new InvalidFieldError('authorisationEvidence', 'must be true or false')
  if (record.transplantDate !== undefined && record.transplantDate > presentedAt.slice(0, 10)) throw new InvalidFieldError('transplantDate', 'must not be after the patient presented')
  const id = `TA-${randomUUID()}`
  return writeTransaction(db, () => {
    statement(db, `INSERT INTO transplants_abroad (id, candidate_id, person_pseudonym, presenting_centre_id, presented_at, transplant_country, transplant_city,
        transplant_centre_name, transplant_date, organ_type, donor_type, donor_relationship, donor_country, donor_identifier, authorisation_evidence,
        payment_reported, documents_json, patient_residence, recorded_at, recorded_by)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      id, candidateId ?? null, person ?? null, presentingCentreId, presentedAt, record.transplantCountry, record.transplantCity ?? null,
      record.transplantCentreName ?? null, record.transplantDate ?? null, record.organType, record.donorType, record.donorRelationship ?? null,
      record.donorCountry ?? null, record.donorIdentifier ?? null, record.authorisationEvidence ? 1 : 0, record.paymentReported,
      JSON.stringify(record.documents), record.patientResidence ?? null, ctx.now(), who)
    // The log names what was recorded, not the residence, the donor's country or free-text names.
    registry.audit.append({
      actor: who,
      action: 'transplant-abroad.recorded',
      entityType: 'transplant-abroad',
      entityId: id,
      payload: {
        candidateId, personLinked: person !== undefined, presentingCentreId, presentedAt, transplantCountry: record.transplantCountry,
        transplantDate: record.transplantDate, organType: record.organType, donorType: record.donorType, donorRelationship: record.donorRelationship,
        donorIdentifierRecorded: record.donorIdentifier !== undefined, centreNameRecorded: record.transplantCentreName !== undefined,
        authorisationEvidence: record.authorisationEvidence, paymentReported: record.paymentReported, documentTypes: record.documents.map((d) => d.type),
        oversightRows: [pinOversightRow(db, 'transplants_abroad', id)]
      }
    })
    const subject = transplantAbroadRecordOf(ctx, id)
    const findings = ctx.rules.filter((rule) => rule.subject === 'transplant-abroad').flatMap((rule) => {
      const result = evaluateRule(rule, subject)
      return result.outcome === 'fired' || result.outcome === 'missing-data' ? [result.finding] : []
    })
    const { raised } = raiseFindings(ctx, findings, { raisedBy: INDICATOR_ACTOR, raisedAt: presentedAt })
    return {
      id,
      originCertified: subject.facts.donorIdentifierKnown === true && subject.facts.centreNameKnown === true && subject.facts.authorisationEvidence === true,
      flags: raised
    }
  })
}
