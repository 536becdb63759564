import t from 'tap'
import fc from 'fast-check'
import { ABO_TYPES, type AboType } from '../engine/domain/abo.js'
import type { HlaTyping, MatchLocus } from '../engine/domain/hla.js'
import { HLA_ANTIGENS, antigensOfLocus } from '../engine/clinical/hla-antigens.js'
import { offendingAntigens } from '../engine/clinical/virtual-crossmatch.js'
import { virtualPra } from '../engine/clinical/vpra.js'
import {
  MMP_DONOR_HORIZON, mismatchProbability, mismatchProbabilityTerms, populationFrequencies, type PopulationFrequencies
} from '../engine/clinical/mismatch-probability.js'

const PANEL: HlaTyping[] = [
  { A: ['A1', 'A2'], B: ['B7', 'B8'], DR: ['DR15', 'DR4'] },
  { A: ['A24', 'A3'], B: ['B44', 'B35'], DR: ['DR11', 'DR7'] },
  { A: ['A9', 'A2'], B: ['B7'], DR: ['DR1'] },
  { A: ['A23', 'A11'], B: ['B51', 'B62'], DR: ['DR13', 'DR17'], C: ['C7'] }
]

t.test('vPRA counts panel donors with a positive virtual crossmatch', async (t) => {
  t.equal(virtualPra([], PANEL), 0)
  t.equal(virtualPra(['A24'], PANEL), 50, 'A24 donor, and the A9 (broad-only) donor; not A23')
  t.equal(virtualPra(['A9'], PANEL), 75, 'broad hits A24, A9 and A23')
  t.equal(virtualPra(['DR2'], PANEL), 25)
  t.equal(virtualPra(['A2', 'B12'], PANEL), 75)
  t.equal(virtualPra(['Cw7'], PANEL), 25, 'C counts where the donor is typed')
  t.equal(virtualPra(['A1', 'A3', 'A2', 'A11'], PANEL), 100)
  t.equal(virtualPra(['a*24'], PANEL), 50, 'unacceptable antigens are normalised')
})

t.test('vPRA refuses an empty panel and bad antigens, naming the field', async (t) => {
  t.throws(() => virtualPra(['A2'], []), { code: 'ENGINE_INVALID_FIELD', field: 'donorPanel' })
  t.throws(() => virtualPra(['A2'], undefined as unknown as HlaTyping[]), { code: 'ENGINE_INVALID_FIELD', field: 'donorPanel' })
  t.throws(() => virtualPra(['A2', 'A*02:01'], PANEL), { code: 'ENGINE_INVALID_FIELD', field: 'unacceptableAntigens[1]' })
  const badPanel = [PANEL[0] as HlaTyping, { A: ['A2'], B: ['b7'], DR: ['DR1'] }]
  t.throws(() => virtualPra(['A1'], badPanel), { code: 'ENGINE_UNKNOWN_VALUE', field: 'donorPanel[1].B[0]' })
})

// Toy example of clinical-scores.md section 7a, frequencies as given (A24 keyed by its broad A9,
// B44 by B12, B51 by B5, since A and B are matched at broad level).
const TOY: PopulationFrequencies = {
  antigen: {
    A: new Map([['A1', 0.15], ['A2', 0.28], ['A3', 0.13], ['A11', 0.06], ['A9', 0.09]]),
    B: new Map([['B7', 0.12], ['B8', 0.10], ['B12', 0.11], ['B35', 0.08], ['B5', 0.06]]),
    DR: new Map([['DR15', 0.14], ['DR4', 0.12], ['DR7', 0.12], ['DR11', 0.10], ['DR13', 0.11]])
  },
  abo: { O: 0.44, A: 0.4174, B: 0.1148, AB: 0.0416 },
  donorCount: 0
}
const TOY_CANDIDATE = { abo: 'O' as AboType, hla: { A: ['A1', 'A2'], B: ['B7', 'B8'], DR: ['DR15', 'DR4'] } }

