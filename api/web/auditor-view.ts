/// <reference lib="dom" />
import { api, apiBlob } from './api-client.js'
import { byId, download, facts, field, h, input, select, show, table, valueOf } from './dom.js'
import { shortHash } from './present.js'
import { act, announce, pre, section } from './ui.js'

/** The auditor: the audit chain, replays, the oversight review queue, organ traces and the GODT export. */

interface Flag {
  id: number, ruleId: string, severity: string, entityType: string, entityId: string, evidence: Record<string, unknown>, raisedAt: string, raisedBy: string,
  status: string, outcome?: string, reviews: Array<{ reviewer: string, outcome: string, reviewedAt: string }>, reviewState: string
}
interface Trace {
  organ: { id: string, donorId: string, organType: string, part: string }
  donor: { id: string, kind: string, pathway?: string, hospitalCentreId: string, reportedAt: string }
  consents: Array<{ recordType: string, basis: string, organTypes: string[], obtainedAt: string }>
  recovery: null | { recoveredAt: string, centreId?: string }
  matchRuns: Array<{ id: string, runAt: string, policyId: string, policyVersion: string, outputHash: string, ranked: number, offers: Array<{ sequenceNumber: number, candidateId: string, response: string, refusalCode?: number, respondedAt: string }> }>
  fate: { disposition: string | null, at?: string, transplantId?: string, candidateId?: string }
  audit: { entries: Array<{ seq: number, at: string, actor: string, action: string, entityId: string, hashValid: boolean, chainsToPrevious: boolean, pinsValid: boolean }>, omittedEntries: number, head: { seq: number, hash: string }, entriesVerified: boolean }
}

const OUTCOMES = ['true-positive', 'false-positive', 'inconclusive']

function verifyPanel (): HTMLElement {
  const output = h('div', { id: 'verify-result', class: 'result', 'aria-live': 'polite' })
  const run = h('button', { type: 'button', id: 'verify-submit' }, 'Verify the audit chain')
  run.addEventListener('click', () => {
    void act(run, output, async () => {
      const result = await api<{ ok: boolean, entries: number, headHash: string, firstBroken?: { seq: number | null, reason: string } }>('GET', '/v1/audit/verify')
      show(output, h('p', { class: result.ok ? 'done' : 'problem', role: result.ok ? 'status' : 'alert' }, result.ok
        ? `Intact: ${result.entries} entries, every hash and pinned row checked.`
        : `Broken at entry ${String(result.firstBroken?.seq ?? '?')}: ${result.firstBroken?.reason ?? ''}`),
      facts([['Head hash', h('span', { class: 'mono' }, result.headHash)]]))
    })
  })
  return h('div', {}, run, output)
}

function replayPanel (): HTMLElement {
  const output = h('div', { id: 'replay-result', class: 'result' })
  const submit = h('button', { type: 'submit' }, 'Replay')
  const form = h('form', { id: 'replay-form', class: 'inline' }, field('replay-id', 'Match run id', input({ class: 'mono wide', autocomplete: 'off', placeholder: 'M-…', required: true })), submit, output)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(submit, output, async () => {
      const result = await api<{ matchRunId: string, identical: boolean, storedListIntact: boolean, stored: { outputHash: string }, replayed?: { outputHash: string, ranked: number }, firstDifferentRank?: number, reason?: string, flagId?: number }>(
        'POST', `/v1/match-runs/${encodeURIComponent(valueOf('replay-id').trim())}/replay`)
      show(output, h('p', { class: result.identical ? 'done' : 'problem', role: result.identical ? 'status' : 'alert' }, result.identical
        ? 'Identical: the replay reproduced the stored list.'
        : `Different${result.firstDifferentRank === undefined ? '' : ` from rank ${result.firstDifferentRank}`}: ${result.reason ?? ''}${result.flagId === undefined ? '' : ` (oversight flag ${result.flagId} raised)`}`),
      facts([['Stored list intact', result.storedListIntact ? 'yes' : 'no'], ['Stored output hash', h('span', { class: 'mono' }, result.stored.outputHash)], ['Replayed output hash', h('span', { class: 'mono' }, result.replayed?.outputHash ?? '—')]]))
    })
  })
  return form
}

