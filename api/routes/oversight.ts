import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Viewer } from '../../data/oversight/context.js'
import { ABROAD_DOCUMENT_TYPES, DONOR_RELATIONSHIPS_ABROAD, DONOR_TYPES_ABROAD } from '../../data/oversight/transplants-abroad.js'
import { KINSHIPS, PAYER_KINDS, PAYMENT_CATEGORIES, PAYMENT_METHODS, TRAVEL_PAYERS } from '../../data/oversight/living-donation.js'
import type { Oversight } from '../../data/oversight/oversight.js'
import { FLAG_OUTCOMES, FLAG_SEVERITIES } from '../../data/db/oversight-repository.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import { PATHWAY_LOSS_REASONS } from '../../engine/oversight/pathway.js'
import { principalOf } from '../auth.js'
import { ApiError } from '../problem.js'
import { ACCESS } from '../roles.js'
import { actorOf, asResponse, defined, doc, type RouteDeps } from '../route-support.js'
import { calendarDate, enumOf, instant, OrganTypeSchema, problemResponses, pseudonymId, RECORD_BODY_LIMIT_BYTES, text } from '../schemas.js'

/**
 * Oversight over HTTP (UN GA res. 71/322 para 3(d)-(i), 5, 7, 9): the traceability chain of an organ
 * with its audit proofs, recoveries under the authorisation rules, the indicator engine and its
 * two-person review queue, follow-up lists, the inputs the indicator rules read (living-donor
 * evaluations, payments, transplants abroad, pathway cases), and victim protection. Reports (GODT,
 * pathway, utilisation) are in reports.ts.
 */

export interface OversightRouteOptions extends RouteDeps {
  readonly oversight: Oversight
}


function viewerOf (request: FastifyRequest): Viewer {
  const principal = principalOf(request)
  return { id: principal.userId, roles: principal.roles }
}

/** A hidden record and an unknown id get the same 404; a role refusal from the data layer is a 403. */
function translate<T> (fn: () => T, notFoundOf: Readonly<Record<string, string>>): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof UnknownValueError && error.field !== undefined && Object.hasOwn(notFoundOf, error.field)) {
      throw new ApiError(404, 'API_NOT_FOUND', `${notFoundOf[error.field] as string} does not exist or is not visible to you`)
    }
    // "already reviewed" is a conflict with the flag's state (409, by the error handler); other actor refusals are about who asks.
    if (error instanceof InvalidFieldError && error.field === 'actor' && !/\balready\b/.test(error.rule ?? '')) throw new ApiError(403, 'API_FORBIDDEN', error.message)
    throw error
  }
}

const OrganParams = Type.Object({ organId: Type.String({ pattern: '^D-[0-9A-Z]{26}\\.[a-z]+\\.[a-z-]+$', description: 'Organ id: <donor>.<organ type>.<part>' }) })
const CentreId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })
const StaffId = Type.String({ pattern: '^[A-Za-z0-9._@-]{1,64}$', description: 'Staff user id (never a name)' })
const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' })
const TransplantId = Type.String({ pattern: '^T-[0-9a-f-]{36}$' })
const AnyObject = Type.Record(Type.String(), Type.Unknown())

const AuditProofSchema = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Type.String(),
  payload: AnyObject,
  prevHash: Type.String(),
  hash: Type.String(),
  hashValid: Type.Boolean(),
  chainsToPrevious: Type.Boolean(),
  pinsValid: Type.Boolean()
})

