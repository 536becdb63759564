import { requireEnum, requireString } from '../../engine/domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import { decryptIdentifier, encryptIdentifier, identifierAad } from '../security/identifier-cipher.js'
import { personPseudonym } from '../security/pseudonym.js'
import type { RegistryContext } from './context.js'
import { requireActor, statement, writeTransaction } from './context.js'
import { optional, requireDate } from './values.js'

export type SubjectKind = 'candidate' | 'donor'
const SUBJECT_KINDS: readonly SubjectKind[] = ['candidate', 'donor']

/** Direct identifiers (GDPR Art 4(5) "additional information"): kept encrypted, apart, and out of every log. */
export interface DirectIdentifiers {
  readonly name?: string | undefined
  readonly nationalId?: string | undefined
  /** YYYY-MM-DD. */
  readonly birthDate?: string | undefined
}

export interface RevealedIdentifiers extends DirectIdentifiers {
  /** Links the registrations of one person (from the national id), when a national id is known. */
  readonly personPseudonym?: string | undefined
}

export const SEXES = ['female', 'male', 'other', 'unknown'] as const
export type Sex = typeof SEXES[number]

/**
 * Protected attributes: used only for equity monitoring, oversight (e.g. non-resident rules) and
 * registry reporting. The snapshot the engine scores has no column for any of them.
 */
export interface ProtectedAttributes {
  readonly sex?: Sex | undefined
  readonly raceEthnicity?: string | undefined
  /** ISO 3166-1 alpha-2. */
  readonly nationality?: string | undefined
  /** Country of residence, ISO 3166-1 alpha-2. */
  readonly residence?: string | undefined
}

interface IdentifierRow {
  subject_id: string
  subject_kind: SubjectKind
  person_pseudonym: string | null
  name_enc: Buffer | null
  national_id_enc: Buffer | null
  birth_date_enc: Buffer | null
}

interface ProtectedRow {
  subject_id: string
  subject_kind: SubjectKind
  sex: Sex | null
  race_ethnicity: string | null
  nationality: string | null
  residence: string | null
}

const COUNTRY = /^[A-Z]{2}$/
const IDENTIFIER_FIELDS = [
  ['name', 'name_enc'],
  ['nationalId', 'national_id_enc'],
  ['birthDate', 'birth_date_enc']
] as const

/**
 * Direct identifiers and protected attributes, each in its own table. Audit entries say which fields
 * were recorded, never their values; every reveal of identifiers is itself audited.
 */
export class IdentityRepository {
  readonly #ctx: RegistryContext

  constructor (ctx: RegistryContext) {
    this.#ctx = ctx
  }

  /** Records (or replaces) a subject's direct identifiers, each field encrypted under its own IV. */
  recordIdentifiers (subjectId: string, subjectKind: SubjectKind, input: DirectIdentifiers, actor: string): void {
    const who = requireActor(actor)
    const kind = requireEnum(subjectKind, 'subjectKind', SUBJECT_KINDS)
    this.#requireSubject(subjectId, kind)
    const values = {
      name: optional(input.name, 'name', (v, f) => requireString(v, f)),
      nationalId: optional(input.nationalId, 'nationalId', (v, f) => requireString(v, f)),
      birthDate: optional(input.birthDate, 'birthDate', requireDate)
    }
    const { db, audit, keys, now } = this.#ctx
    const encrypt = (field: string, value: string | undefined): Buffer | null =>
      value === undefined ? null : encryptIdentifier(keys.encryptionKey, value, identifierAad(subjectId, field))
    const person = values.nationalId === undefined ? null : personPseudonym(keys.pseudonymKey, values.nationalId)
    writeTransaction(db, () => {
      statement(db, `INSERT INTO direct_identifiers (subject_id, subject_kind, person_pseudonym, name_enc, national_id_enc, birth_date_enc, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (subject_id) DO UPDATE SET person_pseudonym = excluded.person_pseudonym, name_enc = excluded.name_enc,
          national_id_enc = excluded.national_id_enc, birth_date_enc = excluded.birth_date_enc, recorded_at = excluded.recorded_at`)
        .run(subjectId, kind, person, encrypt('name', values.name), encrypt('nationalId', values.nationalId), encrypt('birthDate', values.birthDate), now())
      audit.append({
        actor: who,
        action: 'identifiers.recorded',
        entityType: kind,
        entityId: subjectId,
        payload: { fieldsRecorded: IDENTIFIER_FIELDS.map(([field]) => field).filter((field) => values[field] !== undefined), linked: person !== null }
      })
    })
  }

