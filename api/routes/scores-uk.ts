import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import {
  UK_DONOR_AGE_YEARS_RANGE, UK_DONOR_EGFR_RANGE, UK_DONOR_HEIGHT_CM_RANGE, UK_DONOR_HOSPITAL_STAY_DAYS_RANGE,
  UK_DONOR_SEXES, UK_RECIPIENT_AGE_YEARS_RANGE, UK_RECIPIENT_WAITING_DAYS_RANGE, type UkDonorSex, ukkdri, ukkrri
} from '../../engine/clinical/uk-risk-indices.js'
import { rangedNumber } from '../schemas.js'

const UkkdriBody = Type.Object({
  ageYears: rangedNumber(UK_DONOR_AGE_YEARS_RANGE, 'Donor age'),
  heightCm: rangedNumber(UK_DONOR_HEIGHT_CM_RANGE, 'Donor height'),
  hypertension: Type.Boolean({ description: 'Donor history of hypertension' }),
  sex: Type.Unsafe<UkDonorSex>({ type: 'string', enum: [...UK_DONOR_SEXES], description: 'Donor sex' }),
  cmvPositive: Type.Boolean({ description: 'Donor CMV IgG positive' }),
  egfrMlMin173m2: rangedNumber(UK_DONOR_EGFR_RANGE, 'Donor eGFR at donation'),
  hospitalStayDays: rangedNumber(UK_DONOR_HOSPITAL_STAY_DAYS_RANGE, 'Days in hospital before donation')
}, { additionalProperties: false })

const UkkrriBody = Type.Object({
  ageYears: rangedNumber(UK_RECIPIENT_AGE_YEARS_RANGE, 'Candidate age'),
  dialysisAtRegistration: Type.Boolean({ description: 'On dialysis when registered' }),
  waitingDays: rangedNumber(UK_RECIPIENT_WAITING_DAYS_RANGE, 'Waiting time from the start of dialysis (0 if not on dialysis)'),
  diabetes: Type.Boolean({ description: 'Candidate has diabetes' })
}, { additionalProperties: false })

const QuartileNumber = Type.Integer({ minimum: 1, maximum: 4 })

const UkkdriResponse = Type.Object({
  ukkdri: Type.Number(),
  linearPredictor: Type.Number(),
  quartile: Type.String(),
  quartileNumber: QuartileNumber
})
const UkkrriResponse = Type.Object({
  ukkrri: Type.Number(),
  linearPredictor: Type.Number(),
  ageTermApplied: Type.Boolean(),
  quartile: Type.String(),
  quartileNumber: QuartileNumber
})

/** POST /v1/scores/{ukkdri, ukkrri}: UK 2019 kidney risk indices. Formulas and fields: docs/scores/liver-uk.md. */
export const ukScoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/ukkdri', {
    schema: { summary: 'UK Kidney Donor Risk Index (NHSBT 2019) and quartile D1-D4', body: UkkdriBody, response: { 200: UkkdriResponse } }
  }, async (request) => ukkdri(request.body))

  app.post('/ukkrri', {
    schema: { summary: 'UK Kidney Recipient Risk Index (NHSBT 2019) and quartile R1-R4', body: UkkrriBody, response: { 200: UkkrriResponse } }
  }, async (request) => ukkrri(request.body))
}
