import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { builtInPolicyDocuments } from '../../data/policies/index.js'
import { PolicyValidationError, UnknownValueError } from '../../engine/errors.js'
import { analysePolicy } from '../../engine/policy/validate-policy.js'
import { diffPolicies } from '../../engine/policy/diff-policy.js'
import { lintPolicy } from '../../engine/policy/fairness-lint.js'
import type { PolicyDocument } from '../../engine/policy/policy-schema.js'
import { compileCached } from '../match-service.js'
import { ApiError, notFound } from '../problem.js'
import { recordedPolicyVersions } from '../registry-queries.js'
import { ACCESS } from '../roles.js'
import { actorOf, asResponse, doc, type RouteDeps } from '../route-support.js'
import { problemResponses } from '../schemas.js'

const PolicyIdSchema = Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,63}$', description: 'Policy id, e.g. etkas-kidney' })
const VersionSchema = Type.String({ minLength: 1, maxLength: 64 })
const DocumentSchema = Type.Object({}, { additionalProperties: true, description: 'A policy document (docs/policy.schema.json)' })

const PolicyVersionSchema = Type.Object({
  id: Type.String(),
  version: Type.String(),
  hash: Type.String({ description: 'SHA-256 of the document\'s canonical JSON: the hash every match list names' }),
  name: Type.String(),
  organType: Type.String(),
  effectiveFrom: Type.String(),
  builtIn: Type.Boolean({ description: 'Shipped in data/policies' }),
  recordedAt: Type.Optional(Type.String({ description: 'When it was recorded in this registry (absent: never used or recorded)' }))
})

interface VersionInfo {
  id: string
  version: string
  hash: string
  name: string
  organType: string
  effectiveFrom: string
  builtIn: boolean
  recordedAt?: string
}

const IssuesSchema = Type.Array(Type.Object({ path: Type.String({ description: 'JSON pointer into the document' }), message: Type.String() }))

