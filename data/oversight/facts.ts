import { isAuthorised, type Activity } from '../../engine/domain/centre.js'
import type { HlaTyping } from '../../engine/domain/hla.js'
import type { OrganType } from '../../engine/domain/organ.js'
import { verifyMatchListHash, type MatchList } from '../../engine/match/match-list.js'
import { daysBetween, hoursBetween, lociWithoutSharedAntigen, proportionZScore } from '../../engine/oversight/fact-helpers.js'
import { followUpCompleteness } from '../../engine/oversight/follow-up-schedule.js'
import type { SubjectRecord } from '../../engine/oversight/rule-evaluator.js'
import type { FactValue } from '../../engine/oversight/rule-schema.js'
import { statement } from '../db/context.js'
import type { OversightContext } from './context.js'

/**
 * Gathers, from the registry, the fact records the indicator rules read. Each loader returns the
 * records of one rule subject as of an instant. A fact the registry does not hold is left
 * `undefined` (the rule then raises a missing-data finding); a fact known to be absent is `null`.
 * Protected attributes (nationality, residence) enter only as comparisons (`donorResident`,
 * `donorNationalityMatchesRecipient`), never as values, because flag evidence goes into the audit log.
 */

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type FactRecord = Record<string, FactValue>

interface ProtectedRow { nationality: string | null, residence: string | null }

function protectedAttributes (ctx: OversightContext, subjectId: string): ProtectedRow | undefined {
  return statement(ctx.db, 'SELECT nationality, residence FROM protected_attributes WHERE subject_id = ?').get(subjectId) as ProtectedRow | undefined
}

function centreCountry (ctx: OversightContext, centreId: string): string {
  return statement(ctx.db, 'SELECT country FROM centres WHERE id = ?').pluck().get(centreId) as string
}

function authorisedAt (ctx: OversightContext, centreId: string, organType: OrganType, activity: Activity, at: string): boolean {
  return isAuthorised(ctx.registry.centres.get(centreId, at), organType, activity, at)
}

/** Resident in a country: true/false when the subject's residence is recorded, undefined when not. */
function residentIn (ctx: OversightContext, subjectId: string, country: string): boolean | undefined {
  const residence = protectedAttributes(ctx, subjectId)?.residence ?? null
  return residence === null ? undefined : residence === country
}

// ─── procedures (A1, A8) ──────────────────────────────────────────────────────────────────────────

interface RecoveryRow {
  id: string
  organ_type: OrganType
  recovered_at: string
  donor_id: string
  kind: 'deceased' | 'living'
  recovery_centre_id: string | null
  surgeon_id: string | null
  death_determined_by: string | null
  authorisation_override: number | null
}

export function recoveryRecord (ctx: OversightContext, row: RecoveryRow): SubjectRecord {
  const activity: Activity = row.kind === 'living' ? 'living-donation' : 'recovery'
  const centreId = row.recovery_centre_id ?? undefined
  const deceased = row.kind === 'deceased'
  return {
    subject: 'procedure',
    entityType: 'organ',
    entityId: row.id,
    subjectIds: [row.donor_id],
    facts: {
      activity: 'recovery',
      requiredActivity: activity,
      organType: row.organ_type,
      donorKind: row.kind,
      at: row.recovered_at,
      centreId,
      centreAuthorised: centreId === undefined ? undefined : authorisedAt(ctx, centreId, row.organ_type, activity, row.recovered_at),
      authorisationOverride: row.authorisation_override === null ? undefined : row.authorisation_override === 1,
      consentInForce: deceased ? ctx.registry.donors.hasConsent(row.donor_id, row.organ_type, row.recovered_at) : null,
      deathDeterminerOnTeam: !deceased
        ? null
        : row.death_determined_by === null || row.surgeon_id === null ? undefined : row.death_determined_by === row.surgeon_id
    }
  }
}

const RECOVERY_SQL = `SELECT o.id, o.organ_type, o.recovered_at, o.donor_id, d.kind, r.recovery_centre_id, r.surgeon_id, r.death_determined_by, r.authorisation_override
  FROM organs o JOIN donors d ON d.id = o.donor_id LEFT JOIN recovery_records r ON r.organ_id = o.id`

