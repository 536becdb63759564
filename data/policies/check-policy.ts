import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PolicyValidationError } from '../../engine/errors.js'
import { compilePolicy } from '../../engine/policy/compile-policy.js'
import { diffPolicies } from '../../engine/policy/diff-policy.js'

/**
 * Command-line check for policy authors:
 *   node --import tsx data/policies/check-policy.ts draft.json            validate, print hash and reads
 *   node --import tsx data/policies/check-policy.ts current.json draft.json  validate both, print the diff
 * Returns the process exit code: 0 valid, 1 invalid or unreadable.
 */
export function checkPolicyFiles (paths: readonly string[], print: (line: string) => void): number {
  if (paths.length < 1 || paths.length > 2) {
    print('usage: check-policy.ts <policy.json> [<changed-policy.json>]')
    return 1
  }
  const documents: unknown[] = []
  for (const path of paths) {
    let document: unknown
    try {
      document = JSON.parse(readFileSync(path, 'utf8'))
    } catch (error) {
      print(`${path}: cannot read JSON: ${(error as Error).message}`)
      return 1
    }
    try {
      const policy = compilePolicy(document)
      print(`${path}: valid — ${policy.id} ${policy.version}, hash ${policy.hash}`)
      if (paths.length === 1) {
        print(`  eligibility reads: ${policy.reads.eligibility.join(', ')}`)
        for (const [name, reads] of Object.entries(policy.reads.tiers)) print(`  tier ${name} reads: ${reads.join(', ') || '(nothing)'}`)
        for (const [name, reads] of Object.entries(policy.reads.components)) print(`  component ${name} reads: ${reads.join(', ') || '(nothing)'}`)
        for (const [name, reads] of Object.entries(policy.reads.tieBreakers)) print(`  tie-breaker ${name} reads: ${reads.join(', ')}`)
      }
    } catch (error) {
      if (!(error instanceof PolicyValidationError)) throw error
      print(`${path}: invalid (${error.issues.length} issue${error.issues.length === 1 ? '' : 's'})`)
      for (const issue of error.issues) print(`  ${issue.path || '(document)'}: ${issue.message}`)
      return 1
    }
    documents.push(document)
  }
  if (documents.length === 2) {
    const diff = diffPolicies(documents[0], documents[1])
    if (diff.identical) {
      print('identical (same hash)')
      return 0
    }
    for (const change of diff.changes) {
      const label = change.name === undefined ? change.path : `${change.path} (${change.name})`
      const value = (v: unknown): string => JSON.stringify(v)
      switch (change.kind) {
        case 'added': print(`+ ${label}: ${value(change.after)}`); break
        case 'removed': print(`- ${label}: ${value(change.before)}`); break
        case 'moved': print(`~ ${label}: moved from position ${value(change.before)} to ${value(change.after)}`); break
        case 'changed': print(`~ ${label}: ${value(change.before)} → ${value(change.after)}`); break
      }
    }
    for (const read of diff.reads) {
      print(`reads ${read.part}:${read.added.length > 0 ? ` now also ${read.added.join(', ')}` : ''}${read.removed.length > 0 ? ` no longer ${read.removed.join(', ')}` : ''}`)
    }
  }
  return 0
}

/* c8 ignore next 3 */
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = checkPolicyFiles(process.argv.slice(2), (line) => console.log(line))
}
