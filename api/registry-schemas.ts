import { Type } from '@sinclair/typebox'
import { CANDIDATE_STATUSES } from '../engine/domain/candidate.js'
import { SEXES } from '../data/db/identity-repository.js'
import { AboSchema, calendarDate, enumOf, HlaTypingSchema, instant, text } from './schemas.js'

/**
 * Request and response schemas of registry records. Ranges repeat the repositories' own checks
 * (data/db/*-repository.ts), so the door refuses what the registry would refuse, with the field named;
 * the repositories check again for callers that do not come through HTTP.
 */

const percent = (description: string): ReturnType<typeof Type.Number> => Type.Number({ minimum: 0, maximum: 100, description: `${description} (%, 0-100)` })

export const AcceptanceSchema = Type.Object({
  maxDonorAgeYears: Type.Optional(Type.Number({ minimum: 0, maximum: 120 })),
  maxKdpi: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  acceptsDcd: Type.Optional(Type.Boolean()),
  minDonorWeightKg: Type.Optional(Type.Number({ minimum: 0.5, maximum: 350 })),
  maxDonorWeightKg: Type.Optional(Type.Number({ minimum: 0.5, maximum: 350 })),
  maxDistanceNm: Type.Optional(Type.Number({ minimum: 0, maximum: 13_000 }))
}, { additionalProperties: false, description: 'What the centre accepts for this candidate; {} accepts any offer' })

export const ClinicalValuesSchema = Type.Object({
  urgency: text('Urgency class named by the policy ("elective", "HU", "status-1a", …)', 40),
  heightCm: Type.Number({ minimum: 20, maximum: 260 }),
  weightKg: Type.Number({ minimum: 0.5, maximum: 350 }),
  dialysisFrom: Type.Optional(instant('Start of chronic dialysis')),
  cpraPercent: percent('Calculated PRA'),
  vpraPercent: percent('Virtual PRA'),
  mmpPercent: percent('Eurotransplant mismatch probability'),
  meld: Type.Optional(Type.Number({ minimum: 6, maximum: 40 })),
  peld: Type.Optional(Type.Number({ minimum: -20, maximum: 100 })),
  eptsPercent: Type.Optional(percent('EPTS')),
  ukRecipientRiskQuartile: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
  matchabilityScore: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  waitlistSurvivalDays: Type.Optional(Type.Number({ minimum: 0, maximum: 365 })),
  postTransplantSurvivalDays: Type.Optional(Type.Number({ minimum: 0, maximum: 1826 })),
  acceptance: AcceptanceSchema
}, { additionalProperties: false })

/** Direct identifiers: accepted on registration, stored encrypted, never returned except by an audited reveal. */
export const IdentifiersSchema = Type.Object({
  name: Type.Optional(text('Full name', 200)),
  nationalId: Type.Optional(text('National identifier', 64)),
  birthDate: Type.Optional(calendarDate('Date of birth'))
}, { additionalProperties: false })

/** Protected attributes: accepted for equity monitoring only; the engine never sees them. */
export const ProtectedAttributesSchema = Type.Object({
  sex: Type.Optional(enumOf(SEXES)),
  raceEthnicity: Type.Optional(text('Race or ethnicity as recorded', 100)),
  nationality: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
  residence: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' }))
}, { additionalProperties: false })

const AntigenArray = Type.Array(Type.String())
export const HlaOutSchema = Type.Object({ A: AntigenArray, B: AntigenArray, C: Type.Optional(AntigenArray), DR: AntigenArray, DQ: Type.Optional(AntigenArray) })

