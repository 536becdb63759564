import { InvalidFieldError } from '../../engine/errors.js'

/**
 * Calendar arithmetic in UTC for the generator. Every date is derived from the caller's start date,
 * never from the clock, so the output does not depend on when it is generated.
 */
export const MS_PER_DAY = 86_400_000
export const DAYS_PER_YEAR = 365.25

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Milliseconds since the epoch of a YYYY-MM-DD date at 00:00 UTC; refuses anything else. */
export function parseStartDate (value: unknown, field = 'startDate'): number {
  const rule = 'must be a calendar date YYYY-MM-DD between 1950-01-01 and 2200-12-31'
  if (typeof value !== 'string') throw new InvalidFieldError(field, rule)
  const match = DATE.exec(value)
  if (match === null) throw new InvalidFieldError(field, rule)
  const [year, month, day] = match.slice(1, 4).map(Number) as [number, number, number]
  const ms = Date.UTC(year, month - 1, day)
  const back = new Date(ms)
  if (year < 1950 || year > 2200 || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) throw new InvalidFieldError(field, rule)
  return ms
}

function pad2 (value: number): string {
  return value < 10 ? `0${value}` : String(value)
}

/**
 * Civil date of a day count since 1970-01-01 (H. Hinnant's days-to-civil algorithm). The generator
 * formats a few dates per record; integer arithmetic is several times faster than Date#toISOString.
 */
function civil (days: number): [number, number, number] {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day]
}

/** YYYY-MM-DD of an epoch millisecond (years 1000–9999). */
export function isoDate (ms: number): string {
  const [year, month, day] = civil(Math.floor(ms / MS_PER_DAY))
  return `${year}-${pad2(month)}-${pad2(day)}`
}

/** ISO 8601 instant with milliseconds and Z (the registry's stored form). */
export function isoInstant (ms: number): string {
  const whole = Math.floor(ms)
  const days = Math.floor(whole / MS_PER_DAY)
  let rest = whole - days * MS_PER_DAY
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  const millis = rest - seconds * 1000
  return `${isoDate(whole)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${String(millis).padStart(3, '0')}Z`
}

export function addDays (date: string, days: number): string {
  return isoDate(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY)
}

export function addYears (date: string, years: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const target = new Date(Date.UTC(year + years, month - 1, 1))
  const lastDay = new Date(Date.UTC(year + years, month, 0)).getUTCDate()
  target.setUTCDate(Math.min(day, lastDay))
  return isoDate(target.getTime())
}

export function firstOfMonth (date: string): string {
  return `${date.slice(0, 7)}-01`
}

/** Completed years between a birth date and a date (both YYYY-MM-DD). */
export function completedYears (birthDate: string, at: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number]
  const [ay, am, ad] = at.slice(0, 10).split('-').map(Number) as [number, number, number]
  let years = ay - by
  if (am < bm || (am === bm && ad < bd)) years -= 1
  return Math.max(0, years)
}
