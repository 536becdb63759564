import { computeEpts, type EptsReferenceTable } from '../../engine/clinical/epts.js'
import { meld3 } from '../../engine/clinical/meld3.js'
import { peld } from '../../engine/clinical/peld.js'
import type { AboGroup } from '../../engine/domain/abo.js'
import type { AcceptanceCriteria } from '../../engine/domain/candidate.js'
import { ORGAN_TYPES, type OrganType } from '../../engine/domain/organ.js'
import type { CandidateRecord, LiverLabs, Sex } from '../import/records.js'
import { DAYS_PER_YEAR, MS_PER_DAY, isoDate, isoInstant } from './dates.js'
import type { Geography } from './geography.js'
import type { HlaSamplers } from './hla-frequencies.js'
import type { MismatchProbabilityCache } from './mismatch-probability-cache.js'
import { nationalId, personName } from './names.js'
import {
  ACCEPTANCE, ACTIVE_SHARE, ADULT_DIAGNOSES, B_CANDIDATE_A2_ELIGIBLE_SHARE, CANDIDATE_AGE_BANDS, CANDIDATE_BMI, CANDIDATE_MALE_SHARE,
  CHILD_DIAGNOSES, DIABETES_SHARE, DIABETIC_DIAGNOSES, DIALYSIS_BEFORE_LISTING_YEARS_MAX, DIALYSIS_BEFORE_LISTING_YEARS_MEAN,
  KIDNEY_PREEMPTIVE_SHARE, KIDNEY_PREEMPTIVE_STARTED_DIALYSIS_SHARE, LIVER_LABS, MASH_DIABETES_SHARE, PRIOR_LIVING_DONOR_SHARE,
  PRIOR_TRANSPLANT_SHARE, RACE_ETHNICITIES, SENSITISATION_MULTIPLIER, SENSITISED_SHARE, URGENCY, VPRA_BANDS, WAITING_YEARS_MAX,
  WAITING_YEARS_MEAN, WAITLIST_ABO_ACCUMULATION, type RaceEthnicity
} from './parameters.js'
import { aboDistribution, drawHeightCm, drawProtected, drawTyping, drawWeightKg, round, type Mutable } from './people.js'
import type { CountryProfile } from './profile.js'
import { ageBands, categorical, drawAge, type Categorical, type Draw } from './sampling.js'
import { SENSITISED_BANDS, drawUnacceptableAntigens, type SensitisationModel } from './sensitisation.js'

const MS_PER_YEAR = DAYS_PER_YEAR * MS_PER_DAY

/** Everything candidate generation reads; built once per registry. */
export interface CandidateContext {
  readonly profile: CountryProfile
  readonly startMs: number
  readonly geography: Geography
  readonly samplers: HlaSamplers
  readonly sensitisation: SensitisationModel
  readonly mmp: MismatchProbabilityCache
  readonly eptsTable: EptsReferenceTable
  readonly organs: Categorical<OrganType>
  readonly races: Categorical<RaceEthnicity>
  readonly ages: Readonly<Record<OrganType, Categorical<readonly [number, number]>>>
  readonly adultDiagnoses: Readonly<Record<OrganType, Categorical<string>>>
  readonly childDiagnoses: Readonly<Record<OrganType, Categorical<string>>>
  readonly urgency: Readonly<Record<OrganType, Categorical<string>>>
  /** Keyed `${race}/${organ}/${incumbent}`. */
  readonly abo: ReadonlyMap<string, Categorical<AboGroup>>
  /** Mean sensitisation multiplier per organ, so the overall share stays at SENSITISED_SHARE. */
  readonly meanSensitisationMultiplier: Readonly<Record<OrganType, number>>
}

function perOrgan<T> (make: (organ: OrganType) => T): Record<OrganType, T> {
  const result = {} as Record<OrganType, T>
  for (const organ of ORGAN_TYPES) result[organ] = make(organ)
  return result
}

