import type { Severity } from './rule-schema.js'

/**
 * Aggregate flag statistics for oversight bodies (UN GA res. 71/322 para 3(e)): how many findings
 * each rule raised, how they were closed, and how many are still open — with no entity, subject or
 * reviewer named. The outcomes (true positive, false positive, inconclusive) are what thresholds are
 * calibrated on (reference doc §2.4, implementation notes).
 */

export interface FlagForStatistics {
  /** "A1@1" or "A1@1:missing-data" (or any rule id a person raised a flag under). */
  readonly ruleId: string
  readonly severity: Severity
  readonly status: 'open' | 'closed'
  readonly outcome?: 'true-positive' | 'false-positive' | 'inconclusive' | undefined
  readonly raisedAt: string
}

export interface RuleStatistics {
  readonly rule: string
  readonly version: number | null
  readonly finding: 'fired' | 'missing-data' | 'manual'
  readonly severity: Severity
  readonly raised: number
  readonly open: number
  readonly closed: number
  readonly truePositive: number
  readonly falsePositive: number
  readonly inconclusive: number
  /** True positives ÷ closed; null when none is closed yet. */
  readonly positivePredictiveValue: number | null
}

export interface FlagStatistics {
  readonly from?: string | undefined
  readonly to?: string | undefined
  readonly total: { readonly raised: number, readonly open: number, readonly closed: number }
  readonly bySeverity: Readonly<Record<Severity, { readonly raised: number, readonly open: number }>>
  readonly byRule: readonly RuleStatistics[]
}

const RULE_KEY = /^([A-Z]\d{1,2})@(\d+)(:missing-data)?$/

function parseRule (ruleId: string): { rule: string, version: number | null, finding: RuleStatistics['finding'] } {
  const match = RULE_KEY.exec(ruleId)
  if (match === null) return { rule: ruleId, version: null, finding: 'manual' }
  return { rule: match[1] as string, version: Number(match[2]), finding: match[3] === undefined ? 'fired' : 'missing-data' }
}

/** Statistics over flags raised in [from, to) (instants; either may be omitted). */
export function flagStatistics (flags: readonly FlagForStatistics[], period: { from?: string | undefined, to?: string | undefined } = {}): FlagStatistics {
  const inPeriod = flags.filter((flag) => (period.from === undefined || flag.raisedAt >= period.from) && (period.to === undefined || flag.raisedAt < period.to))
  const groups = new Map<string, { rule: string, version: number | null, finding: RuleStatistics['finding'], severity: Severity, flags: FlagForStatistics[] }>()
  for (const flag of inPeriod) {
    const parsed = parseRule(flag.ruleId)
    const key = `${parsed.rule}|${parsed.version ?? ''}|${parsed.finding}|${flag.severity}`
    const group = groups.get(key) ?? { ...parsed, severity: flag.severity, flags: [] }
    group.flags.push(flag)
    groups.set(key, group)
  }
  const byRule = [...groups.values()].map((group): RuleStatistics => {
    const closed = group.flags.filter((f) => f.status === 'closed')
    const truePositive = closed.filter((f) => f.outcome === 'true-positive').length
    return {
      rule: group.rule,
      version: group.version,
      finding: group.finding,
      severity: group.severity,
      raised: group.flags.length,
      open: group.flags.length - closed.length,
      closed: closed.length,
      truePositive,
      falsePositive: closed.filter((f) => f.outcome === 'false-positive').length,
      inconclusive: closed.filter((f) => f.outcome === 'inconclusive').length,
      positivePredictiveValue: closed.length === 0 ? null : truePositive / closed.length
    }
  }).sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : (a.version ?? 0) - (b.version ?? 0) || (a.finding < b.finding ? -1 : a.finding > b.finding ? 1 : 0)))
  const count = (severity: Severity): { raised: number, open: number } => ({
    raised: inPeriod.filter((f) => f.severity === severity).length,
    open: inPeriod.filter((f) => f.severity === severity && f.status === 'open').length
  })
  const open = inPeriod.filter((f) => f.status === 'open').length
  return {
    ...(period.from === undefined ? {} : { from: period.from }),
    ...(period.to === undefined ? {} : { to: period.to }),
    total: { raised: inPeriod.length, open, closed: inPeriod.length - open },
    bySeverity: { B: count('B'), R: count('R'), M: count('M') },
    byRule
  }
}
