import t from 'tap'
import fc from 'fast-check'
import { INDICATOR_CATALOGUE_HASH, INDICATOR_RULES, indicatorRule } from '../engine/oversight/indicator-catalogue.js'
import { evaluateCatalogue, evaluateCondition, evaluateRule, type SubjectRecord } from '../engine/oversight/rule-evaluator.js'
import { conditionFields, ruleKey, validateCatalogue, validateRule, type Facts, type IndicatorRule } from '../engine/oversight/rule-schema.js'
import { daysBetween, hoursBetween, lociWithoutSharedAntigen, proportionZScore } from '../engine/oversight/fact-helpers.js'
import { contentHash } from '../engine/canonical-hash.js'

/**
 * Each rule of the catalogue at the engine level: facts that fire it, facts that do not, and — for
 * every fact it requires — the same firing facts with that one fact unknown, which must give a
 * missing-data finding naming it instead of passing.
 */
const CASES: Record<string, { fire: Facts, clear: Facts }> = {
  A1: { fire: { centreAuthorised: false, activity: 'recovery' }, clear: { centreAuthorised: true } },
  A2: { fire: { surgeryAt: '2025-02-03T08:00:00Z', approvalBeforeSurgery: false }, clear: { surgeryAt: '2025-02-03T08:00:00Z', approvalBeforeSurgery: true } },
  A4: { fire: { transplantCount: 1, recoveredAt: null }, clear: { transplantCount: 1, recoveredAt: '2025-01-01T00:00:00Z' } },
  A5: { fire: { recoveredAt: '2025-01-01T00:00:00Z', hoursWithoutDisposition: 100 }, clear: { recoveredAt: '2025-01-01T00:00:00Z', hoursWithoutDisposition: null } },
  A6: {
    fire: { transplantCount: 1, donorKind: 'living', organType: 'kidney', recoveredAt: '2025-01-01T00:00:00Z', livingDonorKidneysRecovered: 2 },
    clear: { transplantCount: 1, donorKind: 'living', organType: 'kidney', recoveredAt: '2025-01-01T00:00:00Z', livingDonorKidneysRecovered: 1 }
  },
  A7: {
    fire: { transplantCount: 1, recoveredAt: '2025-01-01T00:00:00Z', coldIschaemiaHours: 7, organType: 'heart' },
    clear: { transplantCount: 1, recoveredAt: '2025-01-01T00:00:00Z', coldIschaemiaHours: 7, organType: 'kidney' }
  },
  A8: {
    fire: { activity: 'recovery', donorKind: 'deceased', consentInForce: true, deathDeterminerOnTeam: true },
    clear: { activity: 'recovery', donorKind: 'deceased', consentInForce: true, deathDeterminerOnTeam: false }
  },
  B1: { fire: { relationship: 'unrelated', approvingBodies: 1 }, clear: { relationship: 'unrelated', approvingBodies: 2 } },
  B2: {
    fire: { relationship: 'emotional', relationshipDocumentType: 'marriage-certificate', relationshipDocumentIssuerVerified: true, relationshipDocumentAgeDays: 30 },
    clear: { relationship: 'emotional', relationshipDocumentType: 'marriage-certificate', relationshipDocumentIssuerVerified: true, relationshipDocumentAgeDays: 3000 }
  },
  B3: {
    fire: { relationship: 'genetic', kinship: 'parent-child', hlaSharesHaplotypeEvidence: false },
    clear: { relationship: 'genetic', kinship: 'parent-child', hlaSharesHaplotypeEvidence: true }
  },
  B4: { fire: { donorNationalityMatchesRecipient: true, donorResident: false }, clear: { donorNationalityMatchesRecipient: true, donorResident: true } },
  B5: { fire: { donorResident: false, recipientResident: false }, clear: { donorResident: false, recipientResident: true } },
  B6: { fire: { languageGap: true, interpreterIndependent: null }, clear: { languageGap: true, interpreterIndependent: true } },
  B7: { fire: { advocateIndependent: false }, clear: { advocateIndependent: true } },
  B8: {
    fire: { surgeryAt: '2025-02-03T08:00:00Z', consentLeadDays: 3, consentLanguageMatches: true },
    clear: { surgeryAt: '2025-02-03T08:00:00Z', consentLeadDays: 30, consentLanguageMatches: true }
  },
  B9: { fire: { donorAgeYears: 17, donorHasLegalCapacity: true }, clear: { donorAgeYears: 40, donorHasLegalCapacity: true } },
  B10: { fire: { sharedContactCount: 2 }, clear: { sharedContactCount: 0 } },
  B11: { fire: { thirdPartyTravelPaid: true }, clear: { thirdPartyTravelPaid: false } },
  B12: { fire: { daysSincePreviousLivingDonation: 100 }, clear: { daysSincePreviousLivingDonation: null } },
  C1: { fire: { category: 'gift' }, clear: { category: 'travel' } },
  C2: {
    fire: { category: 'travel', receiptProvided: true, currency: 'EUR', amountMinor: 250_000 },
    clear: { category: 'travel', receiptProvided: true, currency: 'EUR', amountMinor: 50_000 }
  },
  C4: { fire: { method: 'cash', counterpartyDomestic: true, payerKind: 'programme' }, clear: { method: 'bank-transfer', counterpartyDomestic: true, payerKind: 'programme' } },
  D1: { fire: { transplantedOutsideResidence: true }, clear: { transplantedOutsideResidence: false } },
  D2: { fire: { removedFromListBefore: true }, clear: { removedFromListBefore: false } },
  D3: { fire: { donorIdentifierKnown: false, centreNameKnown: true, authorisationEvidence: true }, clear: { donorIdentifierKnown: true, centreNameKnown: true, authorisationEvidence: true } },
  D4: { fire: { transplants: 12, nonResidentShare: 0.25 }, clear: { transplants: 12, nonResidentShare: 0.1 } },
  E1: { fire: { livingDonations: 10, livingUnrelatedZ: 3.5 }, clear: { livingDonations: 10, livingUnrelatedZ: 1 } },
  E2: { fire: { centres: 3, countries: 1 }, clear: { centres: 2, countries: 1 } },
  E3: { fire: { followUpsExpected: 10, followUpCompleteness: 0.5 }, clear: { followUpsExpected: 10, followUpCompleteness: 0.9 } },
  E4: { fire: { livingDonations: 3, deceasedTransplants: 0, nonResidentShare: 0.5 }, clear: { livingDonations: 3, deceasedTransplants: 2, nonResidentShare: 0.5 } },
  F1: { fire: { recipientOnMatchList: false }, clear: { recipientOnMatchList: true } },
  F2: { fire: { skippedWithoutResponse: 1 }, clear: { skippedWithoutResponse: 0 } },
  F3: { fire: { outputHashValid: true, storedHashMatches: false }, clear: { outputHashValid: true, storedHashMatches: true } },
  G1: { fire: { subjectKind: 'living-donor', overdue: true }, clear: { subjectKind: 'living-donor', overdue: false } },
  G2: { fire: { subjectKind: 'recipient', overdue: true }, clear: { subjectKind: 'recipient', overdue: false } },
  G3: { fire: { subjectProtected: true, viewerHasProtectionRole: false }, clear: { subjectProtected: true, viewerHasProtectionRole: true } }
}

