/// <reference lib="dom" />
import { api } from './api-client.js'
import { append, byId, facts, field, h, input, select, show, table, valueOf } from './dom.js'
import {
  formatPoints, groupExclusions, idempotencyKey, OFFER_RESPONSES, offerBody, parseAntigens, pointsBreakdown, requiredNumber, shortHash, triState,
  type Checked, type ExcludedEntry, type RankedEntry
} from './present.js'
import { act, announce, button, errorBox, focusHeading, isoFromLocal, localNow, randomId, section } from './ui.js'

/**
 * The allocation officer's path, top to bottom: report a donor, register its organs, run the match
 * under a chosen policy, read the ranked list and the exclusions, record offer responses, see the
 * organ's history. Each step fills the next one's fields.
 */

interface Centre { id: string, name: string, country: string, authorisations: Array<{ organType: string, activity: string }> }
interface PolicyVersion { id: string, version: string, name: string, organType: string, hash: string }
interface Digest {
  id: string, organId: string, donorId: string, policy: { id: string, version: string, hash: string }, snapshotHash: string, outputHash: string,
  matchTime: string, recordedAt: string, ranked: number, excluded: number
}
interface RunPage { matchRun: Digest, page: { list: string, offset: number, limit: number, total: number }, ranked?: RankedEntry[], excluded?: ExcludedEntry[] }
interface Offer { id: number, candidateId: string, sequenceNumber: number, response: string, refusalCode?: number, respondedBy: string, respondedAt: string }
interface Organ { id: string, donorId: string, organType: string, part: string, recoveredAt?: string, disposition?: string }

const PAGE_SIZE = 25
const ORGAN_TYPES = ['kidney', 'liver', 'heart', 'lung', 'pancreas', 'intestine']
const ORGAN_PARTS = ['whole', 'left', 'right', 'en-bloc', 'left-lateral-segment', 'extended-right-lobe']

const state: { donorId?: string, organs: Organ[], run?: Digest, offset: number, ranked: RankedEntry[] } = { organs: [], offset: 0, ranked: [] }

function checked<T> (result: Checked<T>, output: Element): T | undefined {
  if (result.ok) return result.value
  show(output, h('div', { class: 'problem', role: 'alert' }, h('p', {}, h('strong', {}, 'Check the form: '), result.message)))
  document.getElementById(`donor-${result.field}`)?.focus()
  document.getElementById(`offer-${result.field}`)?.focus()
  return undefined
}

function donorForm (): HTMLElement {
  const output = h('div', { id: 'donor-result', class: 'result' })
  const hospital = select([{ value: '', label: 'loading centres…' }], { required: true })
  const form = h('form', { id: 'donor-form', novalidate: true },
    h('p', { class: 'hint' }, 'The fields hold an example donor; change what you know and press "Report donor". Names and national ids are never needed here.'),
    h('fieldset', {}, h('legend', {}, 'Report'),
      field('donor-localId', 'Donor number at the reporting organisation', input({ required: true, value: `CONSOLE-${Date.now()}`, autocomplete: 'off' }), 'Only a keyed pseudonym of it is stored'),
      field('donor-hospitalCentreId', 'Donor hospital', hospital),
      field('donor-reportedAt', 'Reported at (your local time)', input({ type: 'datetime-local', required: true, value: localNow() })),
      field('donor-pathway', 'Pathway', select([{ value: 'DBD', label: 'DBD: donation after brain death' }, { value: 'DCD', label: 'DCD: donation after circulatory death' }]))),
    h('fieldset', {}, h('legend', {}, 'Clinical'),
      field('donor-ageYears', 'Age (years)', input({ inputmode: 'decimal', required: true, value: '54' })),
      field('donor-heightCm', 'Height (cm)', input({ inputmode: 'decimal', required: true, value: '180' })),
      field('donor-weightKg', 'Weight (kg)', input({ inputmode: 'decimal', required: true, value: '82' })),
      field('donor-creatinineMgDl', 'Terminal creatinine (mg/dL)', input({ inputmode: 'decimal', required: true, value: '1.1' })),
      field('donor-abo', 'Blood group (ABO)', select(['A', 'B', 'AB', 'O'].map((v) => ({ value: v, label: v })), {}, 'A')),
      field('donor-hypertension', 'Hypertension', select([{ value: 'no', label: 'no' }, { value: 'yes', label: 'yes' }, { value: 'unknown', label: 'unknown' }])),
      field('donor-diabetes', 'Diabetes', select([{ value: 'no', label: 'no' }, { value: 'yes', label: 'yes' }, { value: 'unknown', label: 'unknown' }], {}, 'unknown')),
      h('div', { class: 'field checkbox' }, h('input', { type: 'checkbox', id: 'donor-causeOfDeathCva', name: 'donor-causeOfDeathCva', checked: true }), h('label', { for: 'donor-causeOfDeathCva' }, 'Cause of death: cerebrovascular accident'))),
    h('fieldset', {}, h('legend', {}, 'HLA typing (antigens separated by spaces)'),
      field('donor-hlaA', 'HLA-A', input({ value: 'A2 A3', autocomplete: 'off' })),
      field('donor-hlaB', 'HLA-B', input({ value: 'B7 B62', autocomplete: 'off' })),
      field('donor-hlaDR', 'HLA-DR', input({ value: 'DR4 DR11', autocomplete: 'off' }))),
    h('button', { type: 'submit', id: 'donor-submit' }, 'Report donor'),
    output)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(byId<HTMLButtonElement>('donor-submit'), output, async () => { await reportDonor(output) })
  })
  void api<{ centres: Centre[] }>('GET', '/v1/centres').then(({ centres }) => {
    const hospitals = centres.map((c) => ({ value: c.id, label: `${c.name} (${c.id}, ${c.country})` }))
    show(hospital, ...hospitals.map((o, i) => h('option', { value: o.value, selected: i === 0 }, o.label)))
    if (hospitals.length === 0) show(hospital, h('option', { value: '' }, 'no centres registered yet'))
  }, (error: unknown) => { show(output, errorBox(error)) })
  return form
}

