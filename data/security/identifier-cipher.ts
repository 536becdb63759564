import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { InvalidFieldError } from '../../engine/errors.js'

/**
 * AES-256-GCM (NIST SP 800-38D) for direct identifiers. Each value gets a fresh random 96-bit IV and is
 * bound to its record and field through the additional authenticated data, so a ciphertext copied
 * onto another record or into another column fails to decrypt instead of naming the wrong person.
 *
 * Stored form: version (1 byte) ‖ IV (12) ‖ tag (16) ‖ ciphertext.
 */
const FORMAT_VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES

/** The additional authenticated data that ties a value to where it is stored. */
export function identifierAad (subjectId: string, field: string): Buffer {
  return Buffer.from(`direct-identifier:${subjectId}:${field}`, 'utf8')
}

export function encryptIdentifier (key: Buffer, plaintext: string, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, cipher.getAuthTag(), body])
}

/** Decrypts and authenticates; a wrong key, a moved value or an altered byte raises instead of returning garbage. */
export function decryptIdentifier (key: Buffer, stored: Uint8Array, aad: Buffer, field: string): string {
  const bytes = Buffer.from(stored)
  if (bytes.length < HEADER_BYTES || bytes[0] !== FORMAT_VERSION) {
    throw new InvalidFieldError(field, 'is not an encrypted identifier in format version 1')
  }
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + IV_BYTES), { authTagLength: TAG_BYTES })
  decipher.setAAD(aad)
  decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, HEADER_BYTES))
  try {
    return Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES)), decipher.final()]).toString('utf8')
  } catch {
    throw new InvalidFieldError(field, 'failed authentication: wrong key, or the stored value was altered or moved')
  }
}