function record (rule: IndicatorRule, facts: Facts): SubjectRecord {
  return { subject: rule.subject, entityType: 'thing', entityId: 'X-1', subjectIds: ['D-1'], facts }
}

t.test('every rule of the catalogue fires, stays clear, and reports missing data', async (t) => {
  t.same(Object.keys(CASES).sort(), INDICATOR_RULES.map((r) => r.id).sort(), 'a case for every rule')
  for (const rule of INDICATOR_RULES) {
    const cases = CASES[rule.id]
    if (cases === undefined) continue
    const fired = evaluateRule(rule, record(rule, cases.fire))
    t.equal(fired.outcome, 'fired', `${rule.id} fires`)
    if (fired.outcome === 'fired') {
      t.equal(fired.finding.flagRuleId, ruleKey(rule))
      t.equal(fired.finding.severity, rule.severity)
      for (const field of rule.requiredFields) t.same(fired.finding.evidence.facts[field], cases.fire[field], `${rule.id} evidence carries ${field}`)
    }
    t.equal(evaluateRule(rule, record(rule, cases.clear)).outcome, 'clear', `${rule.id} stays clear`)
    for (const field of rule.requiredFields) {
      const facts: Record<string, unknown> = { ...cases.fire }
      delete facts[field]
      const missing = evaluateRule(rule, record(rule, facts as Facts))
      t.equal(missing.outcome, 'missing-data', `${rule.id} without ${field} reports missing data`)
      if (missing.outcome === 'missing-data') {
        t.ok(missing.finding.evidence.missingFields?.includes(field), `${rule.id} names ${field} as missing`)
        t.equal(missing.finding.flagRuleId, `${ruleKey(rule)}:missing-data`)
        t.equal(missing.finding.severity, rule.severity === 'M' ? 'M' : 'R')
      }
    }
  }
})