/** A candidate as the engine sees it at an instant: pseudonym and clinical facts, no identifiers, no protected attributes. */
export const CandidateViewSchema = Type.Object({
  id: Type.String(),
  organType: Type.String(),
  centreId: Type.String(),
  status: enumOf(CANDIDATE_STATUSES),
  urgency: Type.String(),
  registeredAt: Type.String(),
  ageYears: Type.Number(),
  heightCm: Type.Number(),
  weightKg: Type.Number(),
  abo: Type.String(),
  hla: HlaOutSchema,
  unacceptableAntigens: AntigenArray,
  waitingDays: Type.Number(),
  dialysisDays: Type.Number(),
  cpraPercent: Type.Number(),
  vpraPercent: Type.Number(),
  mmpPercent: Type.Number(),
  meld: Type.Optional(Type.Number()),
  peld: Type.Optional(Type.Number()),
  eptsPercent: Type.Optional(Type.Number()),
  ukRecipientRiskQuartile: Type.Optional(Type.Number()),
  matchabilityScore: Type.Optional(Type.Number()),
  waitlistSurvivalDays: Type.Optional(Type.Number()),
  postTransplantSurvivalDays: Type.Optional(Type.Number()),
  priorLivingDonor: Type.Boolean(),
  diagnosisGroup: Type.String(),
  eligibleForA2Kidney: Type.Boolean(),
  acceptance: Type.Object({
    maxDonorAgeYears: Type.Optional(Type.Number()),
    maxKdpi: Type.Optional(Type.Number()),
    acceptsDcd: Type.Optional(Type.Boolean()),
    minDonorWeightKg: Type.Optional(Type.Number()),
    maxDonorWeightKg: Type.Optional(Type.Number()),
    maxDistanceNm: Type.Optional(Type.Number())
  })
})

/** Clinical facts shared by deceased and living donor reports. */
export const DonorClinicalFields = {
  ageYears: Type.Number({ minimum: 0, maximum: 120 }),
  heightCm: Type.Number({ minimum: 20, maximum: 260 }),
  weightKg: Type.Number({ minimum: 0.5, maximum: 350 }),
  abo: AboSchema,
  hla: HlaTypingSchema,
  creatinineMgDl: Type.Number({ minimum: 0.01, maximum: 40, description: 'Terminal serum creatinine (mg/dL)' })
}

export const DeceasedDonorViewSchema = Type.Object({
  id: Type.String(),
  kind: Type.Literal('deceased'),
  pathway: Type.String(),
  ageYears: Type.Number(),
  heightCm: Type.Number(),
  weightKg: Type.Number(),
  abo: Type.String(),
  hla: HlaOutSchema,
  creatinineMgDl: Type.Number(),
  hypertension: Type.Union([Type.Boolean(), Type.Literal('unknown')]),
  diabetes: Type.Union([Type.Boolean(), Type.Literal('unknown')]),
  causeOfDeathCva: Type.Boolean(),
  kdri: Type.Optional(Type.Number()),
  kdpi: Type.Optional(Type.Number()),
  ukDonorRiskQuartile: Type.Optional(Type.Number()),
  hospitalCentreId: Type.String(),
  country: Type.String(),
  region: Type.String(),
  latitudeDeg: Type.Number(),
  longitudeDeg: Type.Number()
})

export const LivingDonorViewSchema = Type.Object({
  id: Type.String(),
  kind: Type.Literal('living'),
  relationship: Type.String(),
  ageYears: Type.Number(),
  heightCm: Type.Number(),
  weightKg: Type.Number(),
  abo: Type.String(),
  hla: HlaOutSchema,
  creatinineMgDl: Type.Number(),
  hypertension: Type.Union([Type.Boolean(), Type.Literal('unknown')]),
  diabetes: Type.Union([Type.Boolean(), Type.Literal('unknown')]),
  hospitalCentreId: Type.String(),
  country: Type.String(),
  region: Type.String()
})

export const OrganViewSchema = Type.Object({
  id: Type.String(),
  donorId: Type.String(),
  organType: Type.String(),
  part: Type.String(),
  recoveredAt: Type.Optional(Type.String()),
  disposition: Type.Optional(Type.String()),
  dispositionAt: Type.Optional(Type.String())
})
