/**
 * The engine's error catalogue. Every failure has a stable `code` that clients and tests match on;
 * messages are for people and may change. Input errors name the field and the rule it broke.
 */
export class EngineError extends Error {
  override name = 'EngineError'
  readonly code: string = 'ENGINE_ERROR'
  /** Dotted path or JSON pointer of the offending input, when one input is to blame. */
  readonly field: string | undefined
  /** The rule that was broken, in words a caller can act on ("between 0.01 and 40 mg/dL"). */
  readonly rule: string | undefined

  constructor (message: string, options: { field?: string | undefined, rule?: string | undefined, cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.field = options.field
    this.rule = options.rule
  }
}

/** A required input is absent (undefined or null). */
export class MissingFieldError extends EngineError {
  override name = 'MissingFieldError'
  override readonly code = 'ENGINE_MISSING_FIELD'
  constructor (field: string, rule = 'is required') {
    super(`${field} ${rule}`, { field, rule })
  }
}

/** An input has the wrong type (a string where a number belongs, NaN, an unknown enum member). */
export class InvalidFieldError extends EngineError {
  override name = 'InvalidFieldError'
  override readonly code = 'ENGINE_INVALID_FIELD'
  constructor (field: string, rule: string) {
    super(`${field} ${rule}`, { field, rule })
  }
}

/** A number lies outside its physiological or documented range (often a sign of a wrong unit). */
export class OutOfRangeError extends EngineError {
  override name = 'OutOfRangeError'
  override readonly code = 'ENGINE_OUT_OF_RANGE'
  readonly min: number
  readonly max: number
  readonly unit: string
  readonly value: number
  constructor (field: string, value: number, min: number, max: number, unit: string) {
    const rule = `must be between ${min} and ${max}${unit ? ` ${unit}` : ''}`
    super(`${field} ${rule} (got ${value})`, { field, rule })
    this.min = min
    this.max = max
    this.unit = unit
    this.value = value
  }
}

/** A reference table (KDPI or EPTS mapping, scaling factors) is not known for the asked year or formula. */
export class UnknownReferenceTableError extends EngineError {
  override name = 'UnknownReferenceTableError'
  override readonly code = 'ENGINE_UNKNOWN_REFERENCE_TABLE'
  constructor (field: string, rule: string) {
    super(`${field} ${rule}`, { field, rule })
  }
}

/** A value is syntactically fine but names something that does not exist (an HLA antigen, a rule set). */
export class UnknownValueError extends EngineError {
  override name = 'UnknownValueError'
  override readonly code = 'ENGINE_UNKNOWN_VALUE'
  constructor (field: string, rule: string) {
    super(`${field} ${rule}`, { field, rule })
  }
}

/** One problem found while validating a policy document, located by JSON pointer. */
export interface PolicyIssue {
  /** JSON pointer into the policy document, e.g. `/components/2/attribute`. */
  path: string
  message: string
}

/** A policy document failed validation; `issues` lists every problem, each with its JSON path. */
export class PolicyValidationError extends EngineError {
  override name = 'PolicyValidationError'
  override readonly code = 'ENGINE_POLICY_INVALID'
  readonly issues: PolicyIssue[]
  constructor (issues: PolicyIssue[]) {
    const first = issues[0]
    super(
      first === undefined ? 'policy is invalid' : `policy is invalid at ${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
      { field: first?.path, rule: first?.message }
    )
    this.issues = issues
  }
}

/** A match run could not be carried out with the inputs given (e.g. organ and policy disagree). */
export class MatchRunError extends EngineError {
  override name = 'MatchRunError'
  override readonly code = 'ENGINE_MATCH_RUN_FAILED'
}

/** A worker thread failed while computing part of a match run. */
export class WorkerFailedError extends EngineError {
  override name = 'WorkerFailedError'
  override readonly code = 'ENGINE_WORKER_FAILED'
}

export function isEngineError (error: unknown): error is EngineError {
  return error instanceof EngineError
}
