import { ACTIVITIES, type Activity, type Authorisation, type Centre } from '../../engine/domain/centre.js'
import { ORGAN_TYPES, type OrganType } from '../../engine/domain/organ.js'
import { requireEnum, requireNumber, requireString } from '../../engine/domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import { pinRow } from '../audit/audit-log.js'
import type { RegistryContext } from './context.js'
import { requireActor, statement, writeTransaction } from './context.js'
import { optional, requireDate, requireInstant } from './values.js'

export interface CentreRegistration {
  readonly id: string
  readonly name: string
  readonly country: string
  readonly region: string
  readonly latitudeDeg: number
  readonly longitudeDeg: number
}

export interface AuthorisationGrant {
  readonly organType: OrganType
  readonly activity: Activity
  /** First and last valid day, YYYY-MM-DD, inclusive; no `validUntil` means open-ended. */
  readonly validFrom: string
  readonly validUntil?: string | undefined
  /** The competent authority's decision number: an authorisation without one is not an authorisation. */
  readonly decisionReference: string
}

/** An authorisation as stored, with its registry id and suspension history. */
export interface AuthorisationRecord extends AuthorisationGrant {
  readonly id: number
  readonly centreId: string
  readonly suspensions: ReadonlyArray<{ id: number, suspendedFrom: string, liftedAt?: string, reason: string }>
}

interface CentreRow {
  id: string
  name: string
  country: string
  region: string
  latitude_deg: number
  longitude_deg: number
}

interface AuthorisationRow {
  id: number
  centre_id: string
  organ_type: OrganType
  activity: Activity
  valid_from: string
  valid_until: string | null
  decision_reference: string
}

interface SuspensionRow {
  id: number
  authorisation_id: number
  suspended_from: string
  lifted_at: string | null
  reason: string
}

const CENTRE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const COUNTRY = /^[A-Z]{2}$/

/** Centres (transplant programmes, donor hospitals) and the authorisations they hold (UN 71/322 para 3(d)). */
export class CentreRepository {
  readonly #ctx: RegistryContext

  constructor (ctx: RegistryContext) {
    this.#ctx = ctx
  }