interface TransplantRow {
  id: string
  organ_id: string
  candidate_id: string
  centre_id: string
  match_run_id: string | null
  transplanted_at: string
  organ_type: OrganType
  donor_id: string
  kind: 'deceased' | 'living'
  recovered_at: string | null
  authorisation_override: number | null
}

const TRANSPLANT_SQL = `SELECT t.id, t.organ_id, t.candidate_id, t.centre_id, t.match_run_id, t.transplanted_at, o.organ_type, o.donor_id, d.kind,
    o.recovered_at, tr.authorisation_override
  FROM transplants t JOIN organs o ON o.id = t.organ_id JOIN donors d ON d.id = o.donor_id LEFT JOIN transplant_records tr ON tr.transplant_id = t.id`

export function transplantProcedureRecord (ctx: OversightContext, row: TransplantRow): SubjectRecord {
  return {
    subject: 'procedure',
    entityType: 'transplant',
    entityId: row.id,
    subjectIds: [row.donor_id, row.candidate_id],
    facts: {
      activity: 'transplant',
      requiredActivity: 'transplant',
      organType: row.organ_type,
      donorKind: row.kind,
      at: row.transplanted_at,
      centreId: row.centre_id,
      centreAuthorised: authorisedAt(ctx, row.centre_id, row.organ_type, 'transplant', row.transplanted_at),
      authorisationOverride: row.authorisation_override === null ? undefined : row.authorisation_override === 1,
      consentInForce: null,
      deathDeterminerOnTeam: null
    }
  }
}

export function procedureRecords (ctx: OversightContext, asOf: string): SubjectRecord[] {
  const recoveries = statement(ctx.db, `${RECOVERY_SQL} WHERE o.recovered_at IS NOT NULL AND o.recovered_at <= ? ORDER BY o.id`).all(asOf) as RecoveryRow[]
  const transplants = statement(ctx.db, `${TRANSPLANT_SQL} WHERE t.transplanted_at <= ? ORDER BY t.id`).all(asOf) as TransplantRow[]
  return [...recoveries.map((row) => recoveryRecord(ctx, row)), ...transplants.map((row) => transplantProcedureRecord(ctx, row))]
}

/** The procedure record of one recovery (for flags raised when it is recorded). */
export function recoveryRecordOf (ctx: OversightContext, organId: string): SubjectRecord {
  return recoveryRecord(ctx, statement(ctx.db, `${RECOVERY_SQL} WHERE o.id = ?`).get(organId) as RecoveryRow)
}

export function transplantRecordOf (ctx: OversightContext, transplantId: string): SubjectRecord {
  return transplantProcedureRecord(ctx, statement(ctx.db, `${TRANSPLANT_SQL} WHERE t.id = ?`).get(transplantId) as TransplantRow)
}

// ─── organs (A4, A5, A6, A7) ──────────────────────────────────────────────────────────────────────

export function organRecords (ctx: OversightContext, asOf: string): SubjectRecord[] {
  const rows = statement(ctx.db, `SELECT o.id, o.organ_type, o.donor_id, o.recovered_at, o.disposition, o.disposition_at, d.kind,
      (SELECT count(*) FROM transplants t WHERE t.organ_id = o.id AND t.transplanted_at <= @asOf) AS transplant_count,
      (SELECT min(t.transplanted_at) FROM transplants t WHERE t.organ_id = o.id AND t.transplanted_at <= @asOf) AS transplanted_at,
      (SELECT count(*) FROM organs k WHERE k.donor_id = o.donor_id AND k.organ_type = 'kidney' AND k.recovered_at IS NOT NULL AND k.recovered_at <= @asOf) AS kidneys_recovered
    FROM organs o JOIN donors d ON d.id = o.donor_id
    WHERE o.recorded_at <= @asOf ORDER BY o.id`).all({ asOf }) as Array<{
    id: string, organ_type: OrganType, donor_id: string, recovered_at: string | null, disposition: string | null, disposition_at: string | null,
    kind: 'deceased' | 'living', transplant_count: number, transplanted_at: string | null, kidneys_recovered: number
  }>
  return rows.map((row) => {
    const recoveredAt = row.recovered_at !== null && row.recovered_at <= asOf ? row.recovered_at : null
    const disposition = row.disposition !== null && row.disposition_at !== null && row.disposition_at <= asOf ? row.disposition : null
    return {
      subject: 'organ',
      entityType: 'organ',
      entityId: row.id,
      subjectIds: [row.donor_id],
      facts: {
        organType: row.organ_type,
        donorKind: row.kind,
        recoveredAt,
        disposition,
        transplantCount: row.transplant_count,
        hoursWithoutDisposition: recoveredAt !== null && disposition === null ? hoursBetween(recoveredAt, asOf) : null,
        coldIschaemiaHours: recoveredAt !== null && row.transplanted_at !== null ? hoursBetween(recoveredAt, row.transplanted_at) : null,
        livingDonorKidneysRecovered: row.kind === 'living' ? row.kidneys_recovered : 0
      }
    }
  })
}

