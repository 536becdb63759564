import t from 'tap'
import { syntheticCohort } from '../api/cli/simulate.js'
import { ABO_TYPES } from '../engine/domain/abo.js'
import { FLOAT_COLUMNS, UINT16_COLUMNS, UINT8_COLUMNS } from '../engine/match/snapshot.js'
import { prepareMatchContext } from '../engine/match/match-context.js'
import { scorePartition } from '../engine/match/score-partition.js'
import { compilePolicy } from '../engine/policy/compile-policy.js'
import { prepareCohort } from '../engine/sim/prepared-cohort.js'
import { ABO_BLOCKS, blockRange, compactWaitlist, compatibleBlocks, simulationId, statusCode } from '../engine/sim/sim-waitlist.js'
import { SMALL_SCENARIO, testPolicy } from './fixtures/sim-cohort.js'

const cohort = prepareCohort(syntheticCohort(SMALL_SCENARIO, 1))
const master = cohort.master

t.test('simulator pseudonyms sort by blood-group block, then cohort order', async (t) => {
  t.equal(simulationId('O', 7), 'a000000007')
  t.equal(simulationId('A2', 7), 'b000000007')
  t.equal(simulationId('A1B', 12), 'c000000012')
  t.equal(simulationId('B', 3), 'd000000003')
  const ids = master.snapshot.tables.candidateIds
  t.same([...ids].sort(), ids, 'the master snapshot keeps them sorted')
  for (let person = 0; person < cohort.persons; person++) t.equal(master.personOfRow[master.rowOfPerson[person] as number], person)
})

t.test('a compacted snapshot holds exactly the chosen rows, column by column', async (t) => {
  const rows = Int32Array.from({ length: master.snapshot.count }, (_, i) => i).filter((i) => i % 3 !== 1)
  const compact = compactWaitlist(master, rows, 'test')
  const from = master.snapshot.columns as unknown as Record<string, ArrayLike<number>>
  const to = compact.snapshot.columns as unknown as Record<string, ArrayLike<number>>
  t.equal(compact.snapshot.count, rows.length)
  let mismatches = 0
  for (const name of [...FLOAT_COLUMNS, ...UINT16_COLUMNS, ...UINT8_COLUMNS]) {
    rows.forEach((row, j) => {
      const a = (from[name] as ArrayLike<number>)[row] as number
      const b = (to[name] as ArrayLike<number>)[j] as number
      if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) mismatches++
    })
  }
  t.equal(mismatches, 0, 'every per-candidate column copied')
  const antigens = (columns: typeof master.snapshot.columns, i: number): number[] =>
    Array.from(columns.unacceptableCodes.subarray(columns.unacceptableOffsets[i] as number, columns.unacceptableOffsets[i + 1] as number))
  t.ok(rows.every((row, j) => JSON.stringify(antigens(master.snapshot.columns, row)) === JSON.stringify(antigens(compact.snapshot.columns, j))), 'unacceptable antigens copied')
  t.same(Array.from(compact.personOfRow), Array.from(rows, (row) => master.personOfRow[row] as number))
  for (let b = 0; b < ABO_BLOCKS.length; b++) {
    const letter = ['a', 'b', 'c', 'd'][b] as string
    const expected = compact.snapshot.tables.candidateIds.flatMap((id, j) => id.startsWith(letter) ? [j] : [])
    if (expected.length > 0) t.same([compact.blockStart[b], compact.blockEnd[b]], [expected[0], (expected[expected.length - 1] as number) + 1], `block ${ABO_BLOCKS[b] as string}`)
  }
  const empty = compactWaitlist(master, new Int32Array(0), 'empty')
  t.equal(empty.snapshot.count, 0)
  t.same(blockRange(empty, [0, 1, 2, 3]), { start: 0, end: 0 })
})

t.test('the blocks a policy\'s ABO rules can reach', async (t) => {
  const identical = compilePolicy(testPolicy('points'))
  const blocks = compatibleBlocks(identical)
  t.same(blocks.get('O'), [0])
  t.same(blocks.get('A2'), [1])
  t.same(blocks.get('A1B'), [2])
  t.same(blocks.get('B'), [3])
  const compatible = compilePolicy({ ...testPolicy('points'), eligibility: { ...(testPolicy('points').eligibility as object), abo: { ruleSet: 'compatible' } } })
  t.same(compatibleBlocks(compatible).get('O'), [0, 1, 2, 3])
  t.same(compatibleBlocks(compatible).get('A'), [1, 2])
  t.same(compatibleBlocks(compatible).get('B'), [2, 3])
  const usKidney = compilePolicy({ ...testPolicy('points'), eligibility: { ...(testPolicy('points').eligibility as object), abo: { ruleSet: 'us-kidney', exceptions: [{ when: 'pair.mismatchTotal == 0', ruleSet: 'compatible' }] } } })
  t.same(compatibleBlocks(usKidney).get('A'), [1, 2], 'an exception widens the reachable blocks')
  t.same(compatibleBlocks(usKidney).get('O'), [0, 1, 2, 3])
})

t.test('scoring only the reachable blocks gives the same ranked list as the whole snapshot', async (t) => {
  const rows = Int32Array.from({ length: master.snapshot.count }, (_, i) => i)
  const compact = compactWaitlist(master, rows, 'all')
  for (let row = 0; row < compact.snapshot.count; row++) compact.snapshot.columns.status[row] = statusCode(row % 5 === 0 ? 'inactive' : 'active')
  const variants = {
    identical: compilePolicy(testPolicy('points')),
    waiting: compilePolicy(testPolicy('waiting')),
    compatible: compilePolicy({ ...testPolicy('waiting'), eligibility: { ...(testPolicy('waiting').eligibility as object), abo: { ruleSet: 'compatible' } } })
  }
  let compared = 0
  let ranked = 0
  for (const donor of cohort.donors.slice(0, 40)) {
    for (const [name, policy] of Object.entries(variants)) {
      const context = prepareMatchContext({
        matchRunId: `equivalence/${donor.donor.id}`,
        donor: donor.donor,
        organ: { id: `${donor.donor.id}-k`, donorId: donor.donor.id, organType: 'kidney', part: 'left' },
        policy,
        snapshot: compact.snapshot,
        matchTime: '2024-06-01T00:00:00.000Z'
      })
      const full = scorePartition(context, compact.snapshot, 0, compact.snapshot.count).ranked
      const range = blockRange(compact, compatibleBlocks(policy).get(donor.abo) ?? [])
      const part = scorePartition(context, compact.snapshot, range.start, range.end).ranked
      if (JSON.stringify(Array.from(full)) !== JSON.stringify(Array.from(part))) t.fail(`${name}, donor ${donor.donor.id} (${donor.abo}): lists differ`)
      compared++
      ranked += full.length
    }
  }
  t.equal(compared, 120)
  t.ok(ranked > 1000, `the lists compared are not empty (${ranked} ranked rows)`)
  t.ok(ABO_TYPES.length === 8)
})