async function reportDonor (output: Element): Promise<void> {
  const numbers: Record<string, number> = {}
  for (const [name, label] of [['ageYears', 'Age'], ['heightCm', 'Height'], ['weightKg', 'Weight'], ['creatinineMgDl', 'Creatinine']] as const) {
    const value = checked(requiredNumber(valueOf(`donor-${name}`), name, label), output)
    if (value === undefined) return
    numbers[name] = value
  }
  const reportedAt = valueOf('donor-reportedAt')
  if (reportedAt === '') { checked({ ok: false, field: 'reportedAt', message: 'Reported at is required.' }, output); return }
  const body = {
    localId: valueOf('donor-localId').trim(),
    hospitalCentreId: valueOf('donor-hospitalCentreId'),
    reportedAt: isoFromLocal(reportedAt),
    pathway: valueOf('donor-pathway'),
    ...numbers,
    abo: valueOf('donor-abo'),
    hla: { A: parseAntigens(valueOf('donor-hlaA')), B: parseAntigens(valueOf('donor-hlaB')), DR: parseAntigens(valueOf('donor-hlaDR')) },
    hypertension: triState(valueOf('donor-hypertension')),
    diabetes: triState(valueOf('donor-diabetes')),
    causeOfDeathCva: byId<HTMLInputElement>('donor-causeOfDeathCva').checked
  }
  const { donor, characterisation } = await api<{ donor: { id: string }, characterisation: { kdri?: number, kdpi?: number, referenceYear?: number } }>('POST', '/v1/donors', { body })
  state.donorId = donor.id
  state.organs = []
  show(output, h('p', { class: 'done' }, 'Donor reported: ', h('strong', { class: 'mono', id: 'donor-id' }, donor.id)),
    facts([['KDRI', characterisation.kdri === undefined ? 'not computed' : String(characterisation.kdri)], ['KDPI', characterisation.kdpi === undefined ? 'not computed' : `${characterisation.kdpi} % (reference year ${characterisation.referenceYear ?? '?'})`]]))
  renderOrgans()
  announce(`Donor ${donor.id} reported. Next: register its organs.`)
  focusHeading('officer-organs')
}

