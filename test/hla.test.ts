import t from 'tap'
import fc from 'fast-check'
import type { HlaTyping, MatchLocus } from '../engine/domain/hla.js'
import {
  HLA_ANTIGENS, SPLIT_TO_BROAD, antigenLocus, antigensOfLocus, broadOf, compareAntigens, normaliseAntigen, normaliseTyping, splitsOf
} from '../engine/clinical/hla-antigens.js'
import {
  ET_MISMATCH_LEVELS, countLocusMismatches, countMismatches, totalMismatches, ukMismatchLevel, type MismatchOptions
} from '../engine/clinical/hla-mismatch.js'
import { expandUnacceptable, offendingAntigens } from '../engine/clinical/virtual-crossmatch.js'

const SPLIT_LEVELS: MismatchOptions = { A: 'split', B: 'split', DR: 'split' }
const BROAD_LEVELS: MismatchOptions = { A: 'broad', B: 'broad', DR: 'broad' }

/** A typing with only A, B and DR, for short test cases. */
function typing (A: string[], B: string[], DR: string[]): HlaTyping {
  return { A, B, DR }
}

t.test('normaliseAntigen reads the spellings laboratories use', async (t) => {
  const cases: Array<[string, string]> = [
    [' a*02 ', 'A2'], ['A02', 'A2'], ['a2', 'A2'], ['A*2', 'A2'], ['Cw7', 'C7'], ['cw07', 'C7'], ['C*07', 'C7'],
    ['HLA-DR15', 'DR15'], ['dr4', 'DR4'], ['DQ07', 'DQ7'], ['B44', 'B44'], ['Bw62', 'B62'], ['A9', 'A9']
  ]
  for (const [text, expected] of cases) t.equal(normaliseAntigen(text, 'x'), expected, text)
})

t.test('normaliseAntigen refuses allele notation, other loci and unknown antigens, naming the field', async (t) => {
  for (const text of ['DR0015', 'A*02:01', 'A0201', 'DP1', 'DRB1*15', 'A', '', '  ', 'A 2', 'X2', 'A-2']) {
    t.throws(() => normaliseAntigen(text, 'donor.A[0]'), { code: 'ENGINE_INVALID_FIELD', field: 'donor.A[0]' }, JSON.stringify(text))
  }
  for (const text of ['A99', 'A0', 'B3', 'Bw4', 'Bw6', 'DR52', 'DR51', 'DR53', 'DQ10', 'C11', 'C13']) {
    t.throws(() => normaliseAntigen(text, 'u[2]'), { code: 'ENGINE_UNKNOWN_VALUE', field: 'u[2]' }, text)
  }
  t.throws(() => normaliseAntigen(undefined as unknown as string, 'f'), { code: 'ENGINE_MISSING_FIELD', field: 'f' })
  t.throws(() => normaliseAntigen(2 as unknown as string, 'f'), { code: 'ENGINE_INVALID_FIELD', field: 'f' })
})

t.test('split and broad tables follow the ET match table (and WHO for C and DQ)', async (t) => {
  t.equal(SPLIT_TO_BROAD.get('A23'), 'A9')
  t.equal(SPLIT_TO_BROAD.get('DR15'), 'DR2')
  t.equal(SPLIT_TO_BROAD.get('B77'), 'B15')
  t.equal(SPLIT_TO_BROAD.get('A74'), 'A19')
  t.equal(SPLIT_TO_BROAD.get('B72'), 'B70')
  t.equal(SPLIT_TO_BROAD.get('C10'), 'C3')
  t.equal(SPLIT_TO_BROAD.get('DQ9'), 'DQ3')
  t.equal(SPLIT_TO_BROAD.get('A43'), undefined, 'A43 is not a split in the ET table')
  // ET table: 14 A splits, 24 B splits, 8 DR splits; WHO: 2 C and 5 DQ splits.
  const perLocus = { A: 0, B: 0, C: 0, DR: 0, DQ: 0 }
  for (const split of SPLIT_TO_BROAD.keys()) perLocus[antigenLocus(split)]++
  t.same(perLocus, { A: 14, B: 24, C: 2, DR: 8, DQ: 5 })
  for (const [split, broad] of SPLIT_TO_BROAD) {
    t.equal(antigenLocus(split), antigenLocus(broad), `${split} and ${broad} share a locus`)
    t.ok(splitsOf(broad).includes(split), `${broad} lists ${split}`)
  }
  t.equal(broadOf('A24'), 'A9')
  t.equal(broadOf('A9'), 'A9')
  t.equal(broadOf('A2'), 'A2')
  t.same(splitsOf('DR2'), ['DR15', 'DR16'])
  t.same(splitsOf('DR15'), [])
  t.same(splitsOf('A2'), [])
})