async function loadQueue (): Promise<void> {
  const container = byId('queue-list')
  const status = valueOf('queue-status')
  const { flags } = await api<{ flags: Flag[] }>('GET', `/v1/oversight/review-queue${status === '' ? '' : `?status=${status}`}`)
  show(container, flags.length === 0 ? h('p', {}, 'No flag in this queue.') : table(`Oversight flags (${flags.length})`, ['Flag', 'Rule', 'Severity', 'About', 'Raised', 'Status', 'Reviews', ''],
    flags.map((f) => h('tr', {}, h('td', { class: 'num' }, f.id), h('td', {}, f.ruleId), h('td', {}, f.severity), h('td', { class: 'mono' }, `${f.entityType} ${f.entityId}`),
      h('td', {}, `${f.raisedAt} by ${f.raisedBy}`), h('td', {}, `${f.status} (${f.reviewState})`), h('td', {}, f.reviews.map((r) => `${r.reviewer}: ${r.outcome}`).join('; ') || '—'),
      h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => { void openFlag(f.id) } }, `Review flag ${f.id}`))))))
}

async function openFlag (flagId: number): Promise<void> {
  const container = byId('flag-detail')
  const { flag } = await api<{ flag: Flag }>('GET', `/v1/oversight/review-queue/${flagId}`)
  const output = h('div', { class: 'result' })
  const submit = h('button', { type: 'submit' }, 'Record review')
  const form = h('form', { id: 'review-form', class: 'inline' }, field('review-outcome', 'Outcome', select(OUTCOMES.map((o) => ({ value: o, label: o })))), submit, output)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(submit, output, async () => {
      const { flag: reviewed } = await api<{ flag: Flag }>('POST', `/v1/oversight/review-queue/${flagId}/reviews`, { body: { outcome: valueOf('review-outcome') } })
      show(output, h('p', { class: 'done' }, `Review recorded; flag ${reviewed.id} is ${reviewed.status} (${reviewed.reviewState}).`))
      announce('Review recorded.')
      await loadQueue()
    })
  })
  show(container, h('h4', { id: 'flag-heading', tabindex: '-1' }, `Flag ${flag.id}: ${flag.ruleId}`),
    facts([['About', `${flag.entityType} ${flag.entityId}`], ['Severity', flag.severity], ['Status', `${flag.status} (${flag.reviewState})`], ['Raised', `${flag.raisedAt} by ${flag.raisedBy}`]]),
    h('h5', {}, 'Evidence'), pre(flag.evidence), flag.status === 'open' ? form : null)
  byId('flag-heading').focus()
}

function queuePanel (): HTMLElement {
  const output = h('div', { class: 'result' })
  const load = h('button', { type: 'submit' }, 'Show flags')
  const form = h('form', { id: 'queue-form', class: 'inline' },
    field('queue-status', 'Status', select([{ value: 'open', label: 'open' }, { value: 'closed', label: 'closed' }, { value: '', label: 'all' }])), load, output)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(load, output, async () => { show(output); await loadQueue() })
  })
  return h('div', {}, form, h('div', { id: 'queue-list' }), h('div', { id: 'flag-detail' }))
}

