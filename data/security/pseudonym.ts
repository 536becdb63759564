import { createHmac } from 'node:crypto'
import { InvalidFieldError } from '../../engine/errors.js'
import { requireString } from '../../engine/domain/input.js'

/**
 * Keyed-HMAC pseudonyms (ENISA 2019 "hashing with a key"; EDPB Guidelines 01/2025): the engine, match
 * lists and logs know candidates and donors only by these. Without the key a pseudonym cannot be
 * linked back to the registration number it came from, even for low-entropy numbers.
 */
export const PSEUDONYM_KINDS = {
  candidate: 'C',
  donor: 'D',
  person: 'P'
} as const
export type PseudonymKind = keyof typeof PSEUDONYM_KINDS

/** Crockford base32: no I, L, O or U, so a pseudonym read aloud or retyped is not misread. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** 26 characters carry 130 of the HMAC's 256 bits: at least the 128 that pseudonymisation guidance asks for. */
export const PSEUDONYM_LENGTH = 26

function base32 (bytes: Buffer, length: number): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
    buffer &= (1 << bits) - 1
    if (out.length === length) break
  }
  return out
}

/** The pattern every pseudonym of a kind matches, e.g. `C-` followed by 26 base32 characters. */
export function pseudonymPattern (kind: PseudonymKind): RegExp {
  return new RegExp(`^${PSEUDONYM_KINDS[kind]}-[${CROCKFORD}]{${PSEUDONYM_LENGTH}}$`)
}

/** `prefix-BASE32(HMAC-SHA-256(key, kind + ':' + localId))`, truncated to 26 characters. */
export function pseudonym (key: Buffer, kind: PseudonymKind, localId: string): string {
  const id = requireString(localId, 'localId')
  const mac = createHmac('sha256', key).update(`${kind}:${id}`, 'utf8').digest()
  return `${PSEUDONYM_KINDS[kind]}-${base32(mac, PSEUDONYM_LENGTH)}`
}

/** National identifiers are compared without case, spaces, dots or hyphens, so "12.345-67" and "1234567" link. */
export function normaliseNationalId (nationalId: string): string {
  return nationalId.toUpperCase().replace(/[\s.\-/]/g, '')
}

/** A person-level pseudonym from a national identifier: links one person's registrations without revealing who. */
export function personPseudonym (key: Buffer, nationalId: string): string {
  const normalised = normaliseNationalId(requireString(nationalId, 'nationalId'))
  if (normalised === '') throw new InvalidFieldError('nationalId', 'must contain letters or digits')
  return pseudonym(key, 'person', normalised)
}
