import { ABO_TYPES, type AboType } from '../../engine/domain/abo.js'
import { isAuthorised } from '../../engine/domain/centre.js'
import type { DonationPathway, Donor } from '../../engine/domain/donor.js'
import type { HlaTyping } from '../../engine/domain/hla.js'
import { requireBoolean, requireEnum, requireInteger, requireNumber, requireString, requireTriState, type TriState } from '../../engine/domain/input.js'
import { ORGAN_PARTS, ORGAN_TYPES, type Organ, type OrganPart, type OrganType } from '../../engine/domain/organ.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import { pinRow } from '../audit/audit-log.js'
import { pseudonym, pseudonymPattern } from '../security/pseudonym.js'
import type { CentreRepository } from './centre-repository.js'
import type { RegistryContext } from './context.js'
import { bit, requireActor, statement, writeTransaction } from './context.js'
import type { DirectIdentifiers, IdentityRepository, ProtectedAttributes } from './identity-repository.js'
import { optional, requireHlaTyping, requireInstant } from './values.js'

/** Clinical facts shared by deceased and living donors. */
interface DonorClinical {
  readonly ageYears: number
  readonly heightCm: number
  readonly weightKg: number
  readonly abo: AboType
  readonly hla: HlaTyping
  readonly creatinineMgDl: number
  readonly hypertension: TriState
  readonly diabetes: TriState
}

interface DonorRegistrationBase extends DonorClinical {
  /** The reporting organisation's donor number; only its HMAC pseudonym (D-…) is kept. */
  readonly localId: string
  readonly hospitalCentreId: string
  readonly reportedAt: string
  readonly identifiers?: DirectIdentifiers | undefined
  readonly protectedAttributes?: ProtectedAttributes | undefined
}

export interface DeceasedDonorRegistration extends DonorRegistrationBase {
  readonly pathway: DonationPathway
  readonly causeOfDeathCva: boolean
  readonly kdri?: number | undefined
  readonly kdpi?: number | undefined
  readonly ukDonorRiskQuartile?: number | undefined
}

export const LIVING_RELATIONSHIPS = ['genetic', 'emotional', 'unrelated', 'non-directed'] as const
export type LivingRelationship = typeof LIVING_RELATIONSHIPS[number]

export interface LivingDonorRegistration extends DonorRegistrationBase {
  /** Relationship to the intended recipient (WHO Guiding Principle 3; an unrelated donation needs extra approval). */
  readonly relationship: LivingRelationship
}

/** A living donor as the registry knows it (the engine's Donor type describes deceased donors being matched). */
export interface LivingDonor extends DonorClinical {
  readonly id: string
  readonly kind: 'living'
  readonly relationship: LivingRelationship
  readonly hospitalCentreId: string
  readonly country: string
  readonly region: string
}

export const CONSENT_RECORD_TYPES = ['consent', 'authorisation', 'no-objection-verified', 'withdrawal'] as const
export const CONSENT_BASES = ['donor-in-person', 'donor-registration', 'family', 'legal-representative', 'opt-out-register'] as const

export interface ConsentRecordInput {
  readonly recordType: typeof CONSENT_RECORD_TYPES[number]
  readonly basis: typeof CONSENT_BASES[number]
  readonly organTypes: readonly OrganType[]
  readonly obtainedAt: string
  /** Staff user id of who obtained it (never a name). */
  readonly obtainedBy: string
  /** BCP 47 language tag the consent was given in. */
  readonly language?: string | undefined
  /** Staff user id or role of the witness. */
  readonly witness?: string | undefined
}

export interface ProcedureAuthorisationInput {
  readonly donorId: string
  readonly candidateId?: string | undefined
  readonly decision: 'approved' | 'refused'
  /** The deciding body: ethics committee, independent assessor, competent authority. */
  readonly decidedBy: string
  readonly decidedAt: string
  readonly reference: string
}

export const DISPOSITIONS = ['transplanted', 'discarded', 'research'] as const
export type Disposition = typeof DISPOSITIONS[number]

export interface OrganRecord extends Organ {
  readonly recoveredAt?: string
  readonly disposition?: Disposition
  readonly dispositionAt?: string
}

interface DonorRow {
  id: string
  kind: 'deceased' | 'living'
  pathway: DonationPathway | null
  living_relationship: LivingRelationship | null
  hospital_centre_id: string
  age_years: number
  height_cm: number
  weight_kg: number
  abo: AboType
  hla_json: string
  creatinine_mg_dl: number
  hypertension: 'yes' | 'no' | 'unknown'
  diabetes: 'yes' | 'no' | 'unknown'
  cause_of_death_cva: number
  kdri: number | null
  kdpi: number | null
  uk_donor_risk_quartile: number | null
  reported_at: string
}

