import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { TArray, TString } from '@sinclair/typebox'
import { ABO_TYPES, type AboType } from '../../engine/domain/abo.js'
import { normaliseTyping } from '../../engine/clinical/hla-antigens.js'
import { countMismatches, ET_MISMATCH_LEVELS, MATCH_LEVELS, totalMismatches, ukMismatchLevel, type MatchLevel } from '../../engine/clinical/hla-mismatch.js'
import { ABO_RULE_SETS, isAboCompatible, type AboRuleSet } from '../../engine/clinical/abo-compatibility.js'

// Plain `enum` schemas give one clear error ("must be one of …") where a union would give several.
const LevelSchema = Type.Unsafe<MatchLevel>({ type: 'string', enum: [...MATCH_LEVELS] })
const AboSchema = Type.Unsafe<AboType>({ type: 'string', enum: [...ABO_TYPES], description: 'ABO group, with A/AB subtype where known' })
const RuleSetSchema = Type.Unsafe<AboRuleSet>({ type: 'string', enum: [...ABO_RULE_SETS] })

// Antigen spelling is checked by the engine, which names the offending antigen and the rule.
const Antigen = Type.String({ maxLength: 16, description: 'Serological antigen: "A2", "a*02", "Cw7", "DR15"' })
const matchLocus = (locus: string): TArray<TString> =>
  Type.Array(Antigen, { minItems: 1, maxItems: 2, description: `HLA-${locus}: 1 or 2 antigens; one means homozygous` })
const optionalLocus = (locus: string): TArray<TString> =>
  Type.Array(Antigen, { maxItems: 2, description: `HLA-${locus}: 0 to 2 antigens; not used in the mismatch count` })

const TypingSchema = Type.Object({
  A: matchLocus('A'),
  B: matchLocus('B'),
  C: Type.Optional(optionalLocus('C')),
  DR: matchLocus('DR'),
  DQ: Type.Optional(optionalLocus('DQ'))
}, { additionalProperties: false })

const LevelsSchema = Type.Object({ A: LevelSchema, B: LevelSchema, DR: LevelSchema }, { additionalProperties: false })

const HlaMismatchBody = Type.Object({
  donor: TypingSchema,
  recipient: TypingSchema,
  levels: Type.Optional(LevelsSchema)
}, { additionalProperties: false })

const HlaMismatchResponse = Type.Object({
  mismatch: Type.Object({ A: Type.Integer(), B: Type.Integer(), DR: Type.Integer() }),
  total: Type.Integer(),
  ukLevel: Type.Integer(),
  levels: LevelsSchema
})

const AboBody = Type.Object({
  donorAbo: AboSchema,
  candidateAbo: AboSchema,
  ruleSet: RuleSetSchema,
  candidateEligibleForA2: Type.Optional(Type.Boolean({ description: 'us-kidney only: B candidate cleared for A2/A2B kidneys' }))
}, { additionalProperties: false })

const AboResponse = Type.Object({ compatible: Type.Boolean(), ruleSet: RuleSetSchema })

/** POST /hla-mismatch and POST /abo (mounted under /v1/scores). Rules and fields: docs/scores/immunology.md. */
export const immunologyScoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/hla-mismatch', {
    schema: {
      summary: 'HLA-A/B/DR mismatches of a donor against a recipient, with the UK mismatch level',
      body: HlaMismatchBody,
      response: { 200: HlaMismatchResponse }
    }
  }, async (request) => {
    const donor = normaliseTyping(request.body.donor, 'body.donor')
    const recipient = normaliseTyping(request.body.recipient, 'body.recipient')
    const given = request.body.levels
    const levels = given === undefined ? { ...ET_MISMATCH_LEVELS } : { A: given.A, B: given.B, DR: given.DR }
    const mismatch = countMismatches(donor, recipient, levels)
    return { mismatch, total: totalMismatches(mismatch), ukLevel: ukMismatchLevel(mismatch), levels }
  })

  app.post('/abo', {
    schema: {
      summary: 'Whether a donor blood group may go to a candidate under a named ABO rule set',
      body: AboBody,
      response: { 200: AboResponse }
    }
  }, async (request) => {
    const { donorAbo, candidateAbo, ruleSet, candidateEligibleForA2 = false } = request.body
    return { compatible: isAboCompatible(ruleSet, donorAbo, candidateAbo, candidateEligibleForA2), ruleSet }
  })
}
