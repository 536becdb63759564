import type { Activity } from '../../engine/domain/centre.js'
import { ORGAN_TYPES, type OrganType } from '../../engine/domain/organ.js'
import type { AuthorisationEntry, CentreRecord } from '../import/records.js'
import type { CountryProfile } from './profile.js'
import { addDays, addYears, firstOfMonth } from './dates.js'
import { placeName } from './names.js'
import { Draw, categorical, type Categorical } from './sampling.js'

/**
 * Centres of a synthetic country. Cities are scattered over the profile's box with heavy-tailed
 * sizes; the largest city of each of `regions` clusters is a region capital and every city belongs
 * to the region of its nearest capital (a Voronoi partition). Transplant centres sit in cities drawn
 * by size, donor hospitals likewise but spread more evenly.
 */

export interface City {
  readonly name: string
  readonly latitudeDeg: number
  readonly longitudeDeg: number
  /** Relative population. */
  readonly size: number
  readonly region: string
}

/** A centre plus the generator's facts about it: relative size and whether it transplants. */
export interface SyntheticCentre {
  readonly centre: CentreRecord
  readonly kind: 'transplant-centre' | 'donor-hospital'
  /** Relative volume: candidates are listed, and donors reported, in proportion to it. */
  readonly weight: number
}

export interface Geography {
  readonly cities: readonly City[]
  readonly regions: readonly string[]
  readonly centres: readonly SyntheticCentre[]
  /** Per organ: the transplant centres authorised for it, with sampling weights. */
  readonly listingCentres: Readonly<Record<OrganType, Categorical<SyntheticCentre>>>
  /** Per organ: the same without suspended programmes, where new registrations are refused. */
  readonly openListingCentres: Readonly<Record<OrganType, Categorical<SyntheticCentre>>>
  /** Where donors are reported: every centre, weighted by size. */
  readonly donorHospitals: Categorical<SyntheticCentre>
}

/**
 * Probability that a transplant centre holds a transplant authorisation per organ. Pancreas only at
 * kidney centres, intestine only at liver centres. Assumption (US: about 250 kidney, 140 liver, 150
 * heart, 70 lung programmes; approximate).
 */
const PROGRAMME_SHARE: Readonly<Record<OrganType, number>> = {
  kidney: 0.95, liver: 0.55, heart: 0.5, lung: 0.3, pancreas: 0.45, intestine: 0.12
}
/** Living-donation authorisations among kidney / liver programmes. Assumption. */
const LIVING_DONATION_SHARE: Partial<Record<OrganType, number>> = { kidney: 0.7, liver: 0.25 }
/** Share of authorisations with a fixed term (the rest are open-ended), and of suspended ones. Assumption. */
const FIXED_TERM_SHARE = 0.25
const SUSPENDED_SHARE = 0.015

const EARTH_RADIUS_KM = 6371.0088

export function greatCircleKm (latA: number, lonA: number, latB: number, lonB: number): number {
  const toRad = Math.PI / 180
  const dLat = (latB - latA) * toRad
  const dLon = (lonB - lonA) * toRad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(latA * toRad) * Math.cos(latB * toRad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)))
}

function round (value: number, digits: number): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

function clampLatitude (value: number): number {
  return Math.max(-89.999, Math.min(89.999, value))
}

function buildCities (draw: Draw, profile: CountryProfile): City[] {
  const { latMin, latMax, lonMin, lonMax } = profile.bounds
  const count = profile.regions * profile.citiesPerRegion
  const raw = Array.from({ length: count }, (_, i) => ({
    name: placeName(draw, i),
    latitudeDeg: round(draw.uniform(latMin, latMax), 4),
    longitudeDeg: round(draw.uniform(lonMin, lonMax), 4),
    size: draw.logNormal(1, 1.1)
  }))
  // Capitals: the largest city, then repeatedly the largest city far enough from chosen capitals.
  const bySize = raw.map((city, index) => ({ city, index })).sort((a, b) => b.city.size - a.city.size || a.index - b.index)
  const spanKm = greatCircleKm(latMin, lonMin, latMax, lonMax)
  const minSpacingKm = spanKm / (2.5 * Math.sqrt(profile.regions))
  const capitals: number[] = []
  for (const { city, index } of bySize) {
    if (capitals.length === profile.regions) break
    if (capitals.every((c) => greatCircleKm(city.latitudeDeg, city.longitudeDeg, (raw[c] as City).latitudeDeg, (raw[c] as City).longitudeDeg) >= minSpacingKm)) capitals.push(index)
  }
  for (const { index } of bySize) {
    if (capitals.length === profile.regions) break
    if (!capitals.includes(index)) capitals.push(index)
  }
  const width = String(profile.regions).length
  return raw.map((city) => {
    let nearest = 0
    let best = Infinity
    capitals.forEach((c, r) => {
      const capital = raw[c] as { latitudeDeg: number, longitudeDeg: number }
      const km = greatCircleKm(city.latitudeDeg, city.longitudeDeg, capital.latitudeDeg, capital.longitudeDeg)
      if (km < best) {
        best = km
        nearest = r
      }
    })
    return { ...city, region: `R${String(nearest + 1).padStart(width, '0')}` }
  })
}

/**
 * Validity windows. Transplant authorisations start more than WAITING_YEARS_MAX before the start date,
 * so that every listed candidate registered at an authorised programme; fixed terms end after the
 * arrival period, so that arrivals and donor reports fall inside them. A suspended authorisation is
 * suspended from the start date: registrations before it stand, new ones are refused.
 */
interface ValidityWindow {
  readonly startDate: string
  /** Last day of the arrival period. */
  readonly lastDay: string
}