// ─── living donations (A2, B1-B12) ────────────────────────────────────────────────────────────────

interface EvaluationRow {
  candidate_id: string | null
  evaluated_at: string
  kinship: string | null
  relationship_document_type: string | null
  relationship_document_issued_on: string | null
  relationship_document_issuer_verified: number | null
  donor_language: string | null
  evaluation_language: string | null
  interpreter_id: string | null
  interpreter_independent: number | null
  advocate_id: string | null
  advocate_independent: number | null
  legal_capacity: number | null
  travel_paid_by: string | null
  contact_digest: string | null
}

const bitOrUndefined = (value: number | null): boolean | undefined => (value === null ? undefined : value === 1)
const primaryLanguage = (tag: string): string => (tag.split('-')[0] ?? tag).toLowerCase()

function latestEvaluation (ctx: OversightContext, donorId: string, asOf: string): EvaluationRow | undefined {
  return statement(ctx.db, `SELECT * FROM living_donor_evaluations WHERE donor_id = ? AND evaluated_at <= ?
    ORDER BY evaluated_at DESC, id DESC LIMIT 1`).get(donorId, asOf) as EvaluationRow | undefined
}

/** The consent in force at surgery: the first consent after the last withdrawal, or undefined when none. */
function consentBefore (ctx: OversightContext, donorId: string, at: string): { obtained_at: string, language: string | null } | undefined {
  const rows = statement(ctx.db, `SELECT record_type, obtained_at, language FROM consent_records WHERE donor_id = ? AND obtained_at <= ?
    ORDER BY obtained_at, id`).all(donorId, at) as Array<{ record_type: string, obtained_at: string, language: string | null }>
  let current: { obtained_at: string, language: string | null } | undefined
  for (const row of rows) {
    if (row.record_type === 'withdrawal') current = undefined
    else current ??= { obtained_at: row.obtained_at, language: row.language }
  }
  return current
}

