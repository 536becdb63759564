import type { FastifyRequest } from 'fastify'
import type { Registry } from '../data/registry.js'
import { requireInstant } from '../data/db/values.js'
import { EngineError, InvalidFieldError } from '../engine/errors.js'
import { principalOf } from './auth.js'
import type { JobQueue } from './job-queue.js'
import type { MatchRunner } from './match-service.js'
import { notFound } from './problem.js'
import { exists, type Entity } from './registry-queries.js'
import type { Role } from './roles.js'
import type { SubjectProtection } from './subject-protection.js'

/** What every registry route plugin is given by buildServer. */
export interface RouteDeps {
  readonly registry: Registry
  /** The server's clock (ISO 8601 UTC): token expiry, match time, default `at`. */
  readonly now: () => string
  readonly matchRunner: MatchRunner
  /** Match runs and replays wait here for a slot; buildServer passes one (one at a time), plugins fall back to their own. */
  readonly matchQueue?: JobQueue
  /** Filters lists for victim protection; buildServer passes one (path parameters are guarded by a hook). */
  readonly protection?: SubjectProtection
}

/** The user id recorded as the actor of a change: always the token's user, never a body field. */
export function actorOf (request: FastifyRequest): string {
  return principalOf(request).userId
}

/** OpenAPI text for a route: its summary and the roles it admits. */
export function doc (tag: string, summary: string, roles: readonly Role[], description?: string): { tags: string[], summary: string, description: string } {
  return { tags: [tag], summary, description: `${description === undefined ? '' : `${description}\n\n`}Roles: ${roles.join(', ')}.` }
}

/** 404 unless the resource named in the path exists. */
export function requireResource (registry: Registry, entity: Entity, id: string | number, label: string): void {
  if (!exists(registry, entity, id)) throw notFound(label, id)
}

/** A query-string instant, normalised to UTC; the error names `querystring.<name>`. */
export function queryInstant (value: string | undefined, name: string, fallback: () => string): string {
  if (value === undefined) return fallback()
  try {
    return requireInstant(value, name)
  } catch (error) {
    if (error instanceof EngineError) throw new InvalidFieldError(`querystring.${name}`, error.rule ?? error.message)
    /* c8 ignore next */
    throw error
  }
}

/** Drops keys whose value is undefined (exactOptionalPropertyTypes: absent and undefined differ). */
export function defined<T extends object> (value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> }
}

/**
 * Runs `fn`, renaming the fields of engine errors it raises: a repository names `at`, the caller
 * sent it as `querystring.at`.
 */
export function renamingFields<T> (fn: () => T, names: Readonly<Record<string, string>>): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof InvalidFieldError && error.field !== undefined && Object.hasOwn(names, error.field)) {
      throw new InvalidFieldError(names[error.field] as string, error.rule ?? error.message)
    }
    throw error
  }
}

/**
 * Domain objects are deeply readonly and spell optional fields `?: T | undefined`; the TypeBox
 * response types are mutable with `?: T`. The response schema, enforced by fast-json-stringify on
 * every reply (declared fields only, required ones present), is the contract; this only tells the
 * compiler so.
 */
export function asResponse (value: unknown): never {
  return value as never
}
