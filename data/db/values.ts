import { InvalidFieldError, MissingFieldError } from '../../engine/errors.js'
import { HLA_LOCI, type HlaAntigen, type HlaTyping } from '../../engine/domain/hla.js'
import { requireString } from '../../engine/domain/input.js'

/**
 * Checks and conversions for values that cross the registry boundary: instants, calendar dates,
 * months, HLA typings. Every instant is stored as `YYYY-MM-DDTHH:MM:SS.sssZ`, so that text order is
 * time order and "as of" queries can compare strings.
 */

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const MONTH = /^(\d{4})-(\d{2})$/
const MS_PER_DAY = 86_400_000

/** Years a registry date may fall in; anything outside is a typing error, not history. */
const FIRST_YEAR = 1900
const LAST_YEAR = 2200

function isRealDay (year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

function checkYear (year: number, field: string): void {
  if (year < FIRST_YEAR || year > LAST_YEAR) throw new InvalidFieldError(field, `must have a year between ${FIRST_YEAR} and ${LAST_YEAR}`)
}

/** An ISO 8601 instant with a zone (Z or ±hh:mm), normalised to UTC with milliseconds. */
export function requireInstant (value: unknown, field: string): string {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  const rule = 'must be an ISO 8601 date-time with a zone, e.g. 2025-03-01T14:05:00Z'
  if (typeof value !== 'string') throw new InvalidFieldError(field, rule)
  const match = INSTANT.exec(value)
  if (match === null) throw new InvalidFieldError(field, rule)
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number]
  checkYear(year, field)
  if (!isRealDay(year, month, day) || hour > 23 || minute > 59 || second > 59) throw new InvalidFieldError(field, `${rule} (no such date or time)`)
  return new Date(value).toISOString()
}

/** An ISO 8601 calendar date, YYYY-MM-DD, that exists. */
export function requireDate (value: unknown, field: string): string {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  const rule = 'must be a calendar date YYYY-MM-DD'
  if (typeof value !== 'string') throw new InvalidFieldError(field, rule)
  const match = DATE.exec(value)
  if (match === null) throw new InvalidFieldError(field, rule)
  const [year, month, day] = match.slice(1, 4).map(Number) as [number, number, number]
  checkYear(year, field)
  if (!isRealDay(year, month, day)) throw new InvalidFieldError(field, `${rule} (no such date)`)
  return value
}

/** A calendar month, YYYY-MM. */
export function requireMonth (value: unknown, field: string): string {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  const rule = 'must be a calendar month YYYY-MM'
  if (typeof value !== 'string') throw new InvalidFieldError(field, rule)
  const match = MONTH.exec(value)
  if (match === null) throw new InvalidFieldError(field, rule)
  const [year, month] = match.slice(1, 3).map(Number) as [number, number]
  checkYear(year, field)
  if (month < 1 || month > 12) throw new InvalidFieldError(field, `${rule} (month 01-12)`)
  return value
}

/** Like requireX but undefined passes through (the field is optional); null is still refused. */
export function optional<T> (value: unknown, field: string, check: (value: unknown, field: string) => T): T | undefined {
  return value === undefined ? undefined : check(value, field)
}

/** Whole days from `from` to `to` (instants or dates), never negative. */
export function wholeDaysBetween (from: string, to: string): number {
  const days = Math.floor((Date.parse(to) - Date.parse(from)) / MS_PER_DAY)
  return Math.max(0, days)
}

/**
 * Age in completed years at `at`, from a birth month. The registry keeps only the month (the full
 * birth date is an encrypted direct identifier), and takes the birthday as the 15th of that month:
 * the age is then never more than 16 days early or late around the birthday.
 */
export function ageYearsFromBirthMonth (birthMonth: string, at: string): number {
  const [year, month] = birthMonth.split('-').map(Number) as [number, number]
  const instant = new Date(at)
  let age = instant.getUTCFullYear() - year
  const beforeBirthday = instant.getUTCMonth() + 1 < month ||
    (instant.getUTCMonth() + 1 === month && instant.getUTCDate() < 15)
  if (beforeBirthday) age -= 1
  return Math.max(0, age)
}

/** The calendar date `months` after `date` (YYYY-MM-DD), clamped to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths (date: string, months: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const target = new Date(Date.UTC(year, month - 1 + months, 1))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(day, lastDay))
  return target.toISOString().slice(0, 10)
}

/** The calendar date `days` after `date` (negative for before). */
export function addDays (date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10)
}

const ANTIGEN = /^(A|B|C|DR|DQ)(\d{1,4})$/

/** One serological antigen, written with its locus prefix ("A2", "DR15"). */
export function requireAntigen (value: unknown, field: string): HlaAntigen {
  return requireString(value, field, ANTIGEN, 'must be an HLA antigen written with its locus, e.g. A2, B44, DR15')
}

/** An HLA typing: A, B and DR with one or two antigens each; C and DQ optional; each antigen at its own locus. */
export function requireHlaTyping (value: unknown, field: string): HlaTyping {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidFieldError(field, 'must be an object with loci A, B, DR (and optionally C, DQ)')
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!(HLA_LOCI as readonly string[]).includes(key)) throw new InvalidFieldError(`${field}.${key}`, `is not an HLA locus (${HLA_LOCI.join(', ')})`)
  }
  const typing: Record<string, HlaAntigen[]> = {}
  for (const locus of HLA_LOCI) {
    const antigens = record[locus]
    const required = locus === 'A' || locus === 'B' || locus === 'DR'
    if (antigens === undefined && !required) continue
    const locusField = `${field}.${locus}`
    if (antigens === undefined || antigens === null) throw new MissingFieldError(locusField)
    if (!Array.isArray(antigens) || antigens.length < 1 || antigens.length > 2) throw new InvalidFieldError(locusField, 'must list one or two antigens')
    typing[locus] = antigens.map((antigen, index) => {
      const name = requireAntigen(antigen, `${locusField}[${index}]`)
      if (ANTIGEN.exec(name)?.[1] !== locus) throw new InvalidFieldError(`${locusField}[${index}]`, `must be an antigen of locus ${locus}`)
      return name
    })
  }
  return typing as unknown as HlaTyping
}

/** A distinct, sorted list of antigens (order never carries meaning, so it must not change a hash). */
export function requireAntigenList (value: unknown, field: string): HlaAntigen[] {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  if (!Array.isArray(value)) throw new InvalidFieldError(field, 'must be a list of HLA antigens')
  const antigens = value.map((antigen, index) => requireAntigen(antigen, `${field}[${index}]`))
  return [...new Set(antigens)].sort()
}
