import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { InvalidFieldError } from './errors.js'

/**
 * Canonical JSON (RFC 8785, JSON Canonicalization Scheme): sorted keys, fixed number formatting,
 * no whitespace. Policies, snapshots, match lists and audit entries are hashed over this form, so the
 * same content gives the same hash whatever order its keys were written in.
 */
export function canonicalJson (value: unknown): string {
  let text: string | undefined
  try {
    text = canonicalize(value)
  } catch (error) {
    throw new InvalidFieldError('value', `cannot be written as canonical JSON: ${(error as Error).message}`)
  }
  if (text === undefined) throw new InvalidFieldError('value', 'cannot be written as canonical JSON (undefined, function or symbol)')
  return text
}

/** Lower-case hex SHA-256 of a UTF-8 string or bytes. */
export function sha256Hex (data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** SHA-256 of the canonical JSON of a value: the content hash used everywhere in the engine. */
export function contentHash (value: unknown): string {
  return sha256Hex(canonicalJson(value))
}