function renderOrgans (): void {
  const container = byId('organs-body')
  if (state.donorId === undefined) {
    show(container, h('p', {}, 'Report a donor first (step 1), or type an organ id in step 3.'))
    return
  }
  const output = h('div', { class: 'result' })
  const addButton = h('button', { type: 'submit', id: 'organ-submit' }, 'Register organ')
  const form = h('form', { id: 'organ-form', class: 'inline' },
    field('organ-type', 'Organ', select(ORGAN_TYPES.map((v) => ({ value: v, label: v })), {}, 'kidney')),
    field('organ-part', 'Part', select(ORGAN_PARTS.map((v) => ({ value: v, label: v })), {}, 'left')),
    addButton)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(addButton, output, async () => {
      const { organ } = await api<{ organ: Organ }>('POST', `/v1/donors/${encodeURIComponent(state.donorId ?? '')}/organs`, { body: { organType: valueOf('organ-type'), part: valueOf('organ-part') } })
      state.organs.push(organ)
      renderOrgans()
      chooseOrgan(organ.id)
      announce(`Organ ${organ.id} registered. Next: run the match.`)
      byId('organ-list').querySelector<HTMLButtonElement>(`button[data-organ="${CSS.escape(organ.id)}"]`)?.focus()
    })
  })
  const list = h('ul', { id: 'organ-list', class: 'organs' }, ...state.organs.map((organ) =>
    h('li', {}, h('span', { class: 'mono' }, organ.id), ' ', h('button', { type: 'button', 'data-organ': organ.id, onclick: () => { chooseOrgan(organ.id); focusHeading('officer-match') } }, `Match this ${organ.organType}`))))
  show(container, h('p', {}, 'Donor ', h('span', { class: 'mono' }, state.donorId), state.organs.length === 0 ? ' has no organs registered yet.' : ' has these organs:'), list, form, output)
}

function chooseOrgan (organId: string): void {
  byId<HTMLInputElement>('match-organ').value = organId
  void loadPolicies(organId)
}

async function loadPolicies (organId: string): Promise<void> {
  const organType = /^[^.]+\.([a-z]+)\./.exec(organId)?.[1]
  const policySelect = byId<HTMLSelectElement>('match-policy')
  const { policies } = await api<{ policies: PolicyVersion[] }>('GET', '/v1/policies')
  const ids = new Map<string, PolicyVersion>()
  for (const p of policies) if (organType === undefined || p.organType === organType) ids.set(p.id, p)
  const current = policySelect.value
  // Alphabetical by name: stable, and no policy is silently preferred over another.
  const sorted = [...ids.values()].sort((a, b) => a.name.localeCompare(b.name, 'en'))
  show(policySelect, ...sorted.map((p) => h('option', { value: p.id, selected: p.id === current }, `${p.name} (${p.id})`)))
  if (ids.size === 0) show(policySelect, h('option', { value: '' }, `no policy for ${organType ?? 'this organ'}`))
}

function matchForm (): HTMLElement {
  const output = h('div', { id: 'match-result', class: 'result' })
  const runButton = h('button', { type: 'submit', id: 'match-submit' }, 'Run match')
  const organInput = input({ required: true, autocomplete: 'off', class: 'mono wide', placeholder: 'D-….kidney.left' })
  organInput.addEventListener('change', () => { void loadPolicies(organInput.value.trim()) })
  const form = h('form', { id: 'match-form' },
    field('match-organ', 'Organ id', organInput, 'Filled in by step 2; the organ type decides which policies apply'),
    field('match-policy', 'Allocation policy', select([{ value: '', label: 'choose an organ first' }], { required: true }), 'The newest recorded version is used'),
    runButton, output)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(runButton, output, async () => {
      const organId = organInput.value.trim()
      const policyId = valueOf('match-policy')
      if (organId === '' || policyId === '') { show(output, h('p', { role: 'alert', class: 'problem' }, 'Choose an organ and a policy.')); return }
      const { matchRun } = await api<{ matchRun: Digest }>('POST', '/v1/match-runs', { body: { organId, policyId }, headers: { 'idempotency-key': idempotencyKey('run', randomId) } })
      show(output, h('p', { class: 'done' }, `Match run ${matchRun.id}: ${matchRun.ranked} ranked, ${matchRun.excluded} excluded.`))
      await openRun(matchRun.id)
      announce(`Match run done: ${matchRun.ranked} candidates ranked, ${matchRun.excluded} excluded.`)
      focusHeading('officer-list')
    })
  })
  const openOutput = h('div', { class: 'result' })
  const openButton = h('button', { type: 'submit', id: 'open-run-submit' }, 'Open match run')
  const openForm = h('form', { id: 'open-run-form', class: 'inline' }, field('open-run-id', 'Or open an earlier match run by id', input({ class: 'mono wide', autocomplete: 'off', placeholder: 'M-…' })), openButton, openOutput)
  openForm.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(openButton, openOutput, async () => {
      show(openOutput)
      await openRun(valueOf('open-run-id').trim())
      focusHeading('officer-list')
    })
  })
  return h('div', {}, form, openForm)
}