t.test('antigen catalogue: loci, order and comparison', async (t) => {
  t.equal(antigenLocus('DR15'), 'DR')
  t.equal(antigenLocus('DQ7'), 'DQ')
  t.equal(antigenLocus('C7'), 'C')
  t.throws(() => antigenLocus('a2'), { code: 'ENGINE_UNKNOWN_VALUE', field: 'antigen' })
  t.throws(() => antigenLocus('A99'), { code: 'ENGINE_UNKNOWN_VALUE' })
  t.same(['B7', 'A10', 'DR1', 'A2', 'C3', 'DQ1', 'A2'].sort(compareAntigens), ['A2', 'A2', 'A10', 'B7', 'C3', 'DR1', 'DQ1'])
  t.equal(new Set(HLA_ANTIGENS).size, HLA_ANTIGENS.length, 'no duplicates')
  t.same(antigensOfLocus('DQ'), ['DQ1', 'DQ2', 'DQ3', 'DQ4', 'DQ5', 'DQ6', 'DQ7', 'DQ8', 'DQ9'])
  for (const antigen of HLA_ANTIGENS) t.equal(normaliseAntigen(antigen, 'x'), antigen)
  t.ok(compareAntigens('zz', 'A2') > 0, 'unknown names sort last')
  t.ok(compareAntigens('zy', 'zz') < 0, 'and among themselves by text')
  t.equal(compareAntigens('zz', 'zz'), 0)
})

t.test('normaliseTyping validates each locus and names the field', async (t) => {
  t.same(normaliseTyping({ A: ['a*01', 'A02'], B: ['B7'], DR: ['dr15', 'DR4'] }, 'donor'),
    { A: ['A1', 'A2'], B: ['B7'], DR: ['DR15', 'DR4'] })
  t.same(normaliseTyping({ A: [], B: [], DR: [], C: ['Cw7'], DQ: ['DQ7', 'DQ2'] }, 'c'),
    { A: [], B: [], DR: [], C: ['C7'], DQ: ['DQ7', 'DQ2'] }, 'empty lists mean untyped; C and DQ kept when given')
  const noOptional = normaliseTyping({ A: ['A2'], B: ['B7'], DR: ['DR1'] }, 'd')
  t.notOk('C' in noOptional, 'absent C stays absent')
  t.throws(() => normaliseTyping(undefined, 'donor'), { code: 'ENGINE_MISSING_FIELD', field: 'donor' })
  t.throws(() => normaliseTyping([], 'donor'), { code: 'ENGINE_INVALID_FIELD', field: 'donor' })
  t.throws(() => normaliseTyping('A2', 'donor'), { code: 'ENGINE_INVALID_FIELD', field: 'donor' })
  t.throws(() => normaliseTyping({ A: ['A2'], DR: ['DR1'] }, 'donor'), { code: 'ENGINE_MISSING_FIELD', field: 'donor.B' })
  t.throws(() => normaliseTyping({ A: ['A2'], B: ['B7'], DR: ['DR1'], DP: ['DP1'] }, 'donor'), { code: 'ENGINE_INVALID_FIELD', field: 'donor.DP' })
  t.throws(() => normaliseTyping({ A: ['A2', 'A3', 'A1'], B: ['B7'], DR: ['DR1'] }, 'donor'), { code: 'ENGINE_INVALID_FIELD', field: 'donor.A' })
  t.throws(() => normaliseTyping({ A: 'A2', B: ['B7'], DR: ['DR1'] }, 'donor'), { code: 'ENGINE_INVALID_FIELD', field: 'donor.A' })
  t.throws(() => normaliseTyping({ A: ['A2'], B: ['B7', 'A1'], DR: ['DR1'] }, 'donor'), { code: 'ENGINE_INVALID_FIELD', field: 'donor.B[1]' })
  t.throws(() => normaliseTyping({ A: ['A2'], B: ['B7'], DR: ['DR99'] }, 'donor'), { code: 'ENGINE_UNKNOWN_VALUE', field: 'donor.DR[0]' })
  t.throws(() => normaliseTyping({ A: ['A2'], B: ['B7'], DR: ['DR1'], C: ['C7', 'C8', 'C9'] }, 'donor'), { code: 'ENGINE_INVALID_FIELD', field: 'donor.C' })
  t.throws(() => normaliseTyping({ A: ['A2'], B: ['B7'], DR: ['DR1'], DQ: ['DR1'] }, 'donor'), { code: 'ENGINE_INVALID_FIELD', field: 'donor.DQ[0]' })
})

