import t from 'tap'
import fc from 'fast-check'
import { createHmac } from 'node:crypto'
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decryptIdentifier, encryptIdentifier, identifierAad } from '../data/security/identifier-cipher.js'
import { deriveKeys, KEY_FILE_NAME, loadKeys, parseMasterKey, publicKeyFromBase64 } from '../data/security/keys.js'
import { normaliseNationalId, personPseudonym, pseudonym, PSEUDONYM_LENGTH, pseudonymPattern } from '../data/security/pseudonym.js'
import { TEST_MASTER_KEY } from './fixtures/registry-fixtures.js'

const keys = deriveKeys(TEST_MASTER_KEY, 'env')

t.test('pseudonyms: prefix, fixed length, Crockford base32 of HMAC-SHA-256(kind:localId)', async (t) => {
  const id = pseudonym(keys.pseudonymKey, 'candidate', 'LUMC-KI-0001')
  t.match(id, pseudonymPattern('candidate'))
  t.equal(id.length, 2 + PSEUDONYM_LENGTH)
  t.match(pseudonym(keys.pseudonymKey, 'donor', 'LUMC-KI-0001'), /^D-/)
  t.not(pseudonym(keys.pseudonymKey, 'donor', 'LUMC-KI-0001').slice(2), id.slice(2), 'the kind is part of the MAC input')
  // Recompute independently: the first 130 bits of the MAC, five bits per character.
  const mac = createHmac('sha256', keys.pseudonymKey).update('candidate:LUMC-KI-0001').digest()
  const bits = [...mac].map((byte) => byte.toString(2).padStart(8, '0')).join('').slice(0, 130)
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
  const expected = bits.match(/.{5}/g)?.map((chunk) => alphabet[parseInt(chunk, 2)]).join('')
  t.equal(id, `C-${expected}`)
  t.throws(() => pseudonym(keys.pseudonymKey, 'candidate', ''), { code: 'ENGINE_INVALID_FIELD', field: 'localId' })
})

t.test('property: pseudonyms are deterministic per key and differ across keys and ids', async (t) => {
  const other = deriveKeys(Buffer.alloc(32, 8), 'env')
  fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 40 }), (a, b) => {
    const first = pseudonym(keys.pseudonymKey, 'candidate', a)
    if (first !== pseudonym(keys.pseudonymKey, 'candidate', a)) return false
    if (first === pseudonym(other.pseudonymKey, 'candidate', a)) return false
    if (!pseudonymPattern('candidate').test(first)) return false
    return a === b || first !== pseudonym(keys.pseudonymKey, 'candidate', b)
  }), { numRuns: 200 })
  t.pass()
})

t.test('person pseudonyms ignore formatting of the national id', async (t) => {
  t.equal(normaliseNationalId(' 123.456-78 / 2 '), '123456782')
  t.equal(personPseudonym(keys.pseudonymKey, '123.456.782'), personPseudonym(keys.pseudonymKey, '123456782'))
  t.match(personPseudonym(keys.pseudonymKey, 'ab 12'), pseudonymPattern('person'))
  t.throws(() => personPseudonym(keys.pseudonymKey, ''), { code: 'ENGINE_INVALID_FIELD', field: 'nationalId' })
  t.throws(() => personPseudonym(keys.pseudonymKey, ' .-/ '), { code: 'ENGINE_INVALID_FIELD', field: 'nationalId' })
})