export function livingDonationRecords (ctx: OversightContext, asOf: string, donorIds?: readonly string[]): SubjectRecord[] {
  const donors = statement(ctx.db, `SELECT id, age_years, living_relationship, hospital_centre_id, hla_json, reported_at FROM donors
    WHERE kind = 'living' AND reported_at <= ? ORDER BY id`).all(asOf) as Array<{
    id: string, age_years: number, living_relationship: string, hospital_centre_id: string, hla_json: string, reported_at: string
  }>
  const wanted = donorIds === undefined ? undefined : new Set(donorIds)
  return donors.filter((d) => wanted === undefined || wanted.has(d.id)).map((donor) => {
    const surgeryAt = statement(ctx.db, 'SELECT min(recovered_at) FROM organs WHERE donor_id = ? AND recovered_at <= ?').pluck().get(donor.id, asOf) as string | null
    const evaluation = latestEvaluation(ctx, donor.id, asOf)
    const transplant = statement(ctx.db, `SELECT t.candidate_id, t.centre_id FROM transplants t JOIN organs o ON o.id = t.organ_id
      WHERE o.donor_id = ? AND t.transplanted_at <= ? ORDER BY t.transplanted_at LIMIT 1`).get(donor.id, asOf) as { candidate_id: string, centre_id: string } | undefined
    const decisions = statement(ctx.db, `SELECT candidate_id, decision, decided_by, decided_at FROM procedure_authorisations
      WHERE donor_id = ? AND decided_at <= ? ORDER BY decided_at, id`).all(donor.id, surgeryAt ?? asOf) as Array<{ candidate_id: string | null, decision: string, decided_by: string, decided_at: string }>
    const approvedFor = [...decisions].reverse().find((d) => d.decision === 'approved' && d.candidate_id !== null)?.candidate_id ?? undefined
    const recipientId = transplant?.candidate_id ?? evaluation?.candidate_id ?? approvedFor
    const latest = decisions.at(-1)

    const facts: Mutable<FactRecord> = {
      surgeryAt,
      relationship: donor.living_relationship,
      donorAgeYears: donor.age_years,
      approvingBodies: new Set(decisions.filter((d) => d.decision === 'approved').map((d) => d.decided_by)).size,
      approvalBeforeSurgery: surgeryAt === null
        ? null
        : latest === undefined || latest.decision !== 'approved'
          ? false
          : latest.candidate_id === null ? undefined : recipientId === undefined || latest.candidate_id === recipientId
    }

    // The independent evaluation: without one, every fact it would give stays unknown.
    if (evaluation !== undefined) {
      facts.kinship = evaluation.kinship
      facts.relationshipDocumentType = evaluation.relationship_document_type
      facts.relationshipDocumentIssuerVerified = evaluation.relationship_document_type === null ? null : bitOrUndefined(evaluation.relationship_document_issuer_verified)
      facts.relationshipDocumentAgeDays = evaluation.relationship_document_issued_on === null ? null : daysBetween(evaluation.relationship_document_issued_on, evaluation.evaluated_at)
      facts.languageGap = evaluation.donor_language === null || evaluation.evaluation_language === null
        ? undefined
        : primaryLanguage(evaluation.donor_language) !== primaryLanguage(evaluation.evaluation_language)
      facts.interpreterIndependent = evaluation.interpreter_id === null ? null : bitOrUndefined(evaluation.interpreter_independent)
      facts.advocateIndependent = evaluation.advocate_id === null ? null : bitOrUndefined(evaluation.advocate_independent)
      facts.donorHasLegalCapacity = bitOrUndefined(evaluation.legal_capacity)
      if (evaluation.contact_digest !== null) {
        const others = statement(ctx.db, `SELECT e.donor_id, e.candidate_id FROM living_donor_evaluations e
          WHERE e.contact_digest = ? AND e.donor_id <> ? AND e.evaluated_at <= ?
            AND e.id = (SELECT l.id FROM living_donor_evaluations l WHERE l.donor_id = e.donor_id AND l.evaluated_at <= ? ORDER BY l.evaluated_at DESC, l.id DESC LIMIT 1)`)
          .all(evaluation.contact_digest, donor.id, asOf, asOf) as Array<{ donor_id: string, candidate_id: string | null }>
        facts.sharedContactCount = others.filter((o) => o.candidate_id === null || o.candidate_id !== recipientId).length
      }
    }
    const travelPayments = statement(ctx.db, `SELECT payer_kind FROM donor_payments WHERE donor_id = ? AND category IN ('travel', 'lodging') AND paid_at <= ?`)
      .pluck().all(donor.id, asOf) as string[]
    if (travelPayments.length > 0 || (evaluation?.travel_paid_by ?? null) !== null) {
      facts.thirdPartyTravelPaid = evaluation?.travel_paid_by === 'third-party' || travelPayments.includes('third-party')
    }

    if (recipientId !== undefined) {
      const hla = statement(ctx.db, 'SELECT hla_json FROM candidates WHERE id = ?').pluck().get(recipientId) as string
      const loci = lociWithoutSharedAntigen(JSON.parse(donor.hla_json) as HlaTyping, JSON.parse(hla) as HlaTyping)
      facts.hlaSharesHaplotypeEvidence = loci.length === 0
      facts.hlaLociWithoutSharedAntigen = loci
    }

    const donorCountry = centreCountry(ctx, donor.hospital_centre_id)
    const donorAttributes = protectedAttributes(ctx, donor.id)
    facts.donorResident = residentIn(ctx, donor.id, donorCountry)
    if (recipientId !== undefined) {
      const recipientCentre = transplant?.centre_id ?? statement(ctx.db, 'SELECT centre_id FROM candidates WHERE id = ?').pluck().get(recipientId) as string
      facts.recipientResident = residentIn(ctx, recipientId, centreCountry(ctx, recipientCentre))
      const donorNationality = donorAttributes?.nationality ?? null
      const recipientNationality = protectedAttributes(ctx, recipientId)?.nationality ?? null
      facts.donorNationalityMatchesRecipient = donorNationality === null || recipientNationality === null ? undefined : donorNationality === recipientNationality
    }

    if (surgeryAt !== null) {
      const consent = consentBefore(ctx, donor.id, surgeryAt)
      facts.consentLeadDays = consent === undefined ? null : daysBetween(consent.obtained_at, surgeryAt)
      const donorLanguage = evaluation?.donor_language ?? null
      facts.consentLanguageMatches = consent === undefined
        ? null
        : consent.language === null || donorLanguage === null ? undefined : primaryLanguage(consent.language) === primaryLanguage(donorLanguage)
    }

    const person = statement(ctx.db, 'SELECT person_pseudonym FROM direct_identifiers WHERE subject_id = ?').pluck().get(donor.id) as string | null | undefined
    if (person !== null && person !== undefined) {
      const previous = statement(ctx.db, `SELECT max(d.reported_at) FROM donors d JOIN direct_identifiers i ON i.subject_id = d.id
        WHERE i.person_pseudonym = ? AND d.kind = 'living' AND d.id <> ? AND d.reported_at <= ?`).pluck().get(person, donor.id, donor.reported_at) as string | null
      facts.daysSincePreviousLivingDonation = previous === null ? null : daysBetween(previous, donor.reported_at)
    }
    return { subject: 'living-donation', entityType: 'donor', entityId: donor.id, subjectIds: recipientId === undefined ? [donor.id] : [donor.id, recipientId], facts }
  })
}

