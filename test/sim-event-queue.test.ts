import fc from 'fast-check'
import t from 'tap'
import { EventQueue } from '../engine/sim/event-queue.js'

t.test('events come out by time, and same-time events in the order they were pushed', async (t) => {
  const queue = new EventQueue<string>()
  t.equal(queue.pop(), undefined)
  t.equal(queue.peekTime(), undefined)
  queue.push(5, 'e')
  queue.push(1, 'a')
  queue.push(3, 'c1')
  queue.push(3, 'c2')
  queue.push(-2, 'first')
  queue.push(3, 'c3')
  t.equal(queue.size, 6)
  t.equal(queue.peekTime(), -2)
  const out: string[] = []
  for (let e = queue.pop(); e !== undefined; e = queue.pop()) out.push(e.item)
  t.same(out, ['first', 'a', 'c1', 'c2', 'c3', 'e'])
  t.equal(queue.size, 0)
})

t.test('the queue refuses a time that is not a finite number', async (t) => {
  const queue = new EventQueue<number>()
  t.throws(() => queue.push(Number.NaN, 1), { code: 'ENGINE_INVALID_FIELD', field: 'time' })
  t.throws(() => queue.push(Number.POSITIVE_INFINITY, 1), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => queue.push('3' as unknown as number, 1), { code: 'ENGINE_INVALID_FIELD' })
})

t.test('property: popping gives a stable sort by time of whatever was pushed, interleaved with pops', async (t) => {
  fc.assert(fc.property(
    fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }).map((time) => ({ push: time })), fc.constant({ push: -1 })), { maxLength: 200 }),
    (operations) => {
      const queue = new EventQueue<number>()
      const model: Array<{ time: number, id: number }> = []
      let id = 0
      for (const op of operations) {
        if (op.push >= 0) {
          queue.push(op.push, id)
          model.push({ time: op.push, id })
          id++
        } else {
          // Pop: the model's earliest, first inserted among equals.
          model.sort((a, b) => a.time - b.time || a.id - b.id)
          const expected = model.shift()
          const got = queue.pop()
          if (expected === undefined ? got !== undefined : got?.item !== expected.id || got.time !== expected.time) return false
        }
      }
      model.sort((a, b) => a.time - b.time || a.id - b.id)
      const rest: number[] = []
      for (let e = queue.pop(); e !== undefined; e = queue.pop()) rest.push(e.item)
      return JSON.stringify(rest) === JSON.stringify(model.map((m) => m.id))
    }
  ), { numRuns: 200 })
  t.pass()
})
