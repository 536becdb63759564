import type { IndicatorRule } from '../../engine/oversight/rule-schema.js'
import type { RegistryDatabase } from '../db/connection.js'
import type { Role } from '../db/user-repository.js'
import type { Registry } from '../registry.js'

/**
 * What a deployment's law says about a recovery or transplant outside a centre's authorisation
 * scope (UN GA res. 71/322 para 3(d)): `refuse` it (the default), or `record-with-flag`: keep the
 * record, raise a blocking A1 flag that two reviewers other than the recorder must close.
 */
export type AuthorisationBreachPolicy = 'refuse' | 'record-with-flag'

/** Everything the oversight services share. */
export interface OversightContext {
  readonly registry: Registry
  readonly db: RegistryDatabase
  /** ISO 8601 UTC clock for recorded_at columns; tests pass a fixed one. */
  readonly now: () => string
  readonly authorisationBreach: AuthorisationBreachPolicy
  readonly rules: readonly IndicatorRule[]
  readonly ruleSetHash: string
}

/** Who is asking: a user id and the roles the API authenticated. */
export interface Viewer {
  readonly id: string
  readonly roles: readonly Role[]
}

/** The role that may see records of suspected victims (UN 71/322 para 9). */
export const PROTECTION_ROLE: Role = 'protection-officer'
/** Roles whose holders may review and close oversight flags. */
export const REVIEWER_ROLES: readonly Role[] = ['auditor', 'registry-authority', 'protection-officer']
/** The actor the indicator engine raises flags as (not a person, so any two people can review). */
export const INDICATOR_ACTOR = 'system'

export function hasProtectionRole (viewer: Viewer): boolean {
  return viewer.roles.includes(PROTECTION_ROLE)
}
