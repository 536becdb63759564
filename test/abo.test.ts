import t from 'tap'
import fc from 'fast-check'
import { ABO_GROUPS, ABO_TYPES, aboGroup, type AboGroup, type AboType } from '../engine/domain/abo.js'
import { ABO_RULE_SETS, isAboCompatible, type AboRuleSet } from '../engine/clinical/abo-compatibility.js'

/**
 * Expected truth tables, written out by hand from clinical-scores.md section 5: one row per donor
 * group, candidate columns O, A, B, AB ('1' = allowed). A2/A2B → B under us-kidney is checked apart.
 */
const TRUTH: Record<AboRuleSet, Record<AboGroup, string>> = {
  identical: { O: '1000', A: '0100', B: '0010', AB: '0001' },
  compatible: { O: '1111', A: '0101', B: '0011', AB: '0001' },
  'us-kidney': { O: '1000', A: '0101', B: '0010', AB: '0001' },
  'uk-kidney-tier-a': { O: '1111', A: '0101', B: '0010', AB: '0001' },
  'uk-kidney-tier-b': { O: '1010', A: '0101', B: '0010', AB: '0001' },
  'heart-primary': { O: '1010', A: '0101', B: '0011', AB: '0001' },
  'heart-secondary': { O: '0101', A: '0000', B: '0000', AB: '0000' }
}

t.test('histoc vectors [published, test_histof.R]', async (t) => {
  t.equal(isAboCompatible('identical', 'O', 'A'), false)
  t.equal(isAboCompatible('compatible', 'O', 'A'), true)
  t.equal(isAboCompatible('identical', 'A', 'AB'), false)
  t.equal(isAboCompatible('compatible', 'A', 'AB'), true)
  t.equal(isAboCompatible('identical', 'AB', 'AB'), true)
})

t.test('full truth table of every rule set over the eight ABO types', async (t) => {
  t.same(Object.keys(TRUTH).sort(), [...ABO_RULE_SETS].sort(), 'every rule set has a table')
  const wrong: string[] = []
  let checked = 0
  for (const ruleSet of ABO_RULE_SETS) {
    for (const donor of ABO_TYPES) {
      for (const candidate of ABO_TYPES) {
        for (const eligible of [false, true]) {
          const a2Exception = ruleSet === 'us-kidney' && eligible && (donor === 'A2' || donor === 'A2B') && aboGroup(candidate) === 'B'
          const expected = a2Exception || TRUTH[ruleSet][aboGroup(donor)][ABO_GROUPS.indexOf(aboGroup(candidate))] === '1'
          if (isAboCompatible(ruleSet, donor, candidate, eligible) !== expected) wrong.push(`${ruleSet}: ${donor} → ${candidate}${eligible ? ' (A2-eligible)' : ''}`)
          checked++
        }
      }
    }
  }
  t.equal(checked, 7 * 8 * 8 * 2)
  t.same(wrong, [], 'pairs that disagree with the table')
})

t.test('us-kidney: A2 and A2B go to eligible B candidates only', async (t) => {
  t.equal(isAboCompatible('us-kidney', 'A2', 'B', true), true)
  t.equal(isAboCompatible('us-kidney', 'A2B', 'B', true), true)
  t.equal(isAboCompatible('us-kidney', 'A2', 'B', false), false)
  t.equal(isAboCompatible('us-kidney', 'A2', 'B'), false, 'absent flag means not eligible')
  t.equal(isAboCompatible('us-kidney', 'A', 'B', true), false, 'subtype unknown: no exception')
  t.equal(isAboCompatible('us-kidney', 'A1', 'B', true), false)
  t.equal(isAboCompatible('us-kidney', 'A2', 'O', true), false, 'A2 to O is not part of the rule')
  t.equal(isAboCompatible('compatible', 'A2', 'B', true), false, 'the flag is read by us-kidney only')
  t.equal(isAboCompatible('us-kidney', 'O', 'A'), false, 'O kidneys only to O')
  t.equal(isAboCompatible('us-kidney', 'B', 'AB'), false, 'B kidneys only to B')
})

t.test('unknown rule sets and ABO types are refused, naming the field', async (t) => {
  t.throws(() => isAboCompatible('liver' as AboRuleSet, 'O', 'O'), { code: 'ENGINE_UNKNOWN_VALUE', field: 'ruleSet' })
  t.throws(() => isAboCompatible('toString' as AboRuleSet, 'O', 'O'), { code: 'ENGINE_UNKNOWN_VALUE', field: 'ruleSet' })
  t.throws(() => isAboCompatible('identical', 'C' as AboType, 'O'), { code: 'ENGINE_UNKNOWN_VALUE', field: 'donorAbo' })
  t.throws(() => isAboCompatible('identical', 'O', 'o' as AboType), { code: 'ENGINE_UNKNOWN_VALUE', field: 'candidateAbo' })
  t.throws(() => isAboCompatible('identical', 'constructor' as AboType, 'O'), { code: 'ENGINE_UNKNOWN_VALUE', field: 'donorAbo' })
})

const typeArb = fc.constantFrom(...ABO_TYPES)

t.test('property: heart primary and secondary are disjoint and together are "compatible"', async (t) => {
  fc.assert(fc.property(typeArb, typeArb, (donor, candidate) => {
    const primary = isAboCompatible('heart-primary', donor, candidate)
    const secondary = isAboCompatible('heart-secondary', donor, candidate)
    return !(primary && secondary) && (primary || secondary) === isAboCompatible('compatible', donor, candidate)
  }), { numRuns: 200 })
  t.pass()
})

t.test('property: every rule set allows only ABO-compatible pairs; all but heart-secondary allow identical groups', async (t) => {
  fc.assert(fc.property(fc.constantFrom(...ABO_RULE_SETS), typeArb, typeArb, fc.boolean(), (ruleSet, donor, candidate, eligible) => {
    const allowed = isAboCompatible(ruleSet, donor, candidate, eligible)
    const a2ToB = ruleSet === 'us-kidney' && (donor === 'A2' || donor === 'A2B') && aboGroup(candidate) === 'B'
    if (allowed && !a2ToB && !isAboCompatible('compatible', donor, candidate)) return false
    if (ruleSet !== 'heart-secondary' && aboGroup(donor) === aboGroup(candidate) && !allowed) return false
    return true
  }), { numRuns: 300 })
  t.pass()
})

t.test('property: UK tier B never allows more than tier A', async (t) => {
  fc.assert(fc.property(typeArb, typeArb, (donor, candidate) =>
    !isAboCompatible('uk-kidney-tier-b', donor, candidate) || isAboCompatible('uk-kidney-tier-a', donor, candidate)), { numRuns: 100 })
  t.pass()
})
