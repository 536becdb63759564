/// <reference lib="dom" />
import { api, apiBlob } from './api-client.js'
import { byId, download, facts, field, h, input, select, show, table, valueOf } from './dom.js'
import { formatPoints, humanise, progressText, shortHash, simulationSeries, type ChartSeries } from './present.js'
import { act, announce, errorBox, pre, section } from './ui.js'

/** The policy analyst: policies and their differences, the fairness lint, simulations and their reports. */

interface PolicyVersion { id: string, version: string, name: string, organType: string, effectiveFrom: string, hash: string, builtIn: boolean, recordedAt?: string }
interface Simulation { id: string, status: string, progress?: { done: number, total: number }, results?: unknown, error?: unknown }

const SCENARIOS = ['national-kidney', 'et-kidney', 'us-kidney']
let policies: PolicyVersion[] = []
let polling: number | undefined

function versionKey (p: PolicyVersion): string {
  return `${p.id}@${p.version}`
}

async function loadDocument (key: string): Promise<unknown> {
  const [id = '', version = ''] = key.split('@')
  const { document } = await api<{ document: unknown }>('GET', `/v1/policies/${encodeURIComponent(id)}/versions/${encodeURIComponent(version)}`)
  return document
}

function policyOptions (): Array<{ value: string, label: string }> {
  return policies.map((p) => ({ value: versionKey(p), label: `${p.id} ${p.version} (${p.organType})` }))
}

async function loadPolicies (): Promise<void> {
  const list = byId('policy-list')
  try {
    policies = (await api<{ policies: PolicyVersion[] }>('GET', '/v1/policies')).policies
  } catch (error) {
    show(list, errorBox(error))
    return
  }
  show(list, table('Built-in and recorded policy versions', ['Policy', 'Version', 'Name', 'Organ', 'Effective from', 'Hash', 'Source'],
    policies.map((p) => h('tr', {}, h('td', { class: 'mono' }, p.id), h('td', {}, p.version), h('td', {}, p.name), h('td', {}, p.organType), h('td', {}, p.effectiveFrom),
      h('td', {}, h('abbr', { title: p.hash, class: 'mono' }, shortHash(p.hash))), h('td', {}, p.builtIn ? 'built in' : `recorded ${p.recordedAt ?? ''}`)))))
  for (const id of ['diff-before', 'diff-after', 'lint-policy']) {
    const element = byId<HTMLSelectElement>(id)
    show(element, ...policyOptions().map((o, i) => h('option', { value: o.value, selected: id === 'diff-after' ? i === 1 : i === 0 }, o.label)))
  }
  const distinct = policies.filter((p, i, all) => all.findIndex((q) => q.id === p.id) === i)
  // The scenarios are kidney cohorts: two kidney policies are chosen to start with.
  const preselected = distinct.filter((p) => p.organType === 'kidney').slice(0, 2).map((p) => p.id)
  show(byId('sim-policies'), ...distinct.map((p) => h('option', { value: p.id, selected: preselected.includes(p.id) }, `${p.id} (${p.organType})`)))
}

function diffPanel (): HTMLElement {
  const output = h('div', { id: 'diff-result', class: 'result' })
  const submit = h('button', { type: 'submit' }, 'Compare')
  const form = h('form', { id: 'diff-form', class: 'inline' },
    field('diff-before', 'Before', select([])), field('diff-after', 'After', select([])), submit, output)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(submit, output, async () => {
      const [before, after] = await Promise.all([loadDocument(valueOf('diff-before')), loadDocument(valueOf('diff-after'))])
      const diff = await api<{ identical: boolean, changes: Array<{ kind: string, path: string, name?: string, before?: unknown, after?: unknown }>, reads: Array<{ part: string, added: string[], removed: string[] }> }>('POST', '/v1/policies/diff', { body: { before, after } })
      show(output, h('p', {}, diff.identical ? 'The two documents are identical.' : `${diff.changes.length} changes.`),
        diff.changes.length === 0 ? null : table('Changes by JSON pointer', ['Kind', 'Path', 'Before', 'After'], diff.changes.map((c) =>
          h('tr', {}, h('td', {}, c.kind), h('td', { class: 'mono' }, c.name === undefined ? c.path : `${c.path} (${c.name})`),
            h('td', { class: 'mono' }, c.before === undefined ? '' : JSON.stringify(c.before)), h('td', { class: 'mono' }, c.after === undefined ? '' : JSON.stringify(c.after))))),
        diff.reads.length === 0 ? null : table('Attributes read, by part', ['Part', 'Starts reading', 'Stops reading'], diff.reads.map((r) =>
          h('tr', {}, h('td', {}, r.part), h('td', {}, r.added.join(', ') || '—'), h('td', {}, r.removed.join(', ') || '—')))))
      announce('Policy comparison shown.')
    })
  })
  return form
}