t.test('H1 [published, histoc test_histof.R]: 0 A, 2 B, 1 DR mismatches, total 3', async (t) => {
  // Verbatim: histoc compares antigen numbers as text, and its B 03 is a placeholder, not an HLA-B antigen.
  t.equal(countLocusMismatches(['01', '02'], ['01', '02'], 'broad'), 0)
  t.equal(countLocusMismatches(['05', '07'], ['03', '15'], 'broad'), 2)
  t.equal(countLocusMismatches(['01', '04'], ['04', '07'], 'split'), 1)
  // Through the checked entry point, with B3 replaced by B35 (unrelated to B5 and B7).
  const donor = normaliseTyping({ A: ['01', '02'].map((n) => `A${n}`), B: ['B05', 'B07'], DR: ['DR01', 'DR04'] }, 'donor')
  const recipient = normaliseTyping({ A: ['A01', 'A02'], B: ['B35', 'B15'], DR: ['DR04', 'DR07'] }, 'recipient')
  const mismatch = countMismatches(donor, recipient)
  t.same(mismatch, { A: 0, B: 2, DR: 1 })
  t.equal(totalMismatches(mismatch), 3)
})

t.test('H2–H6 [computed]: homozygosity and split/broad rules', async (t) => {
  const base = { A: ['A1', 'A2'], B: ['B7', 'B8'], DR: ['DR1', 'DR4'] }
  // H2: homozygous donor A2,A2 against A2,A3 → 0.
  t.equal(countMismatches({ ...base, A: ['A2', 'A2'] }, { ...base, A: ['A2', 'A3'] }).A, 0)
  // H3: homozygous donor (A2,A2 or A2 alone) against A1,A3 → 1, not 2.
  t.equal(countMismatches({ ...base, A: ['A2', 'A2'] }, { ...base, A: ['A1', 'A3'] }).A, 1)
  t.equal(countMismatches({ ...base, A: ['A2'] }, { ...base, A: ['A1', 'A3'] }).A, 1)
  // H4: A23 (+A1) against A24 (+A1): broad level 0, split level 1.
  const h4d = { ...base, A: ['A23', 'A1'] }
  const h4r = { ...base, A: ['A24', 'A1'] }
  t.equal(countMismatches(h4d, h4r).A, 0, 'ET levels count A at broad')
  t.equal(countMismatches(h4d, h4r, SPLIT_LEVELS).A, 1)
  // H5: DR15 against DR16 → 1; H6: DR15 against DR2 (broad only) → 0.
  t.equal(countMismatches({ ...base, DR: ['DR15'] }, { ...base, DR: ['DR16'] }).DR, 1)
  t.equal(countMismatches({ ...base, DR: ['DR15'] }, { ...base, DR: ['DR2'] }).DR, 0)
  t.equal(countMismatches({ ...base, DR: ['DR2'] }, { ...base, DR: ['DR15'] }).DR, 0, 'donor broad against recipient split also matches')
  t.equal(countMismatches({ ...base, DR: ['DR15'] }, { ...base, DR: ['DR16'] }, BROAD_LEVELS).DR, 0, 'at broad level DR15 = DR16')
  // Homozygous recipient is not penalised: A2 recipient against A2 donor.
  t.equal(countMismatches({ ...base, A: ['A2'] }, { ...base, A: ['A2'] }).A, 0)
  t.equal(countMismatches({ ...base, A: ['A2', 'A1'] }, { ...base, A: ['A2'] }).A, 1)
})