// ─── payments (C1, C2, C4) ───────────────────────────────────────────────────────────────────────

export function paymentRecords (ctx: OversightContext, asOf: string): SubjectRecord[] {
  const rows = statement(ctx.db, `SELECT p.*, c.country AS donor_country FROM donor_payments p JOIN donors d ON d.id = p.donor_id
    JOIN centres c ON c.id = d.hospital_centre_id WHERE p.paid_at <= ? ORDER BY p.id`).all(asOf) as Array<{
    id: number, donor_id: string, category: string, amount_minor: number, currency: string, method: string, payer_kind: string,
    receipt_provided: number | null, counterparty_country: string | null, donor_country: string
  }>
  return rows.map((row) => ({
    subject: 'payment',
    entityType: 'donor-payment',
    entityId: String(row.id),
    subjectIds: [row.donor_id],
    facts: {
      donorId: row.donor_id,
      category: row.category,
      amountMinor: row.amount_minor,
      currency: row.currency,
      method: row.method,
      payerKind: row.payer_kind,
      receiptProvided: bitOrUndefined(row.receipt_provided),
      counterpartyDomestic: row.counterparty_country === null ? undefined : row.counterparty_country === row.donor_country
    }
  }))
}

// ─── transplants abroad (D1, D2, D3) ─────────────────────────────────────────────────────────────

interface AbroadRow {
  id: string
  candidate_id: string | null
  person_pseudonym: string | null
  presented_at: string
  transplant_country: string
  transplant_centre_name: string | null
  organ_type: string
  donor_type: string
  donor_identifier: string | null
  authorisation_evidence: number
  payment_reported: string
  patient_residence: string | null
}

export function transplantAbroadRecord (ctx: OversightContext, row: AbroadRow): SubjectRecord {
  const linked = new Set<string>(row.candidate_id === null ? [] : [row.candidate_id])
  if (row.person_pseudonym !== null) {
    for (const id of statement(ctx.db, `SELECT subject_id FROM direct_identifiers WHERE person_pseudonym = ? AND subject_kind = 'candidate'`).pluck().all(row.person_pseudonym) as string[]) linked.add(id)
  }
  const candidates = [...linked].sort()
  const residence = row.patient_residence ?? candidates.map((id) => protectedAttributes(ctx, id)?.residence ?? null).find((r) => r !== null) ?? null
  const removed = candidates.some((id) => statement(ctx.db, `SELECT 1 FROM candidate_status_history WHERE candidate_id = ? AND status = 'removed' AND effective_at <= ?`).get(id, row.presented_at) !== undefined)
  return {
    subject: 'transplant-abroad',
    entityType: 'transplant-abroad',
    entityId: row.id,
    subjectIds: candidates,
    facts: {
      transplantCountry: row.transplant_country,
      organType: row.organ_type,
      donorType: row.donor_type,
      paymentReported: row.payment_reported,
      presentedAt: row.presented_at,
      transplantedOutsideResidence: residence === null ? undefined : row.transplant_country !== residence,
      removedFromListBefore: candidates.length === 0 ? undefined : removed,
      donorIdentifierKnown: row.donor_identifier !== null,
      centreNameKnown: row.transplant_centre_name !== null,
      authorisationEvidence: row.authorisation_evidence === 1
    }
  }
}

