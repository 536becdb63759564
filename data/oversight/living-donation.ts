import { createHmac } from 'node:crypto'
import { requireEnum, requireInteger, requireString } from '../../engine/domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import { requireActor, statement, writeTransaction } from '../db/context.js'
import { optional, requireDate, requireInstant } from '../db/values.js'
import { pseudonymPattern } from '../security/pseudonym.js'
import type { OversightContext } from './context.js'
import { pinOversightRow } from './record-pins.js'

/**
 * The independent evaluation of a living donor and the payment ledger (WHO Guiding Principles 3-5;
 * EU 2010/53 Art 13-15; UNODC toolkit Tool 6): what rules A2 and B1-B12, C1-C4 read. Staff are named
 * by user id; a contact detail is kept only as a keyed HMAC, so shared contacts across donors can be
 * found (rule B10) without storing the number or address.
 */

export const KINSHIPS = ['parent-child', 'sibling', 'other-genetic', 'spouse-partner', 'other-emotional', 'none'] as const
export const TRAVEL_PAYERS = ['self', 'programme', 'insurer', 'recipient', 'third-party'] as const
export const PAYMENT_CATEGORIES = ['travel', 'lodging', 'lost-income', 'medical', 'fee', 'gift', 'other'] as const
export const PAYMENT_METHODS = ['bank-transfer', 'card', 'cheque', 'cash', 'other'] as const
export const PAYER_KINDS = ['programme', 'insurer', 'recipient', 'third-party'] as const

export interface LivingDonorEvaluationInput {
  readonly donorId: string
  /** The intended recipient's candidate pseudonym, when known. */
  readonly candidateId?: string | undefined
  readonly evaluatedAt: string
  readonly kinship?: typeof KINSHIPS[number] | undefined
  /** Document supporting the claimed relationship: type, issue date, whether the issuer was verified. */
  readonly relationshipDocument?: { readonly type: string, readonly issuedOn: string, readonly issuerVerified: boolean } | undefined
  /** BCP 47 tags: the donor's language and the language the evaluation was held in. */
  readonly donorLanguage?: string | undefined
  readonly evaluationLanguage?: string | undefined
  readonly interpreter?: { readonly staffId: string, readonly independent: boolean } | undefined
  /** The independent living donor advocate (OPTN ILDA) and whether independent of the recipient's team. */
  readonly advocate?: { readonly staffId: string, readonly independent: boolean } | undefined
  readonly legalCapacity?: boolean | undefined
  readonly travelPaidBy?: typeof TRAVEL_PAYERS[number] | undefined
  /** A phone number, e-mail or address given for the donor; only its keyed digest is stored. */
  readonly contact?: string | undefined
}

export interface DonorPaymentInput {
  readonly donorId: string
  readonly category: typeof PAYMENT_CATEGORIES[number]
  /** Amount in the currency's minor unit (cents). */
  readonly amountMinor: number
  /** ISO 4217 code. */
  readonly currency: string
  readonly method: typeof PAYMENT_METHODS[number]
  readonly payerKind: typeof PAYER_KINDS[number]
  readonly receiptProvided?: boolean | undefined
  /** ISO 3166-1 alpha-2 country of the paying or receiving account. */
  readonly counterpartyCountry?: string | undefined
  readonly paidAt: string
}

const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/
const STAFF_ID = /^[A-Za-z0-9._@-]{1,64}$/
const bit = (value: boolean | undefined): 0 | 1 | null => (value === undefined ? null : value ? 1 : 0)
const language = (value: unknown, field: string): string => requireString(value, field, LANGUAGE, 'must be a BCP 47 language tag, e.g. nl or pt-BR')
const staff = (value: unknown, field: string): string => requireString(value, field, STAFF_ID, 'must be a staff user id')

function booleanField (value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new InvalidFieldError(field, 'must be true or false')
  return value
}

/** Normalised so "+31 6-1234 5678" and "+31612345678", or two spellings of an e-mail, give one digest. */
export function normaliseContact (contact: string): string {
  const trimmed = contact.trim().toLowerCase()
  return trimmed.includes('@') ? trimmed : trimmed.replace(/[\s().\-/]/g, '')
}

/** Keyed HMAC of a contact detail, under the registry's pseudonym key with its own label. */
export function contactDigest (ctx: OversightContext, contact: string): string {
  const normalised = normaliseContact(requireString(contact, 'contact'))
  if (normalised === '') throw new InvalidFieldError('contact', 'must contain letters or digits')
  return createHmac('sha256', ctx.registry.keys.pseudonymKey).update(`contact:${normalised}`, 'utf8').digest('base64url').slice(0, 26)
}

function requireLivingDonor (ctx: OversightContext, donorId: unknown): string {
  const id = requireString(donorId, 'donorId', pseudonymPattern('donor'), 'must be a donor pseudonym (D-…)')
  const kind = statement(ctx.db, 'SELECT kind FROM donors WHERE id = ?').pluck().get(id) as string | undefined
  if (kind === undefined) throw new UnknownValueError('donorId', `names no registered donor (${id})`)
  if (kind !== 'living') throw new InvalidFieldError('donorId', 'names a deceased donor, not a living one')
  return id
}

function requireDonor (ctx: OversightContext, donorId: unknown): string {
  const id = requireString(donorId, 'donorId', pseudonymPattern('donor'), 'must be a donor pseudonym (D-…)')
  if (statement(ctx.db, 'SELECT 1 FROM donors WHERE id = ?').get(id) === undefined) throw new UnknownValueError('donorId', `names no registered donor (${id})`)
  return id
}

