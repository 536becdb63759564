import { formatP, type FairnessLint, type ProxyFinding } from '../../engine/policy/fairness-lint.js'
import type { PolicyDocument } from '../../engine/policy/policy-schema.js'
import { FAIRNESS_PROPERTIES } from './properties-catalogue.js'
import { NOT_RECORDED, REPORT_GROUPINGS, type PolicyFairnessData, type ReportGrouping } from './policy-sample.js'

/**
 * The fairness report of one policy as Markdown: the lint, the properties the tests check, and the
 * distribution of points and of top-10 places by group on the standard synthetic registry.
 * Deterministic (no dates): regenerating without a change gives the same file.
 */

/** Tier rows below the warning threshold are shown only when at least this significant (many tiers × attributes). */
const TIER_SHOW_P = 0.01

/** Ranks 1..TOP_PLACES count as the top of a list. */
export const TOP_PLACES = 10

export interface GroupRow {
  readonly group: string
  /** Active candidates of the organ on the list. */
  readonly listed: number
  readonly listShare: number
  /** Ranked candidate-donor pairs. */
  readonly pairs: number
  readonly pairShare: number
  readonly meanPoints: number
  readonly p10: number
  readonly median: number
  readonly p90: number
  /** Places 1-10 over all donors' lists. */
  readonly top: number
  readonly topShare: number
  /** topShare / listShare: 1 is proportional; undefined when the group has no listed candidates. */
  readonly topOverList: number | undefined
}

function quantile (sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const position = (sorted.length - 1) * q
  const low = Math.floor(position)
  const high = Math.ceil(position)
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (position - low)
}

function byLabel (a: string, b: string): number {
  // "not recorded" last; age bands sort by their first number.
  if (a === NOT_RECORDED) return 1
  if (b === NOT_RECORDED) return -1
  const na = Number.parseInt(a, 10)
  const nb = Number.parseInt(b, 10)
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb
  return a < b ? -1 : a > b ? 1 : 0
}

/** Points and top-10 places by group, for one grouping. */
export function groupDistribution (data: PolicyFairnessData, grouping: ReportGrouping): GroupRow[] {
  const labels = data.groups[grouping]
  const listed = data.waitlist.activeByGroup[grouping]
  const points = new Map<string, number[]>()
  const top = new Map<string, number>()
  let topTotal = 0
  for (let i = 0; i < labels.length; i++) {
    const group = labels[i] as string
    const list = points.get(group) ?? []
    list.push(data.totalPoints[i] as number)
    points.set(group, list)
    if ((data.rank[i] as number) <= TOP_PLACES) {
      top.set(group, (top.get(group) ?? 0) + 1)
      topTotal++
    }
  }
  const groups = [...new Set([...Object.keys(listed), ...points.keys()])].sort(byLabel)
  const listTotal = Object.values(listed).reduce((a, b) => a + b, 0)
  return groups.map((group) => {
    const values = (points.get(group) ?? []).sort((a, b) => a - b)
    const listShare = listTotal === 0 ? 0 : (listed[group] ?? 0) / listTotal
    const topShare = topTotal === 0 ? 0 : (top.get(group) ?? 0) / topTotal
    return {
      group,
      listed: listed[group] ?? 0,
      listShare,
      pairs: values.length,
      pairShare: labels.length === 0 ? 0 : values.length / labels.length,
      meanPoints: values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length,
      p10: quantile(values, 0.1),
      median: quantile(values, 0.5),
      p90: quantile(values, 0.9),
      top: top.get(group) ?? 0,
      topShare,
      topOverList: listShare === 0 ? undefined : topShare / listShare
    }
  })
}

function num (value: number | undefined, digits = 2): string {
  if (value === undefined || Number.isNaN(value)) return '–'
  if (value === Infinity) return '∞'
  if (value === -Infinity) return '−∞'
  const rounded = Number(value.toFixed(digits))
  return (Object.is(rounded, -0) ? 0 : rounded).toLocaleString('en-US', { maximumFractionDigits: digits })
}

function percent (value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '–' : `${(value * 100).toFixed(1)}%`
}

function cell (text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function table (header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)]
}

function code (names: readonly string[]): string {
  return names.length === 0 ? '(nothing)' : names.map((n) => `\`${n}\``).join(', ')
}

