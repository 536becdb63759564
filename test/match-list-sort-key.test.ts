import t from 'tap'
import fc from 'fast-check'
import { sortByPackedKey, type RankingValues } from '../engine/match/score-partition.js'

/**
 * scorePartition sorts eligible candidates by a packed Float64 key (tier, −total) and calls the full
 * comparator only inside runs of equal keys. The result must be the comparator's own sort, whatever
 * the totals (negative, −0, nearly equal, huge) and however many ties.
 */

/** tier, then total (higher first), then one tie-breaker (smaller first), then the index: a total order. */
function comparator (values: RankingValues, tieBreak: Float64Array): (a: number, b: number) => number {
  return (a, b) => {
    const ia = a - values.offset
    const ib = b - values.offset
    const dt = (values.tier[ia] as number) - (values.tier[ib] as number)
    if (dt !== 0) return dt
    const ta = values.total[ia] as number
    const tb = values.total[ib] as number
    if (ta !== tb) return ta > tb ? -1 : 1
    const ka = tieBreak[ia] as number
    const kb = tieBreak[ib] as number
    if (ka !== kb) return ka < kb ? -1 : 1
    return a - b
  }
}

const total = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 1e-300, -1e-300, 5e-324, 1e300, -1e300, 12.5, 12.500000000000002, 12.500001),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.integer({ min: -3, max: 3 }))

t.test('the packed-key sort equals the comparator sort', (t) => {
  fc.assert(fc.property(
    fc.array(fc.record({ tier: fc.integer({ min: 0, max: 5 }), total, tieBreak: fc.integer({ min: 0, max: 3 }) }), { maxLength: 300 }),
    fc.integer({ min: 0, max: 1000 }), fc.boolean(),
    (rows, offset, manyTiers) => {
      const values: RankingValues = {
        offset,
        tier: Int32Array.from(rows, (r) => manyTiers ? r.tier * 200 : r.tier),
        total: Float64Array.from(rows, (r) => r.total),
        tieBreaks: new Float64Array(0)
      }
      const compare = comparator(values, Float64Array.from(rows, (r) => r.tieBreak))
      // Eligible candidates arrive in snapshot order, a subset of the partition.
      const ranked = Int32Array.from(rows.map((_, i) => i + offset).filter((i) => i % 7 !== 3))
      const expected = ranked.slice().sort(compare)
      const actual = sortByPackedKey(ranked.slice(), values, manyTiers ? 1001 : 6, compare)
      return actual.length === expected.length && actual.every((v, k) => v === expected[k])
    }), { numRuns: 300 })
  t.pass()
  t.end()
})

t.test('more tiers than a key holds: the comparator sorts alone, same result', (t) => {
  const values: RankingValues = { offset: 0, tier: Int32Array.of(1500, 3, 1500, 0), total: Float64Array.of(1, 2, 3, -0), tieBreaks: new Float64Array(0) }
  const compare = comparator(values, new Float64Array(4))
  t.same([...sortByPackedKey(Int32Array.of(0, 1, 2, 3), values, 2000, compare)], [3, 1, 2, 0])
  t.same([...sortByPackedKey(Int32Array.of(2), values, 2000, compare)], [2])
  t.end()
})
