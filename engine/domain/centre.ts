import type { OrganType } from './organ.js'

/** What a centre is authorised to do with an organ type (UN GA res. 71/322 para 3(d)). */
export const ACTIVITIES = ['transplant', 'recovery', 'living-donation'] as const
export type Activity = typeof ACTIVITIES[number]

/** A permission over a validity interval. Dates are ISO 8601 calendar dates (UTC), `validUntil` inclusive. */
export interface Authorisation {
  readonly organType: OrganType
  readonly activity: Activity
  readonly validFrom: string
  /** Inclusive last day; undefined means open-ended. */
  readonly validUntil?: string | undefined
  /** A suspended authorisation grants nothing, whatever its interval. */
  readonly suspended: boolean
}

/** A transplant centre or donor hospital, with the geography allocation rules use. */
export interface Centre {
  readonly id: string
  readonly name: string
  /** ISO 3166-1 alpha-2 country code. */
  readonly country: string
  /** Allocation region inside the country (ET region, UK zone, US donation service area). */
  readonly region: string
  readonly latitudeDeg: number
  readonly longitudeDeg: number
  readonly authorisations: readonly Authorisation[]
}

/** True when the centre holds an unsuspended authorisation for the organ and activity on `date` (YYYY-MM-DD). */
export function isAuthorised (centre: Centre, organType: OrganType, activity: Activity, date: string): boolean {
  const day = date.slice(0, 10)
  return centre.authorisations.some((a) =>
    !a.suspended && a.organType === organType && a.activity === activity &&
    a.validFrom <= day && (a.validUntil === undefined || day <= a.validUntil))
}