export function buildCandidateContext (base: Pick<CandidateContext, 'profile' | 'startMs' | 'geography' | 'samplers' | 'sensitisation' | 'mmp' | 'eptsTable'>): CandidateContext {
  const abo = new Map<string, Categorical<AboGroup>>()
  for (const race of RACE_ETHNICITIES) {
    for (const organ of ORGAN_TYPES) {
      abo.set(`${race}/${organ}/false`, aboDistribution(race))
      abo.set(`${race}/${organ}/true`, aboDistribution(race, WAITLIST_ABO_ACCUMULATION[organ]))
    }
  }
  return {
    ...base,
    organs: categorical(ORGAN_TYPES.map((organ) => [organ, base.profile.organShares[organ]] as const)),
    races: categorical(RACE_ETHNICITIES.map((race) => [race, base.profile.candidatePopulation[race]] as const)),
    ages: perOrgan((organ) => ageBands(CANDIDATE_AGE_BANDS[organ])),
    adultDiagnoses: perOrgan((organ) => categorical(ADULT_DIAGNOSES[organ])),
    childDiagnoses: perOrgan((organ) => categorical(CHILD_DIAGNOSES[organ])),
    urgency: perOrgan((organ) => categorical(URGENCY[organ])),
    abo,
    meanSensitisationMultiplier: perOrgan((organ) => {
      const prior = PRIOR_TRANSPLANT_SHARE[organ]
      const female = 1 - CANDIDATE_MALE_SHARE[organ]
      return prior * SENSITISATION_MULTIPLIER.priorTransplant +
        (1 - prior) * (female * SENSITISATION_MULTIPLIER.female + (1 - female) * SENSITISATION_MULTIPLIER.maleNoPriorTransplant)
    })
  }
}

function drawLiverLabs (draw: Draw, ageYears: number): LiverLabs {
  const z = draw.normal()
  const logLab = (p: { logMedian: number, perZ: number, noise: number, min: number, max: number }): number =>
    Math.min(p.max, Math.max(p.min, Math.exp(p.logMedian + p.perZ * z + draw.normal(0, p.noise))))
  const linear = (p: { mean: number, perZ: number, noise: number, min: number, max: number }): number =>
    Math.min(p.max, Math.max(p.min, p.mean + p.perZ * z + draw.normal(0, p.noise)))
  const bilirubinMgDl = round(logLab(LIVER_LABS.bilirubinMgDl), 1)
  const inr = round(logLab(LIVER_LABS.inr), 2)
  const creatinineMgDl = round(logLab(LIVER_LABS.creatinineMgDl), 2)
  const sodiumMmolL = Math.round(linear(LIVER_LABS.sodiumMmolL))
  const albuminGDl = round(linear(LIVER_LABS.albuminGDl), 1)
  const dialysisTwiceInPastWeek = draw.chance(creatinineMgDl >= 3 ? LIVER_LABS.dialysisHighCreatinine : LIVER_LABS.dialysisBase)
  const growthFailure = draw.chance(LIVER_LABS.growthFailureShare)
  return ageYears < 12
    ? { bilirubinMgDl, inr, creatinineMgDl, sodiumMmolL, albuminGDl, dialysisTwiceInPastWeek, growthFailure }
    : { bilirubinMgDl, inr, creatinineMgDl, sodiumMmolL, albuminGDl, dialysisTwiceInPastWeek }
}

function drawAcceptance (draw: Draw, organ: OrganType, ageYears: number, weightKg: number): AcceptanceCriteria {
  const criteria: { -readonly [K in keyof AcceptanceCriteria]: AcceptanceCriteria[K] } = {}
  if (organ === 'kidney' || organ === 'pancreas') criteria.acceptsDcd = draw.chance(ACCEPTANCE.acceptsDcdShare)
  if (ageYears < 50 && draw.chance(ACCEPTANCE.youngDonorAgeLimitShare)) {
    criteria.maxDonorAgeYears = draw.int(ACCEPTANCE.youngDonorAgeLimitYears[0], ACCEPTANCE.youngDonorAgeLimitYears[1])
  }
  if (organ === 'kidney' && ageYears < 50 && draw.chance(ACCEPTANCE.kdpiLimitShare)) criteria.maxKdpi = ACCEPTANCE.kdpiLimit
  if (organ === 'heart' || organ === 'lung') {
    criteria.minDonorWeightKg = round(weightKg * ACCEPTANCE.donorWeightRatio[0], 0)
    criteria.maxDonorWeightKg = round(weightKg * ACCEPTANCE.donorWeightRatio[1], 0)
    if (draw.chance(ACCEPTANCE.distanceLimitShare)) {
      criteria.maxDistanceNm = 50 * Math.round(draw.uniform(ACCEPTANCE.distanceLimitNm[0], ACCEPTANCE.distanceLimitNm[1]) / 50)
    }
  }
  return criteria
}