t.test('applicability: a rule that does not apply gives no finding, and unknown applicability is missing data', async (t) => {
  const a2 = indicatorRule('A2') as IndicatorRule
  t.equal(evaluateRule(a2, record(a2, { surgeryAt: null })).outcome, 'not-applicable', 'no surgery yet: A2 does not apply')
  const b3 = indicatorRule('B3') as IndicatorRule
  t.equal(evaluateRule(b3, record(b3, { relationship: 'genetic', kinship: 'sibling' })).outcome, 'not-applicable')
  const unknownKinship = evaluateRule(b3, record(b3, { relationship: 'genetic' }))
  t.equal(unknownKinship.outcome, 'missing-data')
  if (unknownKinship.outcome === 'missing-data') t.same(unknownKinship.finding.evidence.missingFields, ['kinship'])
  const g1 = indicatorRule('G1') as IndicatorRule
  t.equal(evaluateRule(g1, record(g1, { subjectKind: 'recipient', overdue: true })).outcome, 'not-applicable')
  t.throws(() => evaluateRule(g1, { ...record(g1, {}), subject: 'organ' }), { code: 'ENGINE_INVALID_FIELD', field: 'record.subject' })
})

t.test('a finding is stable: same facts, same key and evidence; scope separates periods', async (t) => {
  const d4 = indicatorRule('D4') as IndicatorRule
  const base = { subject: 'centre-year' as const, entityType: 'centre', entityId: 'NL-PRIV', subjectIds: [], facts: { transplants: 12, nonResidentShare: 0.5, year: 2025 } }
  const first = evaluateRule(d4, { ...base, scope: '2025' })
  const again = evaluateRule(d4, { ...base, scope: '2025' })
  const other = evaluateRule(d4, { ...base, scope: '2024' })
  if (first.outcome !== 'fired' || again.outcome !== 'fired' || other.outcome !== 'fired') throw new Error('D4 should fire')
  t.same(first.finding, again.finding)
  t.not(first.finding.findingKey, other.finding.findingKey)
  t.match(first.finding.findingKey, /^D4@1\|centre\|NL-PRIV\|2025$/)
  t.same(first.finding.evidence.facts, { nonResidentShare: 0.5, transplants: 12, year: 2025 })
  t.same(first.finding.evidence.parameters, { minTransplants: 10, maxNonResidentShare: 0.2 })
})

t.test('evaluateCatalogue tallies every outcome per rule', async (t) => {
  const a5 = indicatorRule('A5') as IndicatorRule
  const records: SubjectRecord[] = [
    record(a5, { recoveredAt: null, hoursWithoutDisposition: null }),
    record(a5, { recoveredAt: '2025-01-01T00:00:00Z', hoursWithoutDisposition: 100 }),
    record(a5, { recoveredAt: '2025-01-01T00:00:00Z', hoursWithoutDisposition: 2 }),
    record(a5, { recoveredAt: '2025-01-01T00:00:00Z' })
  ]
  const { findings, tallies } = evaluateCatalogue([a5], records)
  t.same(tallies, [{ rule: 'A5@1', evaluated: 4, notApplicable: 1, clear: 1, fired: 1, missingData: 1 }])
  t.same(findings.map((f) => f.kind), ['fired', 'missing-data'])
})