async function openRun (matchRunId: string): Promise<void> {
  state.offset = 0
  const first = await api<RunPage>('GET', `/v1/match-runs/${encodeURIComponent(matchRunId)}?limit=${PAGE_SIZE}`)
  state.run = first.matchRun
  byId<HTMLInputElement>('match-organ').value = first.matchRun.organId
  renderRunSummary(first.matchRun)
  renderRankedPage(first)
  await Promise.all([loadExclusions(first.matchRun), loadOfferCandidates(first.matchRun), loadOffers(), loadOrganHistory()])
}

function renderRunSummary (run: Digest): void {
  show(byId('run-summary'),
    facts([
      ['Match run', h('span', { class: 'mono', id: 'run-id' }, run.id)],
      ['Organ', h('span', { class: 'mono' }, run.organId)],
      ['Policy', `${run.policy.id} version ${run.policy.version}`],
      ['Policy hash', h('abbr', { title: run.policy.hash, class: 'mono' }, shortHash(run.policy.hash))],
      ['Output hash', h('abbr', { title: run.outputHash, class: 'mono' }, shortHash(run.outputHash))],
      ['Match time', run.matchTime],
      ['Ranked / excluded', `${run.ranked} / ${run.excluded}`]
    ]),
    h('p', { class: 'no-print' }, printButton(run)))
}

/** Prints the whole ranked list (up to 500 ranks) rather than the page on screen. */
function printButton (run: Digest): HTMLElement {
  const button = h('button', { type: 'button', id: 'print-list' }, 'Print this list')
  const output = h('span', { class: 'result' })
  button.addEventListener('click', () => {
    void act(button, output, async () => {
      if (run.ranked > PAGE_SIZE) renderRankedPage(await api<RunPage>('GET', `/v1/match-runs/${encodeURIComponent(run.id)}?offset=0&limit=${Math.min(run.ranked, 500)}`))
      window.print()
    })
  })
  return h('span', {}, button, output)
}

function renderRankedPage (page: RunPage): void {
  const entries = page.ranked ?? []
  state.ranked = entries
  const rows: Node[] = []
  for (const entry of entries) {
    const detailsId = `points-${entry.rank}`
    const toggle = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-controls': detailsId }, 'Points by component')
    const offer = h('button', { type: 'button', class: 'link no-print', 'data-candidate': entry.candidateId }, 'Record offer')
    offer.addEventListener('click', () => {
      byId<HTMLSelectElement>('offer-candidateId').value = entry.candidateId
      focusHeading('officer-offers')
      byId('offer-candidateId').focus()
    })
    const breakdown = h('tr', { id: detailsId, class: 'breakdown', hidden: true },
      h('td', { colspan: '8' }, table(`Points of rank ${entry.rank} by policy component`, ['component', 'points'],
        pointsBreakdown(entry).map((p) => h('tr', {}, h('th', { scope: 'row' }, p.component), h('td', { class: 'num' }, p.points)))),
      Object.keys(entry.tieBreak).length === 0 ? null : h('p', { class: 'hint' }, `Tie-break values: ${Object.entries(entry.tieBreak).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`)))
    toggle.addEventListener('click', () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true'
      toggle.setAttribute('aria-expanded', String(open))
      breakdown.hidden = !open
    })
    rows.push(h('tr', { class: 'candidate-row' },
      h('td', { class: 'num rank' }, entry.rank),
      h('td', { class: 'mono' }, entry.candidateId),
      h('td', {}, entry.centreId),
      h('td', {}, `${entry.tier.index} ${entry.tier.name}`),
      h('td', { class: 'num' }, formatPoints(entry.totalPoints)),
      h('td', { class: 'num' }, formatPoints(entry.distanceNm)),
      h('td', { class: 'no-print' }, toggle),
      h('td', { class: 'no-print' }, offer)), breakdown)
  }
  const { offset, total, limit } = page.page
  const last = Math.min(offset + limit, total)
  const previous = h('button', { type: 'button', disabled: offset === 0 }, 'Previous page')
  const next = h('button', { type: 'button', disabled: last >= total }, 'Next page')
  const pager = h('div', { class: 'pager no-print' })
  previous.addEventListener('click', () => { void act(previous, pager, async () => { await goToPage(Math.max(0, offset - PAGE_SIZE)) }) })
  next.addEventListener('click', () => { void act(next, pager, async () => { await goToPage(offset + PAGE_SIZE) }) })
  append(pager, previous, ' ', h('span', { 'aria-live': 'polite' }, total === 0 ? 'No candidate ranked.' : `Ranks ${offset + 1}–${last} of ${total}`), ' ', next)
  const listTable = table(`Ranked candidates ${total === 0 ? '' : `${offset + 1}–${last} of ${total}`}`, ['Rank', 'Candidate', 'Centre', 'Tier', 'Points', 'Distance (NM)', 'Explanation', 'Offer'], rows, { id: 'ranked-table', class: 'match-list' })
  // The last two columns are controls: left out of the printed list.
  for (const th of Array.from(listTable.tHead?.rows[0]?.cells ?? []).slice(-2)) th.classList.add('no-print')
  show(byId('ranked-list'), listTable, pager)
}