/**
 * One candidate. Incumbents (on the list at the start date) are drawn as the list looks at that date:
 * their age is their age then, their registration lies in the past and their ABO mix carries the
 * waiting-list accumulation. Arrivals register at `registeredMs` (after the start date), are active
 * and have no accumulated waiting or post-listing dialysis time.
 */
export function generateCandidate (ctx: CandidateContext, draw: Draw, identity: Draw, serial: number, arrivalMs?: number): CandidateRecord {
  const incumbent = arrivalMs === undefined
  const referenceMs = arrivalMs ?? ctx.startMs
  const organ = draw.pick(ctx.organs)
  // New registrations avoid suspended programmes (the registry refuses them); the list as it stands may include them.
  const listing = draw.pick(incumbent ? ctx.geography.listingCentres[organ] : ctx.geography.openListingCentres[organ])
  const race = draw.pick(ctx.races)
  const sex: Sex = draw.chance(CANDIDATE_MALE_SHARE[organ]) ? 'male' : 'female'
  const ageYears = drawAge(draw, ctx.ages[organ])
  const birthMs = Math.floor(referenceMs - ageYears * MS_PER_YEAR)

  const waitingYears = incumbent ? Math.min(draw.exponential(WAITING_YEARS_MEAN[organ]), WAITING_YEARS_MAX, ageYears * 0.9) : 0
  // The time-of-day jitter is kept small enough that no one registers before birth (infants).
  const jitterMs = draw.uniform(0, Math.min(MS_PER_DAY, 0.05 * ageYears * MS_PER_YEAR))
  const registeredMs = incumbent ? Math.floor(ctx.startMs - waitingYears * MS_PER_YEAR - jitterMs) - 1 : referenceMs
  const ageAtListing = (registeredMs - birthMs) / MS_PER_YEAR

  let dialysisMs: number | undefined
  if (organ === 'kidney') {
    if (!draw.chance(KIDNEY_PREEMPTIVE_SHARE)) {
      const before = Math.min(draw.exponential(DIALYSIS_BEFORE_LISTING_YEARS_MEAN), DIALYSIS_BEFORE_LISTING_YEARS_MAX, ageAtListing * 0.8)
      dialysisMs = registeredMs - before * MS_PER_YEAR
    } else if (incumbent && draw.chance(KIDNEY_PREEMPTIVE_STARTED_DIALYSIS_SHARE)) {
      dialysisMs = draw.uniform(registeredMs, ctx.startMs)
    }
  }
  // Dialysis starts are recorded to the day (midnight UTC).
  if (dialysisMs !== undefined) dialysisMs = Math.floor(dialysisMs / MS_PER_DAY) * MS_PER_DAY
  const dialysisFrom = dialysisMs === undefined ? undefined : isoInstant(dialysisMs)
  const registeredAt = isoInstant(registeredMs)
  // Waiting time counts from dialysis start when that came before listing (OPTN KAS).
  const waitingTimeFrom = dialysisMs !== undefined && dialysisFrom !== undefined && dialysisMs < registeredMs ? dialysisFrom : registeredAt

  const heightCm = drawHeightCm(draw, ageYears, sex)
  const weightKg = drawWeightKg(draw, ageYears, heightCm, CANDIDATE_BMI[organ])
  const abo = draw.pick(ctx.abo.get(`${race}/${organ}/${incumbent}`) as Categorical<AboGroup>)
  const hla = drawTyping(draw, ctx.samplers, race)
  const child = ageYears < 18
  const diagnosisGroup = draw.pick(child ? ctx.childDiagnoses[organ] : ctx.adultDiagnoses[organ])
  const diabetes = DIABETIC_DIAGNOSES.has(diagnosisGroup) ||
    draw.chance(child ? 0.01 : diagnosisGroup === 'mash' ? MASH_DIABETES_SHARE : DIABETES_SHARE[organ])
  const priorSolidOrganTransplant = draw.chance(PRIOR_TRANSPLANT_SHARE[organ])

  const multiplier = priorSolidOrganTransplant
    ? SENSITISATION_MULTIPLIER.priorTransplant
    : sex === 'female' ? SENSITISATION_MULTIPLIER.female : SENSITISATION_MULTIPLIER.maleNoPriorTransplant
  const sensitised = draw.chance(Math.min(0.95, SENSITISED_SHARE[organ] * multiplier / ctx.meanSensitisationMultiplier[organ]))
  let unacceptableAntigens: readonly string[] = []
  let vpraPercent = 0
  if (sensitised) {
    const [low, high] = VPRA_BANDS[draw.pick(SENSITISED_BANDS)] as readonly [number, number, number]
    const result = drawUnacceptableAntigens(draw, ctx.sensitisation, hla, [low, high])
    unacceptableAntigens = result.unacceptableAntigens
    vpraPercent = round(result.vpraPercent, 4)
  }
  const mmpPercent = round(ctx.mmp.mmpPercent(abo, hla, vpraPercent), 4)

  // Scores are as of the reference instant: the start date for incumbents, registration for arrivals.
  const ageNowYears = (referenceMs - birthMs) / MS_PER_YEAR
  let liverLabs: LiverLabs | undefined
  let meld: number | undefined
  let peldScore: number | undefined
  if (organ === 'liver') {
    liverLabs = drawLiverLabs(draw, ageNowYears)
    if (ageNowYears < 12) {
      peldScore = peld({
        bilirubinMgDl: liverLabs.bilirubinMgDl,
        inr: liverLabs.inr,
        albuminGDl: liverLabs.albuminGDl,
        ageYears: ageNowYears,
        ageAtListingYears: Math.max(0, Math.min(ageAtListing, ageNowYears)),
        growthFailure: liverLabs.growthFailure === true
      }).peld
    } else {
      meld = meld3({ ...liverLabs, ageYears: ageNowYears, sex: sex === 'female' ? 'F' : 'M' }).meld3
    }
  }
  let eptsPercent: number | undefined
  if (organ === 'kidney' && ageNowYears >= 18) {
    const dialysisYears = dialysisMs === undefined || dialysisMs > referenceMs ? 0 : (referenceMs - dialysisMs) / MS_PER_YEAR
    eptsPercent = computeEpts({ ageYears: ageNowYears, diabetes, priorSolidOrganTransplant, dialysisYears }, ctx.eptsTable).epts
  }

  const status = incumbent && !draw.chance(ACTIVE_SHARE[organ]) ? 'inactive' : 'active'
  const urgency = draw.pick(ctx.urgency[organ])
  const acceptance = drawAcceptance(draw, organ, ageYears, weightKg)
  const priorLivingDonor = draw.chance(PRIOR_LIVING_DONOR_SHARE[organ])
  const eligibleForA2Kidney = organ === 'kidney' && abo === 'B' && draw.chance(B_CANDIDATE_A2_ELIGIBLE_SHARE)

  const protectedAttributes = drawProtected(draw, ctx.profile, sex, race)
  const { givenName, familyName } = personName(identity)
  const birthDate = isoDate(birthMs)
  const record: Mutable<CandidateRecord> = {
    id: `CAND${String(serial).padStart(7, '0')}`,
    organType: organ,
    centreId: listing.centre.id,
    status,
    urgency,
    registeredAt,
    waitingTimeFrom,
    birthMonth: birthDate.slice(0, 7),
    heightCm,
    weightKg,
    abo,
    hla,
    unacceptableAntigens,
    cpraPercent: vpraPercent,
    vpraPercent,
    mmpPercent,
    priorLivingDonor,
    diagnosisGroup,
    eligibleForA2Kidney,
    acceptance,
    diabetes,
    priorSolidOrganTransplant,
    protectedAttributes,
    identifiers: { name: `${givenName} ${familyName}`, nationalId: nationalId(ctx.profile.countryCode, serial, 17), birthDate }
  }
  // Optional facts are set only when present, so records serialise and hash without undefined keys.
  if (dialysisFrom !== undefined) record.dialysisFrom = dialysisFrom
  if (meld !== undefined) record.meld = meld
  if (peldScore !== undefined) record.peld = peldScore
  if (eptsPercent !== undefined) record.eptsPercent = eptsPercent
  if (liverLabs !== undefined) record.liverLabs = liverLabs
  return record
}