export function transplantAbroadRecords (ctx: OversightContext, asOf: string): SubjectRecord[] {
  const rows = statement(ctx.db, 'SELECT * FROM transplants_abroad WHERE presented_at <= ? ORDER BY id').all(asOf) as AbroadRow[]
  return rows.map((row) => transplantAbroadRecord(ctx, row))
}

export function transplantAbroadRecordOf (ctx: OversightContext, id: string): SubjectRecord {
  return transplantAbroadRecord(ctx, statement(ctx.db, 'SELECT * FROM transplants_abroad WHERE id = ?').get(id) as AbroadRow)
}

// ─── allocation integrity (F1, F2, F3) ───────────────────────────────────────────────────────────

export function deceasedTransplantRecords (ctx: OversightContext, asOf: string): SubjectRecord[] {
  const rows = statement(ctx.db, `SELECT t.id, t.candidate_id, t.match_run_id, o.organ_type, o.donor_id, m.match_list_json
    FROM transplants t JOIN organs o ON o.id = t.organ_id JOIN donors d ON d.id = o.donor_id LEFT JOIN match_runs m ON m.id = t.match_run_id
    WHERE d.kind = 'deceased' AND t.transplanted_at <= ? ORDER BY t.id`).all(asOf) as Array<{
    id: string, candidate_id: string, match_run_id: string | null, organ_type: string, donor_id: string, match_list_json: string | null
  }>
  return rows.map((row) => {
    const list = row.match_list_json === null ? undefined : JSON.parse(row.match_list_json) as MatchList
    const entry = list?.ranked.find((r) => r.candidateId === row.candidate_id)
    let skipped: number | undefined
    if (entry !== undefined && row.match_run_id !== null) {
      const responded = new Set(statement(ctx.db, `SELECT candidate_id FROM offers WHERE match_run_id = ? AND response IN ('N', 'B') AND responded_at <= ?`)
        .pluck().all(row.match_run_id, asOf) as string[])
      skipped = (list as MatchList).ranked.filter((r) => r.rank < entry.rank && !responded.has(r.candidateId)).length
    }
    return {
      subject: 'deceased-transplant',
      entityType: 'transplant',
      entityId: row.id,
      subjectIds: [row.donor_id, row.candidate_id],
      facts: {
        matchRunId: row.match_run_id,
        organType: row.organ_type,
        recipientOnMatchList: list === undefined ? undefined : entry !== undefined,
        recipientSequenceNumber: entry?.rank ?? null,
        skippedWithoutResponse: skipped
      }
    }
  })
}

export function matchRunRecords (ctx: OversightContext, asOf: string): SubjectRecord[] {
  const rows = statement(ctx.db, `SELECT m.id, m.organ_id, m.output_hash, m.match_list_json, o.donor_id FROM match_runs m JOIN organs o ON o.id = m.organ_id
    WHERE m.run_at <= ? ORDER BY m.id`).all(asOf) as Array<{ id: string, organ_id: string, output_hash: string, match_list_json: string, donor_id: string }>
  return rows.map((row) => {
    const list = JSON.parse(row.match_list_json) as MatchList
    return {
      subject: 'match-run',
      entityType: 'match-run',
      entityId: row.id,
      subjectIds: [row.donor_id],
      facts: { organId: row.organ_id, outputHashValid: verifyMatchListHash(list), storedHashMatches: list.outputHash === row.output_hash }
    }
  })
}

