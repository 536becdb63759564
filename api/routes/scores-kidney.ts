import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { rangedNumber } from '../schemas.js'
import { Type } from '@sinclair/typebox'
import type { TriState } from '../../engine/domain/input.js'
import { KDRI_FORMULAS, KDRI_INPUT_RANGES } from '../../engine/clinical/kdri.js'
import type { KdriFormula } from '../../engine/clinical/kdri.js'
import { computeKdpi, selectKdpiTable } from '../../engine/clinical/kdpi.js'
import { EPTS_INPUT_RANGES, computeEpts, selectEptsTable } from '../../engine/clinical/epts.js'
import { eptsTables, kdpiTables } from '../../data/reference/clinical-tables.js'

// Plain `enum` schemas give one clear error ("must be one of …") where a union would give three.
const TriStateSchema = Type.Unsafe<TriState>({ enum: [true, false, 'unknown'], description: 'true, false or "unknown"' })
const FormulaSchema = Type.Unsafe<KdriFormula>({ type: 'string', enum: [...KDRI_FORMULAS] })

const KdpiBody = Type.Object({
  ageYears: rangedNumber(KDRI_INPUT_RANGES.ageYears, 'Donor age; scored as 0–99'),
  heightCm: rangedNumber(KDRI_INPUT_RANGES.heightCm, 'Donor height; scored as at most 241.3'),
  weightKg: rangedNumber(KDRI_INPUT_RANGES.weightKg, 'Donor weight; scored within 0.454–294'),
  hypertension: TriStateSchema,
  diabetes: TriStateSchema,
  causeOfDeathCva: Type.Boolean({ description: 'Cause of death cerebrovascular accident / stroke' }),
  creatinineMgDl: rangedNumber(KDRI_INPUT_RANGES.creatinineMgDl, 'Terminal serum creatinine; scored as at most 8'),
  dcd: Type.Boolean({ description: 'Donation after circulatory death' }),
  formula: Type.Optional({ ...FormulaSchema, default: 'refit-2024' }),
  referenceYear: Type.Optional(Type.Integer({ description: 'Reference population year; default the newest for the formula' })),
  black: Type.Optional(Type.Boolean({ description: 'rao-2009 only (historical); refused with refit-2024' })),
  hcvPositive: Type.Optional(Type.Boolean({ description: 'rao-2009 only (historical); refused with refit-2024' }))
}, { additionalProperties: false })

const KdpiResponse = Type.Object({
  formula: FormulaSchema,
  referenceYear: Type.Integer(),
  xbeta: Type.Number(),
  kdriRao: Type.Number(),
  scalingFactor: Type.Number(),
  kdriMedian: Type.Number(),
  kdpi: Type.Integer(),
  kdpiAlternatives: Type.Array(Type.Integer()),
  clamps: Type.Array(Type.Object({ field: Type.String(), givenValue: Type.Number(), usedValue: Type.Number() })),
  imputed: Type.Array(Type.Object({ field: Type.String(), prevalence: Type.Number(), contribution: Type.Number() })),
  notes: Type.Array(Type.String()),
  source: Type.String()
})

const EptsBody = Type.Object({
  ageYears: rangedNumber(EPTS_INPUT_RANGES.ageYears, 'Candidate age with decimals'),
  diabetes: Type.Boolean(),
  priorSolidOrganTransplant: Type.Boolean(),
  dialysisYears: rangedNumber(EPTS_INPUT_RANGES.dialysisYears, 'Years on dialysis with decimals; 0 if not on dialysis'),
  referenceYear: Type.Optional(Type.Integer({ description: 'Mapping table year; default the newest' }))
}, { additionalProperties: false })

const EptsResponse = Type.Object({
  referenceYear: Type.Integer(),
  raw: Type.Number(),
  epts: Type.Integer(),
  eptsIsLowerBound: Type.Boolean(),
  notes: Type.Array(Type.String()),
  source: Type.String()
})

/** POST /kdpi and POST /epts (mounted under /v1/scores). Formulas and fields: docs/scores/kidney.md. */
export const kidneyScoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/kdpi', {
    schema: {
      summary: 'KDRI and KDPI of a deceased kidney donor (OPTN refit 2024 by default)',
      body: KdpiBody,
      response: { 200: KdpiResponse }
    }
  }, async (request) => {
    const { formula = 'refit-2024', referenceYear, ...donor } = request.body
    const result = computeKdpi(donor, selectKdpiTable(kdpiTables, formula, referenceYear))
    const notes: string[] = []
    if (formula === 'rao-2009') notes.push('rao-2009 is the historical formula (with race and HCV), for reproducing past KDPIs only; allocation uses refit-2024')
    if (result.kdpiAlternatives.length > 0) {
      notes.push(`the reference table has a disputed row at this point: the KDPI could also be ${result.kdpiAlternatives.join(' or ')}`)
    }
    return { ...result, kdpiAlternatives: [...result.kdpiAlternatives], clamps: [...result.clamps], imputed: [...result.imputed], notes }
  })

  app.post('/epts', {
    schema: {
      summary: 'Raw EPTS and EPTS percentile of an adult kidney candidate',
      body: EptsBody,
      response: { 200: EptsResponse }
    }
  }, async (request) => {
    const { referenceYear, ...candidate } = request.body
    const result = computeEpts(candidate, selectEptsTable(eptsTables, referenceYear))
    const notes: string[] = []
    if (result.eptsIsLowerBound) {
      notes.push(`the ${result.referenceYear} table lacks rows above ${result.epts - 1}%: the EPTS is ${result.epts}% or higher`)
    }
    return { ...result, notes }
  })
}
