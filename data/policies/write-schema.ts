import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PolicyDocumentSchema } from '../../engine/policy/policy-schema.js'
import { packageRoot } from './index.js'

/**
 * The published JSON Schema (draft-07) of policy documents, generated from the TypeBox definition.
 * TypeBox's symbol keys are dropped by JSON.stringify, leaving plain JSON Schema.
 */
export function policySchemaText (): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...PolicyDocumentSchema }, null, 2)}\n`
}

/** Writes docs/policy.schema.json. Run: node --import tsx data/policies/write-schema.ts */
export function writePolicySchema (path: string = join(packageRoot(), 'docs', 'policy.schema.json')): string {
  writeFileSync(path, policySchemaText())
  return path
}

/* c8 ignore next 3 */
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`wrote ${writePolicySchema()}`)
}