t.test('condition semantics: null never compares, keyed parameters, lists from parameters', async (t) => {
  const rule: IndicatorRule = validateRule({
    id: 'A99',
    version: 1,
    group: 'A',
    title: 'test',
    severity: 'R',
    subject: 'organ',
    firesWhen: { any: [{ lt: [{ field: 'n' }, { value: 3 }] }, { in: [{ field: 's' }, { param: 'list' }] }, { gt: [{ field: 'n' }, { param: 'limit', key: { field: 'k' } }] }] },
    requiredFields: ['n', 's', 'k'],
    parameters: { list: ['x', 'y'], limit: { a: 10, b: 20 } },
    sources: ['test'],
    rationale: 'test'
  })
  t.equal(evaluateCondition(rule.firesWhen, { n: null, s: 'z', k: 'a' }, rule), false, 'null is neither less nor greater')
  t.equal(evaluateCondition(rule.firesWhen, { n: 2, s: 'z', k: 'a' }, rule), true)
  t.equal(evaluateCondition(rule.firesWhen, { n: 5, s: 'y', k: 'a' }, rule), true)
  t.equal(evaluateCondition(rule.firesWhen, { n: 15, s: 'z', k: 'a' }, rule), true)
  t.equal(evaluateCondition(rule.firesWhen, { n: 15, s: 'z', k: 'b' }, rule), false)
  t.equal(evaluateCondition({ le: [{ field: 'n' }, { value: 5 }] }, { n: 5 }, rule), true)
  t.equal(evaluateCondition({ ge: [{ field: 'd' }, { value: '2025-01-01' }] }, { d: '2025-06-01' }, rule), true, 'ISO dates compare as text')
  t.equal(evaluateCondition({ ne: [{ field: 'n' }, { value: null }] }, { n: null }, rule), false)
  t.throws(() => evaluateCondition(rule.firesWhen, { n: 15, s: 'z', k: 'c' }, rule), { code: 'ENGINE_INVALID_FIELD', field: 'A99@1.parameters.limit' })
  t.throws(() => evaluateCondition({ lt: [{ field: 'n' }, { value: 'x' }] }, { n: 1 }, rule), { code: 'ENGINE_INVALID_FIELD', field: 'A99@1.lt' })
  t.throws(() => evaluateCondition({ eq: [{ field: 'l' }, { value: 'x' }] }, { l: ['x'] }, rule), { code: 'ENGINE_INVALID_FIELD', field: 'A99@1.eq' })
  t.throws(() => evaluateCondition({ eq: [{ field: 'q' }, { value: 'x' }] }, {}, rule), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => evaluateCondition({ eq: [{ param: 'limit' }, { value: 1 }] }, {}, rule), { code: 'ENGINE_INVALID_FIELD', field: 'A99@1.parameters.limit' })
  t.same([...conditionFields(rule.firesWhen, 'c', rule.parameters)].sort(), ['k', 'n', 's'])
})

t.test('fast-check: numeric threshold rules fire exactly above their parameter', async (t) => {
  const a5 = indicatorRule('A5') as IndicatorRule
  const limit = a5.parameters?.maxHoursWithoutDisposition as number
  fc.assert(fc.property(fc.double({ min: 0, max: 1000, noNaN: true }), (hours) => {
    const result = evaluateRule(a5, record(a5, { recoveredAt: '2025-01-01T00:00:00Z', hoursWithoutDisposition: hours }))
    return result.outcome === (hours > limit ? 'fired' : 'clear')
  }), { numRuns: 200 })
  t.pass()
})