t.test('AES-256-GCM: round trip, fresh IV each time, bound to record and field', async (t) => {
  const aad = identifierAad('C-AAA', 'name')
  const a = encryptIdentifier(keys.encryptionKey, 'Johanna Verbeek', aad)
  const b = encryptIdentifier(keys.encryptionKey, 'Johanna Verbeek', aad)
  t.not(a.toString('hex'), b.toString('hex'), 'same value, different ciphertext')
  t.equal(a.length, 1 + 12 + 16 + Buffer.byteLength('Johanna Verbeek'))
  t.notOk(a.includes(Buffer.from('Johanna')), 'the plaintext does not appear')
  t.equal(decryptIdentifier(keys.encryptionKey, a, aad, 'name'), 'Johanna Verbeek')
  t.throws(() => decryptIdentifier(keys.encryptionKey, a, identifierAad('C-BBB', 'name'), 'name'), { code: 'ENGINE_INVALID_FIELD', field: 'name' }, 'moved to another record')
  t.throws(() => decryptIdentifier(keys.encryptionKey, a, identifierAad('C-AAA', 'nationalId'), 'name'), { code: 'ENGINE_INVALID_FIELD' }, 'moved to another field')
  t.throws(() => decryptIdentifier(deriveKeys(Buffer.alloc(32, 1), 'env').encryptionKey, a, aad, 'name'), { code: 'ENGINE_INVALID_FIELD' }, 'wrong key')
  const flipped = Buffer.from(a)
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1
  t.throws(() => decryptIdentifier(keys.encryptionKey, flipped, aad, 'name'), { code: 'ENGINE_INVALID_FIELD' }, 'altered byte')
  t.throws(() => decryptIdentifier(keys.encryptionKey, Buffer.from([2, 1, 2]), aad, 'name'), { code: 'ENGINE_INVALID_FIELD' }, 'unknown format')
})

t.test('keys: per-purpose keys from one master, all different', async (t) => {
  t.equal(keys.source, 'env')
  const distinct = new Set([keys.pseudonymKey.toString('hex'), keys.encryptionKey.toString('hex'), TEST_MASTER_KEY.toString('hex')])
  t.equal(distinct.size, 3)
  t.equal(deriveKeys(TEST_MASTER_KEY, 'env').keyCheck, keys.keyCheck, 'deterministic')
  t.not(deriveKeys(Buffer.alloc(32, 1), 'env').keyCheck, keys.keyCheck)
  t.equal(Buffer.from(keys.publicKeyBase64, 'base64').length, 32)
  t.equal(publicKeyFromBase64(keys.publicKeyBase64).asymmetricKeyType, 'ed25519')
  t.throws(() => publicKeyFromBase64('AAAA'), { code: 'ENGINE_INVALID_FIELD', field: 'publicKey' })
})

t.test('keys: REGISTRY_KEY must be base64 of exactly 32 bytes', async (t) => {
  t.equal(parseMasterKey(TEST_MASTER_KEY.toString('base64'), 'REGISTRY_KEY').length, 32)
  t.throws(() => parseMasterKey(Buffer.alloc(16).toString('base64'), 'REGISTRY_KEY'), { code: 'ENGINE_INVALID_FIELD', field: 'REGISTRY_KEY' })
  t.throws(() => parseMasterKey('not base64!', 'REGISTRY_KEY'), { code: 'ENGINE_INVALID_FIELD', field: 'REGISTRY_KEY' })
  const dataDir = t.testdir()
  const fromEnv = loadKeys({ dataDir, env: { REGISTRY_KEY: TEST_MASTER_KEY.toString('base64') } })
  t.equal(fromEnv.source, 'env')
  t.equal(fromEnv.keyCheck, keys.keyCheck)
  t.throws(() => loadKeys({ dataDir, env: { REGISTRY_KEY: 'c2hvcnQ=' } }), { code: 'ENGINE_INVALID_FIELD', field: 'REGISTRY_KEY' })
})

t.test('keys: a key file is created once with mode 0600 and reused', async (t) => {
  const dataDir = t.testdir()
  const first = loadKeys({ dataDir, env: {} })
  t.equal(first.source, 'file')
  const path = join(dataDir, 'keys', KEY_FILE_NAME)
  t.equal(statSync(path).mode & 0o777, 0o600)
  t.equal(statSync(join(dataDir, 'keys')).mode & 0o077, 0, 'key directory closed to group and others')
  t.equal(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').length, 32)
  const second = loadKeys({ dataDir, env: { REGISTRY_KEY: '' } })
  t.equal(second.keyCheck, first.keyCheck, 'the same key on the second start')
  chmodSync(path, 0o644)
  t.throws(() => loadKeys({ dataDir, env: {} }), { code: 'ENGINE_INVALID_FIELD', rule: /mode 600/ })
  chmodSync(path, 0o600)
  writeFileSync(path, 'too short\n')
  t.throws(() => loadKeys({ dataDir, env: {} }), { code: 'ENGINE_INVALID_FIELD' })
})