async function goToPage (offset: number): Promise<void> {
  if (state.run === undefined) return
  const page = await api<RunPage>('GET', `/v1/match-runs/${encodeURIComponent(state.run.id)}?offset=${offset}&limit=${PAGE_SIZE}`)
  state.offset = offset
  renderRankedPage(page)
  byId('ranked-table').querySelector('caption')?.setAttribute('tabindex', '-1')
  byId('ranked-table').querySelector<HTMLElement>('caption')?.focus()
}

async function loadExclusions (run: Digest): Promise<void> {
  const container = byId('exclusions')
  const excluded: ExcludedEntry[] = []
  // Whole list, page by page; capped so a national list cannot freeze the tab.
  for (let offset = 0; offset < Math.min(run.excluded, 5000); offset += 500) {
    const page = await api<RunPage>('GET', `/v1/match-runs/${encodeURIComponent(run.id)}?list=excluded&offset=${offset}&limit=500`)
    excluded.push(...(page.excluded ?? []))
  }
  const groups = groupExclusions(excluded)
  show(container, h('h4', {}, `Excluded candidates by reason (${run.excluded})`),
    groups.length === 0 ? h('p', {}, 'Nobody was excluded.') : null,
    run.excluded > excluded.length ? h('p', { class: 'hint' }, `The first ${excluded.length} exclusions are grouped here.`) : null,
    h('div', { id: 'exclusion-groups' }, ...groups.map((group) => h('details', { class: 'exclusion-group' },
      h('summary', {}, h('span', { class: 'mono' }, group.code), ` ${group.candidates.length} candidate${group.candidates.length === 1 ? '' : 's'}`),
      table(`Excluded for ${group.code}`, ['Candidate', 'Centre', 'Detail'], group.candidates.slice(0, 200).map((c) =>
        h('tr', {}, h('td', { class: 'mono' }, c.candidateId), h('td', {}, c.centreId), h('td', {}, c.detail)))),
      group.candidates.length > 200 ? h('p', { class: 'hint' }, `and ${group.candidates.length - 200} more`) : null))))
}

async function loadOfferCandidates (run: Digest): Promise<void> {
  const page = await api<RunPage>('GET', `/v1/match-runs/${encodeURIComponent(run.id)}?limit=100`)
  const candidates = page.ranked ?? []
  show(byId('offer-candidateId'), h('option', { value: '' }, 'choose a ranked candidate'),
    ...candidates.map((c) => h('option', { value: c.candidateId }, `rank ${c.rank}: ${c.candidateId} (${c.centreId})`)))
}

function offerForm (): HTMLElement {
  const output = h('div', { id: 'offer-result', class: 'result' })
  const submit = h('button', { type: 'submit', id: 'offer-submit' }, 'Record response')
  const code = input({ inputmode: 'numeric', autocomplete: 'off', maxlength: '3' })
  const responses = h('fieldset', { id: 'offer-response', class: 'radios' }, h('legend', {}, 'Response'),
    ...OFFER_RESPONSES.map((r, i) => h('div', { class: 'radio' },
      h('input', { type: 'radio', name: 'offer-response', id: `offer-response-${r.code}`, value: r.code, checked: i === 0 }),
      h('label', { for: `offer-response-${r.code}` }, r.label))))
  const form = h('form', { id: 'offer-form', novalidate: true },
    field('offer-candidateId', 'Candidate', select([{ value: '', label: 'run or open a match first' }])),
    responses,
    field('offer-refusalCode', 'Refusal code (700–799, for N and B only)', code, 'The centre\'s reason for refusing or bypassing, as a 700-series code'),
    submit, output)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void act(submit, output, async () => {
      const run = state.run
      if (run === undefined) { show(output, h('p', { role: 'alert', class: 'problem' }, 'Run or open a match first.')); return }
      const response = form.querySelector<HTMLInputElement>('input[name="offer-response"]:checked')?.value ?? ''
      const body = checked(offerBody({ candidateId: valueOf('offer-candidateId'), response, refusalCode: code.value }), output)
      if (body === undefined) return
      const { offer } = await api<{ offer: Offer }>('POST', `/v1/match-runs/${encodeURIComponent(run.id)}/offers`, { body, headers: { 'idempotency-key': idempotencyKey('offer', randomId) } })
      show(output, h('p', { class: 'done' }, `Recorded: ${offer.candidateId} (rank ${offer.sequenceNumber}) answered ${offer.response}${offer.refusalCode === undefined ? '' : ` with code ${offer.refusalCode}`}.`))
      code.value = ''
      await Promise.all([loadOffers(), loadOrganHistory()])
      announce(`Offer response ${offer.response} recorded for rank ${offer.sequenceNumber}.`)
    })
  })
  return h('div', {}, form, h('div', { id: 'offers-table' }))
}