  register (input: CentreRegistration, actor: string): Centre {
    const who = requireActor(actor)
    const centre = {
      id: requireString(input.id, 'id', CENTRE_ID, 'must be 1-64 letters, digits, . _ or -'),
      name: requireString(input.name, 'name'),
      country: requireString(input.country, 'country', COUNTRY, 'must be an ISO 3166-1 alpha-2 code in capitals, e.g. NL'),
      region: requireString(input.region, 'region'),
      latitudeDeg: requireNumber(input.latitudeDeg, 'latitudeDeg', { min: -90, max: 90, unit: 'degrees' }),
      longitudeDeg: requireNumber(input.longitudeDeg, 'longitudeDeg', { min: -180, max: 180, unit: 'degrees' })
    }
    const { db, audit, now } = this.#ctx
    writeTransaction(db, () => {
      if (this.#row(centre.id) !== undefined) throw new InvalidFieldError('id', `is already registered (${centre.id})`)
      statement(db, `INSERT INTO centres (id, name, country, region, latitude_deg, longitude_deg, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`).run(centre.id, centre.name, centre.country, centre.region, centre.latitudeDeg, centre.longitudeDeg, now())
      // `name` is a key the audit log refuses (it guards against personal names), so the centre's goes in as centreName.
      audit.append({ actor: who, action: 'centre.registered', entityType: 'centre', entityId: centre.id, payload: { centreName: centre.name, country: centre.country, region: centre.region, latitudeDeg: centre.latitudeDeg, longitudeDeg: centre.longitudeDeg, rows: [pinRow(db, 'centres', centre.id)] } })
    })
    return { ...centre, authorisations: [] }
  }

  /** Records an authorisation for an organ and activity; returns its id. */
  grantAuthorisation (centreId: string, input: AuthorisationGrant, actor: string): number {
    const who = requireActor(actor)
    this.#require(centreId)
    const grant = {
      organType: requireEnum(input.organType, 'organType', ORGAN_TYPES),
      activity: requireEnum(input.activity, 'activity', ACTIVITIES),
      validFrom: requireDate(input.validFrom, 'validFrom'),
      validUntil: optional(input.validUntil, 'validUntil', requireDate),
      decisionReference: requireString(input.decisionReference, 'decisionReference')
    }
    if (grant.validUntil !== undefined && grant.validUntil < grant.validFrom) {
      throw new InvalidFieldError('validUntil', `must not be before validFrom (${grant.validFrom})`)
    }
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      const id = Number(statement(db, `INSERT INTO centre_authorisations (centre_id, organ_type, activity, valid_from, valid_until, decision_reference, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`).run(centreId, grant.organType, grant.activity, grant.validFrom, grant.validUntil ?? null, grant.decisionReference, now()).lastInsertRowid)
      audit.append({ actor: who, action: 'centre.authorisation-granted', entityType: 'centre', entityId: centreId, payload: { authorisationId: id, ...grant, rows: [pinRow(db, 'centre_authorisations', id)] } })
      return id
    })
  }

  /** Suspends an authorisation from an instant until lifted; returns the suspension id. */
  suspendAuthorisation (authorisationId: number, input: { from: string, reason: string }, actor: string): number {
    const who = requireActor(actor)
    const authorisation = this.#authorisation(authorisationId)
    const from = requireInstant(input.from, 'from')
    const reason = requireString(input.reason, 'reason')
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      const open = statement(db, 'SELECT id FROM authorisation_suspensions WHERE authorisation_id = ? AND lifted_at IS NULL').get(authorisationId)
      if (open !== undefined) throw new InvalidFieldError('authorisationId', 'is already suspended')
      const id = Number(statement(db, `INSERT INTO authorisation_suspensions (authorisation_id, suspended_from, reason, recorded_at)
        VALUES (?, ?, ?, ?)`).run(authorisationId, from, reason, now()).lastInsertRowid)
      audit.append({ actor: who, action: 'centre.authorisation-suspended', entityType: 'centre', entityId: authorisation.centre_id, payload: { authorisationId, suspensionId: id, from, reason } })
      return id
    })
  }

  liftSuspension (suspensionId: number, input: { at: string }, actor: string): void {
    const who = requireActor(actor)
    const at = requireInstant(input.at, 'at')
    const { db, audit } = this.#ctx
    writeTransaction(db, () => {
      const suspension = statement(db, 'SELECT * FROM authorisation_suspensions WHERE id = ?').get(suspensionId) as SuspensionRow | undefined
      if (suspension === undefined) throw new UnknownValueError('suspensionId', `names no suspension (${suspensionId})`)
      if (suspension.lifted_at !== null) throw new InvalidFieldError('suspensionId', 'is already lifted')
      if (at <= suspension.suspended_from) throw new InvalidFieldError('at', `must be after the suspension began (${suspension.suspended_from})`)
      statement(db, 'UPDATE authorisation_suspensions SET lifted_at = ? WHERE id = ?').run(at, suspensionId)
      const { centre_id: centreId } = this.#authorisation(suspension.authorisation_id)
      audit.append({ actor: who, action: 'centre.authorisation-reinstated', entityType: 'centre', entityId: centreId, payload: { authorisationId: suspension.authorisation_id, suspensionId, at } })
    })
  }

  /** The centre with its authorisations; `suspended` is evaluated at instant `at`. */
  get (id: string, at: string): Centre {
    const row = this.#require(id)
    return this.#toCentre(row, requireInstant(at, 'at'))
  }

  /**
   * Every centre, ordered by id, with authorisations for `organType` only when given; with `knownAt`,
   * only centres, authorisations and suspensions recorded by then (a lift is judged by its own time).
   */
  list (at: string, organType?: OrganType, knownAt?: string): Centre[] {
    const instant = requireInstant(at, 'at')
    const type = organType === undefined ? undefined : requireEnum(organType, 'organType', ORGAN_TYPES)
    const known = optional(knownAt, 'knownAt', requireInstant)
    const rows = statement(this.#ctx.db, 'SELECT * FROM centres WHERE (@knownAt IS NULL OR recorded_at <= @knownAt) ORDER BY id').all({ knownAt: known ?? null }) as CentreRow[]
    return rows.map((row) => this.#toCentre(row, instant, type, known))
  }

  /** Authorisations of a centre with their suspension history. */
  authorisations (centreId: string): AuthorisationRecord[] {
    this.#require(centreId)
    const { db } = this.#ctx
    const rows = statement(db, 'SELECT * FROM centre_authorisations WHERE centre_id = ? ORDER BY id').all(centreId) as AuthorisationRow[]
    const suspensions = statement(db, 'SELECT * FROM authorisation_suspensions WHERE authorisation_id = ? ORDER BY id')
    return rows.map((row) => ({
      id: row.id,
      centreId: row.centre_id,
      organType: row.organ_type,
      activity: row.activity,
      validFrom: row.valid_from,
      ...(row.valid_until === null ? {} : { validUntil: row.valid_until }),
      decisionReference: row.decision_reference,
      suspensions: (suspensions.all(row.id) as SuspensionRow[]).map((s) => ({
        id: s.id, suspendedFrom: s.suspended_from, ...(s.lifted_at === null ? {} : { liftedAt: s.lifted_at }), reason: s.reason
      }))
    }))
  }

  #row (id: string): CentreRow | undefined {
    return statement(this.#ctx.db, 'SELECT * FROM centres WHERE id = ?').get(id) as CentreRow | undefined
  }

  #require (id: string): CentreRow {
    const row = this.#row(requireString(id, 'centreId'))
    if (row === undefined) throw new UnknownValueError('centreId', `names no registered centre (${id})`)
    return row
  }

  #authorisation (id: number): AuthorisationRow {
    const row = statement(this.#ctx.db, 'SELECT * FROM centre_authorisations WHERE id = ?').get(id) as AuthorisationRow | undefined
    if (row === undefined) throw new UnknownValueError('authorisationId', `names no authorisation (${id})`)
    return row
  }

  #toCentre (row: CentreRow, at: string, organType?: OrganType, knownAt?: string): Centre {
    const rows = statement(this.#ctx.db, `
      SELECT a.*, EXISTS (
        SELECT 1 FROM authorisation_suspensions s
        WHERE s.authorisation_id = a.id AND s.suspended_from <= @at AND (s.lifted_at IS NULL OR s.lifted_at > @at)
          AND (@knownAt IS NULL OR s.recorded_at <= @knownAt)
      ) AS suspended
      FROM centre_authorisations a
      WHERE a.centre_id = @centre AND (@organType IS NULL OR a.organ_type = @organType) AND (@knownAt IS NULL OR a.recorded_at <= @knownAt)
      ORDER BY a.organ_type, a.activity, a.valid_from, a.id`).all({ at, centre: row.id, organType: organType ?? null, knownAt: knownAt ?? null }) as Array<AuthorisationRow & { suspended: number }>
    const authorisations: Authorisation[] = rows.map((a) => ({
      organType: a.organ_type,
      activity: a.activity,
      validFrom: a.valid_from,
      ...(a.valid_until === null ? {} : { validUntil: a.valid_until }),
      suspended: a.suspended === 1
    }))
    return {
      id: row.id,
      name: row.name,
      country: row.country,
      region: row.region,
      latitudeDeg: row.latitude_deg,
      longitudeDeg: row.longitude_deg,
      authorisations
    }
  }
}
