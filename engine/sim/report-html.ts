import { OUTCOMES, type OutcomeName } from './metrics.js'
import { GROUP_DIMENSIONS } from './prepared-cohort.js'
import type { ArmSummary, SimulationResults } from './replications.js'
import type { Interval } from './statistics.js'

/**
 * The simulation report: one self-contained HTML page (no scripts, no external files) with inline SVG
 * charts — outcome bars with 95% intervals per policy, access ratios by group, the waiting list over
 * time — each with a title, a description and the same numbers in a table underneath, so the page
 * works with a screen reader, in print and when charts are stripped from an e-mail.
 */

/** Okabe–Ito colours (distinguishable with the common colour-vision deficiencies). */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000']

const KEY_OUTCOMES: readonly OutcomeName[] = [
  'transplantRatePer100PatientYears', 'waitlistMortalityPer100PatientYears', 'nonUsePercent', 'medianDaysToTransplant',
  'meanDistanceNm', 'meanColdIschaemiaHours', 'lifeYearsPerTransplant', 'offersPerPlacedKidney'
]

const DIMENSION_LABELS: Readonly<Record<string, string>> = {
  bloodGroup: 'Blood group',
  sensitisation: 'Sensitisation (cPRA band)',
  ageBand: 'Age band at entry',
  paediatric: 'Paediatric / adult',
  region: 'Region of the listing centre',
  diagnosis: 'Primary diagnosis group',
  sex: 'Sex (protected attribute; equity monitoring only)',
  raceEthnicity: 'Race/ethnicity (protected attribute; equity monitoring only)',
  residence: 'Country of residence (protected attribute; equity monitoring only)'
}