function tracePanel (): HTMLElement {
  const output = h('div', { id: 'trace-result', class: 'result' })
  const submit = h('button', { type: 'submit' }, 'Show trace')
  const form = h('form', { id: 'trace-form', class: 'inline' }, field('trace-organ', 'Organ id', input({ class: 'mono wide', autocomplete: 'off', placeholder: 'D-….kidney.left', required: true })), submit, output)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(submit, output, async () => {
      const trace = await api<Trace>('GET', `/v1/organs/${encodeURIComponent(valueOf('trace-organ').trim())}/trace`)
      show(output,
        h('ol', { class: 'timeline', id: 'trace-steps' },
          h('li', {}, `Donor ${trace.donor.id} (${trace.donor.kind}${trace.donor.pathway === undefined ? '' : `, ${trace.donor.pathway}`}) reported ${trace.donor.reportedAt} at ${trace.donor.hospitalCentreId}`),
          ...trace.consents.map((c) => h('li', {}, `${c.recordType} (${c.basis}) for ${c.organTypes.join(', ')} at ${c.obtainedAt}`)),
          trace.recovery === null ? h('li', {}, 'Not recovered yet') : h('li', {}, `Recovered ${trace.recovery.recoveredAt}${trace.recovery.centreId === undefined ? '' : ` at ${trace.recovery.centreId}`}`),
          ...trace.matchRuns.map((m) => h('li', {}, `Match run ${m.id} at ${m.runAt} under ${m.policyId} ${m.policyVersion}: ${m.ranked} ranked, output ${shortHash(m.outputHash)}`,
            h('ul', {}, ...m.offers.map((o) => h('li', {}, `offer to rank ${o.sequenceNumber} ${o.candidateId}: ${o.response}${o.refusalCode === undefined ? '' : ` (refusal code ${o.refusalCode})`} at ${o.respondedAt}`))))),
          h('li', {}, trace.fate.disposition === null ? 'Fate: not yet recorded' : `Fate: ${trace.fate.disposition}${trace.fate.at === undefined ? '' : ` at ${trace.fate.at}`}`)),
        h('p', { class: trace.audit.entriesVerified ? 'done' : 'problem' }, trace.audit.entriesVerified
          ? `Every audit entry below verified; log head ${trace.audit.head.seq} ${shortHash(trace.audit.head.hash)}.`
          : 'Some audit entries did not verify: see the table.'),
        table(`Audit entries of this organ${trace.audit.omittedEntries > 0 ? ` (${trace.audit.omittedEntries} more not shown)` : ''}`, ['Seq', 'At', 'Actor', 'Action', 'Entity', 'Verified'],
          trace.audit.entries.map((e) => h('tr', {}, h('td', { class: 'num' }, e.seq), h('td', {}, e.at), h('td', {}, e.actor), h('td', {}, e.action), h('td', { class: 'mono' }, e.entityId),
            h('td', {}, e.hashValid && e.chainsToPrevious && e.pinsValid ? 'yes' : 'NO')))))
      announce('Organ trace shown.')
    })
  })
  return form
}

function godtPanel (): HTMLElement {
  const output = h('div', { id: 'godt-result', class: 'result' })
  const submit = h('button', { type: 'submit' }, 'Download CSV')
  const preview = h('button', { type: 'button' }, 'Show as table')
  const year = String(new Date().getUTCFullYear() - 1)
  const form = h('form', { id: 'godt-form', class: 'inline' },
    field('godt-year', 'Year', input({ type: 'number', min: '1990', max: '2100', value: year, required: true })),
    field('godt-country', 'Country (ISO 3166-1 alpha-2)', input({ value: '', maxlength: '2', autocomplete: 'off', required: true, class: 'short' })),
    submit, preview, output)
  const path = (): string => `/v1/reports/godt/${encodeURIComponent(valueOf('godt-year'))}?country=${encodeURIComponent(valueOf('godt-country').trim().toUpperCase())}`
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(submit, output, async () => {
      const { blob, filename } = await apiBlob(path(), 'text/csv')
      download(blob, filename ?? 'godt.csv')
      show(output, h('p', { class: 'done' }, `Saved ${filename ?? 'godt.csv'}.`))
    })
  })
  preview.addEventListener('click', () => {
    void act(preview, output, async () => {
      const report = await api<Record<string, unknown>>('GET', path())
      const rows = Object.entries(report).filter(([, v]) => typeof v !== 'object' || v === null)
      show(output, table('GODT questionnaire variables', ['Variable', 'Value'], rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row', class: 'mono' }, k), h('td', {}, String(v))))))
    })
  })
  return form
}

export function renderAuditorView (container: HTMLElement): void {
  show(container,
    h('h2', { id: 'auditor-heading', tabindex: '-1' }, 'Auditor'),
    section('auditor-verify', 'Audit chain', verifyPanel()),
    section('auditor-replay', 'Replay a match run', replayPanel()),
    section('auditor-queue', 'Oversight review queue', queuePanel()),
    section('auditor-trace', 'Organ trace', tracePanel()),
    section('auditor-godt', 'GODT export', godtPanel()))
}