t.test('MMP toy example [computed, clinical-scores.md 7a]', async (t) => {
  const terms = mismatchProbabilityTerms(TOY_CANDIDATE, 0, TOY)
  t.ok(Math.abs(terms.mmp0 - 6.0496e-4) < 5e-9, `MMP0 ${terms.mmp0}`)
  t.ok(Math.abs(terms.mmp1 - 0.0100337) < 5e-8, `MMP1 ${terms.mmp1}`)
  t.equal(terms.aboFrequency, 0.44)
  t.equal(Number(terms.mmpPercent.toFixed(3)), 0.917)
  // The doc's vPRA 0.5 is a fraction; this parameter is a percent, so 0.5 there is 50 here.
  t.equal(Number(mismatchProbability(TOY_CANDIDATE, 50, TOY).toFixed(2)), 9.60)
  const halfPercent = mismatchProbability(TOY_CANDIDATE, 0.5, TOY)
  t.ok(halfPercent > 0.917 && halfPercent < 1, `0.5 means 0.5 %, a small change (${halfPercent})`)
  t.equal(mismatchProbability(TOY_CANDIDATE, 100, TOY), 100, 'vPRA 100 %: no compatible donor at all')
  t.equal(mismatchProbabilityTerms({ ...TOY_CANDIDATE, abo: 'A2' }, 0, TOY).aboFrequency, 0.4174, 'A2 folds to group A')
  t.equal(MMP_DONOR_HORIZON, 1000)
})

t.test('MMP matches at split level for DR: a DR2 donor matches a DR15 candidate', async (t) => {
  const freq: PopulationFrequencies = { ...TOY, antigen: { ...TOY.antigen, DR: new Map([['DR15', 0.1], ['DR2', 0.05], ['DR16', 0.07], ['DR4', 0.2]]) } }
  const terms = mismatchProbabilityTerms(TOY_CANDIDATE, 0, freq)
  t.ok(Math.abs(terms.matchedFrequency.DR - 0.35) < 1e-12, 'DR15 + DR2 + DR4; DR16 does not match')
  const broadCandidate = { ...TOY_CANDIDATE, hla: { ...TOY_CANDIDATE.hla, DR: ['DR2', 'DR4'] } }
  t.ok(Math.abs(mismatchProbabilityTerms(broadCandidate, 0, freq).matchedFrequency.DR - 0.42) < 1e-12, 'DR2 candidate matches DR15, DR16 and DR2')
  const splitCandidate = { ...TOY_CANDIDATE, hla: { ...TOY_CANDIDATE.hla, A: ['A24', 'A2'] } }
  t.ok(Math.abs(mismatchProbabilityTerms(splitCandidate, 0, TOY).matchedFrequency.A - 0.37) < 1e-12, 'A24 candidate counted at its broad A9')
})