// ─── follow-up (G1, G2) ──────────────────────────────────────────────────────────────────────────

/** Forms still due whose window has opened by `asOf`; overdue once the window has closed. */
export function followUpRecords (ctx: OversightContext, asOf: string): SubjectRecord[] {
  const day = asOf.slice(0, 10)
  const rows = statement(ctx.db, `SELECT f.id, f.subject_kind, f.subject_id, f.label, f.due_date, f.window_end, t.centre_id AS recipient_centre, d.hospital_centre_id AS donor_centre
    FROM follow_ups f JOIN transplants t ON t.id = f.transplant_id JOIN organs o ON o.id = t.organ_id JOIN donors d ON d.id = o.donor_id
    WHERE f.status = 'due' AND f.window_start <= ? ORDER BY f.id`).all(day) as Array<{
    id: number, subject_kind: string, subject_id: string, label: string, due_date: string, window_end: string, recipient_centre: string, donor_centre: string
  }>
  return rows.map((row) => ({
    subject: 'follow-up',
    entityType: 'follow-up',
    entityId: String(row.id),
    subjectIds: [row.subject_id],
    facts: {
      subjectKind: row.subject_kind,
      label: row.label,
      dueDate: row.due_date,
      windowEnd: row.window_end,
      centreId: row.subject_kind === 'recipient' ? row.recipient_centre : row.donor_centre,
      overdue: row.window_end < day
    }
  }))
}

// ─── centre-years (D4, E1, E3, E4) and surgeons (E2) ─────────────────────────────────────────────

export function centreYearRecords (ctx: OversightContext, year: number, asOf: string): SubjectRecord[] {
  const from = `${year}-01-01T00:00:00.000Z`
  const to = `${year + 1}-01-01T00:00:00.000Z`
  const until = asOf < to ? asOf : to
  const transplants = statement(ctx.db, `SELECT t.centre_id, t.candidate_id, d.kind, c.country FROM transplants t JOIN organs o ON o.id = t.organ_id
    JOIN donors d ON d.id = o.donor_id JOIN centres c ON c.id = t.centre_id WHERE t.transplanted_at >= ? AND t.transplanted_at < ?`).all(from, until) as Array<{
    centre_id: string, candidate_id: string, kind: string, country: string
  }>
  const living = statement(ctx.db, `SELECT d.hospital_centre_id AS centre_id, d.living_relationship, c.country FROM donors d JOIN centres c ON c.id = d.hospital_centre_id
    WHERE d.kind = 'living' AND (SELECT min(o.recovered_at) FROM organs o WHERE o.donor_id = d.id) >= ? AND (SELECT min(o.recovered_at) FROM organs o WHERE o.donor_id = d.id) < ?`)
    .all(from, until) as Array<{ centre_id: string, living_relationship: string, country: string }>
  const forms = statement(ctx.db, `SELECT f.subject_kind, f.window_start, f.window_end, f.status, f.completed_at, t.centre_id AS recipient_centre, d.hospital_centre_id AS donor_centre
    FROM follow_ups f JOIN transplants t ON t.id = f.transplant_id JOIN organs o ON o.id = t.organ_id JOIN donors d ON d.id = o.donor_id
    WHERE f.window_end >= ? AND f.window_end < ?`).all(`${year}-01-01`, `${year + 1}-01-01`) as Array<{
    subject_kind: string, window_start: string, window_end: string, status: 'due' | 'completed' | 'not-required', completed_at: string | null, recipient_centre: string, donor_centre: string
  }>
  const unrelated = (r: string): boolean => r === 'unrelated' || r === 'non-directed'
  const national = new Map<string, { n: number, unrelated: number }>()
  for (const d of living) {
    const entry = national.get(d.country) ?? { n: 0, unrelated: 0 }
    entry.n += 1
    if (unrelated(d.living_relationship)) entry.unrelated += 1
    national.set(d.country, entry)
  }
  const centres = [...new Set([...transplants.map((t) => t.centre_id), ...living.map((d) => d.centre_id),
    ...forms.map((f) => (f.subject_kind === 'recipient' ? f.recipient_centre : f.donor_centre))])].sort()
  const day = asOf.slice(0, 10)
  return centres.map((centreId) => {
    const own = transplants.filter((t) => t.centre_id === centreId)
    const country = centreCountry(ctx, centreId)
    const residence = own.map((t) => residentIn(ctx, t.candidate_id, country)).filter((r): r is boolean => r !== undefined)
    const ownLiving = living.filter((d) => d.centre_id === centreId)
    const ownUnrelated = ownLiving.filter((d) => unrelated(d.living_relationship)).length
    const baseline = national.get(country)
    const baselineShare = baseline === undefined || baseline.n === 0 ? null : baseline.unrelated / baseline.n
    const ownForms = forms.filter((f) => (f.subject_kind === 'recipient' ? f.recipient_centre : f.donor_centre) === centreId)
    const completeness = followUpCompleteness(ownForms.map((f) => ({
      windowStart: f.window_start, windowEnd: f.window_end, status: f.status, completedAt: f.completed_at ?? undefined
    })), day)
    return {
      subject: 'centre-year',
      entityType: 'centre',
      entityId: centreId,
      scope: String(year),
      subjectIds: [],
      facts: {
        year,
        transplants: own.length,
        transplantsWithKnownResidence: residence.length,
        nonResidentShare: residence.length === 0 ? undefined : residence.filter((r) => !r).length / residence.length,
        deceasedTransplants: own.filter((t) => t.kind === 'deceased').length,
        livingDonations: ownLiving.length,
        livingUnrelated: ownUnrelated,
        nationalLivingUnrelatedShare: baselineShare,
        livingUnrelatedZ: baselineShare === null ? null : proportionZScore(ownUnrelated, ownLiving.length, baselineShare),
        followUpsExpected: completeness.expected,
        followUpsCompleted: completeness.completed,
        followUpCompleteness: completeness.rate
      }
    }
  })
}

