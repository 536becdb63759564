import t from 'tap'
import { syntheticCohort } from '../api/cli/simulate.js'
import { escapeHtml, formatNumber, renderReportHtml } from '../engine/sim/report-html.js'
import { createSerialExecutor, runReplications } from '../engine/sim/replications.js'
import { SMALL_SCENARIO, testPolicy } from './fixtures/sim-cohort.js'

const results = await runReplications(
  { scenario: SMALL_SCENARIO, policies: [testPolicy('points'), testPolicy('waiting')], years: 1, replications: 2, seed: 'report' },
  createSerialExecutor(() => syntheticCohort(SMALL_SCENARIO, 1))
)
const html = renderReportHtml(results)

function count (text: string, pattern: RegExp): number {
  return (text.match(pattern) ?? []).length
}

t.test('the report is one self-contained HTML page', async (t) => {
  t.match(html, /^<!doctype html><html lang="en">/)
  t.match(html, /<\/html>\n$/)
  t.equal(count(html, /<script/gi), 0, 'no scripts')
  t.equal(count(html, /\b(?:src|href)=/gi), 0, 'no external files')
  t.equal(renderReportHtml(results), html, 'the same results give the same bytes')
  t.ok(html.includes(results.resultsHash))
  for (const arm of results.arms) t.ok(html.includes(arm.policy.hash), `names policy ${arm.policy.id} by its hash`)
})

t.test('charts: outcome bars with intervals, access ratios by group, the list over time — each accessible, each with a table', async (t) => {
  const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? []
  const outcomeCharts = svgs.filter((s) => s.includes('id="outcome-'))
  const equityCharts = svgs.filter((s) => s.includes('id="equity-'))
  const seriesCharts = svgs.filter((s) => s.includes('id="series-'))
  t.equal(outcomeCharts.length, 8)
  t.ok(equityCharts.length >= 6, `equity charts for the dimensions present (${equityCharts.length})`)
  t.ok(['bloodGroup', 'sensitisation', 'ageBand', 'sex', 'raceEthnicity', 'residence'].every((d) => html.includes(`id="equity-${d}"`)))
  t.equal(seriesCharts.length, 1)
  for (const svg of svgs) {
    const id = /<svg id="([^"]+)"/.exec(svg)?.[1] ?? ''
    t.ok(svg.includes('role="img"') && svg.includes(`aria-labelledby="${id}-title ${id}-desc"`), `${id}: role and labels`)
    t.ok(svg.includes(`<title id="${id}-title">`) && svg.includes(`<desc id="${id}-desc">`), `${id}: title and description`)
  }
  // Bars with whiskers: with 2 replications each bar has an interval line.
  t.ok(outcomeCharts.every((s) => count(s, /<rect /g) === 2 && count(s, /<line /g) >= 1 + 2 * 3), 'two policies: two bars, each with a three-line whisker, on an axis')
  t.ok(equityCharts.every((s) => s.includes('stroke-dasharray')), 'equity charts draw the reference line at 1')
  t.ok(seriesCharts[0]?.includes('<polyline') && seriesCharts[0].includes('<polygon'), 'a line and an interval band per policy')
  const tables = html.match(/<table>[\s\S]*?<\/table>/g) ?? []
  t.ok(tables.length >= 1 + 2 + equityCharts.length + 1 + 1, `a table under each chart group (${tables.length} tables)`)
  t.ok(tables.every((table) => table.includes('<caption>') && table.includes('scope="col"')), 'every table has a caption and column headers')
  t.ok(html.includes('Paired differences against sim-points-etkas-like'))
})

t.test('text is escaped and numbers are formatted', async (t) => {
  t.equal(escapeHtml('<a href="x">Tom & Jerry\'s</a>'), '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;')
  const hostile = renderReportHtml({ ...results, scenario: { ...results.scenario, name: '<script>alert(1)</script> & co' } })
  t.notOk(hostile.includes('<script>'))
  t.ok(hostile.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co'))
  t.equal(formatNumber(1234567.4), '1,234,567')
  t.equal(formatNumber(-250), '-250')
  t.equal(formatNumber(12.345), '12.3')
  t.equal(formatNumber(1.2345), '1.23')
  t.equal(formatNumber(0.012345), '0.012')
  t.equal(formatNumber(Number.NaN), '—')
  t.equal(formatNumber(0), '0')
})

t.test('a single policy and a single replication render without intervals or differences', async (t) => {
  const single = await runReplications(
    { scenario: SMALL_SCENARIO, policies: [testPolicy('waiting')], years: 1, replications: 1, seed: 'single' },
    createSerialExecutor(() => syntheticCohort(SMALL_SCENARIO, 1))
  )
  const page = renderReportHtml(single)
  t.notOk(page.includes('Paired differences'))
  t.ok(page.includes('1 policy compared over 1 simulated year, 1 replication'))
})
