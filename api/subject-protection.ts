import type { FastifyInstance, FastifyRequest } from 'fastify'
import { statement } from '../data/db/context.js'
import type { Viewer } from '../data/oversight/context.js'
import type { Oversight } from '../data/oversight/oversight.js'
import { guardSubjects, visibleItems } from '../data/oversight/victim-protection.js'
import { UnknownValueError } from '../engine/errors.js'
import { principalOf } from './auth.js'
import { notFound } from './problem.js'

/**
 * Victim protection for every registry route (UN GA res. 71/322 para 9): a person under an open
 * protection case is visible to protection officers only. The oversight routes apply the rule
 * themselves; every other route is guarded here, once, from its path parameters, so a new route
 * that names a person cannot forget it. A refused reader gets exactly the 404 an unknown id gets;
 * every access, granted or refused, is audited and alerts the protection officers.
 */
export interface SubjectProtection {
  /** Items of a list the caller may see: items about protected people left out, except for protection officers. */
  visible: <T>(request: FastifyRequest, items: readonly T[], subjectsOf: (item: T) => readonly string[]) => T[]
}

/** The path parameters that name a person's record, or lead to one, and the 404 label of each. */
const PERSON_PARAMS: ReadonlyArray<{ readonly param: string, readonly label: string, readonly subjectsSql?: string }> = [
  { param: 'candidateId', label: 'candidate' },
  { param: 'donorId', label: 'donor' },
  { param: 'organId', label: 'organ', subjectsSql: 'SELECT donor_id FROM organs WHERE id = @id UNION SELECT candidate_id FROM transplants WHERE organ_id = @id' },
  { param: 'transplantId', label: 'transplant', subjectsSql: 'SELECT candidate_id FROM transplants WHERE id = @id UNION SELECT o.donor_id FROM transplants t JOIN organs o ON o.id = t.organ_id WHERE t.id = @id' },
  { param: 'matchRunId', label: 'match run', subjectsSql: 'SELECT o.donor_id FROM match_runs m JOIN organs o ON o.id = m.organ_id WHERE m.id = @id' },
  { param: 'followUpId', label: 'follow-up', subjectsSql: 'SELECT subject_id FROM follow_ups WHERE id = @id UNION SELECT t.candidate_id FROM follow_ups f JOIN transplants t ON t.id = f.transplant_id WHERE f.id = @id' }
]

function viewerOf (request: FastifyRequest): Viewer {
  const principal = principalOf(request)
  return { id: principal.userId, roles: principal.roles }
}

function anyoneProtected (oversight: Oversight): boolean {
  return statement(oversight.context.db, 'SELECT 1 FROM protected_subjects WHERE lifted_at IS NULL LIMIT 1').get() !== undefined
}

/**
 * Installs the guard on `app` (a scope holding registry routes) and returns the list filter. Routes
 * whose config says `subjectProtection: 'own'` apply the rule themselves and are skipped.
 */
export function installSubjectProtection (app: FastifyInstance, oversight: Oversight): SubjectProtection {
  app.addHook('preHandler', async (request) => {
    const config = request.routeOptions.config
    if (config.public === true || config.subjectProtection === 'own' || request.principal === undefined) return
    const params = (request.params ?? {}) as Record<string, unknown>
    const named = PERSON_PARAMS.filter(({ param }) => typeof params[param] === 'string' || typeof params[param] === 'number')
    if (named.length === 0 || !anyoneProtected(oversight)) return
    for (const { param, label, subjectsSql } of named) {
      const id = params[param] as string | number
      const subjects = subjectsSql === undefined ? [String(id)] : statement(oversight.context.db, subjectsSql).pluck().all({ id }) as string[]
      try {
        guardSubjects(oversight.context, subjects, viewerOf(request), `${request.method} ${request.routeOptions.url ?? ''}`, { field: param, rule: 'unknown' })
      } catch (error) {
        if (error instanceof UnknownValueError) throw notFound(label, id)
        throw error
      }
    }
  })
  return {
    visible: (request, items, subjectsOf) => visibleItems(oversight.context, items, subjectsOf, viewerOf(request), `${request.method} ${request.routeOptions.url ?? ''}`)
  }
}