/** Records an evaluation (the newest one per donor counts); returns its id. */
export function recordLivingDonorEvaluation (ctx: OversightContext, input: LivingDonorEvaluationInput, actor: string): number {
  const who = requireActor(actor)
  const donorId = requireLivingDonor(ctx, input.donorId)
  const candidateId = optional(input.candidateId, 'candidateId', (v, f) => requireString(v, f, pseudonymPattern('candidate'), 'must be a candidate pseudonym (C-…)'))
  if (candidateId !== undefined && statement(ctx.db, 'SELECT 1 FROM candidates WHERE id = ?').get(candidateId) === undefined) {
    throw new UnknownValueError('candidateId', `names no registered candidate (${candidateId})`)
  }
  const document = input.relationshipDocument === undefined
    ? undefined
    : {
        type: requireString(input.relationshipDocument.type, 'relationshipDocument.type'),
        issuedOn: requireDate(input.relationshipDocument.issuedOn, 'relationshipDocument.issuedOn'),
        issuerVerified: booleanField(input.relationshipDocument.issuerVerified, 'relationshipDocument.issuerVerified')
      }
  const interpreter = input.interpreter === undefined ? undefined : { staffId: staff(input.interpreter.staffId, 'interpreter.staffId'), independent: booleanField(input.interpreter.independent, 'interpreter.independent') }
  const advocate = input.advocate === undefined ? undefined : { staffId: staff(input.advocate.staffId, 'advocate.staffId'), independent: booleanField(input.advocate.independent, 'advocate.independent') }
  const record = {
    evaluatedAt: requireInstant(input.evaluatedAt, 'evaluatedAt'),
    kinship: optional(input.kinship, 'kinship', (v, f) => requireEnum(v, f, KINSHIPS)),
    donorLanguage: optional(input.donorLanguage, 'donorLanguage', language),
    evaluationLanguage: optional(input.evaluationLanguage, 'evaluationLanguage', language),
    legalCapacity: optional(input.legalCapacity, 'legalCapacity', booleanField),
    travelPaidBy: optional(input.travelPaidBy, 'travelPaidBy', (v, f) => requireEnum(v, f, TRAVEL_PAYERS))
  }
  if (document !== undefined && document.issuedOn > record.evaluatedAt.slice(0, 10)) throw new InvalidFieldError('relationshipDocument.issuedOn', 'must not be after the evaluation')
  const digest = optional(input.contact, 'contact', (v) => contactDigest(ctx, v as string))
  const { db, registry } = ctx
  return writeTransaction(db, () => {
    const id = Number(statement(db, `INSERT INTO living_donor_evaluations (donor_id, candidate_id, evaluated_at, kinship, relationship_document_type,
        relationship_document_issued_on, relationship_document_issuer_verified, donor_language, evaluation_language, interpreter_id, interpreter_independent,
        advocate_id, advocate_independent, legal_capacity, travel_paid_by, contact_digest, recorded_at, recorded_by)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      donorId, candidateId ?? null, record.evaluatedAt, record.kinship ?? null, document?.type ?? null, document?.issuedOn ?? null, bit(document?.issuerVerified),
      record.donorLanguage ?? null, record.evaluationLanguage ?? null, interpreter?.staffId ?? null, bit(interpreter?.independent),
      advocate?.staffId ?? null, bit(advocate?.independent), bit(record.legalCapacity), record.travelPaidBy ?? null, digest ?? null, ctx.now(), who).lastInsertRowid)
    registry.audit.append({
      actor: who,
      action: 'living-donor-evaluation.recorded',
      entityType: 'donor',
      entityId: donorId,
      // The contact digest is not logged: the log says only that a contact was given.
      payload: { evaluationId: id, candidateId, ...record, relationshipDocument: document, interpreter, advocate, contactRecorded: digest !== undefined, oversightRows: [pinOversightRow(db, 'living_donor_evaluations', id)] }
    })
    return id
  })
}

/** Records a payment to a donor or a deceased donor's family; returns its id. */
export function recordDonorPayment (ctx: OversightContext, input: DonorPaymentInput, actor: string): number {
  const who = requireActor(actor)
  const donorId = requireDonor(ctx, input.donorId)
  const payment = {
    category: requireEnum(input.category, 'category', PAYMENT_CATEGORIES),
    amountMinor: requireInteger(input.amountMinor, 'amountMinor', { min: 0, max: 100_000_000_000, unit: 'minor units' }),
    currency: requireString(input.currency, 'currency', /^[A-Z]{3}$/, 'must be an ISO 4217 code, e.g. EUR'),
    method: requireEnum(input.method, 'method', PAYMENT_METHODS),
    payerKind: requireEnum(input.payerKind, 'payerKind', PAYER_KINDS),
    receiptProvided: optional(input.receiptProvided, 'receiptProvided', booleanField),
    counterpartyCountry: optional(input.counterpartyCountry, 'counterpartyCountry', (v, f) => requireString(v, f, /^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in capitals')),
    paidAt: requireInstant(input.paidAt, 'paidAt')
  }
  const { db, registry } = ctx
  return writeTransaction(db, () => {
    const id = Number(statement(db, `INSERT INTO donor_payments (donor_id, category, amount_minor, currency, method, payer_kind, receipt_provided, counterparty_country, paid_at, recorded_at, recorded_by)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(donorId, payment.category, payment.amountMinor, payment.currency, payment.method, payment.payerKind,
      bit(payment.receiptProvided), payment.counterpartyCountry ?? null, payment.paidAt, ctx.now(), who).lastInsertRowid)
    registry.audit.append({ actor: who, action: 'donor-payment.recorded', entityType: 'donor', entityId: donorId, payload: { paymentId: id, ...payment, oversightRows: [pinOversightRow(db, 'donor_payments', id)] } })
    return id
  })
}