t.test('populationFrequencies: gene frequencies from a small donor list (hand-computed)', async (t) => {
  const donors: Array<{ abo: AboType, hla: HlaTyping }> = [
    { abo: 'O', hla: { A: ['A1', 'A2'], B: ['B7', 'B8'], DR: ['DR15', 'DR4'] } },
    { abo: 'A', hla: { A: ['A2'], B: ['B44', 'B45'], DR: ['DR2', 'DR4'] } },
    { abo: 'A2', hla: { A: ['A24', 'A23'], B: ['B7', 'B7'], DR: ['DR16', 'DR4'] } },
    { abo: 'O', hla: { A: ['A1', 'A3'], B: [], DR: [] } }
  ]
  const f = populationFrequencies(donors)
  t.equal(f.donorCount, 4)
  t.same(f.abo, { O: 0.5, A: 0.5, B: 0, AB: 0 })
  // A: 4 typed donors, 8 copies: A1 ×2, A2 ×3 (homozygous single counts twice), A9 ×2 (A24 + A23), A3 ×1.
  t.same([...f.antigen.A].sort(), [['A1', 2 / 8], ['A2', 3 / 8], ['A3', 1 / 8], ['A9', 2 / 8]])
  // B: 3 typed donors, 6 copies: B7 ×3, B8 ×1, B12 ×2 (B44 + B45 at broad).
  t.same([...f.antigen.B].sort(), [['B12', 2 / 6], ['B7', 3 / 6], ['B8', 1 / 6]])
  // DR at split: DR15, DR2 (typed broad only), DR16 ×1 each, DR4 ×3.
  t.same([...f.antigen.DR].sort(), [['DR15', 1 / 6], ['DR16', 1 / 6], ['DR2', 1 / 6], ['DR4', 3 / 6]])

  const candidate = { abo: 'O' as AboType, hla: { A: ['A1', 'A2'], B: ['B7'], DR: ['DR15', 'DR4'] } }
  const terms = mismatchProbabilityTerms(candidate, 0, f)
  const [xA, xB, xDR] = [5 / 8, 1 / 2, 5 / 6] // DR15 matches DR15 and DR2; DR16 does not
  t.ok(Math.abs(terms.mmp0 - xA ** 2 * xB ** 2 * xDR ** 2) < 1e-12)
  const expectedMmp1 = xB ** 2 * xDR ** 2 * (2 * xA * (1 - xA) + (2 / 8) ** 2 + (1 / 8) ** 2) +
    xA ** 2 * xDR ** 2 * (2 * xB * (1 - xB) + (1 / 6) ** 2 + (2 / 6) ** 2) +
    xA ** 2 * xB ** 2 * (2 * xDR * (1 - xDR) + (1 / 6) ** 2)
  t.ok(Math.abs(terms.mmp1 - expectedMmp1) < 1e-12, `MMP1 ${terms.mmp1} vs ${expectedMmp1}`)
  t.equal(mismatchProbability({ ...candidate, abo: 'B' }, 0, f), 100, 'no donor of group B in this population')
})

t.test('MMP and frequency inputs are checked, naming the field', async (t) => {
  t.throws(() => populationFrequencies([]), { code: 'ENGINE_INVALID_FIELD', field: 'donors' })
  const hla = { A: ['A1'], B: ['B7'], DR: ['DR1'] }
  t.throws(() => populationFrequencies([{ abo: 'X' as AboType, hla }]), { code: 'ENGINE_INVALID_FIELD', field: 'donors[0].abo' })
  t.throws(() => populationFrequencies([{ abo: 'O', hla: undefined as unknown as HlaTyping }]), { code: 'ENGINE_MISSING_FIELD', field: 'donors[0].hla' })
  t.throws(() => populationFrequencies([{ abo: 'O', hla }, { abo: 'O', hla: { ...hla, B: ['B7', 'B8', 'B9'] } }]), { code: 'ENGINE_INVALID_FIELD', field: 'donors[1].hla.B' })
  t.throws(() => populationFrequencies([{ abo: 'O', hla: { ...hla, DR: ['DR1', 'A2'] } }]), { code: 'ENGINE_INVALID_FIELD', field: 'donors[0].hla.DR[1]' })
  t.throws(() => populationFrequencies([{ abo: 'O', hla: { ...hla, A: ['a1'] } }]), { code: 'ENGINE_INVALID_FIELD', field: 'donors[0].hla.A[0]' })

  t.throws(() => mismatchProbability(TOY_CANDIDATE, -1, TOY), { code: 'ENGINE_OUT_OF_RANGE', field: 'vpraPercent' })
  t.throws(() => mismatchProbability(TOY_CANDIDATE, 100.5, TOY), { code: 'ENGINE_OUT_OF_RANGE', field: 'vpraPercent' })
  t.throws(() => mismatchProbability(TOY_CANDIDATE, Number.NaN, TOY), { code: 'ENGINE_INVALID_FIELD', field: 'vpraPercent' })
  t.throws(() => mismatchProbability({ ...TOY_CANDIDATE, abo: 'Z' as AboType }, 0, TOY), { code: 'ENGINE_INVALID_FIELD', field: 'candidate.abo' })
  t.throws(() => mismatchProbability({ ...TOY_CANDIDATE, hla: { ...TOY_CANDIDATE.hla, DR: [] } }, 0, TOY), { code: 'ENGINE_INVALID_FIELD', field: 'candidate.hla.DR' })
  t.throws(() => mismatchProbability({ ...TOY_CANDIDATE, hla: { ...TOY_CANDIDATE.hla, B: ['B7', 'DR4'] } }, 0, TOY), { code: 'ENGINE_INVALID_FIELD', field: 'candidate.hla.B[1]' })
  t.throws(() => mismatchProbability(TOY_CANDIDATE, 0, { ...TOY, abo: { ...TOY.abo, O: 1.2 } }), { code: 'ENGINE_OUT_OF_RANGE', field: 'frequencies.abo.O' })
  t.throws(() => mismatchProbability(TOY_CANDIDATE, 0, { ...TOY, antigen: { ...TOY.antigen, B: new Map([['B7', -0.1]]) } }), { code: 'ENGINE_OUT_OF_RANGE', field: 'frequencies.antigen.B.B7' })
  t.throws(() => mismatchProbability(TOY_CANDIDATE, 0, { ...TOY, antigen: { ...TOY.antigen, A: new Map([['A1', 0.7], ['A2', 0.6]]) } }), { code: 'ENGINE_OUT_OF_RANGE', field: 'frequencies.antigen.A' })
})

