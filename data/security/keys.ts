import { createHmac, createPrivateKey, createPublicKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidFieldError } from '../../engine/errors.js'

/**
 * The registry's secrets. One 32-byte master key (from `REGISTRY_KEY` or a key file made on first
 * start) is expanded with HKDF-SHA-256 (RFC 5869) into separate keys per purpose, so that a key
 * used for pseudonyms never encrypts and a key that signs never makes pseudonyms.
 */
export interface RegistryKeys {
  /** HMAC-SHA-256 key for pseudonyms (candidates, donors, persons). */
  readonly pseudonymKey: Buffer
  /** AES-256-GCM key for direct identifiers. */
  readonly encryptionKey: Buffer
  /** Ed25519 key pair that signs audit checkpoints. */
  readonly signingKey: KeyObject
  readonly verifyKey: KeyObject
  /** The Ed25519 public key, raw 32 bytes in base64, as published with checkpoints. */
  readonly publicKeyBase64: string
  /** A value derived from the master key that reveals nothing about it; stored in the database to catch a wrong key. */
  readonly keyCheck: string
  /** Where the master key came from. */
  readonly source: 'env' | 'file'
}

export const MASTER_KEY_BYTES = 32
export const KEY_FILE_NAME = 'registry.key'
const KEY_DIR_NAME = 'keys'
/** HKDF salt: fixed, public, and versioned with the derivation scheme. */
const HKDF_SALT = 'organ-allocation-registry/v1'

/** DER prefixes that wrap a raw Ed25519 seed (PKCS#8) or public key (SPKI), RFC 8410. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

function derive (master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, HKDF_SALT, purpose, 32))
}

/** Decodes a base64 master key and insists on exactly 32 bytes (a short key is a configuration error, not a weaker key). */
export function parseMasterKey (text: string, field: string): Buffer {
  const trimmed = text.trim()
  const rule = `must be base64 of exactly ${MASTER_KEY_BYTES} random bytes (e.g. \`openssl rand -base64 32\`)`
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) throw new InvalidFieldError(field, rule)
  const key = Buffer.from(trimmed, 'base64')
  if (key.length !== MASTER_KEY_BYTES) throw new InvalidFieldError(field, rule)
  return key
}

/** Expands a master key into the per-purpose keys. */
export function deriveKeys (master: Buffer, source: RegistryKeys['source']): RegistryKeys {
  const signingSeed = derive(master, 'audit-checkpoint-ed25519')
  const signingKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, signingSeed]), format: 'der', type: 'pkcs8' })
  const verifyKey = createPublicKey(signingKey)
  const spki = verifyKey.export({ format: 'der', type: 'spki' })
  return {
    pseudonymKey: derive(master, 'pseudonym-hmac-sha256'),
    encryptionKey: derive(master, 'direct-identifier-aes-256-gcm'),
    signingKey,
    verifyKey,
    publicKeyBase64: spki.subarray(ED25519_SPKI_PREFIX.length).toString('base64'),
    keyCheck: createHmac('sha256', derive(master, 'key-check')).update('registry key check').digest('hex'),
    source
  }
}

/** Rebuilds an Ed25519 public key object from the raw base64 form published with checkpoints. */
export function publicKeyFromBase64 (publicKeyBase64: string): KeyObject {
  const raw = Buffer.from(publicKeyBase64, 'base64')
  if (raw.length !== 32) throw new InvalidFieldError('publicKey', 'must be a raw Ed25519 public key: base64 of 32 bytes')
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
}

function readKeyFile (path: string): Buffer {
  // Like ssh: a key that others can read is refused rather than used.
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777
    if ((mode & 0o077) !== 0) {
      throw new InvalidFieldError(path, `must be readable by its owner only (mode 600; it is ${mode.toString(8)})`)
    }
  }
  return parseMasterKey(readFileSync(path, 'utf8'), path)
}

function createKeyFile (path: string): Buffer {
  const key = randomBytes(MASTER_KEY_BYTES)
  // 'wx' fails if another process created the file first, instead of overwriting its key.
  const fd = openSync(path, 'wx', 0o600)
  try {
    writeSync(fd, `${key.toString('base64')}\n`)
  } finally {
    closeSync(fd)
  }
  chmodSync(path, 0o600)
  return key
}

export interface LoadKeysOptions {
  readonly dataDir: string
  /** Environment to read `REGISTRY_KEY` from (process.env in production). */
  readonly env: Readonly<Record<string, string | undefined>>
}

/**
 * Loads the master key from `REGISTRY_KEY` (base64, 32 bytes) or from `<dataDir>/keys/registry.key`,
 * creating that file with mode 0600 (directory 0700) on first start when no key is configured.
 */
export function loadKeys (options: LoadKeysOptions): RegistryKeys {
  const fromEnv = options.env.REGISTRY_KEY
  if (fromEnv !== undefined && fromEnv !== '') return deriveKeys(parseMasterKey(fromEnv, 'REGISTRY_KEY'), 'env')
  const dir = join(options.dataDir, KEY_DIR_NAME)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, KEY_FILE_NAME)
  const master = existsSync(path) ? readKeyFile(path) : createKeyFile(path)
  return deriveKeys(master, 'file')
}