t.test('countMismatches refuses untyped loci, raw spellings and unknown levels', async (t) => {
  const good = typing(['A2'], ['B7'], ['DR1'])
  t.throws(() => countMismatches(typing([], ['B7'], ['DR1']), good), { code: 'ENGINE_INVALID_FIELD', field: 'donor.A' })
  t.throws(() => countMismatches(good, typing(['A2'], ['B7'], [])), { code: 'ENGINE_INVALID_FIELD', field: 'recipient.DR' })
  t.throws(() => countMismatches(good, typing(['A2'], ['B7', 'B8', 'B9'], ['DR1'])), { code: 'ENGINE_INVALID_FIELD', field: 'recipient.B' })
  t.throws(() => countMismatches(typing(['a2'], ['B7'], ['DR1']), good), { code: 'ENGINE_UNKNOWN_VALUE', field: 'donor.A[0]' })
  t.throws(() => countMismatches(good, typing(['A2', 'B7'], ['B7'], ['DR1'])), { code: 'ENGINE_UNKNOWN_VALUE', field: 'recipient.A[1]' })
  t.throws(() => countLocusMismatches(['A2'], ['A2'], 'allele' as 'broad'), { code: 'ENGINE_INVALID_FIELD', field: 'level' })
  t.throws(() => countMismatches(good, good, { A: 'broad', B: 'serological' as 'broad', DR: 'split' }), { code: 'ENGINE_INVALID_FIELD', field: 'levels.B' })
  t.throws(() => countLocusMismatches([], ['A2'], 'broad'), { code: 'ENGINE_INVALID_FIELD', field: 'donor' })
  t.throws(() => countLocusMismatches(['A2'], ['A1', 'A2', 'A3'], 'split'), { code: 'ENGINE_INVALID_FIELD', field: 'recipient' })
  t.same(ET_MISMATCH_LEVELS, { A: 'broad', B: 'broad', DR: 'split' })
})