const locusArb = (locus: MatchLocus, minLength: number): fc.Arbitrary<string[]> =>
  fc.array(fc.constantFrom(...antigensOfLocus(locus)), { minLength, maxLength: 2 })
const typingArb = (minLength: number): fc.Arbitrary<HlaTyping> =>
  fc.record({ A: locusArb('A', minLength), B: locusArb('B', minLength), DR: locusArb('DR', minLength) })
const donorArb = fc.record({ abo: fc.constantFrom(...ABO_TYPES), hla: typingArb(0) })

t.test('property: vPRA never falls when an unacceptable antigen is added, and equals the share with a positive crossmatch', async (t) => {
  fc.assert(fc.property(
    fc.array(typingArb(1), { minLength: 1, maxLength: 12 }),
    fc.array(fc.constantFrom(...HLA_ANTIGENS), { maxLength: 4 }),
    fc.constantFrom(...HLA_ANTIGENS),
    (panel, unacceptable, added) => {
      const before = virtualPra(unacceptable, panel)
      const after = virtualPra([...unacceptable, added], panel)
      const positives = panel.filter((donor) => offendingAntigens(donor, unacceptable).length > 0).length
      return before >= 0 && after <= 100 && after >= before && Math.abs(before - 100 * positives / panel.length) < 1e-12
    }), { numRuns: 200 })
  t.pass()
})

t.test('property: MMP lies in 0..100 and never falls as vPRA rises', async (t) => {
  fc.assert(fc.property(
    fc.array(donorArb, { minLength: 1, maxLength: 30 }),
    fc.record({ abo: fc.constantFrom(...ABO_TYPES), hla: typingArb(1) }),
    fc.double({ min: 0, max: 100, noNaN: true }),
    fc.double({ min: 0, max: 100, noNaN: true }),
    (donors, candidate, v1, v2) => {
      const frequencies = populationFrequencies(donors)
      const [low, high] = v1 <= v2 ? [v1, v2] : [v2, v1]
      const atLow = mismatchProbability(candidate, low, frequencies)
      const atHigh = mismatchProbability(candidate, high, frequencies)
      return atLow >= 0 && atHigh <= 100 && atLow <= atHigh
    }), { numRuns: 200 })
  t.pass()
})
