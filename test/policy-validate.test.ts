import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import { PolicyValidationError, type PolicyIssue } from '../engine/errors.js'
import { validatePolicy } from '../engine/policy/validate-policy.js'
import { compilePolicy, policyHash } from '../engine/policy/compile-policy.js'
import type { PolicyDocument } from '../engine/policy/policy-schema.js'
import { builtInPolicy, builtInPolicyDocument, builtInPolicyDocuments, loadPolicyDocuments, packageRoot, policiesDirectory } from '../data/policies/index.js'
import { policySchemaText, writePolicySchema } from '../data/policies/write-schema.js'
import { minimalPolicy } from './fixtures/policy-minimal.js'

/** The issues a document is refused with (fails the test if it is accepted). */
function issuesOf (t: Test, document: unknown): PolicyIssue[] {
  try {
    validatePolicy(document)
  } catch (error) {
    t.ok(error instanceof PolicyValidationError, 'PolicyValidationError')
    t.equal((error as PolicyValidationError).code, 'ENGINE_POLICY_INVALID')
    return (error as PolicyValidationError).issues
  }
  t.fail('the document was accepted')
  return []
}

/** Asserts that some issue sits at `path` and its message matches `pattern`. */
function hasIssue (t: Test, issues: PolicyIssue[], path: string, pattern: RegExp): void {
  const found = issues.find((i) => i.path === path && pattern.test(i.message))
  t.ok(found, `issue at ${path} matching ${pattern} (got ${JSON.stringify(issues)})`)
}

type Tweak = (p: PolicyDocument & Record<string, unknown>) => void

function mutated (tweak: Tweak): PolicyDocument {
  const document = minimalPolicy() as PolicyDocument & Record<string, unknown>
  tweak(document)
  return document
}

t.test('the built-in policies and the minimal fixture are valid', async (t) => {
  const ids = builtInPolicyDocuments().map((d) => d.id)
  t.ok(ids.includes('us-kas-kidney') && ids.includes('etkas-kidney'), `built-ins: ${ids.join(', ')}`)
  t.same(ids, [...ids].sort(), 'sorted by id')
  for (const document of builtInPolicyDocuments()) t.equal(validatePolicy(document), document)
  t.equal(validatePolicy(minimalPolicy()).id, 'test-policy')
  t.equal(builtInPolicy('etkas-kidney'), builtInPolicy('etkas-kidney'), 'compiled once and cached')
  t.equal(builtInPolicy('us-kas-kidney').hash, policyHash(builtInPolicyDocument('us-kas-kidney')))
  t.throws(() => builtInPolicyDocument('no-such-policy'), { code: 'ENGINE_UNKNOWN_VALUE', field: 'policyId' })
})

t.test('a protected attribute is refused wherever it appears, with its JSON path', async (t) => {
  const sex = issuesOf(t, mutated((p) => { (p.components[0] as { input: string }).input = 'candidate.sex' }))
  hasIssue(t, sex, '/components/0/input', /protected attribute \(sex\)/)
  const race = issuesOf(t, mutated((p) => { p.tiers[0] = { name: 'all', when: 'candidate.race == "x" or true' } }))
  hasIssue(t, race, '/tiers/0/when', /"candidate\.race" refers to a protected attribute \(race\/ethnicity\)/)
  const female = issuesOf(t, mutated((p) => { p.tieBreakers.push({ name: 'x', input: 'if(donor.isFemale, 1, 0)', order: 'asc' }) }))
  hasIssue(t, female, '/tieBreakers/0/input', /protected attribute \(sex\)/)
  const payer = issuesOf(t, mutated((p) => {
    p.eligibility.rules.push({ id: 'no-payer', reason: 'POLICY_RULE', require: 'candidate.payerType == "private"', description: 'x' })
  }))
  hasIssue(t, payer, '/eligibility/rules/0/require', /protected attribute \(payer\)/)
  const nationality = issuesOf(t, mutated((p) => {
    p.components[0] = { name: 'n', scale: { kind: 'formula', formula: 'if(candidate.nationality == "NL", 10, 0)' }, weight: 1 }
  }))
  hasIssue(t, nationality, '/components/0/scale/formula', /protected attribute \(nationality\)/)
  // A protected field added to the document itself is refused by the closed schema.
  hasIssue(t, issuesOf(t, mutated((p) => { p.sex = 'F' })), '/sex', /unexpected property/)
})

