/**
 * What the console shows, computed without the DOM: grouping, formatting and form checks. Kept free of
 * browser APIs so the tap suite can test it (test/web-console-present.test.ts).
 */

export interface Problem {
  readonly status: number
  readonly code: string
  readonly title?: string
  readonly detail?: string
  readonly errors?: ReadonlyArray<{ readonly field: string, readonly rule: string }>
}

export interface RankedEntry {
  readonly rank: number
  readonly candidateId: string
  readonly centreId: string
  readonly tier: { readonly index: number, readonly name: string }
  readonly points: Readonly<Record<string, number>>
  readonly totalPoints: number
  readonly distanceNm: number
  readonly tieBreak: Readonly<Record<string, number | string>>
}

export interface ExcludedEntry {
  readonly candidateId: string
  readonly centreId: string
  readonly reasons: ReadonlyArray<{ readonly code: string, readonly detail: string, readonly antigens?: readonly string[] }>
}

export interface ExclusionGroup {
  readonly code: string
  readonly candidates: ReadonlyArray<{ readonly candidateId: string, readonly centreId: string, readonly detail: string }>
}

/** Role names as the API spells them, and the console views each opens. */
export const VIEW_ROLES = {
  officer: ['allocation-officer'],
  analyst: ['policy-analyst'],
  auditor: ['auditor', 'registry-authority']
} as const

export type ViewName = keyof typeof VIEW_ROLES

/** The views a token's roles open, in the order the navigation shows them. */
export function viewsFor (roles: readonly string[]): ViewName[] {
  return (Object.keys(VIEW_ROLES) as ViewName[]).filter((view) => VIEW_ROLES[view].some((role) => roles.includes(role)))
}

/**
 * Exclusions grouped by reason code, largest group first (then by code). A candidate excluded for
 * two reasons appears under both: each group answers "who was excluded for this reason".
 */
