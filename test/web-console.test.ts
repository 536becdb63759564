import t from 'tap'
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startServer } from '../api/main.js'
import { groupExclusions, type ExcludedEntry, type RankedEntry } from '../api/web/present.js'

/**
 * The web console in a real browser (Debian's Chromium, headless) against the real server on a small
 * synthetic registry, started as `npm start` starts it: the demo tokens it writes are the ones a
 * newcomer logs in with. Screenshots go to test-output/console/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ROOT = join(import.meta.dirname, '..')
const SHOTS = join(ROOT, 'test-output', 'console')

function demoTokens (file: string): Record<string, string> {
  const tokens: Record<string, string> = {}
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^(demo\.[a-z]+)\s+(\S+)\s+(oae_\S+)$/.exec(line)
    if (match !== null) tokens[match[1] as string] = match[3] as string
  }
  return tokens
}

async function logIn (page: Page, token: string): Promise<void> {
  await page.fill('#token', token)
  await page.click('#login-submit')
  await page.waitForSelector('#app:not([hidden])')
}

async function logOut (page: Page): Promise<void> {
  await page.click('#logout')
  await page.waitForSelector('#login:not([hidden])')
}

t.test('the console in Chromium: log in, report a donor, run a match, record offers, audit it', async (t) => {
  try {
    accessSync(CHROMIUM, constants.X_OK)
  } catch {
    t.fail(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`)
    return
  }
  if (!existsSync(join(ROOT, 'dist', 'web', 'index.html')) || !existsSync(join(ROOT, 'dist', 'web', 'main.js'))) {
    t.fail('the console is not built: run `npm run build:web` (npm test runs it first)')
    return
  }
  mkdirSync(SHOTS, { recursive: true })
  const dataDir = join(t.testdir(), 'var')
  const lines: string[] = []
  const server = await startServer({ env: { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SYNTHETIC_CANDIDATES: '300', MATCH_THREADS: '0' }, print: (line) => lines.push(line), logger: false })
  t.teardown(async () => { await server.close() })
  t.ok(lines.some((line) => line === `web console: ${server.url}/  (log in with a token)`), 'start-up prints the console URL')
  const tokens = demoTokens(join(dataDir, 'demo-tokens'))
  const officer = tokens['demo.officer']
  const auditor = tokens['demo.auditor']
  const analyst = tokens['demo.analyst']
  if (officer === undefined || auditor === undefined || analyst === undefined) {
    t.fail('demo-tokens lacks the officer, auditor or analyst token')
    return
  }
  const api = async (token: string, path: string, init: RequestInit = {}): Promise<{ status: number, body: any }> => {
    const response = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) } })
    const text = await response.text()
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
  }

  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  t.teardown(async () => { await browser.close() })
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const requested: string[] = []
  const errors: string[] = []
  page.on('request', (request) => { requested.push(request.url()) })
  page.on('pageerror', (error) => { errors.push(error.message) })
  page.on('console', (message) => { if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) errors.push(message.text()) })

  // The page: strict headers, the login form first.
  const landing = await page.goto(`${server.url}/`)
  t.equal(landing?.status(), 200)
  t.match(landing?.headers()['content-security-policy'], /default-src 'self'.*frame-ancestors 'none'/)
  await page.waitForSelector('#login:not([hidden])')
  await page.screenshot({ path: join(SHOTS, '01-login.png') })

  await t.test('a wrong token is refused on the login form', async (t) => {
    await page.fill('#token', 'oae_not-a-real-token-but-well-formed-enough-0000')
    await page.click('#login-submit')
    await page.waitForSelector('#login-result [role="alert"]')
    t.match(await page.textContent('#login-result'), /not accepted.*API_TOKEN_INVALID/)
    t.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing kept')
  })

  await t.test('log in with the keyboard only', async (t) => {
    await page.fill('#token', '')
    await page.evaluate(() => { (document.activeElement as HTMLElement | null)?.blur() })
    let presses = 0
    while (await page.evaluate(() => document.activeElement?.id) !== 'token' && presses < 6) {
      await page.keyboard.press('Tab')
      presses++
    }
    t.equal(await page.evaluate(() => document.activeElement?.id), 'token', `the token field is reached with Tab (${presses} presses)`)
    await page.keyboard.type(officer)
    await page.keyboard.press('Enter')
    await page.waitForSelector('#officer-heading')
    t.match(await page.textContent('#whoami'), /demo\.officer.*allocation-officer/, 'shows who and which roles')
    t.equal(await page.evaluate(() => document.activeElement?.id), 'officer-heading', 'focus moves to the view')
    t.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage')
    t.equal(await page.evaluate(() => sessionStorage.length), 1, 'the token is in sessionStorage')
  })

  let matchRunId = ''
  let organId = ''
  await t.test('report a donor and an organ, run the match: the page shows the API\'s ranks', async (t) => {
    await page.waitForFunction(() => (document.getElementById('donor-hospitalCentreId') as HTMLSelectElement | null)?.value !== '')
    await page.fill('#donor-ageYears', '')
    await page.click('#donor-submit')
    await page.waitForSelector('#donor-result [role="alert"]')
    t.match(await page.textContent('#donor-result'), /Age is required/, 'an empty number is refused, never sent as 0')
    t.equal(await page.evaluate(() => document.activeElement?.id), 'donor-ageYears', 'focus goes to the field to correct')
    await page.keyboard.type('48')
    await page.fill('#donor-hlaA', 'A2 A24')
    await page.click('#donor-submit')
    const donorId = await (await page.waitForSelector('#donor-id')).textContent()
    t.match(donorId, /^D-[0-9A-Z]{26}$/)
    await page.selectOption('#organ-type', 'kidney')
    await page.selectOption('#organ-part', 'left')
    await page.click('#organ-submit')
    await page.click('button[data-organ]')
    organId = await page.inputValue('#match-organ')
    t.equal(organId, `${donorId ?? ''}.kidney.left`)
    await page.waitForFunction(() => (document.getElementById('match-policy') as HTMLSelectElement | null)?.value !== '')
    await page.selectOption('#match-policy', 'etkas-kidney')
    await page.click('#match-submit')
    await page.waitForSelector('#ranked-table tbody tr.candidate-row')
    matchRunId = (await page.textContent('#run-id')) ?? ''
    t.match(matchRunId, /^M-/)
    await page.screenshot({ path: join(SHOTS, '02-match-list.png'), fullPage: true })

    const expected = await api(officer, `/v1/match-runs/${matchRunId}?limit=25`)
    const ranked = expected.body.ranked as RankedEntry[]
    t.ok(ranked.length > 1, `${ranked.length} candidates ranked on the first page`)
    const shown = await page.$$eval('#ranked-table tbody tr.candidate-row', (rows) => rows.map((row) => [row.children[0]?.textContent, row.children[1]?.textContent, row.children[3]?.textContent]))
    t.same(shown, ranked.map((e) => [String(e.rank), e.candidateId, `${e.tier.index} ${e.tier.name}`]), 'ranks, candidates and tiers as the API lists them')

    // Points per component: collapsed, opened with the keyboard.
    const toggle = page.locator('#ranked-table button[aria-controls="points-1"]')
    t.equal(await toggle.getAttribute('aria-expanded'), 'false')
    t.notOk(await page.isVisible('#points-1'))
    await toggle.focus()
    await page.keyboard.press('Enter')
    t.equal(await toggle.getAttribute('aria-expanded'), 'true')
    t.ok(await page.isVisible('#points-1'))
    const components = await page.$$eval('#points-1 tbody tr', (rows) => rows.map((row) => row.children[0]?.textContent))
    t.same(components, [...Object.keys((ranked[0] as RankedEntry).points), 'total'], 'one row per policy component, then the total')

    // Exclusions grouped by reason, as many groups as reason codes.
    const excluded = await api(officer, `/v1/match-runs/${matchRunId}?list=excluded&limit=500`)
    const groups = groupExclusions(excluded.body.excluded as ExcludedEntry[])
    const summaries = await page.$$eval('#exclusion-groups summary', (nodes) => nodes.map((n) => n.textContent ?? ''))
    t.same(summaries, groups.map((g) => `${g.code} ${g.candidates.length} candidate${g.candidates.length === 1 ? '' : 's'}`), 'exclusions grouped by reason code, largest first')
  })

  await t.test('record a refusal with its code and an acceptance; the offers and the organ history show them', async (t) => {
    const firstPage = (await api(officer, `/v1/match-runs/${matchRunId}?limit=2`)).body.ranked as RankedEntry[]
    const [first, second] = firstPage
    if (first === undefined || second === undefined) { t.fail('two ranked candidates needed'); return }
    // A refusal without its code is stopped in the page, with focus on the field.
    await page.click(`#ranked-table button[data-candidate="${first.candidateId}"]`)
    t.equal(await page.inputValue('#offer-candidateId'), first.candidateId, '"Record offer" on a row chooses its candidate')
    await page.check('#offer-response-N')
    await page.click('#offer-submit')
    await page.waitForSelector('#offer-result [role="alert"]')
    t.match(await page.textContent('#offer-result'), /needs a refusal code from 700 to 799/)
    t.equal(await page.evaluate(() => document.activeElement?.id), 'offer-refusalCode')
    await page.keyboard.type('702')
    await page.keyboard.press('Enter')
    await page.waitForSelector('#offers-list')
    await page.selectOption('#offer-candidateId', second.candidateId)
    await page.check('#offer-response-Y')
    await page.click('#offer-submit')
    await page.waitForFunction(() => document.querySelectorAll('#offers-list tbody tr').length === 2)
    const rows = await page.$$eval('#offers-list tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).slice(0, 4).map((td) => td.textContent)))
    t.same(rows, [['1', first.candidateId, 'N', '702'], ['2', second.candidateId, 'Y', '—']], 'the recorded responses, in sequence order')
    const stored = await api(officer, `/v1/match-runs/${matchRunId}/offers`)
    t.match(stored.body.offers, [{ candidateId: first.candidateId, response: 'N', refusalCode: 702, respondedBy: 'demo.officer' }, { candidateId: second.candidateId, response: 'Y' }], 'stored as shown')
    await page.waitForFunction(() => /refusal code 702/.test(document.getElementById('organ-trace')?.textContent ?? ''))
    t.match(await page.textContent('#organ-trace'), new RegExp(`Match run ${matchRunId}.*offer to rank 1 ${first.candidateId}: N \\(refusal code 702\\).*offer to rank 2 ${second.candidateId}: Y`))
    await page.screenshot({ path: join(SHOTS, '03-offers.png'), fullPage: true })
  })

  await t.test('the print view keeps the list and drops the forms', async (t) => {
    await page.emulateMedia({ media: 'print' })
    t.ok(await page.isVisible('#ranked-table'), 'the list prints')
    t.notOk(await page.isVisible('#donor-form'), 'the donor form does not')
    t.notOk(await page.isVisible('#logout'), 'nor the buttons')
    t.notOk(await page.isVisible('#ranked-table > thead th:last-child'), 'nor the control columns')
    await page.screenshot({ path: join(SHOTS, '04-print.png'), fullPage: true })
    await page.emulateMedia({ media: 'screen' })
  })

  await t.test('log out forgets the token', async (t) => {
    await logOut(page)
    t.equal(await page.evaluate(() => sessionStorage.length), 0)
    t.equal(await page.inputValue('#token'), '')
  })

  await t.test('auditor: verify the chain, replay the run, the organ trace or the API\'s answer', async (t) => {
    await logIn(page, auditor)
    await page.waitForSelector('#auditor-heading')
    t.match(await page.textContent('#whoami'), /demo\.auditor.*auditor/)
    t.same(await page.$$eval('#views button', (buttons) => buttons.map((b) => b.textContent)), ['Auditor'], 'only the views the roles open')
    await page.click('#verify-submit')
    await page.waitForSelector('#verify-result p')
    t.match(await page.textContent('#verify-result'), /^Intact: \d+ entries/)
    await page.fill('#replay-id', matchRunId)
    await page.click('#replay-form button[type="submit"]')
    await page.waitForSelector('#replay-result p')
    t.match(await page.textContent('#replay-result'), /Identical/)
    await page.fill('#trace-organ', organId)
    await page.click('#trace-form button[type="submit"]')
    await page.waitForSelector('#trace-result > *')
    const trace = await api(auditor, `/v1/organs/${organId}/trace`)
    if (trace.status === 200) {
      t.match(await page.textContent('#trace-steps'), /refusal code 702/, 'the trace lists the recorded refusal')
    } else {
      t.match(await page.textContent('#trace-result [role="alert"]'), new RegExp(trace.body.code as string), `without the trace route the API's ${trace.status} is shown`)
    }
    await page.click('#queue-form button[type="submit"]')
    await page.waitForSelector('#queue-list > *, #queue-form [role="alert"]')
    await page.screenshot({ path: join(SHOTS, '05-auditor.png'), fullPage: true })
    await logOut(page)
  })

  await t.test('analyst: policies, a diff, a simulation or the API\'s answer', async (t) => {
    await logIn(page, analyst)
    await page.waitForSelector('#policy-list table')
    t.match(await page.textContent('#policy-list'), /etkas-kidney/)
    await page.selectOption('#diff-before', { index: 0 })
    await page.selectOption('#diff-after', { index: 1 })
    await page.click('#diff-form button[type="submit"]')
    await page.waitForSelector('#diff-result p')
    t.match(await page.textContent('#diff-result'), /changes\.|identical/)
    // Refused input shows the API's problem, naming the field; no simulation job is started here
    // (a real one runs in worker threads for minutes; its charts come from present.ts, unit-tested).
    await page.fill('#sim-years', '1')
    await page.fill('#sim-replications', '0')
    await page.click('#sim-form button[type="submit"]')
    await page.waitForSelector('#sim-result [role="alert"]')
    const simulations = await api(analyst, '/v1/simulations')
    if (simulations.status === 404) {
      t.match(await page.textContent('#sim-result'), /API_NOT_FOUND/, 'without the simulation API its 404 is shown')
    } else {
      t.match(await page.textContent('#sim-result'), /API_VALIDATION_FAILED.*body\.replications/, 'the refused field is named')
      await page.click('#sim-list-submit')
      await page.waitForSelector('#sim-list > *')
      t.match(await page.textContent('#sim-list'), simulations.body.simulations.length === 0 ? /No simulation yet/ : /Earlier simulations/)
    }
    await page.screenshot({ path: join(SHOTS, '06-analyst.png'), fullPage: true })
    await logOut(page)
  })

  for (const [name, token] of Object.entries(tokens)) {
    t.notOk(requested.some((url) => url.includes(token)), `no request carried the ${name} token in its URL`)
  }
  t.ok(requested.length > 20, `${requested.length} requests checked`)
  t.same(errors, [], 'no script error or CSP violation in the page')
})