t.test('an unknown attribute is refused with its path and position', async (t) => {
  const issues = issuesOf(t, mutated((p) => { (p.components[0] as { input: string }).input = 'candidate.waitingDays + candidate.favouriteColour' }))
  hasIssue(t, issues, '/components/0/input', /unknown attribute "candidate\.favouriteColour".*at character 25 of/)
  hasIssue(t, issuesOf(t, mutated((p) => { p.tiers[0] = { name: 'all', when: 'patient.age > 3' } })), '/tiers/0/when', /unknown attribute "patient\.age"/)
  hasIssue(t, issuesOf(t, mutated((p) => { p.tiers[0] = { name: 'all', when: 'waitingDays > 3' } })), '/tiers/0/when', /unknown attribute "waitingDays"/)
})

t.test('structural errors name the field and the rule', async (t) => {
  const missingTiers = issuesOf(t, mutated((p) => { delete (p as Partial<PolicyDocument>).tiers }))
  t.same(missingTiers.map((i) => i.path), ['/tiers'], 'one issue for a missing property')
  hasIssue(t, missingTiers, '/tiers', /required property/)
  hasIssue(t, issuesOf(t, mutated((p) => { (p as { organType: string }).organType = 'kidny' })), '/organType', /must be one of "kidney", "liver"/)
  hasIssue(t, issuesOf(t, mutated((p) => { (p.components[0] as { scale: unknown }).scale = { kind: 'cubic' } })), '/components/0/scale/kind', /must be one of "linear", "steps"/)
  hasIssue(t, issuesOf(t, mutated((p) => { (p.components[0] as { scale: unknown }).scale = { kind: 'linear', slope: '1' } })), '/components/0/scale/slope', /expected number/)
  hasIssue(t, issuesOf(t, mutated((p) => { (p.components[0] as { scale: unknown }).scale = { kind: 'linear', slope: 1, cap: 3 } })), '/components/0/scale/cap', /unexpected property/)
  hasIssue(t, issuesOf(t, mutated((p) => { p.version = 'v1' })), '/version', /to match .*Semantic version of this policy, e\.g\. 1\.0\.0/)
  hasIssue(t, issuesOf(t, mutated((p) => { p.id = 'Has Spaces' })), '/id', /to match .*kebab-case/)
  hasIssue(t, issuesOf(t, mutated((p) => { p.tiers = [] })), '/tiers', /greater or equal to 1/)
  hasIssue(t, issuesOf(t, mutated((p) => { (p.eligibility.abo as { ruleSet: string }).ruleSet = 'any' })), '/eligibility/abo/ruleSet', /must be one of "identical"/)
  hasIssue(t, issuesOf(t, null), '', /expected object/)
  const many = issuesOf(t, mutated((p) => { p.version = 'x'; p.id = 'X'; p.name = '' }))
  t.ok(many.length >= 3, `every structural issue is listed (${many.length})`)
})