interface OrganRow {
  id: string
  donor_id: string
  organ_type: OrganType
  part: OrganPart
  recovered_at: string | null
  disposition: Disposition | null
  disposition_at: string | null
}

function triStateColumn (value: TriState): 'yes' | 'no' | 'unknown' {
  return value === 'unknown' ? 'unknown' : value ? 'yes' : 'no'
}

function triStateValue (value: 'yes' | 'no' | 'unknown'): TriState {
  return value === 'unknown' ? 'unknown' : value === 'yes'
}

function requireDonorClinical (input: DonorClinical): DonorClinical {
  return {
    ageYears: requireNumber(input.ageYears, 'ageYears', { min: 0, max: 120, unit: 'years' }),
    heightCm: requireNumber(input.heightCm, 'heightCm', { min: 20, max: 260, unit: 'cm' }),
    weightKg: requireNumber(input.weightKg, 'weightKg', { min: 0.5, max: 350, unit: 'kg' }),
    abo: requireEnum(input.abo, 'abo', ABO_TYPES),
    hla: requireHlaTyping(input.hla, 'hla'),
    creatinineMgDl: requireNumber(input.creatinineMgDl, 'creatinineMgDl', { min: 0.01, max: 40, unit: 'mg/dL' }),
    hypertension: requireTriState(input.hypertension, 'hypertension'),
    diabetes: requireTriState(input.diabetes, 'diabetes')
  }
}

/** Deceased and living donors, their consent and authorisation records, and their organs. */
export class DonorRepository {
  readonly #ctx: RegistryContext
  readonly #centres: CentreRepository
  readonly #identity: IdentityRepository

  constructor (ctx: RegistryContext, centres: CentreRepository, identity: IdentityRepository) {
    this.#ctx = ctx
    this.#centres = centres
    this.#identity = identity
  }