  /**
   * Decrypts a subject's direct identifiers. Only the registry authority should reach this; the reveal,
   * who asked and why, goes into the audit log (the values do not).
   */
  reveal (subjectId: string, input: { reason: string }, actor: string): RevealedIdentifiers {
    const who = requireActor(actor)
    const reason = requireString(input.reason, 'reason')
    const { db, audit, keys } = this.#ctx
    const row = statement(db, 'SELECT * FROM direct_identifiers WHERE subject_id = ?').get(requireString(subjectId, 'subjectId')) as IdentifierRow | undefined
    if (row === undefined) throw new UnknownValueError('subjectId', `has no direct identifiers recorded (${subjectId})`)
    const revealed: Record<string, string> = {}
    for (const [field, column] of IDENTIFIER_FIELDS) {
      const stored = row[column]
      if (stored !== null) revealed[field] = decryptIdentifier(keys.encryptionKey, stored, identifierAad(subjectId, field), field)
    }
    if (row.person_pseudonym !== null) revealed.personPseudonym = row.person_pseudonym
    writeTransaction(db, () => {
      audit.append({ actor: who, action: 'identifiers.revealed', entityType: row.subject_kind, entityId: subjectId, payload: { reason, fieldsRevealed: Object.keys(revealed) } })
    })
    return revealed
  }

  /** Pseudonyms of every registration and donation of the person with this national id (registrations at several centres, repeat living donation). */
  subjectsOfPerson (nationalId: string): string[] {
    const person = personPseudonym(this.#ctx.keys.pseudonymKey, requireString(nationalId, 'nationalId'))
    return statement(this.#ctx.db, 'SELECT subject_id FROM direct_identifiers WHERE person_pseudonym = ? ORDER BY subject_id').pluck().all(person) as string[]
  }

  recordProtectedAttributes (subjectId: string, subjectKind: SubjectKind, input: ProtectedAttributes, actor: string): void {
    const who = requireActor(actor)
    const kind = requireEnum(subjectKind, 'subjectKind', SUBJECT_KINDS)
    this.#requireSubject(subjectId, kind)
    const country = (value: unknown, field: string): string => requireString(value, field, COUNTRY, 'must be an ISO 3166-1 alpha-2 code in capitals')
    const values = {
      sex: optional(input.sex, 'sex', (v, f) => requireEnum(v, f, SEXES)),
      raceEthnicity: optional(input.raceEthnicity, 'raceEthnicity', (v, f) => requireString(v, f)),
      nationality: optional(input.nationality, 'nationality', country),
      residence: optional(input.residence, 'residence', country)
    }
    const { db, audit, now } = this.#ctx
    writeTransaction(db, () => {
      statement(db, `INSERT INTO protected_attributes (subject_id, subject_kind, sex, race_ethnicity, nationality, residence, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (subject_id) DO UPDATE SET sex = excluded.sex, race_ethnicity = excluded.race_ethnicity,
          nationality = excluded.nationality, residence = excluded.residence, recorded_at = excluded.recorded_at`)
        .run(subjectId, kind, values.sex ?? null, values.raceEthnicity ?? null, values.nationality ?? null, values.residence ?? null, now())
      audit.append({
        actor: who,
        action: 'protected-attributes.recorded',
        entityType: kind,
        entityId: subjectId,
        payload: { fieldsRecorded: Object.entries(values).filter(([, value]) => value !== undefined).map(([field]) => field) }
      })
    })
  }

  /**
   * Protected attributes of every subject of a kind, by pseudonym: the input of equity monitoring and
   * registry reporting, joined to outcomes there, never to a snapshot.
   */
  protectedAttributesForEquity (subjectKind: SubjectKind): Array<{ subjectId: string } & ProtectedAttributes> {
    const kind = requireEnum(subjectKind, 'subjectKind', SUBJECT_KINDS)
    const rows = statement(this.#ctx.db, 'SELECT * FROM protected_attributes WHERE subject_kind = ? ORDER BY subject_id').all(kind) as ProtectedRow[]
    return rows.map((row) => ({
      subjectId: row.subject_id,
      ...(row.sex === null ? {} : { sex: row.sex }),
      ...(row.race_ethnicity === null ? {} : { raceEthnicity: row.race_ethnicity }),
      ...(row.nationality === null ? {} : { nationality: row.nationality }),
      ...(row.residence === null ? {} : { residence: row.residence })
    }))
  }

  #requireSubject (subjectId: string, kind: SubjectKind): void {
    const table = kind === 'candidate' ? 'candidates' : 'donors'
    const found = statement(this.#ctx.db, `SELECT 1 FROM ${table} WHERE id = ?`).get(requireString(subjectId, 'subjectId'))
    if (found === undefined) throw new UnknownValueError('subjectId', `names no registered ${kind} (${subjectId})`)
  }
}