t.test('semantic errors are found after the structure is right', async (t) => {
  const cases: Array<[string, Tweak, string, RegExp]> = [
    ['syntax error', (p) => { p.tiers[0] = { name: 'all', when: 'candidate.cpraPercent >= ' } }, '/tiers/0/when', /syntax error: unexpected end of expression/],
    ['chained comparison', (p) => { p.tiers[0] = { name: 'all', when: '1 < candidate.cpraPercent < 5' } }, '/tiers/0/when', /cannot be chained/],
    ['unknown function', (p) => { p.tiers[0] = { name: 'all', when: 'sqrt(candidate.cpraPercent) > 1' } }, '/tiers/0/when', /unknown function "sqrt"/],
    ['C-style operator', (p) => { p.tiers[0] = { name: 'all', when: 'true && false' } }, '/tiers/0/when', /write "and", "or", "not"/],
    ['caret', (p) => { p.tiers[0] = { name: 'all', when: '2 ^ 3 > 1' } }, '/tiers/0/when', /pow\(base, exponent\)/],
    ['tier is not a condition', (p) => { p.tiers[0] = { name: 'all', when: 'candidate.cpraPercent' } }, '/tiers/0/when', /must be a true\/false condition \(found a number\)/],
    ['arithmetic on a boolean', (p) => { (p.components[0] as { input: string }).input = 'candidate.priorLivingDonor * 4' }, '/components/0/input', /must be a number .*if\(condition, 1, 0\)/],
    ['category with a number', (p) => { p.tiers[0] = { name: 'all', when: 'candidate.urgency == 1' } }, '/tiers/0/when', /compared with a quoted value/],
    ['unknown urgency class', (p) => { p.tiers[0] = { name: 'all', when: 'candidate.urgency == "H U"' } }, '/tiers/0/when', /"H U" is not a value of candidate\.urgency; the policy's urgencyClasses are "elective", "HU"/],
    ['unknown ABO group', (p) => { p.tiers[0] = { name: 'all', when: 'donor.abo != "C"' } }, '/tiers/0/when', /"C" is not a value of donor\.abo/],
    ['text outside a comparison', (p) => { p.tiers[0] = { name: 'all', when: '"a" == "a"' } }, '/tiers/0/when', /quoted text can only be compared/],
    ['mixed types', (p) => { p.tiers[0] = { name: 'all', when: 'candidate.priorLivingDonor == 1' } }, '/tiers/0/when', /cannot compare a true\/false condition with a number/],
    ['if branches differ', (p) => { (p.components[0] as { input: string }).input = 'if(donor.dcd, 1, true)' }, '/components/0/input', /both branches of if\(\)/],
    ['arity', (p) => { (p.components[0] as { input: string }).input = 'pow(2)' }, '/components/0/input', /pow\(\) takes 2 arguments \(got 1\)/],
    ['aboCompatible rule set', (p) => { p.tiers[0] = { name: 'all', when: 'aboCompatible("any")' } }, '/tiers/0/when', /quoted ABO rule set/],
    ['known of a required attribute', (p) => { p.tiers[0] = { name: 'all', when: 'known(candidate.ageYears)' } }, '/tiers/0/when', /known\(\) takes one optional attribute/],
    ['HLA without match levels', (p) => { p.tiers[0] = { name: 'all', when: 'pair.mismatchTotal <= 6' } }, '/hlaMatching', /required because \/tiers\/0\/when reads pair\.mismatchTotal/],
    ['impossible date', (p) => { p.effectiveFrom = '2023-02-30' }, '/effectiveFrom', /calendar date/],
    ['duplicate tier', (p) => { p.tiers.push({ name: 'all', when: 'false' }) }, '/tiers/1', /tier name "all" is used twice/],
    ['duplicate component', (p) => { p.components.push({ ...(p.components[0] as PolicyDocument['components'][number]) }) }, '/components/1', /component name "waiting" is used twice/],
    ['reserved tie-breaker name', (p) => { p.tieBreakers.push({ name: 'lottery', input: 'candidate.waitingDays', order: 'desc' }) }, '/tieBreakers/0/name', /reserved/],
    ['input missing', (p) => { delete (p.components[0] as { input?: string }).input }, '/components/0', /must have an input/],
    ['input on a formula', (p) => { p.components[0] = { name: 'f', input: 'candidate.waitingDays', scale: { kind: 'formula', formula: '1' }, weight: 1 } }, '/components/0/input', /must be absent for a formula scale/],
    ['formula not a number', (p) => { p.components[0] = { name: 'f', scale: { kind: 'formula', formula: 'donor.dcd' }, weight: 1 } }, '/components/0/scale/formula', /must be a number/],
    ['linear caps reversed', (p) => { (p.components[0] as { scale: unknown }).scale = { kind: 'linear', slope: 1, min: 5, max: 1 } }, '/components/0/scale/min', /must not exceed max/],
    ['steps not increasing', (p) => { (p.components[0] as { scale: unknown }).scale = { kind: 'steps', below: 0, steps: [{ atLeast: 5, value: 1 }, { atLeast: 5, value: 2 }] } }, '/components/0/scale/steps/1/atLeast', /greater than the previous/],
    ['knots not increasing', (p) => { (p.components[0] as { scale: unknown }).scale = { kind: 'piecewise-linear', points: [{ at: 2, value: 1 }, { at: 1, value: 2 }] } }, '/components/0/scale/points/1/at', /greater than the previous knot/],
    ['exponential base 1', (p) => { (p.components[0] as { scale: unknown }).scale = { kind: 'exponential', base: 1, from: 0, to: 1 } }, '/components/0/scale/base', /must not be 1/],
    ['exponential empty range', (p) => { (p.components[0] as { scale: unknown }).scale = { kind: 'exponential', base: 2, from: 1, to: 1 } }, '/components/0/scale/to', /must differ/],
    ['lookup key type', (p) => { (p.components[0] as { scale: unknown }).scale = { kind: 'lookup', entries: [{ key: 'a', value: 1 }], otherwise: 0 } }, '/components/0/scale/entries/0', /does not fit the input .* number \(numeric keys\)/],
    ['lookup duplicate key', (p) => { (p.components[0] as { scale: unknown }).scale = { kind: 'lookup', entries: [{ key: 1, value: 1 }, { key: 1, value: 2 }], otherwise: 0 } }, '/components/0/scale/entries/1', /listed twice/],
    ['lookup category value', (p) => { p.components[0] = { name: 'u', input: 'candidate.urgency', scale: { kind: 'lookup', entries: [{ key: 'T', value: 1 }], otherwise: 0 }, weight: 1 } }, '/components/0/scale/entries/0', /"T" is not a value of candidate\.urgency/],
    ['matrix shape', (p) => {
      p.components[0] = { name: 'm', scale: { kind: 'matrix', rows: { input: 'donor.dcd', keys: [false, true] }, columns: { input: 'candidate.abo', keys: ['O', 'A'] }, values: [[1, 2]], otherwise: 0 }, weight: 1 }
    }, '/components/0/scale/values', /one row per row key \(2\), found 1/],
    ['matrix row width', (p) => {
      p.components[0] = { name: 'm', scale: { kind: 'matrix', rows: { input: 'donor.dcd', keys: [false, true] }, columns: { input: 'candidate.abo', keys: ['O', 'A'] }, values: [[1, 2], [3]], otherwise: 0 }, weight: 1 }
    }, '/components/0/scale/values/1', /one value per column key \(2\), found 1/],
    ['matrix key type', (p) => {
      p.components[0] = { name: 'm', scale: { kind: 'matrix', rows: { input: 'donor.dcd', keys: [0, 1] }, columns: { input: 'candidate.abo', keys: ['O'] }, values: [[1], [2]], otherwise: 0 }, weight: 1 }
    }, '/components/0/scale/rows/keys/0', /true\/false condition \(keys true and false\)/]
  ]
  for (const [name, tweak, path, pattern] of cases) {
    t.test(name, async (t) => hasIssue(t, issuesOf(t, mutated(tweak)), path, pattern))
  }
})

t.test('every semantic issue is listed, and the error names the first one', async (t) => {
  const document = mutated((p) => {
    p.tiers[0] = { name: 'all', when: 'candidate.sex == "x"' }
    ;(p.components[0] as { input: string }).input = 'candidate.unknownThing'
    p.effectiveFrom = '2023-13-01'
  })
  const error = t.throws(() => validatePolicy(document)) as PolicyValidationError
  t.equal(error.issues.length, 3)
  t.equal(error.field, error.issues[0]?.path)
  t.match(error.message, /and 2 more/)
  t.throws(() => compilePolicy(document), { code: 'ENGINE_POLICY_INVALID' })
  const cyclic: Record<string, unknown> = { ...minimalPolicy() }
  cyclic.self = cyclic
  t.throws(() => compilePolicy(cyclic), { code: 'ENGINE_POLICY_INVALID', field: '' })
})

t.test('docs/policy.schema.json is the schema generated from the TypeBox definition', async (t) => {
  const published = readFileSync(join(packageRoot(), 'docs', 'policy.schema.json'), 'utf8')
  t.equal(published, policySchemaText(), 'regenerate with: node --import tsx data/policies/write-schema.ts')
  const dir = t.testdir({})
  const written = writePolicySchema(join(dir, 'schema.json'))
  t.equal(readFileSync(written, 'utf8'), policySchemaText())

  // The published schema works in a standard validator: it accepts the built-ins and refuses a bad document.
  const ajv = new Ajv({ allErrors: true, strict: false })
  const validate = ajv.compile(JSON.parse(published) as object)
  for (const document of builtInPolicyDocuments()) t.ok(validate(document), `${document.id} passes the published schema`)
  t.notOk(validate(mutated((p) => { p.sex = 'F' })), 'an extra property fails')
})

t.test('the loader reads every JSON file of a directory and reports problems with the file name', async (t) => {
  t.ok(policiesDirectory().endsWith(join('data', 'policies')))
  const good = JSON.stringify(minimalPolicy())
  const dir = t.testdir({ 'test-policy.json': good, 'notes.txt': 'ignored' })
  t.same(loadPolicyDocuments(dir).map((d) => d.id), ['test-policy'])

  const badJson = t.testdir({ 'broken.json': '{ "id": ' })
  t.throws(() => loadPolicyDocuments(badJson), { code: 'ENGINE_POLICY_INVALID', field: 'data/policies/broken.json#' })

  const misnamed = t.testdir({ 'other-name.json': good })
  t.throws(() => loadPolicyDocuments(misnamed), { code: 'ENGINE_POLICY_INVALID', field: 'data/policies/other-name.json#/id' })

  const invalid = t.testdir({ 'test-policy.json': JSON.stringify(minimalPolicy({ version: 'x' })) })
  t.throws(() => loadPolicyDocuments(invalid), { code: 'ENGINE_POLICY_INVALID', field: 'data/policies/test-policy.json#/version' })
})