t.test('rule validation refuses malformed rules, naming the field', async (t) => {
  const good = indicatorRule('A1') as IndicatorRule
  const bad = (patch: Record<string, unknown>): IndicatorRule => ({ ...good, ...patch }) as IndicatorRule
  t.throws(() => validateRule(undefined as never), { code: 'ENGINE_MISSING_FIELD' })
  t.throws(() => validateRule(bad({ id: 'Z1' })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.id' })
  t.throws(() => validateRule(bad({ version: 0 })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.version' })
  t.throws(() => validateRule(bad({ group: 'B' })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.group' })
  t.throws(() => validateRule(bad({ severity: 'X' })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.severity' })
  t.throws(() => validateRule(bad({ subject: 'planet' })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.subject' })
  t.throws(() => validateRule(bad({ title: '' })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.title' })
  t.throws(() => validateRule(bad({ rationale: '' })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.rationale' })
  t.throws(() => validateRule(bad({ sources: [] })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.sources' })
  t.throws(() => validateRule(bad({ requiredFields: [] })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.requiredFields' })
  t.throws(() => validateRule(bad({ requiredFields: ['Bad Name'] })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.requiredFields[0]' })
  t.throws(() => validateRule(bad({ requiredFields: ['other'] })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.requiredFields', rule: /centreAuthorised/ }, 'a fact the condition reads must be required')
  t.throws(() => validateRule(bad({ firesWhen: { eq: [{ field: 'centreAuthorised' }] } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen.eq' })
  t.throws(() => validateRule(bad({ firesWhen: { all: [] } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen.all' })
  t.throws(() => validateRule(bad({ firesWhen: { xor: [] } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen.xor' })
  t.throws(() => validateRule(bad({ firesWhen: { eq: [], ne: [] } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen' })
  t.throws(() => validateRule(bad({ firesWhen: 'true' })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen' })
  t.throws(() => validateRule(bad({ firesWhen: { isNull: 3 } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen.isNull' })
  t.throws(() => validateRule(bad({ firesWhen: { eq: [{ field: 'centreAuthorised' }, { nothing: 1 }] } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen.eq[1]' })
  t.throws(() => validateRule(bad({ firesWhen: { eq: [{ field: 'x y' }, { value: 1 }] } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen.eq[0].field' })
  t.throws(() => validateRule(bad({ firesWhen: { eq: [{ field: 'centreAuthorised' }, { param: 'nope' }] } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen.eq[1].param' })
  t.throws(() => validateRule(bad({ parameters: { n: 1 }, firesWhen: { eq: [{ field: 'centreAuthorised' }, { param: 'n', key: { field: 'centreAuthorised' } }] } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen.eq[1].key' })
  t.throws(() => validateRule(bad({ firesWhen: { in: [{ field: 'centreAuthorised' }] } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen.in' })
  t.throws(() => validateRule(bad({ firesWhen: { in: [{ field: 'centreAuthorised' }, { param: 'nope' }] } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.firesWhen.in[1]' })
  t.throws(() => validateRule(bad({ appliesWhen: { not: { bogus: 1 } } })), { code: 'ENGINE_INVALID_FIELD', field: 'rule.appliesWhen.not.bogus' })
  t.throws(() => validateCatalogue([good, good]), { code: 'ENGINE_INVALID_FIELD', field: 'rules[1].id', rule: /repeats A1@1/ })
})

t.test('the catalogue is versioned and hashed', async (t) => {
  t.equal(INDICATOR_CATALOGUE_HASH, contentHash(INDICATOR_RULES))
  t.match(INDICATOR_CATALOGUE_HASH, /^[0-9a-f]{64}$/)
  const groups = new Set(INDICATOR_RULES.map((r) => r.group))
  t.same([...groups].sort(), ['A', 'B', 'C', 'D', 'E', 'F', 'G'], 'every group of the reference catalogue has rules')
  t.ok(INDICATOR_RULES.every((r) => r.sources.length > 0 && r.version === 1))
  const newer = { ...(indicatorRule('A5') as IndicatorRule), version: 2, parameters: { maxHoursWithoutDisposition: 48 } }
  t.equal(indicatorRule('A5', [...INDICATOR_RULES, newer])?.version, 2, 'the newest version of an id wins')
  t.equal(indicatorRule('Z9'), undefined)
  t.not(contentHash([...INDICATOR_RULES, newer]), INDICATOR_CATALOGUE_HASH, 'a new rule version changes the rule-set hash')
})

t.test('fact helpers', async (t) => {
  t.equal(hoursBetween('2025-01-01T00:00:00Z', '2025-01-02T12:00:00Z'), 36)
  t.equal(hoursBetween('2025-01-02T00:00:00Z', '2025-01-01T00:00:00Z'), -24)
  t.equal(daysBetween('2025-01-01', '2025-03-01'), 59)
  t.same(lociWithoutSharedAntigen({ A: ['A2', 'A24'], B: ['B7', 'B44'], DR: ['DR4', 'DR15'] }, { A: ['A2', 'A3'], B: ['B7'], DR: ['DR4'] }), [])
  t.same(lociWithoutSharedAntigen({ A: ['A9'], B: ['B7'], DR: ['DR4'] }, { A: ['A24'], B: ['B8'], DR: ['DR1', 'DR4'] }), ['B'], 'a broad and its split are shared; B is not')
  t.equal(proportionZScore(10, 10, 0.3), Math.round(0.7 / Math.sqrt(0.21 / 10) * 1000) / 1000)
  t.equal(proportionZScore(0, 0, 0.3), 0)
  t.equal(proportionZScore(5, 5, 1), 0)
  t.ok(proportionZScore(0, 10, 0.5) < 0)
})
