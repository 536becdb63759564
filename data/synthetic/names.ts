import type { Draw } from './sampling.js'

/**
 * Synthetic people and places. Names are built from invented syllables so that they read as names
 * but belong to nobody; national identifiers carry the user-assigned country code of the profile and
 * a check letter, and can never be a real country's number.
 */
const ONSETS = ['b', 'br', 'c', 'd', 'dr', 'f', 'g', 'gr', 'h', 'j', 'k', 'kl', 'l', 'm', 'n', 'p', 'pr', 'qu', 'r', 's', 'st', 't', 'tr', 'v', 'w', 'z']
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'io', 'ou', 'y']
const CODAS = ['', '', '', 'n', 'r', 's', 'l', 'th', 'x', 'nd', 'rk', 'm']
const PLACE_ENDINGS = ['ford', 'ton', 'vale', 'burg', 'stad', 'mere', 'holm', 'field', 'port', 'wick']

function capitalise (text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function syllable (draw: Draw): string {
  return `${ONSETS[draw.int(0, ONSETS.length - 1)] as string}${VOWELS[draw.int(0, VOWELS.length - 1)] as string}${CODAS[draw.int(0, CODAS.length - 1)] as string}`
}

function word (draw: Draw, minSyllables: number, maxSyllables: number): string {
  const count = draw.int(minSyllables, maxSyllables)
  let text = ''
  for (let i = 0; i < count; i++) text += syllable(draw)
  return capitalise(text)
}

export function personName (draw: Draw): { givenName: string, familyName: string } {
  return { givenName: word(draw, 2, 3), familyName: word(draw, 2, 3) }
}

/** A city name; the index keeps names distinct even when the syllables repeat. */
export function placeName (draw: Draw, index: number): string {
  return `${word(draw, 1, 2)}${PLACE_ENDINGS[index % PLACE_ENDINGS.length] as string}`
}

const CHECK_LETTERS = 'ABCDEFGHJKLMNPQRSTVWXYZ'
/**
 * Odd and not a multiple of 5, so coprime to 10^9: multiplying by it permutes 0..10^9−1 and distinct
 * serials give distinct numbers. Small enough that serial × SCRAMBLE stays an exact double.
 */
const SCRAMBLE = 7_654_321
const NUMBER_SPACE = 1_000_000_000

/**
 * `XS-123456789-K`: country code, a 9-digit number that is a fixed permutation of the serial (so
 * numbers are unique but not sequential), and a check letter (number mod 23).
 */
export function nationalId (countryCode: string, serial: number, offset: number): string {
  const number = (serial * SCRAMBLE + offset) % NUMBER_SPACE
  return `${countryCode}-${String(number).padStart(9, '0')}-${CHECK_LETTERS[number % CHECK_LETTERS.length] as string}`
}