const TraceSchema = Type.Object({
  organ: Type.Object({ id: Type.String(), donorId: Type.String(), organType: Type.String(), part: Type.String() }),
  donor: Type.Object({
    id: Type.String(), kind: Type.String(), pathway: Type.Optional(Type.String()), relationship: Type.Optional(Type.String()),
    hospitalCentreId: Type.String(), reportedAt: Type.String(), dominoSourceTransplantId: Type.Optional(Type.String())
  }),
  consents: Type.Array(Type.Object({ recordType: Type.String(), basis: Type.String(), organTypes: Type.Array(Type.String()), obtainedAt: Type.String() })),
  procedureAuthorisations: Type.Array(Type.Object({ decision: Type.String(), decidedBy: Type.String(), decidedAt: Type.String(), reference: Type.String(), candidateId: Type.Optional(Type.String()) })),
  recovery: Type.Union([Type.Null(), Type.Object({ recoveredAt: Type.String(), centreId: Type.Optional(Type.String()), surgeonId: Type.Optional(Type.String()), authorisationOverride: Type.Optional(Type.Boolean()) })]),
  matchRuns: Type.Array(Type.Object({
    id: Type.String(), runAt: Type.String(), policyId: Type.String(), policyVersion: Type.String(), policyHash: Type.String(), outputHash: Type.String(), ranked: Type.Integer(),
    offers: Type.Array(Type.Object({ sequenceNumber: Type.Integer(), candidateId: Type.String(), response: Type.String(), refusalCode: Type.Optional(Type.Integer()), respondedAt: Type.String() }))
  })),
  fate: Type.Object({
    disposition: Type.Union([Type.String(), Type.Null()]),
    at: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    transplantId: Type.Optional(Type.String()),
    candidateId: Type.Optional(Type.String()),
    centreId: Type.Optional(Type.String()),
    matchRunId: Type.Optional(Type.String()),
    combinedWithTransplantId: Type.Optional(Type.String())
  }),
  audit: Type.Object({
    entries: Type.Array(AuditProofSchema),
    omittedEntries: Type.Integer(),
    head: Type.Object({ seq: Type.Integer(), hash: Type.String() }),
    checkpoint: Type.Object({ origin: Type.String(), seq: Type.Integer(), headHash: Type.String(), at: Type.String(), publicKey: Type.String(), signature: Type.String() }),
    entriesVerified: Type.Boolean()
  })
})

const FlagSummarySchema = Type.Object({ id: Type.Integer(), ruleId: Type.String(), severity: Type.String(), entityType: Type.String(), entityId: Type.String() })

const QueuedFlagSchema = Type.Object({
  id: Type.Integer(),
  ruleId: Type.String(),
  severity: Type.String(),
  entityType: Type.String(),
  entityId: Type.String(),
  evidence: AnyObject,
  raisedAt: Type.String(),
  raisedBy: Type.String(),
  status: Type.String(),
  outcome: Type.Optional(Type.String()),
  closedAt: Type.Optional(Type.String()),
  closedBy: Type.Optional(Type.String()),
  findingKind: Type.Optional(Type.String()),
  ruleSetHash: Type.Optional(Type.String()),
  subjectIds: Type.Array(Type.String()),
  reviews: Type.Array(Type.Object({ reviewer: Type.String(), outcome: Type.String(), reviewedAt: Type.String() })),
  reviewState: Type.String()
})

const CompletenessFields = { expected: Type.Integer(), completed: Type.Integer(), completedInWindow: Type.Integer(), overdue: Type.Integer(), rate: Type.Union([Type.Number(), Type.Null()]) }

const FollowUpItemSchema = Type.Object({
  id: Type.Integer(), transplantId: Type.String(), subjectKind: Type.String(), subjectId: Type.String(), centreId: Type.String(), label: Type.String(),
  dueDate: Type.String(), windowStart: Type.String(), windowEnd: Type.String(), state: Type.String(), daysOverdue: Type.Optional(Type.Integer())
})

const SubjectSchema = Type.Object({
  subjectId: Type.String(),
  kind: Type.String(),
  organType: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  registeredAt: Type.Optional(Type.String()),
  donorKind: Type.Optional(Type.String()),
  pathway: Type.Optional(Type.String()),
  relationship: Type.Optional(Type.String()),
  reportedAt: Type.Optional(Type.String()),
  centreId: Type.String(),
  protected: Type.Boolean()
})