t.test('UK mismatch levels (NHSBT POL186 table)', async (t) => {
  // [published] transplantr test_hla.R, order A:B:DR.
  t.equal(ukMismatchLevel({ A: 0, B: 0, DR: 0 }), 1)
  t.equal(ukMismatchLevel({ A: 0, B: 1, DR: 0 }), 2)
  t.equal(ukMismatchLevel({ A: 0, B: 1, DR: 1 }), 3)
  t.equal(ukMismatchLevel({ A: 0, B: 0, DR: 2 }), 4)
  t.equal(ukMismatchLevel({ A: 2, B: 1, DR: 1 }), 3)
  // Known conflict: transplantr's test says 1:0:1 → 2; its own vignette table (1 DR, 0–1 B) says 3.
  t.equal(ukMismatchLevel({ A: 1, B: 0, DR: 1 }), 3)
  // The whole table, written out from the level definitions.
  for (let a = 0; a <= 2; a++) {
    for (let b = 0; b <= 2; b++) {
      for (let dr = 0; dr <= 2; dr++) {
        const expected = a + b + dr === 0 ? 1 : dr === 0 && b <= 1 ? 2 : (dr === 0 && b === 2) || (dr === 1 && b <= 1) ? 3 : 4
        t.equal(ukMismatchLevel({ A: a, B: b, DR: dr }), expected, `${a}:${b}:${dr}`)
      }
    }
  }
  t.throws(() => ukMismatchLevel({ A: 3, B: 0, DR: 0 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'mismatch.A' })
  t.throws(() => ukMismatchLevel({ A: 0, B: 0.5, DR: 0 }), { code: 'ENGINE_INVALID_FIELD', field: 'mismatch.B' })
  t.throws(() => ukMismatchLevel({ A: 0, B: 0, DR: Number.NaN }), { code: 'ENGINE_INVALID_FIELD', field: 'mismatch.DR' })
})

t.test('virtual crossmatch expands broads to splits and splits to their broad', async (t) => {
  t.same([...expandUnacceptable(['A9'])].sort(compareAntigens), ['A9', 'A23', 'A24'])
  t.same([...expandUnacceptable(['a24'])].sort(compareAntigens), ['A9', 'A24'])
  t.same([...expandUnacceptable(['A2', 'DR15'])].sort(compareAntigens), ['A2', 'DR2', 'DR15'])
  t.equal(expandUnacceptable([]).size, 0)

  const donor: HlaTyping = { A: ['A24', 'A1'], B: ['B7', 'B44'], DR: ['DR15', 'DR4'] }
  t.same(offendingAntigens(donor, []), [], 'no unacceptables: negative crossmatch')
  t.same(offendingAntigens(donor, ['A9']), ['A24'], 'unacceptable broad hits its split')
  t.same(offendingAntigens(donor, ['A23']), [], 'a different split of the same broad does not hit')
  t.same(offendingAntigens({ ...donor, A: ['A9', 'A1'] }, ['A24']), ['A9'], 'donor typed only at the broad is hit (conservative)')
  t.same(offendingAntigens(donor, ['DR2', 'B12', 'A1', 'A1']), ['A1', 'B44', 'DR15'], 'sorted by locus then number, unique')
  t.same(offendingAntigens({ ...donor, A: ['A24', 'A24'] }, ['A24']), ['A24'], 'homozygous donor listed once')
})

t.test('virtual crossmatch counts C and DQ only where the donor is typed', async (t) => {
  const untyped: HlaTyping = { A: ['A2'], B: ['B7'], DR: ['DR1'] }
  t.same(offendingAntigens(untyped, ['Cw7', 'DQ7']), [])
  t.same(offendingAntigens({ ...untyped, C: ['C7'], DQ: ['DQ7'] }, ['Cw7', 'DQ3']), ['C7', 'DQ7'])
  t.same(offendingAntigens({ ...untyped, C: ['C9'] }, ['C3']), ['C9'])
  t.throws(() => offendingAntigens(untyped, ['A2', 'A*02:01']), { code: 'ENGINE_INVALID_FIELD', field: 'unacceptableAntigens[1]' })
  t.throws(() => offendingAntigens(untyped, ['DR52']), { code: 'ENGINE_UNKNOWN_VALUE', field: 'unacceptableAntigens[0]' })
  t.throws(() => offendingAntigens({ ...untyped, C: ['Cw7'] }, ['A2']), { code: 'ENGINE_UNKNOWN_VALUE', field: 'donor.C[0]' })
  t.throws(() => expandUnacceptable('A2' as unknown as string[]), { code: 'ENGINE_INVALID_FIELD', field: 'unacceptableAntigens' })
})

// A locus of 1 or 2 antigens drawn from the catalogue, split/broad pairs included.
const locusArb = (locus: MatchLocus): fc.Arbitrary<string[]> =>
  fc.array(fc.constantFrom(...antigensOfLocus(locus)), { minLength: 1, maxLength: 2 })
const typingArb: fc.Arbitrary<HlaTyping> = fc.record({ A: locusArb('A'), B: locusArb('B'), DR: locusArb('DR') })
const levelsArb: fc.Arbitrary<MismatchOptions> = fc.record({
  A: fc.constantFrom('broad' as const, 'split' as const),
  B: fc.constantFrom('broad' as const, 'split' as const),
  DR: fc.constantFrom('broad' as const, 'split' as const)
})

t.test('property: 0 ≤ count ≤ 2 per locus, at most 1 for a homozygous donor', async (t) => {
  fc.assert(fc.property(typingArb, typingArb, levelsArb, (donor, recipient, levels) => {
    const mismatch = countMismatches(donor, recipient, levels)
    for (const locus of ['A', 'B', 'DR'] as const) {
      const count = mismatch[locus]
      if (!Number.isInteger(count) || count < 0 || count > 2) return false
      if (new Set(donor[locus]).size === 1 && count > 1) return false
    }
    return true
  }), { numRuns: 300 })
  t.pass()
})

t.test('property: a typing has no mismatches against itself, at any level', async (t) => {
  fc.assert(fc.property(typingArb, levelsArb, (hla, levels) =>
    totalMismatches(countMismatches(hla, hla, levels)) === 0), { numRuns: 200 })
  t.pass()
})

t.test('property: broad-level count ≤ split-level count', async (t) => {
  fc.assert(fc.property(typingArb, typingArb, (donor, recipient) => {
    const broad = countMismatches(donor, recipient, BROAD_LEVELS)
    const split = countMismatches(donor, recipient, SPLIT_LEVELS)
    return broad.A <= split.A && broad.B <= split.B && broad.DR <= split.DR
  }), { numRuns: 300 })
  t.pass()
})

t.test('property: a donor is hit by an unacceptable antigen it carries, and only a broad relative can add hits', async (t) => {
  fc.assert(fc.property(typingArb, fc.constantFrom(...HLA_ANTIGENS), (donor, unacceptable) => {
    const hits = offendingAntigens(donor, [unacceptable])
    const carried = [donor.A, donor.B, donor.DR].flat()
    if (carried.includes(unacceptable) && !hits.includes(unacceptable)) return false
    return hits.every((hit) => hit === unacceptable || broadOf(hit) === unacceptable || broadOf(unacceptable) === hit)
  }), { numRuns: 300 })
  t.pass()
})
