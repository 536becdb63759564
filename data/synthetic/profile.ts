import { UnknownValueError } from '../../engine/errors.js'
import type { OrganType } from '../../engine/domain/organ.js'
import type { RaceEthnicity } from './parameters.js'

/**
 * A country profile: the geography, scale ratios and population mix of a synthetic country. The
 * clinical distributions (ages, diagnoses, labs) are shared by every profile (parameters.ts); a profile
 * says how big the country is, how its lists split by organ and who lives there.
 */
export interface CountryProfile {
  readonly id: string
  /** ISO 3166-1 user-assigned code (X*), so no real country is named. */
  readonly countryCode: string
  readonly countryName: string
  /** Latitude/longitude box the country occupies. */
  readonly bounds: { readonly latMin: number, readonly latMax: number, readonly lonMin: number, readonly lonMax: number }
  /** Allocation regions (Voronoi cells around the largest cities). */
  readonly regions: number
  /** Cities per region; centres and donor hospitals sit in cities. */
  readonly citiesPerRegion: number
  /** Listed candidates per transplant centre, which sets the centre count; clamped to the range below. */
  readonly candidatesPerTransplantCentre: number
  readonly transplantCentres: { readonly min: number, readonly max: number }
  readonly donorHospitalsPerTransplantCentre: number
  /** Share of the waiting list per organ. */
  readonly organShares: Readonly<Record<OrganType, number>>
  /** Race/ethnicity mix of candidates and of donors. */
  readonly candidatePopulation: Readonly<Record<RaceEthnicity, number>>
  readonly donorPopulation: Readonly<Record<RaceEthnicity, number>>
  /** Share of deceased donors who donate after circulatory death. */
  readonly dcdShare: number
  /** Deceased donors per year per candidate on the list (sets the default donorsPerYear). */
  readonly donorsPerYearPerListedCandidate: number
  /** Candidates who are not nationals of the country, and those who are not resident in it. */
  readonly foreignNationalShare: number
  readonly nonResidentShare: number
  /** User-assigned codes standing for other countries (nationality/residence of foreigners). */
  readonly foreignCountryCodes: readonly string[]
}

/**
 * A national list at US scale. Organ shares: approximate OPTN national waiting-list counts in 2024
 * (about 90,000 kidney, 9,500 liver, 3,400 heart, 1,000 lung, 900 pancreas, 200 intestine candidates;
 * kidney-pancreas candidates are counted under pancreas). Candidate mix: approximate race/ethnicity of
 * the US kidney waiting list (SRTR ADR). Donor mix: approximate US deceased donors. DCD share: about a
 * third of US deceased donors in 2022–2023 (approximate, SRTR ADR). Donors per listed candidate: 16,335
 * deceased donors in 2023 (OPTN/SRTR 2023 ADR: Deceased Organ Donation) over about 105,000 listed.
 * Centres: about 250 kidney programmes for about 90,000 kidney candidates (approximate). Geography:
 * a box the size of the contiguous United States; coordinates do not represent real hospitals.
 */
export const NATIONAL_PROFILE: CountryProfile = {
  id: 'national',
  countryCode: 'XS',
  countryName: 'Synthetic Federation',
  bounds: { latMin: 30, latMax: 48, lonMin: -122, lonMax: -72 },
  regions: 11,
  citiesPerRegion: 6,
  candidatesPerTransplantCentre: 400,
  transplantCentres: { min: 8, max: 260 },
  donorHospitalsPerTransplantCentre: 2,
  organShares: { kidney: 0.857, liver: 0.09, heart: 0.032, lung: 0.01, pancreas: 0.009, intestine: 0.002 },
  candidatePopulation: { white: 0.36, black: 0.29, hispanic: 0.22, asian: 0.09, other: 0.04 },
  donorPopulation: { white: 0.62, black: 0.16, hispanic: 0.16, asian: 0.03, other: 0.03 },
  dcdShare: 0.35,
  donorsPerYearPerListedCandidate: 0.155,
  foreignNationalShare: 0.03,
  nonResidentShare: 0.005,
  foreignCountryCodes: ['XA', 'XB', 'XC', 'XD', 'XE']
}

/**
 * A country the size of a large European state, with Eurotransplant-like ratios: about 13,500
 * candidates and 76 programmes (allocation-systems.md §4.2), kidney above 10,000 of them, about 1,600
 * kidney donors a year for that list, and a small DCD share (only some ET countries recover DCD
 * donors; approximate). Population mix: assumption (mostly white).
 */
export const COMPACT_PROFILE: CountryProfile = {
  id: 'compact',
  countryCode: 'XT',
  countryName: 'Synthetic Republic',
  bounds: { latMin: 46, latMax: 54.5, lonMin: 4, lonMax: 17 },
  regions: 7,
  citiesPerRegion: 5,
  candidatesPerTransplantCentre: 180,
  transplantCentres: { min: 6, max: 120 },
  donorHospitalsPerTransplantCentre: 3,
  organShares: { kidney: 0.76, liver: 0.11, heart: 0.08, lung: 0.045, pancreas: 0.0045, intestine: 0.0005 },
  candidatePopulation: { white: 0.86, black: 0.04, hispanic: 0.01, asian: 0.04, other: 0.05 },
  donorPopulation: { white: 0.92, black: 0.02, hispanic: 0.01, asian: 0.02, other: 0.03 },
  dcdShare: 0.12,
  donorsPerYearPerListedCandidate: 0.13,
  foreignNationalShare: 0.08,
  nonResidentShare: 0.01,
  foreignCountryCodes: ['XA', 'XB', 'XC', 'XD', 'XE']
}

export const COUNTRY_PROFILES: Readonly<Record<string, CountryProfile>> = {
  national: NATIONAL_PROFILE,
  compact: COMPACT_PROFILE
}

export function countryProfile (id: string): CountryProfile {
  const profile = COUNTRY_PROFILES[id]
  if (profile === undefined) {
    throw new UnknownValueError('profile', `must be one of ${Object.keys(COUNTRY_PROFILES).map((k) => JSON.stringify(k)).join(', ')}`)
  }
  return profile
}