export function groupExclusions (excluded: readonly ExcludedEntry[]): ExclusionGroup[] {
  const groups = new Map<string, Array<{ candidateId: string, centreId: string, detail: string }>>()
  for (const entry of excluded) {
    for (const reason of entry.reasons) {
      let members = groups.get(reason.code)
      if (members === undefined) groups.set(reason.code, members = [])
      const antigens = reason.antigens === undefined || reason.antigens.length === 0 ? '' : ` (${reason.antigens.join(', ')})`
      members.push({ candidateId: entry.candidateId, centreId: entry.centreId, detail: `${reason.detail}${antigens}` })
    }
  }
  return [...groups.entries()]
    .map(([code, candidates]) => ({ code, candidates }))
    .sort((a, b) => b.candidates.length - a.candidates.length || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
}

/** Points as a person reads them: at most two decimals, no trailing zeros, a real minus sign. */
export function formatPoints (value: number): string {
  if (!Number.isFinite(value)) return String(value)
  const rounded = Math.round(value * 100) / 100
  const text = (Object.is(rounded, -0) ? 0 : rounded).toFixed(2).replace(/\.?0+$/, '')
  return text.startsWith('-') ? `\u2212${text.slice(1)}` : text
}

/** The components of a candidate's points, in the policy's order, with the total they add up to. */
export function pointsBreakdown (entry: Pick<RankedEntry, 'points' | 'totalPoints'>): Array<{ component: string, points: string }> {
  return [
    ...Object.entries(entry.points).map(([component, points]) => ({ component, points: formatPoints(points) })),
    { component: 'total', points: formatPoints(entry.totalPoints) }
  ]
}

/** The first 12 characters of a SHA-256 hex digest, enough to compare by eye; the full one is in a title. */
export function shortHash (hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}\u2026` : hash
}

/** One sentence for a problem document, then one line per field it names. */
export function describeProblem (problem: Problem): string[] {
  const head = `${problem.detail ?? problem.title ?? 'Request failed'} (${problem.code}, HTTP ${problem.status})`
  const hint = problem.status === 403
    ? ['This token\'s roles do not include one this action needs; log in with a token of the role named above.']
    : problem.status === 404 && problem.code === 'API_NOT_FOUND' && /No route/.test(problem.detail ?? '')
      ? ['This server does not offer this function yet.']
      : []
  return [head, ...(problem.errors ?? []).map((e) => `${e.field}: ${e.rule}`), ...hint]
}

/** Whether an unknown JSON value is a problem document. */
export function isProblem (value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as Problem).code === 'string' && typeof (value as Problem).status === 'number'
}

export type Checked<T> = { readonly ok: true, readonly value: T } | { readonly ok: false, readonly field: string, readonly message: string }

export const OFFER_RESPONSES = [
  { code: 'Y', label: 'Y: accept' },
  { code: 'N', label: 'N: refuse (refusal code needed)' },
  { code: 'Z', label: 'Z: provisional yes' },
  { code: 'B', label: 'B: bypass (refusal code needed)' }
] as const

export interface OfferForm {
  readonly candidateId: string
  readonly response: string
  readonly refusalCode: string
}

/** The body of POST /v1/match-runs/{id}/offers, or the field a person must correct first. */
export function offerBody (form: OfferForm): Checked<{ candidateId: string, response: string, refusalCode?: number }> {
  const candidateId = form.candidateId.trim()
  if (candidateId === '') return { ok: false, field: 'candidateId', message: 'Choose the candidate the organ was offered to.' }
  if (!OFFER_RESPONSES.some((r) => r.code === form.response)) return { ok: false, field: 'response', message: 'Choose the response: Y, N, Z or B.' }
  const code = form.refusalCode.trim()
  const needsCode = form.response === 'N' || form.response === 'B'
  if (!needsCode) {
    if (code !== '') return { ok: false, field: 'refusalCode', message: `A ${form.response} response takes no refusal code; clear the field.` }
    return { ok: true, value: { candidateId, response: form.response } }
  }
  if (!/^\d{3}$/.test(code) || Number(code) < 700 || Number(code) > 799) {
    return { ok: false, field: 'refusalCode', message: `A ${form.response} response needs a refusal code from 700 to 799.` }
  }
  return { ok: true, value: { candidateId, response: form.response, refusalCode: Number(code) } }
}

/** Antigens typed with spaces or commas ("A2, A3") as the API's list. */
export function parseAntigens (text: string): string[] {
  return text.split(/[\s,;]+/).map((s) => s.trim()).filter((s) => s !== '')
}

/** A required number from a form field: never a silent 0 for an empty field. */
export function requiredNumber (text: string, field: string, label: string): Checked<number> {
  const trimmed = text.trim()
  if (trimmed === '') return { ok: false, field, message: `${label} is required.` }
  const value = Number(trimmed.replace(',', '.'))
  if (!Number.isFinite(value)) return { ok: false, field, message: `${label} must be a number (got "${trimmed}").` }
  return { ok: true, value }
}

/** yes / no / unknown select values as the API's tri-state. */
export function triState (value: string): boolean | 'unknown' {
  return value === 'yes' ? true : value === 'no' ? false : 'unknown'
}

export interface ChartSeries {
  readonly metric: string
  readonly bars: ReadonlyArray<{ readonly label: string, readonly value: number, readonly low?: number, readonly high?: number }>
}

function estimateOf (value: unknown): { value: number, low?: number, high?: number } | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return { value }
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as Record<string, unknown>
  const central = [record.mean, record.estimate, record.value, record.median].find((v): v is number => typeof v === 'number' && Number.isFinite(v))
  if (central === undefined) return undefined
  const interval = [record.ci95, record.ci, record.interval].find((v): v is unknown[] => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number'))
  const low = interval?.[0] ?? (typeof record.low === 'number' ? record.low : typeof record.lower === 'number' ? record.lower : undefined)
  const high = interval?.[1] ?? (typeof record.high === 'number' ? record.high : typeof record.upper === 'number' ? record.upper : undefined)
  return { value: central, ...(typeof low === 'number' ? { low } : {}), ...(typeof high === 'number' ? { high } : {}) }
}

/**
 * Chart series from a simulation's results: for each outcome, one bar per arm (policy). Reads the
 * shapes a results object takes: `arms: [{ policy|label|policyId, outcomes|metrics: { name: number |
 * { mean, ci95 } } }]`. Anything else gives no series and the console shows the raw JSON instead.
 */
export function simulationSeries (results: unknown): ChartSeries[] {
  if (typeof results !== 'object' || results === null) return []
  const arms = (results as { arms?: unknown }).arms
  if (!Array.isArray(arms)) return []
  const byMetric = new Map<string, Array<{ label: string, value: number, low?: number, high?: number }>>()
  arms.forEach((arm: unknown, i) => {
    if (typeof arm !== 'object' || arm === null) return
    const record = arm as Record<string, unknown>
    const policy = record.policy
    const labelSource = typeof policy === 'string' ? policy
      : typeof policy === 'object' && policy !== null && typeof (policy as { id?: unknown }).id === 'string' ? (policy as { id: string }).id
        : [record.label, record.policyId, record.id].find((v): v is string => typeof v === 'string')
    const label = labelSource ?? `arm ${i + 1}`
    const outcomes = [record.outcomes, record.metrics, record.summary].find((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v))
    if (outcomes === undefined) return
    for (const [metric, raw] of Object.entries(outcomes)) {
      const estimate = estimateOf(raw)
      if (estimate === undefined) continue
      let bars = byMetric.get(metric)
      if (bars === undefined) byMetric.set(metric, bars = [])
      bars.push({ label, ...estimate })
    }
  })
  return [...byMetric.entries()].map(([metric, bars]) => ({ metric, bars }))
}

/** An outcome's camelCase name as words: "waitlistDeathsPer100PatientYears" → "waitlist deaths per 100 patient years". */
export function humanise (name: string): string {
  return name.replace(/([a-z])([A-Z0-9])/g, '$1 $2').replace(/([0-9])([A-Z])/g, '$1 $2').toLowerCase().replace(/\bnm\b/, '(NM)')
}

/** "3 of 20 replications (15%)" for a progress { done, total }. */
export function progressText (progress: { readonly done: number, readonly total: number } | undefined): string {
  if (progress === undefined || progress.total <= 0) return 'waiting to start'
  const percent = Math.floor((100 * Math.min(progress.done, progress.total)) / progress.total)
  return `${progress.done} of ${progress.total} replications (${percent}%)`
}

/** A fresh Idempotency-Key per submitted form, so a retried click never records twice. */
export function idempotencyKey (prefix: string, random: () => string): string {
  return `console-${prefix}-${random()}`
}
