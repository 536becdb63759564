/// <reference lib="dom" />
/**
 * Building DOM nodes without HTML strings: every value goes through textContent or setAttribute, so
 * registry data can never become markup (and the page needs no inline script or style).
 */

type Child = Node | string | number | null | undefined | false
export type Props = Record<string, string | number | boolean | undefined | ((event: Event) => void)>

export function h<K extends keyof HTMLElementTagNameMap> (tag: K, props: Props = {}, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, '').toLowerCase(), value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  append(element, ...children)
  return element
}

export function append (parent: Node, ...children: Array<Child | Child[]>): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child)
  }
}

/** Replaces what a container shows. */
export function show (container: Element, ...children: Array<Child | Child[]>): void {
  container.replaceChildren()
  append(container, ...children)
}

export function byId<T extends HTMLElement = HTMLElement> (id: string): T {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`the page has no #${id}`)
  return element as T
}

/** A labelled form control: the label names the field, the hint is read with it (aria-describedby). */
export function field (id: string, label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  control.id = id
  if (control.getAttribute('name') === null) control.setAttribute('name', id)
  const hintNode = hint === undefined ? undefined : h('span', { class: 'hint', id: `${id}-hint` }, hint)
  if (hintNode !== undefined) control.setAttribute('aria-describedby', hintNode.id)
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintNode)
}

export function input (props: Props = {}): HTMLInputElement {
  return h('input', { type: 'text', ...props })
}

export function select (options: ReadonlyArray<{ value: string, label: string }>, props: Props = {}, selected?: string): HTMLSelectElement {
  const element = h('select', props, ...options.map((o) => h('option', { value: o.value, selected: o.value === selected }, o.label)))
  return element
}

/** A field's value by element id. */
export function valueOf (id: string): string {
  return (byId<HTMLInputElement>(id)).value
}

/** A table with a caption and a header row; rows are built by the caller. */
export function table (caption: string, headers: readonly string[], rows: Node[], props: Props = {}): HTMLTableElement {
  return h('table', props,
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, ...rows))
}

/** Definition list of label → value pairs. */
export function facts (pairs: ReadonlyArray<readonly [string, Child]>): HTMLDListElement {
  return h('dl', { class: 'facts' }, ...pairs.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]))
}

/** Saves a blob as a file the browser downloads (a report, a CSV export). */
export function download (blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const link = h('a', { href: url, download: filename, class: 'visually-hidden' }, filename)
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => { URL.revokeObjectURL(url) }, 10_000)
}
