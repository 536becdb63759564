/// <reference lib="dom" />
import { renderAnalystView } from './analyst-view.js'
import { api, clearToken, ProblemError, storedToken, storeToken, whenUnauthenticated } from './api-client.js'
import { renderAuditorView } from './auditor-view.js'
import { byId, h, show } from './dom.js'
import { describeProblem, viewsFor, type ViewName } from './present.js'
import { renderOfficerView } from './officer-view.js'
import { announce, errorBox } from './ui.js'

/** The console's shell: log in with a token, see who you are, switch between the views your roles open. */

const VIEWS: Record<ViewName, { label: string, render: (container: HTMLElement) => void }> = {
  officer: { label: 'Allocation officer', render: renderOfficerView },
  analyst: { label: 'Policy analyst', render: renderAnalystView },
  auditor: { label: 'Auditor', render: renderAuditorView }
}

function openView (view: ViewName, move = true): void {
  for (const button of Array.from(byId('views').querySelectorAll<HTMLButtonElement>('button[data-view]'))) {
    if (button.dataset.view === view) button.setAttribute('aria-current', 'page')
    else button.removeAttribute('aria-current')
  }
  const container = byId('view')
  VIEWS[view].render(container)
  if (move) document.getElementById(`${view}-heading`)?.focus()
}

async function signIn (token: string | undefined): Promise<void> {
  const login = byId('login')
  const app = byId('app')
  if (token === undefined) {
    login.hidden = false
    app.hidden = true
    byId('whoami').textContent = ''
    return
  }
  const me = await api<{ userId: string, roles: string[] }>('GET', '/v1/me', { token })
  storeToken(token)
  login.hidden = true
  app.hidden = false
  byId('whoami').textContent = `Signed in as ${me.userId}; roles: ${me.roles.join(', ') || 'none'}`
  const views = viewsFor(me.roles)
  show(byId('views'), ...views.map((view) => h('button', { type: 'button', 'data-view': view, onclick: () => { openView(view) } }, VIEWS[view].label)))
  if (views[0] === undefined) {
    show(byId('view'), h('p', { role: 'alert' }, `The roles of this token (${me.roles.join(', ') || 'none'}) open no console view. The admin manages users and tokens through the API (docs/api.md) and reads no registry data; log in with an allocation officer, policy analyst, auditor or registry authority token.`))
    return
  }
  openView(views[0], false)
  announce(`Signed in as ${me.userId}.`)
  byId(`${views[0]}-heading`).focus()
}

function logOut (message?: string): void {
  clearToken()
  byId<HTMLInputElement>('token').value = ''
  show(byId('view'))
  void signIn(undefined)
  show(byId('login-result'), message === undefined ? null : h('p', { role: 'alert', class: 'problem' }, message))
  byId('token').focus()
}

function start (): void {
  const form = byId<HTMLFormElement>('login-form')
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const token = byId<HTMLInputElement>('token').value.trim()
    const output = byId('login-result')
    if (token === '') {
      show(output, h('p', { role: 'alert', class: 'problem' }, 'Paste a token first.'))
      byId('token').focus()
      return
    }
    signIn(token).catch((error: unknown) => {
      show(output, error instanceof ProblemError && error.problem.status === 401
        ? h('p', { role: 'alert', class: 'problem' }, `This token was not accepted: ${describeProblem(error.problem)[0] ?? ''}`)
        : errorBox(error))
      byId('token').focus()
    })
  })
  byId('logout').addEventListener('click', () => { logOut() })
  whenUnauthenticated((problem) => { logOut(`Signed out: ${problem.detail ?? 'the token is no longer valid'}. Log in again.`) })
  const token = storedToken()
  if (token !== undefined) {
    signIn(token).catch(() => { logOut('The saved token is no longer accepted. Log in again.') })
  } else {
    void signIn(undefined)
  }
}

start()