/** Policies: built-in and recorded versions, validation (lint), diff, and recording a new version. */
export const policyRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { registry }) => {
  const versions = (policyId?: string): VersionInfo[] => {
    const byKey = new Map<string, VersionInfo>()
    for (const document of builtInPolicyDocuments()) {
      if (policyId !== undefined && document.id !== policyId) continue
      const compiled = compileCached(document)
      byKey.set(`${document.id}@${document.version}`, { id: document.id, version: document.version, hash: compiled.hash, name: document.name, organType: document.organType, effectiveFrom: document.effectiveFrom, builtIn: true })
    }
    for (const row of recordedPolicyVersions(registry, policyId)) {
      const key = `${row.policyId}@${row.version}`
      const known = byKey.get(key)
      if (known !== undefined && known.hash === row.hash) {
        known.recordedAt = row.recordedAt
        continue
      }
      const document = registry.policies.get(row.policyId, row.version).document as PolicyDocument
      byKey.set(key, { id: row.policyId, version: row.version, hash: row.hash, name: document.name, organType: document.organType, effectiveFrom: document.effectiveFrom, builtIn: false, recordedAt: row.recordedAt })
    }
    return [...byKey.values()]
  }

  app.get('/policies', {
    config: { roles: ACCESS.policyRead },
    schema: {
      ...doc('policies', 'Every built-in and recorded policy version', ACCESS.policyRead),
      response: { 200: Type.Object({ policies: Type.Array(PolicyVersionSchema) }), ...problemResponses() }
    }
  }, async () => ({ policies: versions() }))

  app.get('/policies/:policyId/versions/:version', {
    config: { roles: ACCESS.policyRead },
    schema: {
      ...doc('policies', 'One policy version with its document', ACCESS.policyRead),
      params: Type.Object({ policyId: PolicyIdSchema, version: VersionSchema }),
      response: { 200: Type.Object({ policy: PolicyVersionSchema, document: Type.Unknown() }), ...problemResponses(404) }
    }
  }, async (request) => {
    const { policyId, version } = request.params
    const info = versions(policyId).find((v) => v.version === version)
    if (info === undefined) throw notFound(`policy ${policyId} version`, version)
    let document: unknown
    try {
      document = registry.policies.get(policyId, version).document
    } catch (error) {
      if (!(error instanceof UnknownValueError)) throw error
      document = builtInPolicyDocuments().find((d) => d.id === policyId && d.version === version)
    }
    return asResponse({ policy: info, document })
  })

  app.post('/policies/validate', {
    config: { roles: ACCESS.policyLint },
    schema: {
      ...doc('policies', 'Validate (lint) a policy document: structure, vocabulary, expression types, protected attributes', ACCESS.policyLint,
        'Answers 200 either way: `valid` false lists every issue with its JSON pointer.'),
      body: Type.Object({ document: DocumentSchema }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          valid: Type.Boolean(),
          issues: IssuesSchema,
          policy: Type.Optional(Type.Object({ id: Type.String(), version: Type.String(), hash: Type.String(), organType: Type.String() })),
          reads: Type.Optional(Type.Array(Type.String(), { description: 'Every registry attribute the policy reads' })),
          fairness: Type.Object({}, {
            additionalProperties: true,
            description: 'The fairness lint (engine/policy/fairness-lint.ts): reads and point bounds per component, protected-attribute errors, declared clinical uses of sex; unbounded ranges are null'
          })
        }),
        ...problemResponses(413)
      }
    }
  }, async (request) => {
    const { analysis, issues } = analysePolicy(request.body.document)
    // The lint runs on invalid documents too: a protected attribute is reported with its fairness code.
    const fairness = lintPolicy(request.body.document)
    if (analysis === undefined) return { valid: false, issues, fairness }
    const policy = compileCached(request.body.document)
    return { valid: true, issues: [], policy: { id: policy.id, version: policy.version, hash: policy.hash, organType: policy.organType }, reads: [...policy.reads.all], fairness }
  })

  app.post('/policies/diff', {
    config: { roles: ACCESS.policyLint },
    schema: {
      ...doc('policies', 'Compare two policy documents: changed values by JSON pointer and the attributes each part starts or stops reading', ACCESS.policyLint),
      body: Type.Object({ before: DocumentSchema, after: DocumentSchema }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          before: Type.Object({ id: Type.String(), version: Type.String(), hash: Type.String() }),
          after: Type.Object({ id: Type.String(), version: Type.String(), hash: Type.String() }),
          identical: Type.Boolean(),
          changes: Type.Array(Type.Object({ kind: Type.String(), path: Type.String(), name: Type.Optional(Type.String()), before: Type.Optional(Type.Unknown()), after: Type.Optional(Type.Unknown()) })),
          reads: Type.Array(Type.Object({ part: Type.String(), added: Type.Array(Type.String()), removed: Type.Array(Type.String()) }))
        }),
        ...problemResponses(413)
      }
    }
  }, async (request) => asResponse(diffPolicies(request.body.before, request.body.after)))

  app.post('/policies/:policyId/versions', {
    config: { roles: ACCESS.policyRecord },
    schema: {
      ...doc('policies', 'Record a new version of a policy in the registry (it can then be named by match runs)', ACCESS.policyRecord,
        'The document is validated first; its id and version must match the path and body. A recorded version never changes: a changed document needs a new version (409 otherwise).'),
      params: Type.Object({ policyId: PolicyIdSchema }),
      body: Type.Object({ version: VersionSchema, document: DocumentSchema }, { additionalProperties: false }),
      response: { 201: Type.Object({ policy: PolicyVersionSchema }), ...problemResponses(409, 413) }
    }
  }, async (request, reply) => {
    const { policyId } = request.params
    const { version, document } = request.body
    const policy = compileCached(document)
    const mismatches = [
      ...(policy.id === policyId ? [] : [{ path: '/id', message: `must equal the policy id in the path (${policyId})` }]),
      ...(policy.version === version ? [] : [{ path: '/version', message: `must equal the version in the body (${version})` }])
    ]
    if (mismatches.length > 0) throw new PolicyValidationError(mismatches)
    const builtIn = builtInPolicyDocuments().find((d) => d.id === policyId && d.version === version)
    if (builtIn !== undefined && compileCached(builtIn).hash !== policy.hash) {
      throw new ApiError(409, 'API_CONFLICT', `${policyId} ${version} is a built-in version with other content; a changed document needs a new version`, {
        errors: [{ field: 'body.version', rule: 'is already a built-in version with other content' }]
      })
    }
    const recorded = registry.policies.record({ policyId, version, document }, actorOf(request))
    reply.code(201).header('location', `/v1/policies/${policyId}/versions/${encodeURIComponent(version)}`)
    return { policy: { id: policyId, version, hash: recorded.hash, name: policy.name, organType: policy.organType, effectiveFrom: policy.effectiveFrom, builtIn: builtIn !== undefined, recordedAt: recorded.recordedAt } }
  })
}
