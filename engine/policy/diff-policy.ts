import { canonicalJson } from '../canonical-hash.js'
import { compilePolicy, type CompiledPolicy } from './compile-policy.js'

/** One difference between two policy documents, located by JSON pointer into the document it exists in. */
export interface PolicyChange {
  readonly kind: 'added' | 'removed' | 'changed' | 'moved'
  /** JSON pointer; for named list items (tiers, components, tie-breakers, rules) the pointer of the item. */
  readonly path: string
  /** Tier, component, tie-breaker or rule name, when the change concerns a named item. */
  readonly name?: string
  readonly before?: unknown
  readonly after?: unknown
}

/** Attributes a part of the policy starts or stops reading: what a fairness review looks at first. */
export interface ReadChange {
  readonly part: string
  readonly added: readonly string[]
  readonly removed: readonly string[]
}

export interface PolicyDiff {
  readonly before: { readonly id: string, readonly version: string, readonly hash: string }
  readonly after: { readonly id: string, readonly version: string, readonly hash: string }
  readonly identical: boolean
  readonly changes: readonly PolicyChange[]
  readonly reads: readonly ReadChange[]
}

/** Lists whose items are matched by name, so that a reordering reads as "moved", not as many changes. */
const NAMED_LISTS: Readonly<Record<string, string>> = {
  '/tiers': 'name', '/components': 'name', '/tieBreakers': 'name', '/eligibility/rules': 'id'
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function same (a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b)
}

function compare (before: unknown, after: unknown, path: string, changes: PolicyChange[]): void {
  if (same(before, after)) return
  const key = NAMED_LISTS[path]
  if (key !== undefined && Array.isArray(before) && Array.isArray(after)) {
    const nameOf = (item: unknown): string => String((item as Record<string, unknown>)[key])
    const beforeNames = before.map(nameOf)
    const afterNames = after.map(nameOf)
    before.forEach((item, index) => {
      const name = nameOf(item)
      const at = afterNames.indexOf(name)
      if (at < 0) changes.push({ kind: 'removed', path: `${path}/${index}`, name, before: item })
    })
    after.forEach((item, index) => {
      const name = nameOf(item)
      const from = beforeNames.indexOf(name)
      if (from < 0) {
        changes.push({ kind: 'added', path: `${path}/${index}`, name, after: item })
        return
      }
      if (from !== index) changes.push({ kind: 'moved', path: `${path}/${index}`, name, before: from, after: index })
      compare(before[from], item, `${path}/${index}`, changes)
    })
    return
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let index = 0; index < Math.max(before.length, after.length); index++) {
      const child = `${path}/${index}`
      if (index >= after.length) changes.push({ kind: 'removed', path: child, before: before[index] })
      else if (index >= before.length) changes.push({ kind: 'added', path: child, after: after[index] })
      else compare(before[index], after[index], child, changes)
    }
    return
  }
  if (isObject(before) && isObject(after)) {
    for (const property of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      const child = `${path}/${property.replace(/~/g, '~0').replace(/\//g, '~1')}`
      if (!(property in after)) changes.push({ kind: 'removed', path: child, before: before[property] })
      else if (!(property in before)) changes.push({ kind: 'added', path: child, after: after[property] })
      else compare(before[property], after[property], child, changes)
    }
    return
  }
  changes.push({ kind: 'changed', path, before, after })
}

function readsByPart (policy: CompiledPolicy): Map<string, readonly string[]> {
  const parts = new Map<string, readonly string[]>([['eligibility', policy.reads.eligibility]])
  for (const [name, reads] of Object.entries(policy.reads.tiers)) parts.set(`tier ${name}`, reads)
  for (const [name, reads] of Object.entries(policy.reads.components)) parts.set(`component ${name}`, reads)
  for (const [name, reads] of Object.entries(policy.reads.tieBreakers)) parts.set(`tie-breaker ${name}`, reads)
  return parts
}

/**
 * Compares two policy documents (both are validated first): every changed value by JSON pointer,
 * named items (tiers, components, tie-breakers, rules) matched by name so reordering shows as a move,
 * and the attributes each part newly reads or no longer reads.
 */
export function diffPolicies (before: unknown, after: unknown): PolicyDiff {
  const a = compilePolicy(before)
  const b = compilePolicy(after)
  const changes: PolicyChange[] = []
  compare(a.document, b.document, '', changes)
  const readsBefore = readsByPart(a)
  const readsAfter = readsByPart(b)
  const reads: ReadChange[] = []
  for (const part of [...new Set([...readsBefore.keys(), ...readsAfter.keys()])]) {
    const was = readsBefore.get(part) ?? []
    const now = readsAfter.get(part) ?? []
    const added = now.filter((name) => !was.includes(name))
    const removed = was.filter((name) => !now.includes(name))
    if (added.length > 0 || removed.length > 0) reads.push({ part, added, removed })
  }
  return {
    before: { id: a.id, version: a.version, hash: a.hash },
    after: { id: b.id, version: b.version, hash: b.hash },
    identical: a.hash === b.hash,
    changes,
    reads
  }
}
