import { computeKdpi, type KdpiReferenceTable } from '../../engine/clinical/kdpi.js'
import type { AboGroup } from '../../engine/domain/abo.js'
import type { TriState } from '../../engine/domain/input.js'
import type { DonorRecord, Sex } from '../import/records.js'
import { DAYS_PER_YEAR, MS_PER_DAY, isoDate, isoInstant } from './dates.js'
import type { Geography } from './geography.js'
import type { HlaSamplers } from './hla-frequencies.js'
import { nationalId, personName } from './names.js'
import {
  DONOR_AGE_BANDS, DONOR_BMI, DONOR_CAUSE_OF_DEATH, DONOR_CREATININE, DONOR_DIABETES, DONOR_HYPERTENSION, DONOR_MALE_SHARE,
  RACE_ETHNICITIES, type RaceEthnicity
} from './parameters.js'
import { aboDistribution, donorAboType, drawHeightCm, drawProtected, drawTyping, drawWeightKg, round, type Mutable } from './people.js'
import type { CountryProfile } from './profile.js'
import { categorical, type Categorical, type Draw } from './sampling.js'

const MS_PER_YEAR = DAYS_PER_YEAR * MS_PER_DAY
/** Donor serials start here in the national-id space, so donor and candidate numbers never collide. */
const DONOR_ID_SERIAL_OFFSET = 500_000_000

export interface DonorContext {
  readonly profile: CountryProfile
  readonly geography: Geography
  readonly samplers: HlaSamplers
  /** The refit-2024 KDPI table of the newest reference population. */
  readonly kdpiTable: KdpiReferenceTable
  readonly ageBand: Categorical<number>
  readonly races: Categorical<RaceEthnicity>
  readonly abo: Readonly<Record<RaceEthnicity, Categorical<AboGroup>>>
  /** Per age band: P(hypertension), P(diabetes), P(cerebrovascular death) given a known history. */
  readonly hypertensionByBand: readonly number[]
  readonly diabetesByBand: readonly number[]
  readonly cerebrovascularByBand: readonly number[]
  /** Causes of death other than cerebrovascular, with their relative shares. */
  readonly otherCauses: Categorical<string>
}

/** Per-band probabilities whose band-share-weighted mean is `overall` (relative risks rescaled). */
export function rescaleByBand (overall: number, relativeRisks: readonly number[]): number[] {
  const shares = DONOR_AGE_BANDS.map(([, , share]) => share)
  const totalShare = shares.reduce((a, b) => a + b, 0)
  const meanRisk = shares.reduce((sum, share, i) => sum + share * (relativeRisks[i] as number), 0) / totalShare
  return relativeRisks.map((risk) => Math.min(0.97, overall * risk / meanRisk))
}

export function buildDonorContext (base: Pick<DonorContext, 'profile' | 'geography' | 'samplers' | 'kdpiTable'>): DonorContext {
  const abo = {} as Record<RaceEthnicity, Categorical<AboGroup>>
  for (const race of RACE_ETHNICITIES) abo[race] = aboDistribution(race)
  const cerebrovascularShare = DONOR_CAUSE_OF_DEATH.shares.find(([cause]) => cause === 'cerebrovascular')?.[1] ?? 0
  return {
    ...base,
    ageBand: categorical(DONOR_AGE_BANDS.map(([, , share], i) => [i, share] as const)),
    races: categorical(RACE_ETHNICITIES.map((race) => [race, base.profile.donorPopulation[race]] as const)),
    abo,
    hypertensionByBand: rescaleByBand(DONOR_HYPERTENSION.prevalence, DONOR_HYPERTENSION.relativeRiskByBand),
    diabetesByBand: rescaleByBand(DONOR_DIABETES.prevalence, DONOR_DIABETES.relativeRiskByBand),
    cerebrovascularByBand: rescaleByBand(cerebrovascularShare, DONOR_CAUSE_OF_DEATH.cerebrovascularRelativeRiskByBand),
    otherCauses: categorical(DONOR_CAUSE_OF_DEATH.shares.filter(([cause]) => cause !== 'cerebrovascular'))
  }
}

