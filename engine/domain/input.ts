import { InvalidFieldError, MissingFieldError, OutOfRangeError } from '../errors.js'

/**
 * Checks shared by every pure function that takes clinical input. They never coerce or default:
 * a wrong value raises an EngineError that names the field and the accepted range.
 */

/** An accepted range, inclusive at both ends, with its unit ('' for unitless numbers). */
export interface NumericRange {
  readonly min: number
  readonly max: number
  readonly unit: string
}

/** Yes, no, or not known (OPTN imputes unknown hypertension and diabetes from prevalences). */
export type TriState = boolean | 'unknown'

export function requireNumber (value: unknown, field: string, range: NumericRange): number {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidFieldError(field, `must be a finite number in ${range.unit || 'no unit'}`)
  }
  if (value < range.min || value > range.max) throw new OutOfRangeError(field, value, range.min, range.max, range.unit)
  return value
}

export function requireInteger (value: unknown, field: string, range: NumericRange): number {
  const number = requireNumber(value, field, range)
  if (!Number.isInteger(number)) throw new InvalidFieldError(field, 'must be a whole number')
  return number
}

export function requireBoolean (value: unknown, field: string): boolean {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  if (typeof value !== 'boolean') throw new InvalidFieldError(field, 'must be true or false')
  return value
}

export function requireTriState (value: unknown, field: string): TriState {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  if (value === true || value === false || value === 'unknown') return value
  throw new InvalidFieldError(field, 'must be true, false or "unknown"')
}

export function requireEnum<T extends string> (value: unknown, field: string, allowed: readonly T[]): T {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidFieldError(field, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`)
  }
  return value as T
}

export function requireString (value: unknown, field: string, pattern?: RegExp, patternRule?: string): string {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  if (typeof value !== 'string' || value.length === 0) throw new InvalidFieldError(field, 'must be a non-empty string')
  if (pattern !== undefined && !pattern.test(value)) throw new InvalidFieldError(field, patternRule ?? `must match ${pattern.source}`)
  return value
}
