import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { rangedNumber } from '../schemas.js'
import { Type } from '@sinclair/typebox'
import {
  ALBUMIN_G_DL_RANGE, BILIRUBIN_MG_DL_RANGE, CREATININE_MG_DL_RANGE, INR_RANGE, SODIUM_MMOL_L_RANGE, meld, meldNa
} from '../../engine/clinical/meld.js'
import { MELD3_AGE_YEARS_RANGE, MELD3_SEXES, type Meld3Sex, meld3 } from '../../engine/clinical/meld3.js'
import { PELD_AGE_YEARS_RANGE, peld } from '../../engine/clinical/peld.js'
import { ukeld } from '../../engine/clinical/ukeld.js'

const creatinineMgDl = rangedNumber(CREATININE_MG_DL_RANGE, 'Serum creatinine')
const bilirubinMgDl = rangedNumber(BILIRUBIN_MG_DL_RANGE, 'Total bilirubin')
const inr = rangedNumber(INR_RANGE, 'INR')
const sodiumMmolL = rangedNumber(SODIUM_MMOL_L_RANGE, 'Serum sodium')
const albuminGDl = rangedNumber(ALBUMIN_G_DL_RANGE, 'Serum albumin')
const dialysisTwiceInPastWeek = Type.Boolean({
  description: 'At least two dialysis sessions, or 24 hours of CVVHD, in the prior 7 days'
})

const MeldBody = Type.Object({ creatinineMgDl, bilirubinMgDl, inr, dialysisTwiceInPastWeek }, { additionalProperties: false })
const MeldNaBody = Type.Object({ creatinineMgDl, bilirubinMgDl, inr, sodiumMmolL, dialysisTwiceInPastWeek }, { additionalProperties: false })
const Meld3Body = Type.Object({
  creatinineMgDl,
  bilirubinMgDl,
  inr,
  sodiumMmolL,
  albuminGDl,
  dialysisTwiceInPastWeek,
  ageYears: rangedNumber(MELD3_AGE_YEARS_RANGE, 'Age'),
  // An enum (not a union of literals) so a wrong value is reported as "must be one of".
  sex: Type.Optional(Type.Unsafe<Meld3Sex>({
    type: 'string', enum: [...MELD3_SEXES], description: 'Required from age 18; clinical correction only'
  }))
}, { additionalProperties: false })
const PeldBody = Type.Object({
  bilirubinMgDl,
  inr,
  albuminGDl,
  ageYears: rangedNumber(PELD_AGE_YEARS_RANGE, 'Age now'),
  ageAtListingYears: rangedNumber(PELD_AGE_YEARS_RANGE, 'Age when listed'),
  growthFailure: Type.Boolean({ description: 'Height or weight below -2 SD' })
}, { additionalProperties: false })
const UkeldBody = Type.Object({ inr, creatinineMgDl, bilirubinMgDl, sodiumMmolL }, { additionalProperties: false })

const MeldLabs = Type.Object({ creatinineMgDl: Type.Number(), bilirubinMgDl: Type.Number(), inr: Type.Number() })

const MeldResponse = Type.Object({ meld: Type.Integer(), meldUnrounded: Type.Number(), inputsAfterBounds: MeldLabs })
const MeldNaResponse = Type.Object({
  meldNa: Type.Integer(),
  meldNaUnrounded: Type.Number(),
  meld: Type.Integer(),
  sodiumTermApplied: Type.Boolean(),
  inputsAfterBounds: Type.Object({ ...MeldLabs.properties, sodiumMmolL: Type.Number() })
})
const Meld3Response = Type.Object({
  meld3: Type.Integer(),
  meld3Unrounded: Type.Number(),
  adolescentIntercept: Type.Boolean(),
  inputsAfterBounds: Type.Object({ ...MeldLabs.properties, sodiumMmolL: Type.Number(), albuminGDl: Type.Number() })
})
const PeldResponse = Type.Object({
  peld: Type.Integer(),
  peldUnrounded: Type.Number(),
  ageFactorApplied: Type.Boolean(),
  inputsAfterBounds: Type.Object({ bilirubinMgDl: Type.Number(), inr: Type.Number(), albuminGDl: Type.Number() })
})
const UkeldResponse = Type.Object({
  ukeld: Type.Integer(),
  ukeldUnrounded: Type.Number(),
  creatinineUmolL: Type.Number(),
  bilirubinUmolL: Type.Number()
})

/** POST /v1/scores/{meld, meld-na, meld3, peld, ukeld}. Formulas and fields: docs/scores/liver-uk.md. */
export const liverScoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/meld', {
    schema: { summary: 'MELD (OPTN, Kamath 2001)', body: MeldBody, response: { 200: MeldResponse } }
  }, async (request) => meld(request.body))

  app.post('/meld-na', {
    schema: { summary: 'MELD-Na (OPTN 2016)', body: MeldNaBody, response: { 200: MeldNaResponse } }
  }, async (request) => meldNa(request.body))

  app.post('/meld3', {
    schema: { summary: 'MELD 3.0 (Kim 2021, OPTN 2023)', body: Meld3Body, response: { 200: Meld3Response } }
  }, async (request) => meld3(request.body))

  app.post('/peld', {
    schema: { summary: 'PELD (McDiarmid 2002, OPTN until 2023)', body: PeldBody, response: { 200: PeldResponse } }
  }, async (request) => peld(request.body))

  app.post('/ukeld', {
    schema: { summary: 'UKELD (Barber 2011)', body: UkeldBody, response: { 200: UkeldResponse } }
  }, async (request) => ukeld(request.body))
}