  idFor (localId: string): string {
    return pseudonym(this.#ctx.keys.pseudonymKey, 'donor', localId)
  }

  registerDeceased (input: DeceasedDonorRegistration, actor: string): Donor {
    const who = requireActor(actor)
    const clinical = requireDonorClinical(input)
    const donor = {
      ...clinical,
      pathway: requireEnum(input.pathway, 'pathway', ['DBD', 'DCD'] as const),
      causeOfDeathCva: requireBoolean(input.causeOfDeathCva, 'causeOfDeathCva'),
      kdri: optional(input.kdri, 'kdri', (v, f) => requireNumber(v, f, { min: 0.1, max: 10, unit: '' })),
      kdpi: optional(input.kdpi, 'kdpi', (v, f) => requireNumber(v, f, { min: 0, max: 100, unit: '%' })),
      ukDonorRiskQuartile: optional(input.ukDonorRiskQuartile, 'ukDonorRiskQuartile', (v, f) => requireInteger(v, f, { min: 1, max: 4, unit: '' }))
    }
    const id = this.#insert(input, who, { kind: 'deceased', pathway: donor.pathway, relationship: null, causeOfDeathCva: donor.causeOfDeathCva, kdri: donor.kdri, kdpi: donor.kdpi, ukDonorRiskQuartile: donor.ukDonorRiskQuartile }, clinical)
    return this.getDeceased(id)
  }

  registerLiving (input: LivingDonorRegistration, actor: string): LivingDonor {
    const who = requireActor(actor)
    const clinical = requireDonorClinical(input)
    const relationship = requireEnum(input.relationship, 'relationship', LIVING_RELATIONSHIPS)
    const id = this.#insert(input, who, { kind: 'living', pathway: null, relationship, causeOfDeathCva: false, kdri: undefined, kdpi: undefined, ukDonorRiskQuartile: undefined }, clinical)
    return this.getLiving(id)
  }

  getDeceased (donorId: string): Donor {
    const row = this.#row(donorId)
    if (row.kind !== 'deceased' || row.pathway === null) throw new InvalidFieldError('donorId', 'names a living donor, not a deceased one')
    const centre = this.#centres.get(row.hospital_centre_id, row.reported_at)
    return {
      id: row.id,
      kind: 'deceased',
      pathway: row.pathway,
      ageYears: row.age_years,
      heightCm: row.height_cm,
      weightKg: row.weight_kg,
      abo: row.abo,
      hla: JSON.parse(row.hla_json) as HlaTyping,
      creatinineMgDl: row.creatinine_mg_dl,
      hypertension: triStateValue(row.hypertension),
      diabetes: triStateValue(row.diabetes),
      causeOfDeathCva: row.cause_of_death_cva === 1,
      ...(row.kdri === null ? {} : { kdri: row.kdri }),
      ...(row.kdpi === null ? {} : { kdpi: row.kdpi }),
      ...(row.uk_donor_risk_quartile === null ? {} : { ukDonorRiskQuartile: row.uk_donor_risk_quartile }),
      hospitalCentreId: centre.id,
      country: centre.country,
      region: centre.region,
      latitudeDeg: centre.latitudeDeg,
      longitudeDeg: centre.longitudeDeg
    }
  }

  getLiving (donorId: string): LivingDonor {
    const row = this.#row(donorId)
    if (row.kind !== 'living' || row.living_relationship === null) throw new InvalidFieldError('donorId', 'names a deceased donor, not a living one')
    const centre = this.#centres.get(row.hospital_centre_id, row.reported_at)
    return {
      id: row.id,
      kind: 'living',
      relationship: row.living_relationship,
      ageYears: row.age_years,
      heightCm: row.height_cm,
      weightKg: row.weight_kg,
      abo: row.abo,
      hla: JSON.parse(row.hla_json) as HlaTyping,
      creatinineMgDl: row.creatinine_mg_dl,
      hypertension: triStateValue(row.hypertension),
      diabetes: triStateValue(row.diabetes),
      hospitalCentreId: centre.id,
      country: centre.country,
      region: centre.region
    }
  }

  kindOf (donorId: string): 'deceased' | 'living' {
    return this.#row(donorId).kind
  }

  /** Consent, authorisation, verified no-objection, or withdrawal (EU 2010/53 Art 4(2)(b), 14). */
  recordConsent (donorId: string, input: ConsentRecordInput, actor: string): number {
    const who = requireActor(actor)
    this.#row(donorId)
    if (!Array.isArray(input.organTypes) || input.organTypes.length === 0) throw new InvalidFieldError('organTypes', 'must list at least one organ type')
    const record = {
      recordType: requireEnum(input.recordType, 'recordType', CONSENT_RECORD_TYPES),
      basis: requireEnum(input.basis, 'basis', CONSENT_BASES),
      organTypes: [...new Set(input.organTypes.map((type, index) => requireEnum(type, `organTypes[${index}]`, ORGAN_TYPES)))].sort(),
      obtainedAt: requireInstant(input.obtainedAt, 'obtainedAt'),
      obtainedBy: requireActor(input.obtainedBy),
      language: optional(input.language, 'language', (v, f) => requireString(v, f, /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag, e.g. nl or pt-BR')),
      witness: optional(input.witness, 'witness', (v, f) => requireString(v, f))
    }
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      const id = Number(statement(db, `INSERT INTO consent_records (donor_id, record_type, basis, organ_types_json, obtained_at, obtained_by, language, witness, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(donorId, record.recordType, record.basis, JSON.stringify(record.organTypes), record.obtainedAt,
        record.obtainedBy, record.language ?? null, record.witness ?? null, now()).lastInsertRowid)
      audit.append({ actor: who, action: 'consent.recorded', entityType: 'donor', entityId: donorId, payload: { consentRecordId: id, ...record, rows: [pinRow(db, 'consent_records', id)] } })
      return id
    })
  }

  /** The decision of an independent body approving (or refusing) a living donation (UN 71/322 para 3(f)). */
  recordProcedureAuthorisation (input: ProcedureAuthorisationInput, actor: string): number {
    const who = requireActor(actor)
    const donorId = this.#row(input.donorId).id
    const candidateId = optional(input.candidateId, 'candidateId', (v, f) => requireString(v, f, pseudonymPattern('candidate'), 'must be a candidate pseudonym (C-…)'))
    if (candidateId !== undefined && statement(this.#ctx.db, 'SELECT 1 FROM candidates WHERE id = ?').get(candidateId) === undefined) {
      throw new UnknownValueError('candidateId', `names no registered candidate (${candidateId})`)
    }
    const decision = {
      decision: requireEnum(input.decision, 'decision', ['approved', 'refused'] as const),
      decidedBy: requireString(input.decidedBy, 'decidedBy'),
      decidedAt: requireInstant(input.decidedAt, 'decidedAt'),
      reference: requireString(input.reference, 'reference')
    }
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      const id = Number(statement(db, `INSERT INTO procedure_authorisations (donor_id, candidate_id, decision, decided_by, decided_at, reference, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`).run(donorId, candidateId ?? null, decision.decision, decision.decidedBy, decision.decidedAt, decision.reference, now()).lastInsertRowid)
      audit.append({ actor: who, action: 'procedure-authorisation.recorded', entityType: 'donor', entityId: donorId, payload: { procedureAuthorisationId: id, candidateId, ...decision, rows: [pinRow(db, 'procedure_authorisations', id)] } })
      return id
    })
  }

  /** True when, at `at`, the donor has a consent, authorisation or verified no-objection for the organ type and no later withdrawal. */
  hasConsent (donorId: string, organType: OrganType, at: string): boolean {
    const rows = statement(this.#ctx.db, `SELECT record_type, organ_types_json FROM consent_records
      WHERE donor_id = ? AND obtained_at <= ? ORDER BY obtained_at, id`).all(donorId, at) as Array<{ record_type: string, organ_types_json: string }>
    let consented = false
    for (const row of rows) {
      if (!(JSON.parse(row.organ_types_json) as string[]).includes(organType)) continue
      consented = row.record_type !== 'withdrawal'
    }
    return consented
  }

  /** True when the latest decision on or before `at` about this living donor approves the donation. */
  hasApprovedAuthorisation (donorId: string, at: string): boolean {
    const latest = statement(this.#ctx.db, `SELECT decision FROM procedure_authorisations WHERE donor_id = ? AND decided_at <= ?
      ORDER BY decided_at DESC, id DESC LIMIT 1`).pluck().get(donorId, at) as string | undefined
    return latest === 'approved'
  }

  registerOrgan (donorId: string, input: { organType: OrganType, part: OrganPart }, actor: string): Organ {
    const who = requireActor(actor)
    const donor = this.#row(donorId)
    const organType = requireEnum(input.organType, 'organType', ORGAN_TYPES)
    const part = requireEnum(input.part, 'part', ORGAN_PARTS)
    const id = `${donor.id}.${organType}.${part}`
    const { db, audit, now } = this.#ctx
    writeTransaction(db, () => {
      if (statement(db, 'SELECT 1 FROM organs WHERE id = ?').get(id) !== undefined) throw new InvalidFieldError('part', `this donor's ${organType} (${part}) is already registered`)
      statement(db, 'INSERT INTO organs (id, donor_id, organ_type, part, recorded_at) VALUES (?, ?, ?, ?, ?)').run(id, donor.id, organType, part, now())
      audit.append({ actor: who, action: 'organ.registered', entityType: 'organ', entityId: id, payload: { donorId: donor.id, organType, part } })
    })
    return { id, donorId: donor.id, organType, part }
  }

  /**
   * Records recovery. Refused without what must precede it: for a deceased donor, consent (or
   * authorisation, or verified no-objection) covering the organ; for a living donor, consent and an
   * approved authorisation decision dated before surgery at a centre authorised for living donation.
   */
  recordRecovery (organId: string, input: { recoveredAt: string }, actor: string): void {
    const who = requireActor(actor)
    const organ = this.#organRow(organId)
    const recoveredAt = requireInstant(input.recoveredAt, 'recoveredAt')
    if (organ.recovered_at !== null) throw new InvalidFieldError('organId', `was already recovered (${organ.recovered_at})`)
    const donor = this.#row(organ.donor_id)
    if (recoveredAt < donor.reported_at) throw new InvalidFieldError('recoveredAt', `must not be before the donor was reported (${donor.reported_at})`)
    if (!this.hasConsent(donor.id, organ.organ_type, recoveredAt)) {
      throw new InvalidFieldError('organId', `has no consent, authorisation or verified no-objection for ${organ.organ_type} in force at ${recoveredAt}`)
    }
    if (donor.kind === 'living') {
      if (!this.hasApprovedAuthorisation(donor.id, recoveredAt)) {
        throw new InvalidFieldError('organId', `has no approved living-donation authorisation decided before ${recoveredAt}`)
      }
      const centre = this.#centres.get(donor.hospital_centre_id, recoveredAt)
      if (!isAuthorised(centre, organ.organ_type, 'living-donation', recoveredAt)) {
        throw new InvalidFieldError('organId', `was recovered at ${centre.id}, which holds no valid ${organ.organ_type} living-donation authorisation on ${recoveredAt.slice(0, 10)}`)
      }
    }
    const { db, audit } = this.#ctx
    writeTransaction(db, () => {
      statement(db, 'UPDATE organs SET recovered_at = ? WHERE id = ?').run(recoveredAt, organ.id)
      audit.append({ actor: who, action: 'organ.recovered', entityType: 'organ', entityId: organ.id, payload: { recoveredAt } })
    })
  }

  /** Discard or use for research; a transplant is recorded through the transplant repository. */
  recordDisposition (organId: string, input: { disposition: 'discarded' | 'research', at: string, reason: string }, actor: string): void {
    const who = requireActor(actor)
    const disposition = requireEnum(input.disposition, 'disposition', ['discarded', 'research'] as const)
    const at = requireInstant(input.at, 'at')
    const reason = requireString(input.reason, 'reason')
    const { db, audit } = this.#ctx
    writeTransaction(db, () => {
      this.setDisposition(organId, disposition, at, reason)
      audit.append({ actor: who, action: 'organ.disposition-recorded', entityType: 'organ', entityId: organId, payload: { disposition, at, reason } })
    })
  }

  /** Sets an organ's final disposition once; for use inside a caller's transaction that audits it. */
  setDisposition (organId: string, disposition: Disposition, at: string, reason: string | null): void {
    const organ = this.#organRow(organId)
    if (organ.disposition !== null) throw new InvalidFieldError('organId', `already has a disposition (${organ.disposition})`)
    statement(this.#ctx.db, 'UPDATE organs SET disposition = ?, disposition_at = ?, disposition_reason = ? WHERE id = ?').run(disposition, at, reason, organ.id)
  }

  getOrgan (organId: string): OrganRecord {
    const row = this.#organRow(organId)
    return {
      id: row.id,
      donorId: row.donor_id,
      organType: row.organ_type,
      part: row.part,
      ...(row.recovered_at === null ? {} : { recoveredAt: row.recovered_at }),
      ...(row.disposition === null ? {} : { disposition: row.disposition }),
      ...(row.disposition_at === null ? {} : { dispositionAt: row.disposition_at })
    }
  }

  #insert (input: DonorRegistrationBase, who: string, kind: {
    kind: 'deceased' | 'living'
    pathway: DonationPathway | null
    relationship: LivingRelationship | null
    causeOfDeathCva: boolean
    kdri: number | undefined
    kdpi: number | undefined
    ukDonorRiskQuartile: number | undefined
  }, clinical: DonorClinical): string {
    const id = this.idFor(input.localId)
    const reportedAt = requireInstant(input.reportedAt, 'reportedAt')
    const centreId = requireString(input.hospitalCentreId, 'hospitalCentreId')
    this.#centres.get(centreId, reportedAt)
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      if (statement(db, 'SELECT 1 FROM donors WHERE id = ?').get(id) !== undefined) throw new InvalidFieldError('localId', 'is already registered')
      statement(db, `INSERT INTO donors (id, kind, pathway, living_relationship, hospital_centre_id, age_years, height_cm, weight_kg, abo, hla_json,
          creatinine_mg_dl, hypertension, diabetes, cause_of_death_cva, kdri, kdpi, uk_donor_risk_quartile, reported_at, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        id, kind.kind, kind.pathway, kind.relationship, centreId, clinical.ageYears, clinical.heightCm, clinical.weightKg, clinical.abo,
        JSON.stringify(clinical.hla), clinical.creatinineMgDl, triStateColumn(clinical.hypertension), triStateColumn(clinical.diabetes),
        bit(kind.causeOfDeathCva), kind.kdri ?? null, kind.kdpi ?? null, kind.ukDonorRiskQuartile ?? null, reportedAt, now())
      audit.append({
        actor: who,
        action: 'donor.registered',
        entityType: 'donor',
        entityId: id,
        payload: { ...clinical, ...kind, hospitalCentreId: centreId, reportedAt, rows: [pinRow(db, 'donors', id)] }
      })
      if (input.identifiers !== undefined) this.#identity.recordIdentifiers(id, 'donor', input.identifiers, who)
      if (input.protectedAttributes !== undefined) this.#identity.recordProtectedAttributes(id, 'donor', input.protectedAttributes, who)
      return id
    })
  }

  #row (donorId: string): DonorRow {
    const id = requireString(donorId, 'donorId', pseudonymPattern('donor'), 'must be a donor pseudonym (D-…)')
    const row = statement(this.#ctx.db, 'SELECT * FROM donors WHERE id = ?').get(id) as DonorRow | undefined
    if (row === undefined) throw new UnknownValueError('donorId', `names no registered donor (${id})`)
    return row
  }

  #organRow (organId: string): OrganRow {
    const id = requireString(organId, 'organId')
    const row = statement(this.#ctx.db, 'SELECT * FROM organs WHERE id = ?').get(id) as OrganRow | undefined
    if (row === undefined) throw new UnknownValueError('organId', `names no registered organ (${id})`)
    return row
  }
}