function history (draw: Draw, probability: number, unknownShare: number): TriState {
  if (draw.chance(unknownShare)) return 'unknown'
  return draw.chance(probability)
}

/**
 * One deceased donor reported at `reportedMs`. The hospital is drawn first and from one uniform
 * deviate, so a different centre list changes where donors are but none of their clinical draws.
 * KDRI (refit 2024, KDRI_RAO) and KDPI come from the engine's own functions and table.
 */
export function generateDonor (ctx: DonorContext, draw: Draw, identity: Draw, serial: number, reportedMs: number): DonorRecord {
  const hospital = draw.pick(ctx.geography.donorHospitals)
  const band = draw.pick(ctx.ageBand)
  const [minAge, maxAge] = DONOR_AGE_BANDS[band] as readonly [number, number, number]
  const ageYears = Math.floor(draw.uniform(minAge, maxAge))
  const sex: Sex = draw.chance(DONOR_MALE_SHARE) ? 'male' : 'female'
  const race = draw.pick(ctx.races)
  const heightCm = drawHeightCm(draw, ageYears + 0.5, sex)
  const weightKg = drawWeightKg(draw, ageYears + 0.5, heightCm, DONOR_BMI)
  const median = ageYears < 12 ? DONOR_CREATININE.childMedian : DONOR_CREATININE.adultMedian
  let creatinine = draw.logNormal(median, DONOR_CREATININE.sdLog)
  if (draw.chance(DONOR_CREATININE.akiShare)) creatinine *= draw.uniform(DONOR_CREATININE.akiFactor[0], DONOR_CREATININE.akiFactor[1])
  const creatinineMgDl = round(Math.min(DONOR_CREATININE.max, Math.max(DONOR_CREATININE.min, creatinine)), 2)
  const hypertension = history(draw, ctx.hypertensionByBand[band] as number, DONOR_HYPERTENSION.unknownShare)
  const diabetes = history(draw, ctx.diabetesByBand[band] as number, DONOR_DIABETES.unknownShare)
  const causeOfDeathCva = draw.chance(ctx.cerebrovascularByBand[band] as number)
  const causeOfDeath = causeOfDeathCva ? 'cerebrovascular' : draw.pick(ctx.otherCauses)
  const pathway = draw.chance(ctx.profile.dcdShare) ? 'DCD' : 'DBD'
  const abo = donorAboType(draw, draw.pick(ctx.abo[race]))
  const hla = drawTyping(draw, ctx.samplers, race)
  const protectedAttributes = drawProtected(draw, ctx.profile, sex, race)

  const kdpi = computeKdpi({
    ageYears, heightCm, weightKg, hypertension, diabetes, causeOfDeathCva, creatinineMgDl, dcd: pathway === 'DCD'
  }, ctx.kdpiTable)

  const { givenName, familyName } = personName(identity)
  const birthMs = reportedMs - (ageYears + draw.float()) * MS_PER_YEAR
  const record: Mutable<DonorRecord> = {
    id: `DON${String(serial).padStart(7, '0')}`,
    kind: 'deceased',
    pathway,
    hospitalCentreId: hospital.centre.id,
    reportedAt: isoInstant(reportedMs),
    ageYears,
    heightCm,
    weightKg,
    abo,
    hla,
    creatinineMgDl,
    hypertension,
    diabetes,
    causeOfDeathCva,
    causeOfDeath,
    kdri: round(kdpi.kdriRao, 6),
    kdpi: kdpi.kdpi,
    protectedAttributes,
    identifiers: {
      name: `${givenName} ${familyName}`,
      nationalId: nationalId(ctx.profile.countryCode, DONOR_ID_SERIAL_OFFSET + serial, 17),
      birthDate: isoDate(birthMs)
    }
  }
  return record
}