async function loadOffers (): Promise<void> {
  const run = state.run
  if (run === undefined) return
  const { offers } = await api<{ offers: Offer[] }>('GET', `/v1/match-runs/${encodeURIComponent(run.id)}/offers`)
  show(byId('offers-table'), offers.length === 0
    ? h('p', {}, 'No offer response recorded on this match run yet.')
    : table('Offer responses on this match run, in sequence order', ['Sequence (rank)', 'Candidate', 'Response', 'Refusal code', 'Recorded by', 'Responded at'],
      offers.map((o) => h('tr', {}, h('td', { class: 'num' }, o.sequenceNumber), h('td', { class: 'mono' }, o.candidateId), h('td', {}, o.response),
        h('td', {}, o.refusalCode === undefined ? '—' : String(o.refusalCode)), h('td', {}, o.respondedBy), h('td', {}, o.respondedAt))), { id: 'offers-list' }))
}

async function loadOrganHistory (): Promise<void> {
  const run = state.run
  if (run === undefined) return
  const container = byId('organ-history')
  const { organ, matchRuns } = await api<{ organ: Organ, matchRuns: Array<{ id: string, policy: { id: string, version: string }, matchTime: string, outputHash: string }> }>('GET', `/v1/organs/${encodeURIComponent(run.organId)}`)
  const offersByRun = await Promise.all(matchRuns.map(async (m) => (await api<{ offers: Offer[] }>('GET', `/v1/match-runs/${encodeURIComponent(m.id)}/offers`)).offers))
  const steps = h('ol', { class: 'timeline', id: 'organ-trace' },
    h('li', {}, `Organ ${organ.id} registered for donor ${organ.donorId}`),
    ...matchRuns.flatMap((m, i) => [
      h('li', {}, `Match run ${m.id} at ${m.matchTime} under ${m.policy.id} ${m.policy.version} (output ${shortHash(m.outputHash)})`,
        h('ul', {}, ...(offersByRun[i] ?? []).map((o) => h('li', {}, `offer to rank ${o.sequenceNumber} ${o.candidateId}: ${o.response}${o.refusalCode === undefined ? '' : ` (refusal code ${o.refusalCode})`} at ${o.respondedAt}`))))
    ]),
    organ.recoveredAt === undefined ? null : h('li', {}, `Recovered at ${organ.recoveredAt}`),
    h('li', {}, organ.disposition === undefined ? 'Fate: not yet recorded' : `Fate: ${organ.disposition}`))
  show(container, steps, h('p', { class: 'hint' }, 'The full trace with its audit-log proof is in the Auditor view (auditor or registry-authority role).'))
}

/** Builds the officer view into its container. */
export function renderOfficerView (container: HTMLElement): void {
  show(container,
    h('h2', { id: 'officer-heading', tabindex: '-1' }, 'Allocation officer'),
    section('officer-donor', '1. Report a donor', donorForm()),
    section('officer-organs', '2. Register its organs', h('div', { id: 'organs-body' })),
    section('officer-match', '3. Run the match', matchForm()),
    section('officer-list', '4. Match list', h('div', { id: 'run-summary' }, h('p', {}, 'Run or open a match to see its list.')), h('div', { id: 'ranked-list' }), h('div', { id: 'exclusions' })),
    section('officer-offers', '5. Record an offer response', offerForm()),
    section('officer-trace', '6. The organ so far', h('div', { id: 'organ-history' }, h('p', {}, 'Shown once a match run is open.'))))
  renderOrgans()
}