function lintPanel (): HTMLElement {
  const output = h('div', { id: 'lint-result', class: 'result' })
  const submit = h('button', { type: 'submit' }, 'Run the lint')
  const text = h('textarea', { rows: '8', spellcheck: 'false', class: 'mono wide' })
  const form = h('form', { id: 'lint-form' },
    field('lint-policy', 'A policy version', select([])),
    field('lint-document', 'Or paste a policy document (JSON); when filled it is linted instead', text),
    submit, output)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(submit, output, async () => {
      let document: unknown
      if (text.value.trim() === '') document = await loadDocument(valueOf('lint-policy'))
      else {
        try {
          document = JSON.parse(text.value)
        } catch (error) {
          show(output, h('p', { role: 'alert', class: 'problem' }, `The pasted text is not JSON: ${(error as Error).message}`))
          text.focus()
          return
        }
      }
      const lint = await api<{ valid: boolean, issues: Array<{ path: string, message: string }>, reads?: string[], fairness: unknown }>('POST', '/v1/policies/validate', { body: { document } })
      show(output, h('p', { class: lint.valid ? 'done' : 'problem' }, lint.valid ? 'Valid policy.' : `Invalid: ${lint.issues.length} issues.`),
        lint.issues.length === 0 ? null : table('Issues by JSON pointer', ['Path', 'Issue'], lint.issues.map((i) => h('tr', {}, h('td', { class: 'mono' }, i.path), h('td', {}, i.message)))),
        lint.reads === undefined ? null : h('p', {}, `Reads: ${lint.reads.join(', ')}`),
        h('h4', {}, 'Fairness lint'), pre(lint.fairness))
      announce(lint.valid ? 'The policy is valid; fairness lint shown.' : 'The policy has issues; they are listed.')
    })
  })
  return form
}

/** A horizontal bar chart in SVG (no inline style: attributes only), with the numbers as text too. */
function barChart (series: ChartSeries): HTMLElement {
  const ns = 'http://www.w3.org/2000/svg'
  const width = 520
  const rowHeight = 26
  const labelWidth = 170
  const max = Math.max(...series.bars.map((b) => Math.max(b.value, b.high ?? b.value)), 0) || 1
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', `0 0 ${width} ${series.bars.length * rowHeight + 4}`)
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-label', `${humanise(series.metric)}: ${series.bars.map((b) => `${b.label} ${formatPoints(b.value)}`).join(', ')}`)
  svg.setAttribute('class', 'chart')
  series.bars.forEach((bar, i) => {
    const y = i * rowHeight + 2
    const label = document.createElementNS(ns, 'text')
    label.setAttribute('x', '0'); label.setAttribute('y', String(y + 17)); label.textContent = bar.label
    const rect = document.createElementNS(ns, 'rect')
    const barWidth = Math.max(0, (bar.value / max) * (width - labelWidth - 70))
    rect.setAttribute('x', String(labelWidth)); rect.setAttribute('y', String(y + 3)); rect.setAttribute('height', '18'); rect.setAttribute('width', String(barWidth))
    rect.setAttribute('class', `bar bar-${i % 4}`)
    const value = document.createElementNS(ns, 'text')
    value.setAttribute('x', String(labelWidth + barWidth + 6)); value.setAttribute('y', String(y + 17)); value.textContent = formatPoints(bar.value)
    svg.append(label, rect, value)
    if (bar.low !== undefined && bar.high !== undefined) {
      const whisker = document.createElementNS(ns, 'line')
      // An interval reaching below 0 (a small sample) is drawn from 0, not over the labels.
      whisker.setAttribute('x1', String(labelWidth + (Math.max(0, bar.low) / max) * (width - labelWidth - 70))); whisker.setAttribute('x2', String(labelWidth + (bar.high / max) * (width - labelWidth - 70)))
      whisker.setAttribute('y1', String(y + 12)); whisker.setAttribute('y2', String(y + 12)); whisker.setAttribute('class', 'whisker')
      svg.append(whisker)
    }
  })
  return h('figure', { class: 'chart-figure' }, h('figcaption', {}, humanise(series.metric)), svg as unknown as Node)
}

