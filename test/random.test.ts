import t from 'tap'
import { createRandom, seedFromText } from '../engine/random.js'

t.test('the same seed gives the same draws; forks are independent and stable', async (t) => {
  const a = createRandom('match-run-1')
  const b = createRandom('match-run-1')
  const drawsA = Array.from({ length: 20 }, () => a.nextFloat())
  const drawsB = Array.from({ length: 20 }, () => b.nextFloat())
  t.same(drawsA, drawsB)
  t.ok(drawsA.every((x) => x >= 0 && x < 1))
  t.not(createRandom('match-run-2').nextFloat(), drawsA[0])
  const ints = Array.from({ length: 200 }, () => a.nextInt(1, 6))
  t.ok(ints.every((x) => Number.isInteger(x) && x >= 1 && x <= 6))
  t.equal(new Set(ints).size, 6)
  const forkBefore = createRandom(7).fork('donors').nextFloat()
  const parent = createRandom(7)
  parent.nextFloat()
  t.equal(parent.fork('donors').nextFloat(), forkBefore, 'a fork does not depend on draws already taken')
  t.not(createRandom(7).fork('candidates').nextFloat(), forkBefore)
  t.equal(createRandom(7).nextFloat(), createRandom('7').nextFloat())
  t.equal(seedFromText('x'), seedFromText('x'))
})