export function surgeonMonthRecords (ctx: OversightContext, year: number, asOf: string): SubjectRecord[] {
  const from = `${year}-01-01T00:00:00.000Z`
  const to = `${year + 1}-01-01T00:00:00.000Z`
  const rows = statement(ctx.db, `
    SELECT r.surgeon_id AS surgeon, r.recovery_centre_id AS centre_id, o.recovered_at AS at FROM recovery_records r JOIN organs o ON o.id = r.organ_id
      WHERE r.surgeon_id IS NOT NULL AND o.recovered_at >= @from AND o.recovered_at < @to AND o.recovered_at <= @asOf
    UNION ALL
    SELECT tr.surgeon_id, t.centre_id, t.transplanted_at FROM transplant_records tr JOIN transplants t ON t.id = tr.transplant_id
      WHERE tr.surgeon_id IS NOT NULL AND t.transplanted_at >= @from AND t.transplanted_at < @to AND t.transplanted_at <= @asOf`)
    .all({ from, to, asOf }) as Array<{ surgeon: string, centre_id: string, at: string }>
  const groups = new Map<string, Array<{ centre_id: string }>>()
  for (const row of rows) {
    const key = `${row.surgeon}|${row.at.slice(0, 7)}`
    groups.set(key, [...(groups.get(key) ?? []), row])
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, list]) => {
    const [surgeon, month] = key.split('|') as [string, string]
    const centres = new Set(list.map((r) => r.centre_id))
    return {
      subject: 'surgeon-window',
      entityType: 'surgeon',
      entityId: surgeon,
      scope: month,
      subjectIds: [],
      facts: { month, procedures: list.length, centres: centres.size, countries: new Set([...centres].map((c) => centreCountry(ctx, c))).size }
    }
  })
}

/** Every batch-evaluated subject record as of an instant, with centre-years and surgeon-months of `year`. */
export function allSubjectRecords (ctx: OversightContext, asOf: string, year: number): SubjectRecord[] {
  return [
    ...procedureRecords(ctx, asOf),
    ...organRecords(ctx, asOf),
    ...livingDonationRecords(ctx, asOf),
    ...paymentRecords(ctx, asOf),
    ...transplantAbroadRecords(ctx, asOf),
    ...deceasedTransplantRecords(ctx, asOf),
    ...matchRunRecords(ctx, asOf),
    ...followUpRecords(ctx, asOf),
    ...centreYearRecords(ctx, year, asOf),
    ...surgeonMonthRecords(ctx, year, asOf)
  ]
}