function showSimulation (sim: Simulation): void {
  const status = byId('sim-status')
  const progress = sim.progress
  show(status,
    facts([['Simulation', h('span', { class: 'mono' }, sim.id)], ['Status', sim.status], ['Progress', progressText(progress)]]),
    h('progress', { max: String(progress?.total ?? 1), value: String(progress?.done ?? 0), 'aria-label': 'Simulation progress' }))
  if (sim.status === 'failed') show(byId('sim-results'), h('div', { role: 'alert', class: 'problem' }, 'The simulation failed.', pre(sim.error)))
  if (sim.status === 'succeeded') {
    const series = simulationSeries(sim.results)
    const reportButton = h('button', { type: 'button', id: 'sim-report' }, 'Download the HTML report')
    const reportOutput = h('div', { class: 'result' })
    reportButton.addEventListener('click', () => {
      void act(reportButton, reportOutput, async () => {
        // The report needs the token, so it is fetched here and saved, never opened by URL.
        const { blob, filename } = await apiBlob(`/v1/simulations/${encodeURIComponent(sim.id)}/report`, 'text/html')
        download(blob, filename ?? `simulation-${sim.id}.html`)
        announce('Report downloaded.')
      })
    })
    show(byId('sim-results'), h('p', {}, reportButton), reportOutput,
      series.length === 0 ? pre(sim.results) : h('div', { class: 'charts' }, ...series.map(barChart)))
  }
}

async function poll (id: string): Promise<void> {
  const sim = await api<Simulation>('GET', `/v1/simulations/${encodeURIComponent(id)}`)
  showSimulation(sim)
  if (sim.status === 'queued' || sim.status === 'running') {
    polling = window.setTimeout(() => { poll(id).catch((error: unknown) => { show(byId('sim-results'), errorBox(error)) }) }, 1000)
  } else announce(`Simulation ${sim.status}.`)
}

function simulationPanel (): HTMLElement {
  const output = h('div', { id: 'sim-result', class: 'result' })
  const submit = h('button', { type: 'submit' }, 'Start simulation')
  // novalidate: the API checks the request and its problem names the field, as for every other form.
  const form = h('form', { id: 'sim-form', novalidate: true },
    field('sim-policies', 'Policies to compare (choose two or more with Ctrl or Shift)', h('select', { multiple: true, size: '5' })),
    field('sim-scenario', 'Scenario', select(SCENARIOS.map((s) => ({ value: s, label: s })))),
    field('sim-years', 'Years simulated', input({ type: 'number', min: '0.1', max: '5', step: 'any', value: '1', required: true })),
    field('sim-replications', 'Replications', input({ type: 'number', min: '1', max: '100', value: '4', required: true })),
    field('sim-seed', 'Seed', input({ value: 'console-1', required: true, autocomplete: 'off' }), 'The same seed and inputs give the same results'),
    submit, output)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(submit, output, async () => {
      window.clearTimeout(polling)
      const chosen = Array.from(byId<HTMLSelectElement>('sim-policies').selectedOptions, (o) => o.value)
      const body = { policies: chosen, scenario: valueOf('sim-scenario'), years: Number(valueOf('sim-years')), replications: Number(valueOf('sim-replications')), seed: valueOf('sim-seed') }
      const started = await api<{ id: string, status: string }>('POST', '/v1/simulations', { body })
      show(output, h('p', { class: 'done' }, `Simulation ${started.id} ${started.status}.`))
      announce('Simulation started; progress is shown below.')
      await poll(started.id)
    })
  })
  const listOutput = h('div', { id: 'sim-list', class: 'result' })
  const listButton = h('button', { type: 'button', id: 'sim-list-submit' }, 'Show earlier simulations')
  listButton.addEventListener('click', () => {
    void act(listButton, listOutput, async () => {
      const { simulations } = await api<{ simulations: Array<Simulation & { request?: { policies: string[], scenario: string, years: number, replications: number }, createdAt?: string }> }>('GET', '/v1/simulations?limit=20')
      show(listOutput, simulations.length === 0 ? h('p', {}, 'No simulation yet.') : table('Earlier simulations, newest first', ['Simulation', 'Status', 'Policies', 'Scenario', 'Created', ''],
        simulations.map((sim) => h('tr', {}, h('td', { class: 'mono' }, sim.id), h('td', {}, sim.status), h('td', {}, sim.request?.policies.join(', ') ?? ''), h('td', {}, sim.request?.scenario ?? ''),
          h('td', {}, sim.createdAt ?? ''), h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => { window.clearTimeout(polling); void poll(sim.id).catch((error: unknown) => { show(byId('sim-results'), errorBox(error)) }) } }, `Open ${sim.id}`))))))
    })
  })
  return h('div', {}, form, h('div', { id: 'sim-status', 'aria-live': 'polite' }), h('div', { id: 'sim-results' }), h('p', {}, listButton), listOutput)
}

export function renderAnalystView (container: HTMLElement): void {
  show(container,
    h('h2', { id: 'analyst-heading', tabindex: '-1' }, 'Policy analyst'),
    section('analyst-policies', 'Policies', h('div', { id: 'policy-list' }, h('p', {}, 'Loading…'))),
    section('analyst-diff', 'Compare two policy versions', diffPanel()),
    section('analyst-lint', 'Lint a policy (structure and fairness)', lintPanel()),
    section('analyst-sim', 'Simulate', simulationPanel()))
  void loadPolicies()
}