function authorisation (draw: Draw, organType: OrganType, activity: Activity, window: ValidityWindow, canSuspend: boolean, serial: { value: number }): AuthorisationEntry {
  const yearsBefore = activity === 'transplant' ? draw.uniform(21, 40) : draw.uniform(2, 30)
  const validFrom = firstOfMonth(addDays(window.startDate, -Math.round(yearsBefore * 365.25)))
  const fixedTerm = draw.chance(FIXED_TERM_SHARE)
  const suspended = canSuspend && draw.chance(SUSPENDED_SHARE)
  const entry: { -readonly [K in keyof AuthorisationEntry]: AuthorisationEntry[K] } = {
    organType,
    activity,
    validFrom,
    decisionReference: `AUTH-${validFrom.slice(0, 4)}-${String(++serial.value).padStart(5, '0')}`
  }
  if (fixedTerm) entry.validUntil = addDays(addYears(window.lastDay, draw.int(1, 6)), -1)
  if (suspended) entry.suspendedFrom = `${window.startDate}T00:00:00.000Z`
  return entry
}

/** Number of transplant centres for a list of this size. */
export function transplantCentreCount (profile: CountryProfile, candidates: number): number {
  const wanted = Math.round(candidates / profile.candidatesPerTransplantCentre)
  return Math.max(profile.transplantCentres.min, Math.min(profile.transplantCentres.max, wanted))
}

/**
 * Builds cities, regions and centres. The first transplant centre (in the largest city) holds every
 * transplant authorisation, so each organ has at least one listing centre whatever the draw.
 */
export function buildGeography (draw: Draw, profile: CountryProfile, candidates: number, window: ValidityWindow): Geography {
  const decisions = { value: 0 }
  const cities = buildCities(draw, profile)
  const cityBySize = categorical(cities.map((city) => [city, city.size] as const))
  const cityEvenly = categorical(cities.map((city) => [city, Math.sqrt(city.size)] as const))
  const largest = cities.reduce((a, b) => (b.size > a.size ? b : a))
  const transplantCount = transplantCentreCount(profile, candidates)
  const hospitalCount = Math.round(transplantCount * profile.donorHospitalsPerTransplantCentre)
  const tcWidth = Math.max(3, String(transplantCount).length)
  const dhWidth = Math.max(3, String(hospitalCount).length)
  const centres: SyntheticCentre[] = []

  for (let i = 0; i < transplantCount; i++) {
    const city = i === 0 ? largest : draw.pick(cityBySize)
    const authorisations: AuthorisationEntry[] = []
    const held = new Set<OrganType>()
    for (const organType of ORGAN_TYPES) {
      const prerequisite = organType === 'pancreas' ? held.has('kidney') : organType === 'intestine' ? held.has('liver') : true
      const holds = i === 0 || (prerequisite && draw.chance(PROGRAMME_SHARE[organType]))
      if (!holds) continue
      held.add(organType)
      authorisations.push(authorisation(draw, organType, 'transplant', window, i !== 0, decisions))
      const living = LIVING_DONATION_SHARE[organType]
      if (living !== undefined && draw.chance(living)) authorisations.push(authorisation(draw, organType, 'living-donation', window, i !== 0, decisions))
    }
    for (const organType of ORGAN_TYPES) authorisations.push(authorisation(draw, organType, 'recovery', window, false, decisions))
    centres.push({
      kind: 'transplant-centre',
      weight: draw.logNormal(1, 0.6),
      centre: {
        id: `TXC${String(i + 1).padStart(tcWidth, '0')}`,
        name: `${city.name} University Transplant Centre${i === 0 ? '' : ` ${i + 1}`}`,
        country: profile.countryCode,
        region: city.region,
        latitudeDeg: round(clampLatitude(city.latitudeDeg + draw.normal(0, 0.05)), 4),
        longitudeDeg: round(city.longitudeDeg + draw.normal(0, 0.05), 4),
        authorisations
      }
    })
  }
  for (let i = 0; i < hospitalCount; i++) {
    const city = draw.pick(cityEvenly)
    centres.push({
      kind: 'donor-hospital',
      weight: draw.logNormal(0.6, 0.6),
      centre: {
        id: `DHO${String(i + 1).padStart(dhWidth, '0')}`,
        name: `${city.name} General Hospital ${i + 1}`,
        country: profile.countryCode,
        region: city.region,
        latitudeDeg: round(clampLatitude(city.latitudeDeg + draw.normal(0, 0.25)), 4),
        longitudeDeg: round(city.longitudeDeg + draw.normal(0, 0.25), 4),
        authorisations: ORGAN_TYPES.map((organType) => authorisation(draw, organType, 'recovery', window, false, decisions))
      }
    })
  }

  const listingCentres = {} as Record<OrganType, Categorical<SyntheticCentre>>
  const openListingCentres = {} as Record<OrganType, Categorical<SyntheticCentre>>
  for (const organType of ORGAN_TYPES) {
    const programme = (c: SyntheticCentre): AuthorisationEntry | undefined =>
      c.centre.authorisations.find((a) => a.organType === organType && a.activity === 'transplant')
    listingCentres[organType] = categorical(centres.filter((c) => programme(c) !== undefined).map((c) => [c, c.weight] as const))
    // The first centre's authorisations are never suspended, so this list is never empty.
    openListingCentres[organType] = categorical(centres.filter((c) => programme(c) !== undefined && programme(c)?.suspendedFrom === undefined).map((c) => [c, c.weight] as const))
  }
  const regions = [...new Set(cities.map((c) => c.region))].sort()
  return { cities, regions, centres, listingCentres, openListingCentres, donorHospitals: categorical(centres.map((c) => [c, c.weight] as const)) }
}