export const oversightRoutes: FastifyPluginAsyncTypebox<OversightRouteOptions> = async (app, { oversight, now }) => {
  const A = ACCESS

  app.get('/organs/:organId/trace', {
    config: { roles: A.organTrace },
    schema: {
      ...doc('oversight', 'The traceability chain of an organ, with the audit-log proof of every step', A.organTrace,
        'Donor, consent and authorisation decisions, recovery (where, by whom), match runs and offers, and the fate (transplant, discard, research), each with its audit entry: hash recomputed, link to the entry before, pinned rows checked; plus a signed checkpoint of the log head. An organ whose donor or recipient is a suspected victim is visible to protection staff only.'),
      params: OrganParams,
      response: { 200: TraceSchema, ...problemResponses(404) }
    }
  }, async (request) => asResponse(translate(() => oversight.trace(request.params.organId, viewerOf(request)), { organId: `organ ${request.params.organId}` })))

  app.post('/oversight/recoveries', {
    config: { roles: A.recoveryWrite },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('oversight', 'Record an organ recovery with the recovering centre and team', A.recoveryWrite,
        'The centre must hold a valid recovery (or, for a living donor, living-donation) authorisation for the organ that day: otherwise refused, or — where the deployment allows — recorded with a blocking A1 flag that two reviewers other than the recorder must close.'),
      body: Type.Object({
        organId: Type.String({ maxLength: 100 }),
        recoveredAt: instant('Recovered'),
        recoveryCentreId: CentreId,
        surgeonId: Type.Optional(StaffId),
        deathDeterminedBy: Type.Optional(StaffId)
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ organId: Type.String(), authorisationOverride: Type.Boolean(), flags: Type.Array(FlagSummarySchema) }), ...problemResponses(409, 413) }
    }
  }, async (request, reply) => {
    const outcome = oversight.recordRecovery(defined(request.body), actorOf(request))
    return reply.code(201).send(asResponse({ organId: request.body.organId, ...outcome }))
  })

  app.post('/oversight/kidney-pancreas', {
    config: { roles: A.combinedTransplants },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('oversight', 'Mark a pancreas and a kidney transplant as one simultaneous kidney-pancreas transplant (GODT kidney_pancreas_tx)', A.combinedTransplants),
      body: Type.Object({ pancreasTransplantId: TransplantId, kidneyTransplantId: TransplantId }, { additionalProperties: false }),
      response: { 201: Type.Object({ pancreasTransplantId: Type.String(), kidneyTransplantId: Type.String() }), ...problemResponses(409, 413) }
    }
  }, async (request, reply) => {
    oversight.recordKidneyPancreas(request.body, actorOf(request))
    return reply.code(201).send(request.body)
  })

  app.post('/oversight/domino-donors', {
    config: { roles: A.combinedTransplants },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('oversight', 'Record a living donor as a domino liver donor (GODT domino_liver_tx)', A.combinedTransplants),
      body: Type.Object({ donorId: pseudonymId('donor', 'The domino donor (a living donor)'), sourceTransplantId: TransplantId }, { additionalProperties: false }),
      response: { 201: Type.Object({ donorId: Type.String(), sourceTransplantId: Type.String() }), ...problemResponses(409, 413) }
    }
  }, async (request, reply) => {
    oversight.recordDominoDonor(request.body, actorOf(request))
    return reply.code(201).send(request.body)
  })

  app.post('/oversight/living-donor-evaluations', {
    config: { roles: A.indicatorInputs },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('oversight', 'Record the independent evaluation of a living donor (rules A2, B1-B12)', A.indicatorInputs,
        'Staff are named by user id. A contact detail is stored only as a keyed digest, to find contacts shared across donors (rule B10).'),
      body: Type.Object({
        donorId: pseudonymId('donor', 'Living donor'),
        candidateId: Type.Optional(pseudonymId('candidate', 'Intended recipient')),
        evaluatedAt: instant('Evaluated'),
        kinship: Type.Optional(enumOf(KINSHIPS)),
        relationshipDocument: Type.Optional(Type.Object({ type: text('Document type', 64), issuedOn: calendarDate('Issued'), issuerVerified: Type.Boolean() }, { additionalProperties: false })),
        donorLanguage: Type.Optional(Type.String({ maxLength: 35 })),
        evaluationLanguage: Type.Optional(Type.String({ maxLength: 35 })),
        interpreter: Type.Optional(Type.Object({ staffId: StaffId, independent: Type.Boolean() }, { additionalProperties: false })),
        advocate: Type.Optional(Type.Object({ staffId: StaffId, independent: Type.Boolean() }, { additionalProperties: false })),
        legalCapacity: Type.Optional(Type.Boolean()),
        travelPaidBy: Type.Optional(enumOf(TRAVEL_PAYERS)),
        contact: Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.Integer() }), ...problemResponses(413) }
    }
  }, async (request, reply) => reply.code(201).send({ id: oversight.recordLivingDonorEvaluation(defined(request.body), actorOf(request)) }))

  app.post('/oversight/donor-payments', {
    config: { roles: A.indicatorInputs },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('oversight', 'Record a payment to a donor or a deceased donor\'s family (rules C1-C4, B11)', A.indicatorInputs),
      body: Type.Object({
        donorId: pseudonymId('donor', 'Donor'),
        category: enumOf(PAYMENT_CATEGORIES),
        amountMinor: Type.Integer({ minimum: 0, description: 'Amount in minor units (cents)' }),
        currency: Type.String({ pattern: '^[A-Z]{3}$' }),
        method: enumOf(PAYMENT_METHODS),
        payerKind: enumOf(PAYER_KINDS),
        receiptProvided: Type.Optional(Type.Boolean()),
        counterpartyCountry: Type.Optional(Country),
        paidAt: instant('Paid')
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.Integer() }), ...problemResponses(413) }
    }
  }, async (request, reply) => reply.code(201).send({ id: oversight.recordDonorPayment(defined(request.body), actorOf(request)) }))

  app.post('/oversight/transplants-abroad', {
    config: { roles: A.transplantAbroad },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('oversight', 'Register a patient who presents after a transplant abroad, with the origin-certification flag', A.transplantAbroad,
        'Rules D1 (refer and review), D2 (left the waiting list and came back with a graft) and D3 (origin cannot be certified) are evaluated at once; the flags raised are returned. The national id, when given, is kept only as a person pseudonym.'),
      body: Type.Object({
        candidateId: Type.Optional(pseudonymId('candidate', 'The patient\'s listing, if any')),
        nationalId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        presentingCentreId: CentreId,
        presentedAt: instant('Presented'),
        transplantCountry: Country,
        transplantCity: Type.Optional(text('City', 100)),
        transplantCentreName: Type.Optional(text('Foreign centre', 200)),
        transplantDate: Type.Optional(calendarDate('Transplant date')),
        organType: OrganTypeSchema,
        donorType: enumOf(DONOR_TYPES_ABROAD),
        donorRelationship: Type.Optional(enumOf(DONOR_RELATIONSHIPS_ABROAD)),
        donorCountry: Type.Optional(Country),
        donorIdentifier: Type.Optional(text('The foreign donor identifier', 100)),
        authorisationEvidence: Type.Boolean(),
        paymentReported: enumOf(['yes', 'no', 'unknown'] as const),
        documents: Type.Array(Type.Object({ type: enumOf(ABROAD_DOCUMENT_TYPES), issuedOn: Type.Optional(calendarDate('Issued')) }, { additionalProperties: false }), { maxItems: 50 }),
        patientResidence: Type.Optional(Country)
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.String(), originCertified: Type.Boolean(), flags: Type.Array(FlagSummarySchema) }), ...problemResponses(413) }
    }
  }, async (request, reply) => reply.code(201).send(asResponse(oversight.recordTransplantAbroad(defined(request.body) as never, actorOf(request)))))

  app.post('/oversight/pathway-cases', {
    config: { roles: A.pathwayCases },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('oversight', 'Record a case of the deceased-donation critical pathway (possible → potential → eligible → actual → utilised)', A.pathwayCases,
        `Loss reasons by stage: ${Object.entries(PATHWAY_LOSS_REASONS).map(([stage, reasons]) => `${stage}: ${reasons.join(', ')}`).join('; ')}.`),
      body: Type.Object({
        hospitalCentreId: CentreId,
        identifiedAt: instant('Possible donor identified'),
        furthestStage: enumOf(['possible', 'potential', 'eligible'] as const),
        deathCriterion: Type.Optional(enumOf(['neurological', 'circulatory'] as const)),
        lossReason: Type.Optional(Type.String({ maxLength: 64 })),
        donorId: Type.Optional(pseudonymId('donor', 'The registered deceased donor, when the case went on to donation')),
        operativeIncisionAt: Type.Optional(instant('Incision made, no organ recovered'))
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.String() }), ...problemResponses(409, 413) }
    }
  }, async (request, reply) => reply.code(201).send({ id: oversight.recordPathwayCase(defined(request.body), actorOf(request)) }))

  app.get('/oversight/indicator-rules', {
    config: { roles: A.indicatorRules },
    schema: {
      ...doc('oversight', 'The indicator catalogue: each rule\'s id, version, severity, required fields, condition, parameters and sources', A.indicatorRules),
      response: { 200: Type.Object({ ruleSetHash: Type.String(), rules: Type.Array(AnyObject) }), ...problemResponses() }
    }
  }, async () => asResponse({ ruleSetHash: oversight.ruleSetHash, rules: oversight.rules }))

  app.post('/oversight/indicator-runs', {
    config: { roles: A.indicatorRun },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('oversight', 'Evaluate the indicator catalogue over the registry and raise flags for new findings', A.indicatorRun,
        'Missing data raises its own finding ("A2@1:missing-data"). A finding is raised once, however often the catalogue is run.'),
      body: Type.Object({ asOf: Type.Optional(instant('Evaluate as of; default now')), year: Type.Optional(Type.Integer({ minimum: 1900, maximum: 2200, description: 'Year of the centre-year and surgeon rules; default the year of asOf' })) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          asOf: Type.String(), year: Type.Integer(), ruleSetHash: Type.String(), findings: Type.Integer(), alreadyRaised: Type.Integer(), raised: Type.Array(FlagSummarySchema),
          tallies: Type.Array(Type.Object({ rule: Type.String(), evaluated: Type.Integer(), notApplicable: Type.Integer(), clear: Type.Integer(), fired: Type.Integer(), missingData: Type.Integer() }))
        }),
        ...problemResponses(413)
      }
    }
  }, async (request) => {
    const run = oversight.runIndicators({ asOf: request.body.asOf ?? now(), year: request.body.year }, actorOf(request))
    return asResponse({ ...run, findings: run.findings.length })
  })

  app.get('/oversight/review-queue', {
    config: { roles: A.reviewQueue },
    schema: {
      ...doc('oversight', 'Oversight flags with their reviews (flags about a suspected victim: protection staff only)', A.reviewQueue),
      querystring: Type.Object({
        status: Type.Optional(enumOf(['open', 'closed'] as const)),
        ruleId: Type.Optional(Type.String({ maxLength: 64 })),
        severity: Type.Optional(enumOf(FLAG_SEVERITIES))
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ flags: Type.Array(QueuedFlagSchema) }), ...problemResponses() }
    }
  }, async (request) => asResponse({ flags: oversight.listFlags(viewerOf(request), defined(request.query)) }))

  app.get('/oversight/review-queue/:flagId', {
    config: { roles: A.reviewQueue },
    schema: {
      ...doc('oversight', 'One flag with its evidence and reviews', A.reviewQueue),
      params: Type.Object({ flagId: Type.Integer({ minimum: 1 }) }),
      response: { 200: Type.Object({ flag: QueuedFlagSchema }), ...problemResponses(404) }
    }
  }, async (request) => asResponse({ flag: translate(() => oversight.getFlag(request.params.flagId, viewerOf(request)), { flagId: `oversight flag ${request.params.flagId}` }) }))

  app.post('/oversight/review-queue/:flagId/reviews', {
    config: { roles: A.reviewQueue },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('oversight', 'Review a flag; two different reviewers (neither its raiser) who agree close it', A.reviewQueue),
      params: Type.Object({ flagId: Type.Integer({ minimum: 1 }) }),
      body: Type.Object({ outcome: enumOf(FLAG_OUTCOMES), at: Type.Optional(instant('Reviewed at; default now')) }, { additionalProperties: false }),
      response: { 200: Type.Object({ flag: QueuedFlagSchema }), ...problemResponses(404, 409, 413) }
    }
  }, async (request) => asResponse({
    flag: translate(() => oversight.reviewFlag(request.params.flagId, { outcome: request.body.outcome, at: request.body.at ?? now() }, viewerOf(request)), { flagId: `oversight flag ${request.params.flagId}` })
  }))

  app.get('/oversight/flag-statistics', {
    config: { roles: A.flagStatistics },
    schema: {
      ...doc('oversight', 'Aggregate flag statistics by rule, severity and outcome, with no identities', A.flagStatistics),
      querystring: Type.Object({ from: Type.Optional(instant('Raised from')), to: Type.Optional(instant('Raised before')) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          from: Type.Optional(Type.String()),
          to: Type.Optional(Type.String()),
          total: Type.Object({ raised: Type.Integer(), open: Type.Integer(), closed: Type.Integer() }),
          bySeverity: Type.Record(Type.String(), Type.Object({ raised: Type.Integer(), open: Type.Integer() })),
          byRule: Type.Array(Type.Object({
            rule: Type.String(), version: Type.Union([Type.Integer(), Type.Null()]), finding: Type.String(), severity: Type.String(), raised: Type.Integer(), open: Type.Integer(), closed: Type.Integer(),
            truePositive: Type.Integer(), falsePositive: Type.Integer(), inconclusive: Type.Integer(), positivePredictiveValue: Type.Union([Type.Number(), Type.Null()])
          }))
        }),
        ...problemResponses()
      }
    }
  }, async (request) => asResponse(oversight.flagStatistics(defined(request.query))))

  app.get('/oversight/follow-ups', {
    config: { roles: A.followUpRead },
    schema: {
      ...doc('oversight', 'Follow-up forms due (window open) or overdue on a day, per centre', A.followUpRead,
        'Recipients at 6 months, 1 year, then yearly; living donors at 6, 12 and 24 months; ±60-day windows (OPTN TRF/LDF).'),
      querystring: Type.Object({ asOf: calendarDate('Day'), centreId: Type.Optional(CentreId), state: Type.Optional(enumOf(['due', 'overdue'] as const)) }, { additionalProperties: false }),
      response: { 200: Type.Object({ asOf: Type.String(), followUps: Type.Array(FollowUpItemSchema) }), ...problemResponses() }
    }
  }, async (request) => asResponse({ asOf: request.query.asOf, followUps: oversight.followUps(defined(request.query), viewerOf(request)) }))

  app.get('/oversight/follow-ups/completeness', {
    config: { roles: A.followUpRead },
    schema: {
      ...doc('oversight', 'Follow-up completeness per centre on a day', A.followUpRead),
      querystring: Type.Object({ asOf: calendarDate('Day'), centreId: Type.Optional(CentreId) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          asOf: Type.String(),
          centres: Type.Array(Type.Object({ centreId: Type.String(), ...CompletenessFields, recipient: Type.Object(CompletenessFields), livingDonor: Type.Object(CompletenessFields) }))
        }),
        ...problemResponses()
      }
    }
  }, async (request) => asResponse({ asOf: request.query.asOf, centres: oversight.followUpCompleteness(defined(request.query)) }))

  app.post('/oversight/protection-cases', {
    config: { roles: A.reportSuspicion },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('oversight', 'Report a suspected victim of trafficking: the record is hidden from every role but protection staff', A.reportSuspicion),
      body: Type.Object({
        subjectId: Type.String({ pattern: '^[CD]-[0-9A-Z]{26}$', description: 'Candidate or donor pseudonym' }),
        reasonCode: Type.String({ pattern: '^[a-z][a-z0-9-]{2,63}$', description: 'e.g. suspected-trafficking-victim' }),
        at: Type.Optional(instant('Reported at; default now'))
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ caseId: Type.String() }), ...problemResponses(409, 413) }
    }
  }, async (request, reply) => reply.code(201).send(translate(() => oversight.flagSuspectedVictim({ ...request.body, at: request.body.at ?? now() }, viewerOf(request)), {})))

  app.get('/oversight/protection-cases', {
    config: { roles: A.protection },
    schema: {
      ...doc('oversight', 'Open protection cases', A.protection),
      response: { 200: Type.Object({ cases: Type.Array(Type.Object({ caseId: Type.String(), subjectId: Type.String(), subjectKind: Type.String(), reasonCode: Type.String(), flaggedAt: Type.String(), flaggedBy: Type.String() })) }), ...problemResponses() }
    }
  }, async (request) => asResponse({ cases: oversight.protectionCases(viewerOf(request)) }))

  app.post('/oversight/protection-cases/:caseId/lift', {
    config: { roles: A.protection },
    bodyLimit: RECORD_BODY_LIMIT_BYTES,
    schema: {
      ...doc('oversight', 'Lift a protection case', A.protection),
      params: Type.Object({ caseId: Type.String({ pattern: '^PC-[0-9a-f-]{36}$' }) }),
      body: Type.Object({ at: Type.Optional(instant('Lifted at; default now')) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...problemResponses(404, 409, 413) }
    }
  }, async (request, reply) => {
    translate(() => { oversight.liftProtection(request.params.caseId, { at: request.body.at ?? now() }, viewerOf(request)) }, { caseId: `protection case ${request.params.caseId}` })
    return reply.code(204).send(null)
  })

  app.get('/oversight/subjects/:subjectId', {
    config: { roles: A.subjectRead },
    schema: {
      ...doc('oversight', 'A candidate or donor record under the victim-protection rule', A.subjectRead,
        'A suspected victim\'s record answers 404 to everyone but protection staff; every access to it, granted or refused, is audited and raises an alert (rule G3).'),
      params: Type.Object({ subjectId: Type.String({ pattern: '^[CD]-[0-9A-Z]{26}$' }) }),
      querystring: Type.Object({ purpose: text('Why the record is read (audited)', 200) }, { additionalProperties: false }),
      response: { 200: Type.Object({ subject: SubjectSchema }), ...problemResponses(404) }
    }
  }, async (request) => asResponse({
    subject: translate(() => oversight.readSubject(request.params.subjectId, viewerOf(request), request.query.purpose), { subjectId: `subject ${request.params.subjectId}` })
  }))

  app.get('/oversight/protection-alerts', {
    config: { roles: A.protection },
    schema: {
      ...doc('oversight', 'Accesses to protected records, newest first', A.protection),
      querystring: Type.Object({ open: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          alerts: Type.Array(Type.Object({
            id: Type.Integer(), caseId: Type.String(), accessedBy: Type.String(), access: Type.String(), purpose: Type.String(), at: Type.String(),
            acknowledgedAt: Type.Optional(Type.String()), acknowledgedBy: Type.Optional(Type.String())
          }))
        }),
        ...problemResponses()
      }
    }
  }, async (request) => asResponse({ alerts: oversight.protectionAlerts(viewerOf(request), defined(request.query)) }))

  app.post('/oversight/protection-alerts/:alertId/acknowledgement', {
    config: { roles: A.protection },
    schema: {
      ...doc('oversight', 'Acknowledge a protection alert', A.protection),
      params: Type.Object({ alertId: Type.Integer({ minimum: 1 }) }),
      response: { 204: Type.Null(), ...problemResponses(404, 409) }
    }
  }, async (request, reply) => {
    translate(() => { oversight.acknowledgeProtectionAlert(request.params.alertId, viewerOf(request)) }, { alertId: `protection alert ${request.params.alertId}` })
    return reply.code(204).send(null)
  })
}
