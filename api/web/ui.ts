/// <reference lib="dom" />
import { ProblemError } from './api-client.js'
import { h, byId, show } from './dom.js'
import { describeProblem } from './present.js'

/** Says something to screen-reader users (and everyone: the status line is visible). */
export function announce (text: string): void {
  const status = byId('status')
  status.textContent = ''
  // A fresh text node after clearing makes screen readers read a repeated message again.
  setTimeout(() => { status.textContent = text }, 30)
}

/** What went wrong, as an alert: the problem's detail, code and every field it names. */
export function errorBox (error: unknown): HTMLElement {
  const lines = error instanceof ProblemError ? describeProblem(error.problem) : [error instanceof Error ? error.message : String(error)]
  const [first, ...rest] = lines
  return h('div', { class: 'problem', role: 'alert' }, h('p', {}, h('strong', {}, 'Not done: '), first ?? ''), rest.length > 0 ? h('ul', {}, ...rest.map((line) => h('li', {}, line))) : null)
}

/**
 * Runs an action from a button: the button is disabled and marked busy meanwhile (no double
 * submission), and a failure is shown in `output` as an alert instead of vanishing.
 */
export async function act (button: HTMLButtonElement, output: Element, action: () => Promise<void>): Promise<void> {
  button.disabled = true
  button.setAttribute('aria-busy', 'true')
  try {
    await action()
  } catch (error) {
    show(output, errorBox(error))
    announce('The request was refused; the reason is shown.')
  } finally {
    button.disabled = false
    button.removeAttribute('aria-busy')
  }
}

/** A titled part of a view; the heading can take focus so a finished step can move the reader to it. */
export function section (id: string, title: string, ...children: Node[]): HTMLElement {
  return h('section', { id, 'aria-labelledby': `${id}-title`, class: 'panel' }, h('h3', { id: `${id}-title`, tabindex: '-1' }, title), ...children)
}

export function focusHeading (sectionId: string): void {
  document.getElementById(`${sectionId}-title`)?.focus()
}

export function button (label: string, onClick: (event: Event) => void, props: Record<string, string> = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...props, onclick: onClick }, label)
}

/** datetime-local value for now, in the browser's time zone. */
export function localNow (): string {
  const now = new Date()
  const shifted = new Date(now.getTime() - now.getTimezoneOffset() * 60_000)
  return shifted.toISOString().slice(0, 16)
}

/** A datetime-local value as an ISO 8601 UTC instant. */
export function isoFromLocal (value: string): string {
  return new Date(value).toISOString()
}

export function randomId (): string {
  return crypto.randomUUID()
}

export function pre (value: unknown): HTMLElement {
  return h('pre', { class: 'json', tabindex: '0' }, JSON.stringify(value, null, 2))
}
