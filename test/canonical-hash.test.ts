import t from 'tap'
import { canonicalJson, contentHash, sha256Hex } from '../engine/canonical-hash.js'

t.test('canonical JSON ignores key order and whitespace', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [1, 'x', { d: 2, c: null }] }), '{"a":[1,"x",{"c":null,"d":2}],"b":1}')
  t.equal(contentHash({ x: 1, y: 2 }), contentHash({ y: 2, x: 1 }))
  t.not(contentHash({ x: 1 }), contentHash({ x: 2 }))
  t.equal(canonicalJson(1e21), '1e+21')
  t.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
})

t.test('values without a JSON form are refused, not hashed as something else', async (t) => {
  t.throws(() => canonicalJson(Number.NaN), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => canonicalJson(undefined), { code: 'ENGINE_INVALID_FIELD' })
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  t.throws(() => canonicalJson(cyclic), { code: 'ENGINE_INVALID_FIELD' })
})
