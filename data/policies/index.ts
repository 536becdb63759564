import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PolicyValidationError, UnknownValueError } from '../../engine/errors.js'
import { compilePolicy, type CompiledPolicy } from '../../engine/policy/compile-policy.js'
import type { PolicyDocument } from '../../engine/policy/policy-schema.js'
import { validatePolicy } from '../../engine/policy/validate-policy.js'

const PACKAGE_NAME = 'organ-allocation-engine'

/**
 * The package root: the nearest directory above this module holding our package.json. Compiled code
 * runs from dist/data/policies, which holds no JSON, so the documents are always read from the
 * source tree's data/policies.
 */
export function packageRoot (): string {
  let directory = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(directory, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return directory
    const parent = dirname(directory)
    /* c8 ignore next */
    if (parent === directory) throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${dirname(fileURLToPath(import.meta.url))}`)
    directory = parent
  }
}

/** The directory of the built-in policy documents. */
export function policiesDirectory (): string {
  return join(packageRoot(), 'data', 'policies')
}

/**
 * Reads and validates every `*.json` in the policies directory, sorted by file name. A document must
 * be named after its id (`us-kas-kidney.json` holds id `us-kas-kidney`); issues are reported with the
 * file name before the JSON pointer.
 */
export function loadPolicyDocuments (directory: string = policiesDirectory()): PolicyDocument[] {
  const files = readdirSync(directory).filter((name) => name.endsWith('.json')).sort()
  return files.map((file) => {
    const where = `data/policies/${file}`
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(join(directory, file), 'utf8'))
    } catch (error) {
      throw new PolicyValidationError([{ path: `${where}#`, message: `is not valid JSON: ${(error as Error).message}` }])
    }
    let document: PolicyDocument
    try {
      document = validatePolicy(parsed)
    } catch (error) {
      if (!(error instanceof PolicyValidationError)) throw error
      throw new PolicyValidationError(error.issues.map((issue) => ({ path: `${where}#${issue.path}`, message: issue.message })))
    }
    if (`${document.id}.json` !== file) throw new PolicyValidationError([{ path: `${where}#/id`, message: `must match the file name ("${file.slice(0, -5)}")` }])
    return document
  })
}

let documents: readonly PolicyDocument[] | undefined
const compiled = new Map<string, CompiledPolicy>()

/** The built-in policy documents, validated, sorted by id. Read once, on first use. */
export function builtInPolicyDocuments (): readonly PolicyDocument[] {
  documents ??= Object.freeze(loadPolicyDocuments())
  return documents
}

/** One built-in policy document by id. */
export function builtInPolicyDocument (id: string): PolicyDocument {
  const document = builtInPolicyDocuments().find((d) => d.id === id)
  if (document === undefined) {
    throw new UnknownValueError('policyId', `must be one of ${builtInPolicyDocuments().map((d) => JSON.stringify(d.id)).join(', ')} (got ${JSON.stringify(id)})`)
  }
  return document
}

/** One built-in policy, compiled (and cached). */
export function builtInPolicy (id: string): CompiledPolicy {
  let policy = compiled.get(id)
  if (policy === undefined) compiled.set(id, policy = compilePolicy(builtInPolicyDocument(id)))
  return policy
}