function findingRow (f: ProxyFinding): string[] {
  const groups = f.correlation.groups.map((g) => `${g.group} ${num(g.meanPoints)}`).join('; ')
  return [f.part, f.protectedAttribute, num(f.correlation.eta, 3), formatP(f.correlation.fTest.pValue), String(f.correlation.count), groups, f.warning ? 'warning' : '']
}

export interface ReportInput {
  readonly document: PolicyDocument
  readonly lint: FairnessLint
  readonly data: PolicyFairnessData
}

/** The Markdown report. */
export function renderFairnessReport ({ document, lint, data }: ReportInput): string {
  const lines: string[] = []
  const push = (...more: string[]): void => { lines.push(...more) }
  const policy = lint.policy
  const proxies = lint.proxies
  const proxyWarnings = lint.warnings.filter((w) => w.code === 'PROXY')
  const otherWarnings = lint.warnings.filter((w) => w.code !== 'PROXY')

  push(`# Fairness report: ${document.name}`, '')
  push(`Policy \`${document.id}\` version ${document.version}, organ ${document.organType}, effective from ${document.effectiveFrom}.`, '')
  push(`Policy hash: \`${policy?.hash ?? 'invalid'}\``, '')
  push('Generated by `npm run fairness:report` (data/fairness/write-reports.ts); do not edit by hand. The report is current while the hash above equals the policy\'s hash: `test/fairness-reports.test.ts` checks that for every built-in policy.', '')

  push('## Summary', '')
  push(`- Lint: ${lint.ok ? '**passes** (no errors)' : `**${lint.errors.length} error${lint.errors.length === 1 ? '' : 's'}**`}; ${lint.warnings.length} warning${lint.warnings.length === 1 ? '' : 's'} (${proxyWarnings.length} proxy, ${otherWarnings.length} other).`)
  push('- Protected attributes read: none. The policy vocabulary has no word for sex, race/ethnicity, nationality, religion or payer, and the lint refuses any name that refers to one.')
  push(`- Declared clinical uses of protected attributes inside derived scores it reads: ${lint.clinicalUses.length === 0 ? 'none' : lint.clinicalUses.map((u) => `\`${u.attribute}\` (${u.protectedAttribute}, ${u.use === 'uses' ? 'used' : 'removed from the current formula'})`).join('; ')}.`)
  push(`- Proxy warnings on the standard synthetic registry: ${proxyWarnings.length === 0 ? 'none' : proxyWarnings.map((w) => `${w.message.split(' (reads')[0] as string} ↔ ${w.protectedAttribute as string}`).join('; ')}.`)
  push(`- Distribution: ${data.donors.matched} donors matched against ${data.waitlist.count.toLocaleString('en-US')} ${data.policy.organType} candidates (${data.waitlist.active.toLocaleString('en-US')} active); ${data.pairs.toLocaleString('en-US')} ranked candidate-donor pairs; ${data.donors.failures.length} donors could not be matched.`, '')

  if (lint.errors.length > 0) {
    push('## Errors', '')
    push(...table(['code', 'where', 'problem'], lint.errors.map((e) => [e.code, `\`${e.path}\``, e.message])), '')
  }
  if (otherWarnings.length > 0) {
    push('## Warnings', '')
    push(...table(['code', 'where', 'warning'], otherWarnings.map((w) => [w.code, `\`${w.path}\``, w.message])), '')
  }

  push('## What the policy reads', '')
  push('Tiers are lexicographic: a candidate in an earlier tier outranks any number of points. Ties on tier and points go to the tie-breakers in order, then to a lottery seeded by the match run\'s identity and the candidate\'s pseudonym (never input order or database order).', '')
  const reads = lint.reads
  if (reads !== undefined) {
    const rows: string[][] = [['eligibility', 'checks', code(reads.eligibility)]]
    for (const tier of lint.tiers) rows.push(['tier', tier.name, code(tier.reads)])
    for (const c of lint.components) rows.push(['component', c.name, code(c.reads)])
    for (const t of lint.tieBreakers) rows.push(['tie-breaker', `${t.name} (${t.order === 'desc' ? 'larger first' : 'smaller first'})`, code(t.reads)])
    rows.push(['tie-breaker', 'lottery', 'match run id and pseudonym (SHA-256)'])
    push(...table(['part', 'name', 'reads'], rows), '')
  }

  push('## How much each component can move', '')
  push(`Bounds: ${lint.method.points}`, '')
  push('Observed: points over the ranked candidate-donor pairs of the standard synthetic registry (below); the share of total variance is cov(component, total) / var(total), so the shares add up to 1.', '')
  push(...table(
    ['component', 'scale', 'weight', 'min', 'max', 'share of span', 'observed mean', 'sd', 'p5 – p95', 'share of total variance', 'direction'],
    lint.components.map((c) => [
      c.name, c.scale, num(c.weight, 4), num(c.points.min), num(c.points.max), percent(c.points.shareOfSpan),
      num(c.observed?.mean), num(c.observed?.sd), c.observed === undefined ? '–' : `${num(c.observed.p5)} – ${num(c.observed.p95)}`,
      percent(c.observed?.shareOfTotalVariance),
      Object.entries(c.directions).map(([a, d]) => `${a}: ${d}`).join('; ') || '(category input)'
    ])), '')

  push('## Which way the policy pushes', '')
  push(`${lint.method.directions} The monotonicity property (below) tests every "higher" and "lower" on random registries.`, '')
  const effect = (d: string): string => d === 'higher' ? 'can only improve' : d === 'lower' ? 'can only worsen' : d === 'none' ? 'is unaffected' : 'may move either way (mixed)'
  push(...table(['attribute', 'as it rises, the candidate\'s place'], Object.entries(lint.directions).map(([a, d]) => [`\`${a}\``, effect(d)])), '')
  push(`Urgency moves that never lower a candidate's place: ${lint.urgencyOrder.length === 0 ? 'none (one urgency class, or none shown)' : lint.urgencyOrder.map((u) => `${u.from} → ${u.to}`).join(', ')}.`, '')

  push('## Declared clinical uses of protected attributes', '')
  if (lint.clinicalUses.length === 0) {
    push('None: no attribute this policy reads is computed from a protected attribute.', '')
  } else {
    push('These values reach the engine precomputed from the registry; the engine never sees the protected attribute itself.', '')
    push(...table(['attribute', 'protected attribute', 'use', 'formula', 'justification', 'source'], lint.clinicalUses.map((u) => [`\`${u.attribute}\``, u.protectedAttribute, u.use, u.formula, u.justification, u.source])), '')
  }

  push('## Safety', '')
  const e = document.eligibility
  push(`- Offers go to candidates whose status is: ${e.statuses.join(', ')}.`)
  push(`- ABO rule set: \`${e.abo.ruleSet}\`${(e.abo.exceptions ?? []).length === 0 ? '' : `; exceptions: ${(e.abo.exceptions ?? []).map((x) => `\`${x.ruleSet}\` when \`${x.when}\``).join('; ')}`}.`)
  push(`- Virtual crossmatch: ${e.virtualCrossmatch ? 'on (candidates with an unacceptable antigen the donor carries are excluded)' : 'off'}.`)
  push(`- Centre authorisation: ${e.centreAuthorisation ? 'on (candidates at centres not authorised for this organ on the match date are excluded)' : 'off'}.`, '')

  push('## Proxy analysis', '')
  if (proxies === undefined) {
    push('No sample was given.', '')
  } else {
    push(`Sample: ${proxies.description ?? 'not described'}. Unit: ${proxies.unit}. ${lint.method.proxies} Threshold η ≥ ${proxies.threshold}, p < ${proxies.alpha}; groups under ${proxies.minGroupSize} ${proxies.unit}s left out.`, '')
    const known = proxies.findings.filter((f) => f.mechanisms.length > 0 && f.part !== 'total' && (f.part.startsWith('components.') || f.warning))
    push('### Parts with a known link to a protected attribute', '')
    push('Each of these reads an attribute with a documented mechanism linking it to a protected attribute; the correlation is shown whether or not it reaches the warning threshold.', '')
    if (known.length === 0) {
      push('None.', '')
    } else {
      push(...table(['part', 'protected attribute', 'η', 'p', 'units', 'group means', 'status'], known.map(findingRow)), '')
      const mechanisms = [...new Map(known.flatMap((f) => f.mechanisms).map((m) => [`${m.protectedAttribute}|${m.attributes.join()}`, m])).values()]
      push(...table(['attributes', 'protected attribute', 'mechanism', 'justification'], mechanisms.map((m) => [code(m.attributes), m.protectedAttribute, m.mechanism, m.justification])), '')
    }
    const unexplained = proxies.findings.filter((f) => f.warning && f.mechanisms.length === 0)
    push('### Warnings without a known mechanism', '')
    push(unexplained.length === 0 ? 'None.' : 'Review these parts: no clinical justification is on record for the link.', '')
    if (unexplained.length > 0) push(...table(['part', 'protected attribute', 'η', 'p', 'units', 'group means', 'status'], unexplained.map(findingRow)), '')
    push('### Every component and the total', '')
    const measurable = proxies.findings.filter((f) => f.correlation.groups.length >= 2)
    const single = [...new Set(proxies.findings.filter((f) => f.correlation.groups.length < 2).map((f) => f.protectedAttribute))]
    if (single.length > 0) push(`Not measurable (fewer than two groups of ${proxies.minGroupSize} ${proxies.unit}s): ${single.join(', ')}.`, '')
    push(...table(['part', 'protected attribute', 'η', 'p', 'units', 'group means', 'status'],
      measurable.filter((f) => !f.part.startsWith('tiers.')).map(findingRow)), '')
    const tiers = measurable.filter((f) => f.part.startsWith('tiers.'))
    if (tiers.length > 0) {
      const shown = tiers.filter((f) => f.warning || (f.correlation.eta >= proxies.threshold / 2 && f.correlation.fTest.pValue < TIER_SHOW_P))
      push('### Tiers', '')
      push(`Membership of each tier (0/1) against each protected attribute; ${tiers.length} combinations measured, ${shown.length} shown (warnings, and η ≥ ${num(proxies.threshold / 2, 3)} with p < ${TIER_SHOW_P}).`, '')
      if (shown.length > 0) push(...table(['part', 'protected attribute', 'η', 'p', 'units', 'group means', 'status'], shown.map(findingRow)), '')
    }
  }

  push('## Distribution on the standard synthetic registry', '')
  const o = data.options
  push(`Registry: seed \`${o.seed}\`, ${o.candidates.toLocaleString('en-US')} candidates (all organs), profile \`${o.profile}\`, the list as of ${o.startDate} 00:00 UTC. Donors: the first ${o.donors} of the period, each matched against that list (N = ${data.donors.matched}; ${data.donors.withRankedCandidates} had at least one ranked candidate). Snapshot hash \`${data.snapshotHash}\`.`, '')
  if (data.standIns.length > 0) {
    push('Values the synthetic registry does not record, filled in for this run only:', '')
    for (const s of data.standIns) push(`- ${s}`)
    push('')
  }
  if (data.donors.failures.length > 0) {
    push(`Donors that could not be matched (${data.donors.failures.length}):`, '')
    const byCode = new Map<string, number>()
    for (const f of data.donors.failures) byCode.set(`${f.code}: ${f.message.replace(/donor \S+/, 'donor …')}`, (byCode.get(`${f.code}: ${f.message.replace(/donor \S+/, 'donor …')}`) ?? 0) + 1)
    for (const [text, count] of byCode) push(`- ${count} × ${text}`)
    push('')
  }
  push(`Columns: active candidates on the list; ranked candidate-donor pairs; total points over those pairs; places 1–${TOP_PLACES} over all donors' lists, and their share divided by the group's share of the list (1 = proportional).`, '')
  for (const grouping of REPORT_GROUPINGS) {
    push(`### By ${grouping}`, '')
    push(...table(
      ['group', 'listed', 'list share', 'ranked pairs', 'pair share', 'mean points', 'p10', 'median', 'p90', `top-${TOP_PLACES} places`, `top-${TOP_PLACES} share`, 'top share ÷ list share'],
      groupDistribution(data, grouping).map((r) => [r.group, String(r.listed), percent(r.listShare), String(r.pairs), percent(r.pairShare), num(r.meanPoints), num(r.p10), num(r.median), num(r.p90), String(r.top), percent(r.topShare), num(r.topOverList)])), '')
  }

  push('## Properties checked on every commit', '')
  push('`npm test` runs these fast-check properties against every built-in policy, on random registries and donors (fixed run counts; fast-check prints the seed and the counterexample of a failure so it can be replayed). `test/fairness-suite-can-fail.test.ts` proves they can fail: a deliberately order-dependent scorer, a scorer that leaks a protected attribute and one that ranks an incompatible candidate are all caught, and a deliberately discriminatory policy is refused by the lint.', '')
  push(...table(['property', 'test file', 'runs per policy'], FAIRNESS_PROPERTIES.map((p) => [p.title, `\`${p.file}\``, String(p.runsPerPolicy)])), '')
  return `${lines.join('\n').trimEnd()}\n`
}
