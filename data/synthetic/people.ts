import type { AboGroup, AboType } from '../../engine/domain/abo.js'
import { HLA_LOCI, type HlaTyping } from '../../engine/domain/hla.js'
import type { ProtectedAttributes, Sex } from '../import/records.js'
import type { HlaSamplers, PopulationGroup } from './hla-frequencies.js'
import {
  A2_SHARE_OF_A, ABO_FREQUENCIES, ADULT_HEIGHT_CM, CHILD_HEIGHT_RELATIVE_SD, CHILD_MEDIAN_HEIGHT_CM, DONOR_A_SUBTYPED_SHARE,
  childBmiMean, type RaceEthnicity
} from './parameters.js'
import type { CountryProfile } from './profile.js'
import { categorical, type Categorical, type Draw } from './sampling.js'

/** Body facts and typings shared by candidates and donors. */

export function round (value: number, digits: number): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** A writable copy of a record type, for building records field by field. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Height in cm for an age and sex: adult normal, or the child median ± CHILD_HEIGHT_RELATIVE_SD. */
export function drawHeightCm (draw: Draw, ageYears: number, sex: Sex): number {
  const male = sex === 'male'
  if (ageYears >= 18) {
    const h = male ? ADULT_HEIGHT_CM.male : ADULT_HEIGHT_CM.female
    return round(draw.clampedNormal(h.mean, h.sd, h.min, h.max), 1)
  }
  let median = 0
  for (let i = 1; i < CHILD_MEDIAN_HEIGHT_CM.length; i++) {
    const [a0, m0, f0] = CHILD_MEDIAN_HEIGHT_CM[i - 1] as readonly [number, number, number]
    const [a1, m1, f1] = CHILD_MEDIAN_HEIGHT_CM[i] as readonly [number, number, number]
    if (ageYears <= a1) {
      const t = (ageYears - a0) / (a1 - a0)
      median = male ? m0 + t * (m1 - m0) : f0 + t * (f1 - f0)
      break
    }
  }
  return round(draw.clampedNormal(median, median * CHILD_HEIGHT_RELATIVE_SD, median * 0.8, median * 1.2), 1)
}

/** Weight in kg from height and a BMI drawn for adults (given) or children (by age). */
export function drawWeightKg (draw: Draw, ageYears: number, heightCm: number, adultBmi: { mean: number, sd: number, min?: number, max?: number }): number {
  const bmi = ageYears >= 18
    ? draw.clampedNormal(adultBmi.mean, adultBmi.sd, adultBmi.min ?? 16, adultBmi.max ?? 45)
    : draw.clampedNormal(childBmiMean(ageYears), 2, 12, 30)
  const metres = heightCm / 100
  return round(Math.max(1, bmi * metres * metres), 1)
}

export function samplerGroup (race: RaceEthnicity): PopulationGroup | 'mixed' {
  return race === 'other' ? 'mixed' : race
}

/** Two antigens per locus, drawn independently from the group's frequencies; a repeat is homozygous (one antigen). */
export function drawTyping (draw: Draw, samplers: HlaSamplers, race: RaceEthnicity): HlaTyping {
  const loci = samplers[samplerGroup(race)]
  const typing: Record<string, readonly string[]> = {}
  for (const locus of HLA_LOCI) {
    const sampler = loci[locus]
    // Sampler antigens are in canonical order, so index order is antigen order.
    const first = draw.index(sampler.cumulative)
    const second = draw.index(sampler.cumulative)
    const low = sampler.antigens[Math.min(first, second)] as string
    typing[locus] = first === second ? [low] : [low, sampler.antigens[Math.max(first, second)] as string]
  }
  return typing as unknown as HlaTyping
}

const ABO_GROUP_ORDER: readonly AboGroup[] = ['O', 'A', 'B', 'AB']

/** ABO group distribution for a population group, optionally reweighted (waiting-list accumulation). */
export function aboDistribution (race: RaceEthnicity, factors?: Readonly<Record<AboGroup, number>>): Categorical<AboGroup> {
  return categorical(ABO_GROUP_ORDER.map((group) => [group, ABO_FREQUENCIES[race][group] * (factors?.[group] ?? 1)] as const))
}

/** A donor's ABO type: subtypes A1/A2 (A1B/A2B) recorded for a share of A and AB donors. */
export function donorAboType (draw: Draw, group: AboGroup): AboType {
  if ((group === 'A' || group === 'AB') && draw.chance(DONOR_A_SUBTYPED_SHARE)) {
    const a2 = draw.chance(A2_SHARE_OF_A)
    if (group === 'A') return a2 ? 'A2' : 'A1'
    return a2 ? 'A2B' : 'A1B'
  }
  return group
}

/** Nationality and residence: mostly the profile's country, a share of foreign nationals and of non-residents. */
export function drawProtected (draw: Draw, profile: CountryProfile, sex: Sex, race: RaceEthnicity): ProtectedAttributes {
  const foreign = (): string => profile.foreignCountryCodes[draw.int(0, profile.foreignCountryCodes.length - 1)] as string
  const nonResident = draw.chance(profile.nonResidentShare)
  const foreignNational = draw.chance(profile.foreignNationalShare)
  const residence = nonResident ? foreign() : profile.countryCode
  // A non-resident is taken to be a national of the country of residence.
  const nationality = nonResident ? residence : foreignNational ? foreign() : profile.countryCode
  return { sex, raceEthnicity: race, nationality, residence }
}