export function escapeHtml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/** A number with about three significant digits (integers above 100 shown whole). */
export function formatNumber (value: number): string {
  if (!Number.isFinite(value)) return '—'
  if (value === 0) return '0'
  const magnitude = Math.abs(value)
  if (magnitude >= 100) return Math.round(value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  if (magnitude >= 10) return value.toFixed(1)
  if (magnitude >= 1) return value.toFixed(2)
  return value.toFixed(3)
}

function formatInterval (i: Interval): string {
  return i.n > 1 ? `${formatNumber(i.mean)} (${formatNumber(i.lower)} to ${formatNumber(i.upper)})` : formatNumber(i.mean)
}

interface BarItem {
  readonly label: string
  readonly value: Interval
  readonly colour: string
}

/** Horizontal bars from a common zero with 95% interval whiskers. */
function barChart (id: string, title: string, unit: string, items: readonly BarItem[], options: { reference?: number } = {}): string {
  const rowHeight = 26
  const left = 230
  const width = 640
  const plot = width - left - 60
  const height = items.length * rowHeight + 40
  const values = items.flatMap((item) => [item.value.lower, item.value.upper, item.value.mean])
  const max = Math.max(options.reference ?? 0, ...values, 0)
  const min = Math.min(0, ...values)
  const span = max - min || 1
  const x = (v: number): number => left + ((v - min) / span) * plot
  const bars = items.map((item, k) => {
    const y = 10 + k * rowHeight
    const from = x(Math.min(0, item.value.mean))
    const to = x(Math.max(0, item.value.mean))
    return `<g><text x="${left - 8}" y="${y + 16}" text-anchor="end" font-size="12">${escapeHtml(item.label)}</text>` +
      `<rect x="${from.toFixed(1)}" y="${y + 4}" width="${Math.max(1, to - from).toFixed(1)}" height="16" fill="${item.colour}"><title>${escapeHtml(`${item.label}: ${formatInterval(item.value)} ${unit}`)}</title></rect>` +
      (item.value.n > 1
        ? `<line x1="${x(item.value.lower).toFixed(1)}" x2="${x(item.value.upper).toFixed(1)}" y1="${y + 12}" y2="${y + 12}" stroke="#222" stroke-width="1.5"/>` +
          `<line x1="${x(item.value.lower).toFixed(1)}" x2="${x(item.value.lower).toFixed(1)}" y1="${y + 7}" y2="${y + 17}" stroke="#222" stroke-width="1.5"/>` +
          `<line x1="${x(item.value.upper).toFixed(1)}" x2="${x(item.value.upper).toFixed(1)}" y1="${y + 7}" y2="${y + 17}" stroke="#222" stroke-width="1.5"/>`
        : '') +
      `<text x="${(Math.max(to, item.value.n > 1 ? x(item.value.upper) : to) + 6).toFixed(1)}" y="${y + 16}" font-size="11" fill="#333">${escapeHtml(formatNumber(item.value.mean))}</text></g>`
  }).join('')
  const axisY = height - 22
  const zero = min < 0 ? `<line x1="${x(0).toFixed(1)}" x2="${x(0).toFixed(1)}" y1="6" y2="${axisY}" stroke="#888"/>` : ''
  const reference = options.reference !== undefined
    ? `<line x1="${x(options.reference).toFixed(1)}" x2="${x(options.reference).toFixed(1)}" y1="6" y2="${axisY}" stroke="#444" stroke-dasharray="4 3"/>` +
      `<text x="${x(options.reference).toFixed(1)}" y="${axisY + 14}" font-size="10" text-anchor="middle">${formatNumber(options.reference)}</text>`
    : ''
  return `<svg id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px">` +
    `<title id="${id}-title">${escapeHtml(title)}</title>` +
    `<desc id="${id}-desc">${escapeHtml(`Bar chart of ${title} (${unit}); each bar is the mean over replications, the whisker its 95% confidence interval. The table below gives the same numbers.`)}</desc>` +
    `<line x1="${left}" x2="${left + plot}" y1="${axisY}" y2="${axisY}" stroke="#888"/>` +
    `<text x="${left}" y="${axisY + 14}" font-size="10">${formatNumber(min)}</text><text x="${left + plot}" y="${axisY + 14}" font-size="10" text-anchor="end">${formatNumber(max)} ${escapeHtml(unit)}</text>` +
    zero + reference + bars + '</svg>'
}

/** Waiting-list size over time: one line per policy (mean), a band for its 95% interval. */
function lineChart (id: string, title: string, arms: readonly ArmSummary[], colours: readonly string[]): string {
  const width = 640
  const height = 260
  const left = 60
  const bottom = 30
  const plotW = width - left - 20
  const plotH = height - bottom - 20
  const days = (arms[0] as ArmSummary).series.day
  const maxDay = Math.max(1, ...days)
  const all = arms.flatMap((a) => a.series.waiting.flatMap((i) => [i.lower, i.upper]))
  const lo = Math.min(...all)
  const hi = Math.max(...all)
  const span = hi - lo || 1
  const x = (d: number): number => left + (d / maxDay) * plotW
  const y = (v: number): number => 20 + plotH - ((v - lo) / span) * plotH
  const lines = arms.map((arm, k) => {
    const series = arm.series.waiting
    const upper = series.map((i, j) => `${x(days[j] as number).toFixed(1)},${y(i.upper).toFixed(1)}`)
    const lower = series.map((i, j) => `${x(days[j] as number).toFixed(1)},${y(i.lower).toFixed(1)}`).reverse()
    const mean = series.map((i, j) => `${x(days[j] as number).toFixed(1)},${y(i.mean).toFixed(1)}`)
    return `<polygon points="${[...upper, ...lower].join(' ')}" fill="${colours[k]}" fill-opacity="0.15" stroke="none"/>` +
      `<polyline points="${mean.join(' ')}" fill="none" stroke="${colours[k]}" stroke-width="2"><title>${escapeHtml(arm.policy.id)}</title></polyline>`
  }).join('')
  const legend = arms.map((arm, k) => `<rect x="${left + 10 + k * 200}" y="4" width="12" height="12" fill="${colours[k]}"/><text x="${left + 26 + k * 200}" y="14" font-size="11">${escapeHtml(arm.policy.id)}</text>`).join('')
  return `<svg id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px">` +
    `<title id="${id}-title">${escapeHtml(title)}</title>` +
    `<desc id="${id}-desc">${escapeHtml('Line chart of the number of candidates on the waiting list (active and inactive) by day of the simulation, one line per policy with a shaded 95% interval. The table below gives the monthly values.')}</desc>` +
    `<line x1="${left}" x2="${left + plotW}" y1="${20 + plotH}" y2="${20 + plotH}" stroke="#888"/><line x1="${left}" x2="${left}" y1="20" y2="${20 + plotH}" stroke="#888"/>` +
    `<text x="${left - 6}" y="${y(hi) + 4}" font-size="10" text-anchor="end">${formatNumber(hi)}</text><text x="${left - 6}" y="${y(lo) + 4}" font-size="10" text-anchor="end">${formatNumber(lo)}</text>` +
    `<text x="${left}" y="${height - 8}" font-size="10">day 0</text><text x="${left + plotW}" y="${height - 8}" font-size="10" text-anchor="end">day ${formatNumber(maxDay)}</text>` +
    lines + legend + '</svg>'
}

function table (caption: string, head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return `<table><caption>${escapeHtml(caption)}</caption><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((cell, i) => i === 0 ? `<th scope="row">${escapeHtml(cell)}</th>` : `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('')}</tbody></table>`
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:960px;padding:0 1rem;color:#111;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.5rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem;margin-top:1.8rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}th[scope=row]{text-align:left;font-weight:normal}thead th{background:#f3f3f3}
figure{margin:1rem 0}code{font-size:.85em}.note{color:#444;font-size:.9rem}`

/** Renders the whole report as one HTML document. Pure: the same results give the same bytes. */
export function renderReportHtml (results: SimulationResults): string {
  const arms = results.arms
  const colours = arms.map((_, k) => PALETTE[k % PALETTE.length] as string)
  const policyLabel = (arm: ArmSummary): string => `${arm.policy.id} ${arm.policy.version}`
  const parts: string[] = []
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(`Policy simulation: ${results.scenario.name}`)}</title><style>${STYLE}</style></head><body>`)
  parts.push(`<header><h1>Policy simulation: ${escapeHtml(results.scenario.name)}</h1>` +
    `<p>${escapeHtml(`${arms.length} polic${arms.length === 1 ? 'y' : 'ies'} compared over ${results.years} simulated year${results.years === 1 ? '' : 's'}, ${results.replications} replication${results.replications === 1 ? '' : 's'} (seed ${results.seed}), on the same cohort with common random numbers: differences between policies come from their rules, not from chance draws.`)}</p>` +
    table('Policies compared', ['Policy', 'Version', 'Content hash (SHA-256)'], arms.map((a) => [a.policy.id, a.policy.version, a.policy.hash])) +
    `<p class="note">Scenario ${escapeHtml(results.scenario.id)}, scenario hash <code>${escapeHtml(results.scenario.hash)}</code>; results hash <code>${escapeHtml(results.resultsHash)}</code>. Intervals are 95% confidence intervals of the mean over replications (Student's t).</p></header>`)

  parts.push('<main><section><h2>Outcomes</h2>')
  for (const name of KEY_OUTCOMES) {
    const definition = OUTCOMES.find((o) => o.name === name) as typeof OUTCOMES[number]
    parts.push(`<figure>${barChart(`outcome-${name}`, definition.label, definition.unit, arms.map((arm, k) => ({ label: policyLabel(arm), value: arm.outcomes[name], colour: colours[k] as string })))}</figure>`)
  }
  parts.push(table('All outcomes: mean (95% interval) per policy', ['Outcome', ...arms.map(policyLabel)],
    OUTCOMES.map((o) => [`${o.label} (${o.unit})`, ...arms.map((a) => formatInterval(a.outcomes[o.name]))])))
  if (results.differences.length > 0) {
    parts.push(table(`Paired differences against ${results.differences[0]?.reference.id ?? ''} (same replications, common random numbers)`, ['Outcome', ...results.differences.map((d) => `${d.policy.id} − ${d.reference.id}`)],
      OUTCOMES.map((o) => [`${o.label} (${o.unit})`, ...results.differences.map((d) => formatInterval(d.outcomes[o.name]))])))
  }
  parts.push('</section>')

  parts.push('<section><h2>Equity by group</h2><p class="note">Access ratio: a group\'s transplant rate per 100 patient-years divided by the overall rate of the same policy (1 = the same access as everyone; dashed line). Protected attributes are used here only to measure equity: the policies never see them.</p>')
  for (const dimension of GROUP_DIMENSIONS) {
    const label = DIMENSION_LABELS[dimension.name] ?? dimension.name
    const groups = [...new Set(arms.flatMap((a) => a.groups.filter((g) => g.dimension === dimension.name).map((g) => g.group)))]
    if (groups.length === 0) continue
    const items: BarItem[] = []
    const rows: string[][] = []
    for (const group of groups) {
      arms.forEach((arm, k) => {
        const g = arm.groups.find((x) => x.dimension === dimension.name && x.group === group)
        if (g === undefined) return
        items.push({ label: `${group} · ${arm.policy.id}`, value: g.accessRatio, colour: colours[k] as string })
        rows.push([`${group} · ${arm.policy.id}`, formatNumber(g.candidates.mean), formatNumber(g.patientYears.mean), formatInterval(g.transplantRatePer100PatientYears), formatInterval(g.waitlistMortalityPer100PatientYears), formatInterval(g.accessRatio)])
      })
    }
    parts.push(`<h3>${escapeHtml(label)}</h3><figure>${barChart(`equity-${dimension.name}`, `Access ratio by ${label}`, 'ratio to overall rate', items, { reference: 1 })}</figure>`)
    parts.push(table(`${label}: outcomes by group and policy`, ['Group · policy', 'Candidates', 'Patient-years', 'Transplants per 100 patient-years', 'Deaths per 100 patient-years', 'Access ratio'], rows))
  }
  parts.push(table('Concentration index of transplant rates between groups (0 = equal access; ordinal dimensions in their natural order, the others sorted by rate, which makes it a Gini coefficient of access)',
    ['Dimension', 'Ordering', ...arms.map(policyLabel)],
    GROUP_DIMENSIONS.map((d) => {
      const first = (arms[0] as ArmSummary).equity.find((e) => e.dimension === d.name)
      return [DIMENSION_LABELS[d.name] ?? d.name, first?.ordering ?? '', ...arms.map((a) => {
        const e = a.equity.find((x) => x.dimension === d.name)
        return e === undefined ? '—' : formatInterval(e.concentrationIndex)
      })]
    })))
  parts.push('</section>')

  parts.push(`<section><h2>Waiting list over time</h2><figure>${lineChart('series-waiting', 'Candidates on the waiting list', arms, colours)}</figure>`)
  const days = (arms[0] as ArmSummary).series.day
  parts.push(table('Candidates on the waiting list (mean and 95% interval) and cumulative transplants, by day', ['Day', ...arms.flatMap((a) => [`${a.policy.id}: waiting`, `${a.policy.id}: transplants`])],
    days.map((day, j) => [String(day), ...arms.flatMap((a) => [formatInterval(a.series.waiting[j] as Interval), formatNumber((a.series.transplants[j] as Interval).mean)])])))
  parts.push('</section></main>')
  parts.push('<footer><p class="note">Produced by the organ allocation engine\'s policy simulator (engine/sim). Models, parameters and their sources: docs/simulation.md. A simulation estimates the effect of rules under stated behaviour models; it is not a forecast.</p></footer></body></html>\n')
  return parts.join('\n')
}
