import { isAboCompatible, type AboRuleSet } from '../clinical/abo-compatibility.js'
import { ABO_TYPES } from '../domain/abo.js'
import { InvalidFieldError } from '../errors.js'
import { regularizedBeta } from '../sim/statistics.js'
import { compilePolicy, type CompiledComponent, type CompiledPolicy } from './compile-policy.js'
import { analysePolicy } from './validate-policy.js'
import { ExpressionSyntaxError, parseExpression, type ExpressionNode } from './expression.js'
import type { PolicyScale } from './policy-schema.js'
import { lookupAttribute, protectedAttributeIn } from './vocabulary.js'

/**
 * The policy fairness lint: what each part of a policy reads, how many points each component can
 * move, which way the policy pushes each attribute, errors for protected or unknown attributes,
 * safety errors, the declared clinical uses of protected attributes inside derived scores (MELD 3.0's
 * sex term), and — given a sample of scored candidates — proxy warnings for components whose points
 * correlate with a protected attribute. Pure: the sample is gathered elsewhere (data/fairness).
 */

// ---------------------------------------------------------------------------------------------
// Documented ranges
// ---------------------------------------------------------------------------------------------

/** A numeric range; `values` lists every possible value when the set is small and known. */
export interface ValueRange {
  readonly lo: number
  readonly hi: number
  readonly values?: readonly number[] | undefined
}

const EARTH_HALF_CIRCUMFERENCE_NM = Math.PI * 3440.065

function interval (lo: number, hi: number): ValueRange {
  return { lo, hi }
}

function integers (lo: number, hi: number): ValueRange {
  return { lo, hi, values: Array.from({ length: hi - lo + 1 }, (_, i) => lo + i) }
}

const BOOLEAN: ValueRange = integers(0, 1)
const UNBOUNDED: ValueRange = interval(-Infinity, Infinity)

/**
 * The range of every numeric and boolean vocabulary attribute, as the engine's input checks accept
 * them (engine/match/snapshot.ts for candidates, engine/match/match-context.ts for donors): these are
 * the bounds the point ranges are computed over. Derived pair attributes follow from their inputs
 * (distance: at most half the earth's circumference; ratios: from the weight and height bounds).
 * `candidate.registeredAtDays` is not checked by the engine; 1900-01-01 to 2100-01-01 is assumed.
 */
export const ATTRIBUTE_RANGES: Readonly<Record<string, ValueRange>> = Object.freeze({
  'candidate.waitingDays': interval(0, 36_525),
  'candidate.dialysisDays': interval(0, 36_525),
  'candidate.cpraPercent': interval(0, 100),
  'candidate.vpraPercent': interval(0, 100),
  'candidate.mmpPercent': interval(0, 100),
  'candidate.meld': interval(6, 40),
  'candidate.peld': interval(-20, 100),
  'candidate.meldOrPeld': interval(-20, 100),
  'candidate.eptsPercent': interval(0, 100),
  'candidate.ageYears': interval(0, 120),
  'candidate.ageAtRegistrationYears': interval(0, 120),
  'candidate.paediatric': BOOLEAN,
  'candidate.priorLivingDonor': BOOLEAN,
  'candidate.heightCm': interval(20, 260),
  'candidate.weightKg': interval(0.3, 400),
  'candidate.registeredAtDays': interval(-25_567, 47_482),
  'candidate.ukRecipientRiskQuartile': integers(1, 4),
  'candidate.matchabilityScore': interval(1, 10),
  'candidate.waitlistSurvivalDays': interval(0, 365),
  'candidate.postTransplantSurvivalDays': interval(0, 1826),
  'donor.ageYears': interval(0, 120),
  'donor.kdpi': interval(0, 100),
  'donor.kdri': interval(0.1, 10),
  'donor.dcd': BOOLEAN,
  'donor.weightKg': interval(0.3, 400),
  'donor.heightCm': interval(20, 260),
  'donor.ukDonorRiskQuartile': integers(1, 4),
  'pair.mismatchA': integers(0, 2),
  'pair.mismatchB': integers(0, 2),
  'pair.mismatchDR': integers(0, 2),
  'pair.mismatchTotal': integers(0, 6),
  'pair.ukMismatchLevel': integers(1, 4),
  'pair.distanceNm': interval(0, EARTH_HALF_CIRCUMFERENCE_NM),
  'pair.sameCentre': BOOLEAN,
  'pair.sameRegion': BOOLEAN,
  'pair.sameCountry': BOOLEAN,
  'pair.ageDifferenceYears': interval(-120, 120),
  'pair.aboIdentical': BOOLEAN,
  'pair.weightRatio': interval(0.3 / 400, 400 / 0.3),
  'pair.heightRatio': interval(20 / 260, 260 / 20)
})

// ---------------------------------------------------------------------------------------------
// Range analysis (interval arithmetic with small exact value sets, narrowed inside if())
// ---------------------------------------------------------------------------------------------

/** Value sets larger than this are widened to their interval. */
const MAX_VALUES = 64

type Env = ReadonlyMap<string, ValueRange>

interface AnalysisContext {
  readonly urgencyClasses: readonly string[]
}

function fromValues (values: readonly number[]): ValueRange {
  const distinct = [...new Set(values)].sort((a, b) => a - b)
  if (distinct.length === 0 || distinct.some((v) => Number.isNaN(v))) return UNBOUNDED
  const lo = distinct[0] as number
  const hi = distinct[distinct.length - 1] as number
  return distinct.length <= MAX_VALUES && distinct.every(Number.isFinite) ? { lo, hi, values: distinct } : { lo, hi }
}

function point (value: number): ValueRange {
  return fromValues([value])
}

function hull (ranges: readonly ValueRange[]): ValueRange {
  if (ranges.every((r) => r.values !== undefined)) return fromValues(ranges.flatMap((r) => r.values as number[]))
  return { lo: Math.min(...ranges.map((r) => r.lo)), hi: Math.max(...ranges.map((r) => r.hi)) }
}

function safe (lo: number, hi: number): ValueRange {
  return Number.isNaN(lo) || Number.isNaN(hi) ? UNBOUNDED : { lo, hi }
}

function combineRanges (a: ValueRange, b: ValueRange, op: (x: number, y: number) => number, bounds: () => ValueRange): ValueRange {
  if (a.values !== undefined && b.values !== undefined && a.values.length * b.values.length <= MAX_VALUES * 4) {
    const out: number[] = []
    for (const x of a.values) for (const y of b.values) out.push(op(x, y))
    if (out.every(Number.isFinite)) return fromValues(out)
  }
  return bounds()
}

function corners (a: ValueRange, b: ValueRange, op: (x: number, y: number) => number): ValueRange {
  const values = [op(a.lo, b.lo), op(a.lo, b.hi), op(a.hi, b.lo), op(a.hi, b.hi)]
  return safe(Math.min(...values), Math.max(...values))
}

const ARITHMETIC: Readonly<Record<string, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b
}

const COMPARE: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b
}

function truthRange (canBeTrue: boolean, canBeFalse: boolean): ValueRange {
  return canBeTrue && canBeFalse ? BOOLEAN : point(canBeTrue ? 1 : 0)
}

function compareRanges (operator: string, a: ValueRange, b: ValueRange): ValueRange {
  const test = COMPARE[operator] as (x: number, y: number) => boolean
  if (a.values !== undefined && b.values !== undefined) {
    let canBeTrue = false
    let canBeFalse = false
    for (const x of a.values) for (const y of b.values) if (test(x, y)) canBeTrue = true; else canBeFalse = true
    return truthRange(canBeTrue, canBeFalse)
  }
  switch (operator) {
    case '<': return truthRange(a.lo < b.hi, a.hi >= b.lo)
    case '<=': return truthRange(a.lo <= b.hi, a.hi > b.lo)
    case '>': return truthRange(a.hi > b.lo, a.lo <= b.hi)
    case '>=': return truthRange(a.hi >= b.lo, a.lo < b.hi)
    case '==': return truthRange(a.lo <= b.hi && b.lo <= a.hi, !(a.lo === a.hi && b.lo === b.hi && a.lo === b.lo))
    default: return truthRange(!(a.lo === a.hi && b.lo === b.hi && a.lo === b.lo), a.lo <= b.hi && b.lo <= a.hi)
  }
}

function isCategoryNode (node: ExpressionNode): boolean {
  return node.kind === 'attribute' && lookupAttribute(node.name)?.type === 'category'
}

const FLIP: Readonly<Record<string, string>> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '==': '!=', '!=': '==' }
const MIRROR: Readonly<Record<string, string>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' }

/** The environment in which `condition` has the given truth value; undefined when it cannot. */
function narrow (condition: ExpressionNode, truth: boolean, env: Env, ctx: AnalysisContext): Env | undefined {
  switch (condition.kind) {
    case 'boolean': return condition.value === truth ? env : undefined
    case 'not': return narrow(condition.operand, !truth, env, ctx)
    case 'attribute': {
      const current = env.get(condition.name)
      if (current?.values === undefined || lookupAttribute(condition.name)?.type !== 'boolean') return env
      return restrict(env, condition.name, current, (v) => (v !== 0) === truth)
    }
    case 'binary': {
      const { operator, left, right } = condition
      if (operator === 'and' || operator === 'or') {
        if ((operator === 'and') !== truth) return env
        const first = narrow(left, truth, env, ctx)
        return first === undefined ? undefined : narrow(right, truth, first, ctx)
      }
      const op = truth ? operator : FLIP[operator]
      if (op === undefined) return env
      if (left.kind === 'attribute' && right.kind === 'number') return bound(env, left.name, op, right.value)
      if (right.kind === 'attribute' && left.kind === 'number') return bound(env, right.name, MIRROR[op] as string, left.value)
      return env
    }
    default: return env
  }
}

function restrict (env: Env, name: string, current: ValueRange, keep: (v: number) => boolean): Env | undefined {
  const values = (current.values ?? []).filter(keep)
  if (values.length === 0) return undefined
  return new Map(env).set(name, fromValues(values))
}

function bound (env: Env, name: string, operator: string, value: number): Env | undefined {
  const current = env.get(name)
  if (current === undefined) return env
  const test = COMPARE[operator] as (x: number, y: number) => boolean
  if (current.values !== undefined) return restrict(env, name, current, (v) => test(v, value))
  let { lo, hi } = current
  if (operator === '>' || operator === '>=') lo = Math.max(lo, value)
  else if (operator === '<' || operator === '<=') hi = Math.min(hi, value)
  else if (operator === '==') { lo = Math.max(lo, value); hi = Math.min(hi, value) }
  if (lo > hi || (lo === hi && !test(lo, value))) return undefined
  return new Map(env).set(name, { lo, hi })
}

/** The range of values an expression can take when its attributes range over `env`. */
function rangeOf (node: ExpressionNode, env: Env, ctx: AnalysisContext): ValueRange {
  switch (node.kind) {
    case 'number': return point(node.value)
    case 'boolean': return point(node.value ? 1 : 0)
    case 'text': return UNBOUNDED
    case 'attribute': return env.get(node.name) ?? UNBOUNDED
    case 'negate': {
      const r = rangeOf(node.operand, env, ctx)
      return r.values === undefined ? { lo: -r.hi, hi: -r.lo } : fromValues(r.values.map((v) => -v))
    }
    case 'not': {
      const r = rangeOf(node.operand, env, ctx)
      return truthRange(r.lo <= 0 && r.hi >= 0, r.hi > 0 || r.lo < 0)
    }
    case 'binary': {
      const { operator, left, right } = node
      if (operator === 'and' || operator === 'or') {
        const l = rangeOf(left, env, ctx)
        const r = rangeOf(right, env, ctx)
        const lTrue = l.hi > 0 || l.lo < 0
        const lFalse = l.lo <= 0 && l.hi >= 0
        const rTrue = r.hi > 0 || r.lo < 0
        const rFalse = r.lo <= 0 && r.hi >= 0
        return operator === 'and' ? truthRange(lTrue && rTrue, lFalse || rFalse) : truthRange(lTrue || rTrue, lFalse && rFalse)
      }
      if (isCategoryNode(left) || isCategoryNode(right) || left.kind === 'text' || right.kind === 'text') return BOOLEAN
      const l = rangeOf(left, env, ctx)
      const r = rangeOf(right, env, ctx)
      const arithmetic = ARITHMETIC[operator]
      if (arithmetic !== undefined) {
        return combineRanges(l, r, arithmetic, () => {
          switch (operator) {
            case '+': return safe(l.lo + r.lo, l.hi + r.hi)
            case '-': return safe(l.lo - r.hi, l.hi - r.lo)
            case '*': return corners(l, r, (a, b) => a === 0 || b === 0 ? 0 : a * b)
            default: return r.lo <= 0 && r.hi >= 0 ? UNBOUNDED : corners(l, r, (a, b) => a / b)
          }
        })
      }
      return compareRanges(operator, l, r)
    }
    case 'call': return callRange(node, env, ctx)
  }
}

function callRange (node: Extract<ExpressionNode, { kind: 'call' }>, env: Env, ctx: AnalysisContext): ValueRange {
  const arg = (k: number): ValueRange => rangeOf(node.args[k] as ExpressionNode, env, ctx)
  const unary = (f: (x: number) => number, increasing: boolean): ValueRange => {
    const r = arg(0)
    if (r.values !== undefined) return fromValues(r.values.map(f))
    return increasing ? safe(f(r.lo), f(r.hi)) : safe(f(r.hi), f(r.lo))
  }
  switch (node.name) {
    case 'known': return lookupAttribute((node.args[0] as { name: string }).name)?.optional === true ? BOOLEAN : point(1)
    case 'aboCompatible': return BOOLEAN
    case 'min': case 'max': {
      const parts = node.args.map((_, k) => arg(k))
      const pick = node.name === 'min' ? Math.min : Math.max
      if (parts.every((p) => p.values !== undefined) && parts.reduce((n, p) => n * (p.values as number[]).length, 1) <= MAX_VALUES * 4) {
        let values: number[] = [...(parts[0]?.values ?? [])]
        for (const p of parts.slice(1)) values = values.flatMap((a) => (p.values as number[]).map((b) => pick(a, b)))
        return fromValues(values)
      }
      return { lo: pick(...parts.map((p) => p.lo)), hi: pick(...parts.map((p) => p.hi)) }
    }
    case 'exp': return unary(Math.exp, true)
    case 'ln': {
      const r = arg(0)
      return r.lo <= 0 ? { lo: -Infinity, hi: r.hi <= 0 ? -Infinity : Math.log(r.hi) } : unary(Math.log, true)
    }
    case 'abs': {
      const r = arg(0)
      if (r.values !== undefined) return fromValues(r.values.map(Math.abs))
      if (r.lo >= 0) return r
      if (r.hi <= 0) return { lo: -r.hi, hi: -r.lo }
      return { lo: 0, hi: Math.max(-r.lo, r.hi) }
    }
    case 'cos': case 'sin': {
      const r = arg(0)
      const f = node.name === 'cos' ? Math.cos : Math.sin
      if (r.values !== undefined) return fromValues(r.values.map(f))
      return trigRange(f, r)
    }
    case 'pow': {
      const base = arg(0)
      const exponent = arg(1)
      return combineRanges(base, exponent, Math.pow, () => {
        if (base.lo >= 0) return corners(base, exponent, Math.pow)
        // A negative base is defined only for whole exponents: x^n is monotone for odd n, and for even
        // n falls to 0 where the base crosses zero.
        const n = exponent.lo
        if (exponent.hi !== n || !Number.isInteger(n)) return UNBOUNDED
        const ends = [Math.pow(base.lo, n), Math.pow(base.hi, n)]
        if (base.hi >= 0 && n > 0 && n % 2 === 0) ends.push(0)
        if (n < 0 && base.hi >= 0) return UNBOUNDED
        return safe(Math.min(...ends), Math.max(...ends))
      })
    }
    case 'if': {
      const condition = node.args[0] as ExpressionNode
      const c = rangeOf(condition, env, ctx)
      const whenTrue = c.hi > 0 || c.lo < 0 ? narrow(condition, true, env, ctx) : undefined
      const whenFalse = c.lo <= 0 && c.hi >= 0 ? narrow(condition, false, env, ctx) : undefined
      const branches: ValueRange[] = []
      if (whenTrue !== undefined) branches.push(rangeOf(node.args[1] as ExpressionNode, whenTrue, ctx))
      if (whenFalse !== undefined) branches.push(rangeOf(node.args[2] as ExpressionNode, whenFalse, ctx))
      return branches.length === 0 ? UNBOUNDED : hull(branches)
    }
  }
}

/** Range of cos or sin over an interval: the ends plus every extremum (multiples of π/2) inside. */
function trigRange (f: (x: number) => number, r: ValueRange): ValueRange {
  if (!Number.isFinite(r.lo) || !Number.isFinite(r.hi) || r.hi - r.lo >= 2 * Math.PI) return { lo: -1, hi: 1 }
  const values = [f(r.lo), f(r.hi)]
  for (let k = Math.ceil(r.lo / (Math.PI / 2)); k * (Math.PI / 2) <= r.hi; k++) values.push(f(k * Math.PI / 2))
  return { lo: Math.min(...values), hi: Math.max(...values) }
}

/** The values a category input can take: the policy's urgency classes, the ABO groups; undefined when open. */
function categoryDomain (node: ExpressionNode, ctx: AnalysisContext): readonly string[] | undefined {
  if (node.kind !== 'attribute') return undefined
  if (node.name === 'candidate.urgency') return ctx.urgencyClasses
  return lookupAttribute(node.name)?.categories
}

type Key = string | number | boolean

function keyMatches (key: Key, value: number | string): boolean {
  if (typeof key === 'boolean') return value === (key ? 1 : 0)
  return key === value
}

/** Indexes of the keys an input can hit, and whether it can also miss every key. */
function keysHit (keys: readonly Key[], input: ExpressionNode, env: Env, ctx: AnalysisContext): { hits: number[], misses: boolean } {
  if (isCategoryNode(input)) {
    const domain = categoryDomain(input, ctx)
    if (domain === undefined) return { hits: keys.map((_, k) => k), misses: true }
    const hits = keys.flatMap((key, k) => domain.some((v) => keyMatches(key, v)) ? [k] : [])
    return { hits, misses: domain.some((v) => !keys.some((key) => keyMatches(key, v))) }
  }
  const r = rangeOf(input, env, ctx)
  if (r.values !== undefined) {
    const values = r.values
    return {
      hits: keys.flatMap((key, k) => values.some((v) => keyMatches(key, v)) ? [k] : []),
      misses: values.some((v) => !keys.some((key) => keyMatches(key, v)))
    }
  }
  const hits = keys.flatMap((key, k) => typeof key === 'number' && key >= r.lo && key <= r.hi ? [k] : [])
  return { hits, misses: r.lo < r.hi || hits.length === 0 }
}

function stepsRating (scale: Extract<PolicyScale, { kind: 'steps' }>, x: number): number {
  let rating = scale.below
  for (const step of scale.steps) if (x >= step.atLeast) rating = step.value
  return rating
}

function piecewiseRating (scale: Extract<PolicyScale, { kind: 'piecewise-linear' }>, x: number): number {
  const points = scale.points
  const first = points[0] as { at: number, value: number }
  const last = points[points.length - 1] as { at: number, value: number }
  if (x <= first.at) return first.value
  if (x >= last.at) return last.value
  let k = 1
  while (x > (points[k] as { at: number }).at) k++
  const a = points[k - 1] as { at: number, value: number }
  const b = points[k] as { at: number, value: number }
  return a.value + (b.value - a.value) * (x - a.at) / (b.at - a.at)
}

function exponentialRating (scale: Extract<PolicyScale, { kind: 'exponential' }>, x: number): number {
  const u = Math.min(1, Math.max(0, (x - scale.from) / (scale.to - scale.from)))
  return (Math.pow(scale.base, u) - 1) / (scale.base - 1)
}

/** The range of a component's rating (before its weight) over the environment. */
function ratingRange (component: CompiledComponent, env: Env, ctx: AnalysisContext): ValueRange {
  const scale = component.scale
  const input = component.input?.ast
  switch (scale.kind) {
    case 'linear': {
      const rate = (x: number): number => Math.min(scale.max ?? Infinity, Math.max(scale.min ?? -Infinity, (scale.intercept ?? 0) + scale.slope * x))
      const r = rangeOf(input as ExpressionNode, env, ctx)
      if (r.values !== undefined) return fromValues(r.values.map(rate))
      return safe(Math.min(rate(r.lo), rate(r.hi)), Math.max(rate(r.lo), rate(r.hi)))
    }
    case 'steps': case 'piecewise-linear': case 'exponential': {
      const rate = (x: number): number => scale.kind === 'steps' ? stepsRating(scale, x) : scale.kind === 'piecewise-linear' ? piecewiseRating(scale, x) : exponentialRating(scale, x)
      const r = rangeOf(input as ExpressionNode, env, ctx)
      if (r.values !== undefined) return fromValues(r.values.map(rate))
      const knots = scale.kind === 'steps' ? scale.steps.map((s) => s.atLeast) : scale.kind === 'piecewise-linear' ? scale.points.map((p) => p.at) : []
      const inside = knots.filter((k) => k > r.lo && k < r.hi)
      const ends = [r.lo, r.hi].map((x) => Number.isFinite(x) ? rate(x) : rate(x === Infinity ? Number.MAX_VALUE : -Number.MAX_VALUE))
      return fromValues([...ends, ...inside.map(rate)])
    }
    case 'lookup': {
      const { hits, misses } = keysHit(scale.entries.map((e) => e.key), input as ExpressionNode, env, ctx)
      return fromValues([...hits.map((k) => (scale.entries[k] as { value: number }).value), ...(misses ? [scale.otherwise] : [])])
    }
    case 'matrix': {
      const rows = keysHit(scale.rows.keys, component.rows?.ast as ExpressionNode, env, ctx)
      const columns = keysHit(scale.columns.keys, component.columns?.ast as ExpressionNode, env, ctx)
      const values = rows.hits.flatMap((r) => columns.hits.map((c) => scale.values[r]?.[c] ?? scale.otherwise))
      return fromValues([...values, ...(rows.misses || columns.misses ? [scale.otherwise] : [])])
    }
    case 'formula': return rangeOf(component.formula?.ast as ExpressionNode, env, ctx)
  }
}

function defaultEnv (): Env {
  return new Map(Object.entries(ATTRIBUTE_RANGES))
}

/** Pieces each continuous attribute's range is cut into when a component reads one or two of them. */
const SUBDIVISIONS: Readonly<Record<number, number>> = { 1: 512, 2: 32 }

/**
 * The rating range refined by subdivision: interval arithmetic loses precision when a formula reads
 * one attribute several times (1 − (6.3·d + …)/c), so the continuous attributes' ranges are cut into
 * pieces and the (sound) range of each piece is joined. Still a bound, much closer to the true range.
 */
function refinedRatingRange (component: CompiledComponent, ctx: AnalysisContext): ValueRange {
  const env = defaultEnv()
  const continuous = component.reads.filter((name) => {
    const r = env.get(name)
    return r !== undefined && r.values === undefined && Number.isFinite(r.lo) && Number.isFinite(r.hi) && r.hi > r.lo
  })
  const pieces = SUBDIVISIONS[continuous.length]
  if (pieces === undefined) return ratingRange(component, env, ctx)
  const cuts = (name: string): number[] => {
    const r = env.get(name) as ValueRange
    return Array.from({ length: pieces + 1 }, (_, k) => r.lo + (r.hi - r.lo) * k / pieces)
  }
  let boxes: Env[] = [env]
  for (const name of continuous) {
    const edges = cuts(name)
    boxes = boxes.flatMap((box) => edges.slice(1).map((hi, k) => new Map(box).set(name, { lo: edges[k] as number, hi })))
  }
  return hull(boxes.map((box) => ratingRange(component, box, ctx)))
}

/** The range of weight × rating of one component over the documented attribute ranges. */
export function componentPointRange (policy: CompiledPolicy, componentName: string): ValueRange {
  const component = policy.components.find((c) => c.name === componentName)
  if (component === undefined) throw new InvalidFieldError('componentName', `must name a component of ${policy.id} (${policy.components.map((c) => c.name).join(', ')})`)
  const rating = refinedRatingRange(component, { urgencyClasses: policy.urgencyClasses })
  const w = component.weight
  if (rating.values !== undefined) return fromValues(rating.values.map((v) => w * v))
  return w >= 0 ? safe(w * rating.lo, w * rating.hi) : safe(w * rating.hi, w * rating.lo)
}

// ---------------------------------------------------------------------------------------------
// Direction analysis: how a change of a candidate's values moves each part of the policy
// ---------------------------------------------------------------------------------------------

/**
 * How a part of a policy responds to a change: `higher` never worse for the candidate (more points,
 * an earlier tier, a better tie-break, wider eligibility), `lower` never better, `none` unaffected,
 * `mixed` when the analysis cannot tell (it is conservative: `mixed` may hide a monotone part).
 */
export type Direction = 'higher' | 'lower' | 'none' | 'mixed'

/** Internal sign: 1 non-decreasing, -1 non-increasing, 0 unchanged, 2 unknown. */
type Sign = 1 | -1 | 0 | 2

/**
 * A change to one candidate. `numeric`: some attributes increase (1) or decrease (-1) together, e.g.
 * a taller candidate has a larger `candidate.heightCm` and a smaller `pair.heightRatio`. `category`:
 * the candidate's value of a category attribute (urgency) changes from one class to another.
 */
export type AttributeChange =
  | { readonly kind: 'numeric', readonly signs: Readonly<Record<string, 1 | -1>> }
  | { readonly kind: 'category', readonly attribute: string, readonly from: string, readonly to: string }

function plus (a: Sign, b: Sign): Sign {
  if (a === 0) return b
  if (b === 0 || a === b) return a
  return 2
}

function flip (a: Sign): Sign {
  return a === 1 ? -1 : a === -1 ? 1 : a
}

function compose (inner: Sign, outer: Sign): Sign {
  if (inner === 0 || outer === 0) return 0
  if (inner === 2 || outer === 2) return 2
  return (inner * outer) as Sign
}

function signOf (x: number): Sign {
  return x > 0 ? 1 : x < 0 ? -1 : 0
}

/** Whether a sequence of ratings, in increasing order of input, rises, falls, is flat or both. */
function sequenceSign (values: readonly number[]): Sign {
  let up = false
  let down = false
  for (let k = 1; k < values.length; k++) {
    if ((values[k] as number) > (values[k - 1] as number)) up = true
    if ((values[k] as number) < (values[k - 1] as number)) down = true
  }
  return up && down ? 2 : up ? 1 : down ? -1 : 0
}

function fromSign (sign: Sign): Direction {
  return sign === 1 ? 'higher' : sign === -1 ? 'lower' : sign === 0 ? 'none' : 'mixed'
}

function stripPositions (node: ExpressionNode): unknown {
  return JSON.stringify(node, (key, value: unknown) => key === 'at' ? undefined : value)
}

function sameTree (a: ExpressionNode, b: ExpressionNode): boolean {
  return stripPositions(a) === stripPositions(b)
}

function chain (node: ExpressionNode, operator: 'and' | 'or'): ExpressionNode[] {
  return node.kind === 'binary' && node.operator === operator ? [...chain(node.left, operator), ...chain(node.right, operator)] : [node]
}

/** `x op c` with a numeric constant on the right (or mirrored from the left); undefined otherwise. */
function bound1 (node: ExpressionNode): { subject: ExpressionNode, operator: string, value: number } | undefined {
  if (node.kind !== 'binary' || !['<', '<=', '>', '>='].includes(node.operator)) return undefined
  if (node.right.kind === 'number' && node.left.kind !== 'number') return { subject: node.left, operator: node.operator, value: node.right.value }
  if (node.left.kind === 'number' && node.right.kind !== 'number') return { subject: node.right, operator: MIRROR[node.operator] as string, value: node.left.value }
  return undefined
}

/**
 * True when `premise` certainly implies `conclusion`, by structure: equal trees, conjunctions and
 * disjunctions taken apart, and bounds on the same expression (d <= 250 implies d <= 500). False
 * means "not shown", not "does not imply".
 */
function implies (premise: ExpressionNode, conclusion: ExpressionNode): boolean {
  if ((conclusion.kind === 'boolean' && conclusion.value) || (premise.kind === 'boolean' && !premise.value)) return true
  if (sameTree(premise, conclusion)) return true
  const conclusionAll = chain(conclusion, 'and')
  if (conclusionAll.length > 1) return conclusionAll.every((c) => implies(premise, c))
  const premiseAny = chain(premise, 'or')
  if (premiseAny.length > 1) return premiseAny.every((p) => implies(p, conclusion))
  const conclusionAny = chain(conclusion, 'or')
  if (conclusionAny.length > 1 && conclusionAny.some((c) => implies(premise, c))) return true
  const premiseAll = chain(premise, 'and')
  if (premiseAll.length > 1) return premiseAll.some((p) => implies(p, conclusion))
  const p = bound1(premise)
  const c = bound1(conclusion)
  if (p === undefined || c === undefined || !sameTree(p.subject, c.subject)) return false
  const upper = (op: string): boolean => op === '<' || op === '<='
  if (upper(p.operator) !== upper(c.operator)) return false
  if (p.value === c.value) return p.operator === c.operator || (upper(p.operator) ? p.operator === '<' : p.operator === '>')
  return upper(p.operator) ? p.value < c.value : p.value > c.value
}

/**
 * Replaces comparisons of the changed category attribute with their truth value for `value`, then
 * folds constants, so that the expression before and after a category change can be compared.
 */
function substitute (node: ExpressionNode, attribute: string, value: string): ExpressionNode {
  const s = (n: ExpressionNode): ExpressionNode => substitute(n, attribute, value)
  switch (node.kind) {
    case 'negate': {
      const operand = s(node.operand)
      return operand.kind === 'number' ? { kind: 'number', value: -operand.value, at: node.at } : { ...node, operand }
    }
    case 'not': {
      const operand = s(node.operand)
      return operand.kind === 'boolean' ? { kind: 'boolean', value: !operand.value, at: node.at } : { ...node, operand }
    }
    case 'binary': {
      const { operator } = node
      if ((operator === '==' || operator === '!=') && (node.left.kind === 'text' || node.right.kind === 'text')) {
        const [attr, text] = node.left.kind === 'text' ? [node.right, node.left] : [node.left, node.right]
        if (attr.kind === 'attribute' && attr.name === attribute && text.kind === 'text') {
          return { kind: 'boolean', value: (text.value === value) === (operator === '=='), at: node.at }
        }
        return node
      }
      const left = s(node.left)
      const right = s(node.right)
      if (operator === 'and' || operator === 'or') {
        const absorbing = operator === 'or'
        if (left.kind === 'boolean') return left.value === absorbing ? left : right
        if (right.kind === 'boolean') return right.value === absorbing ? right : left
        return { ...node, left, right }
      }
      if (left.kind === 'number' && right.kind === 'number') {
        const arithmetic = ARITHMETIC[operator]
        if (arithmetic !== undefined) return { kind: 'number', value: arithmetic(left.value, right.value), at: node.at }
        return { kind: 'boolean', value: (COMPARE[operator] as (a: number, b: number) => boolean)(left.value, right.value), at: node.at }
      }
      return { ...node, left, right }
    }
    case 'call': {
      const args = node.args.map(s)
      const condition = args[0]
      if (node.name === 'if' && condition?.kind === 'boolean') return (condition.value ? args[1] : args[2]) as ExpressionNode
      return { ...node, args }
    }
    default: return node
  }
}

interface DiffContext extends AnalysisContext {
  readonly change: AttributeChange
  readonly env: Env
}

/** Whether `after` is never below `before` (1), never above (-1), equal (0) or unknown (2). */
function diff (before: ExpressionNode, after: ExpressionNode, ctx: DiffContext): Sign {
  if (before.kind === 'number' && after.kind === 'number') return signOf(after.value - before.value)
  if (before.kind === 'boolean' && after.kind === 'boolean') return signOf(Number(after.value) - Number(before.value))
  if (before.kind === 'text' && after.kind === 'text') return before.value === after.value ? 0 : 2
  if (before.kind === 'attribute' && after.kind === 'attribute' && before.name === after.name) {
    // A numeric change moves numbers and booleans; a category keeps its value.
    if (ctx.change.kind === 'numeric') return isCategoryNode(before) ? 0 : ctx.change.signs[before.name] ?? 0
    return before.name === ctx.change.attribute ? 2 : 0
  }
  if (before.kind === 'negate' && after.kind === 'negate') return flip(diff(before.operand, after.operand, ctx))
  if (before.kind === 'not' && after.kind === 'not') return flip(diff(before.operand, after.operand, ctx))
  if (before.kind === 'binary' && after.kind === 'binary' && before.operator === after.operator) return binaryDiff(before, after, ctx)
  if (before.kind === 'call' && after.kind === 'call' && before.name === after.name && before.args.length === after.args.length) return callDiff(before, after, ctx)
  return rangeDiff(before, after, ctx)
}

/** Two expressions of different shape: compare their ranges. */
function rangeDiff (before: ExpressionNode, after: ExpressionNode, ctx: DiffContext): Sign {
  const b = rangeOf(before, ctx.env, ctx)
  const a = rangeOf(after, ctx.env, ctx)
  if (a.lo === a.hi && b.lo === b.hi && a.lo === b.lo) return 0
  if (a.lo >= b.hi) return 1
  if (a.hi <= b.lo) return -1
  return 2
}

function nonNegative (node: ExpressionNode, ctx: DiffContext): boolean {
  return rangeOf(node, ctx.env, ctx).lo >= 0
}

function nonPositive (node: ExpressionNode, ctx: DiffContext): boolean {
  return rangeOf(node, ctx.env, ctx).hi <= 0
}

function binaryDiff (before: Extract<ExpressionNode, { kind: 'binary' }>, after: Extract<ExpressionNode, { kind: 'binary' }>, ctx: DiffContext): Sign {
  const dl = diff(before.left, after.left, ctx)
  const dr = diff(before.right, after.right, ctx)
  switch (before.operator) {
    case '+': case 'and': case 'or': return plus(dl, dr)
    case '-': return plus(dl, flip(dr))
    case '>': case '>=': return plus(dl, flip(dr))
    case '<': case '<=': return flip(plus(dl, flip(dr)))
    case '==': case '!=': return dl === 0 && dr === 0 ? 0 : 2
    case '*': {
      if (dr === 0) return nonNegative(before.right, ctx) ? dl : nonPositive(before.right, ctx) ? flip(dl) : dl === 0 ? 0 : 2
      if (dl === 0) return nonNegative(before.left, ctx) ? dr : nonPositive(before.left, ctx) ? flip(dr) : 2
      const allNonNegative = [before.left, before.right, after.left, after.right].every((n) => nonNegative(n, ctx))
      return allNonNegative && dl === dr ? dl : 2
    }
    default: {
      // Division: a varying numerator over a constant positive (or negative) denominator, or a constant
      // numerator over a denominator that never crosses zero.
      const denominator = rangeOf(before.right, ctx.env, ctx)
      if (dr === 0) return denominator.lo > 0 ? dl : denominator.hi < 0 ? flip(dl) : dl === 0 ? 0 : 2
      if (dl === 0) {
        const denominatorAfter = rangeOf(after.right, ctx.env, ctx)
        const crossesZero = (r: ValueRange): boolean => r.lo <= 0 && r.hi >= 0
        if (crossesZero(denominator) || crossesZero(denominatorAfter) || (denominator.lo > 0) !== (denominatorAfter.lo > 0)) return 2
        return nonNegative(before.left, ctx) ? flip(dr) : nonPositive(before.left, ctx) ? dr : 2
      }
      return 2
    }
  }
}

function callDiff (before: Extract<ExpressionNode, { kind: 'call' }>, after: Extract<ExpressionNode, { kind: 'call' }>, ctx: DiffContext): Sign {
  const d = (k: number): Sign => diff(before.args[k] as ExpressionNode, after.args[k] as ExpressionNode, ctx)
  switch (before.name) {
    case 'known': case 'aboCompatible': return 0
    case 'min': case 'max': return before.args.reduce<Sign>((sign, _, k) => plus(sign, d(k)), 0)
    case 'exp': case 'ln': return d(0)
    case 'abs': {
      const sign = d(0)
      if (sign === 0) return 0
      const arg = before.args[0] as ExpressionNode
      const argAfter = after.args[0] as ExpressionNode
      if (nonNegative(arg, ctx) && nonNegative(argAfter, ctx)) return sign
      if (nonPositive(arg, ctx) && nonPositive(argAfter, ctx)) return flip(sign)
      return 2
    }
    case 'cos': case 'sin': return d(0) === 0 ? 0 : 2
    case 'pow': {
      const db = d(0)
      const de = d(1)
      const base = rangeOf(before.args[0] as ExpressionNode, ctx.env, ctx)
      const exponent = rangeOf(before.args[1] as ExpressionNode, ctx.env, ctx)
      if (db === 0 && de === 0) return 0
      if (de === 0 && base.lo >= 0) return exponent.lo >= 0 ? db : exponent.hi <= 0 ? flip(db) : 2
      if (db === 0 && base.lo >= 1) return de
      if (db === 0 && base.lo >= 0 && base.hi <= 1) return flip(de)
      return 2
    }
    default: {
      // if(condition, whenTrue, whenFalse)
      const dc = d(0)
      const dx = d(1)
      const dy = d(2)
      const branches = plus(dx, dy)
      if (dc === 0) return branches
      const condition = before.args[0] as ExpressionNode
      const whenTrue = narrow(condition, true, ctx.env, ctx)
      const whenFalse = narrow(condition, false, ctx.env, ctx)
      if (whenTrue === undefined || whenFalse === undefined) return branches
      const x = rangeOf(before.args[1] as ExpressionNode, whenTrue, ctx)
      const y = rangeOf(before.args[2] as ExpressionNode, whenFalse, ctx)
      if (x.lo >= y.hi) return plus(dc, branches)
      if (x.hi <= y.lo) return plus(flip(dc), branches)
      return 2
    }
  }
}

type ScaleInputs = { input?: ExpressionNode | undefined, rows?: ExpressionNode | undefined, columns?: ExpressionNode | undefined, formula?: ExpressionNode | undefined }

function inputsOf (component: CompiledComponent, change: AttributeChange, side: 'before' | 'after'): ScaleInputs {
  const pick = (node: ExpressionNode | undefined): ExpressionNode | undefined => {
    if (node === undefined || change.kind === 'numeric') return node
    return substitute(node, change.attribute, side === 'before' ? change.from : change.to)
  }
  return { input: pick(component.input?.ast), rows: pick(component.rows?.ast), columns: pick(component.columns?.ast), formula: pick(component.formula?.ast) }
}

function isChangedCategory (node: ExpressionNode | undefined, change: AttributeChange): node is Extract<ExpressionNode, { kind: 'attribute' }> {
  return change.kind === 'category' && node?.kind === 'attribute' && node.name === change.attribute
}

/** Index of the key a value hits, or -1. */
function keyIndexOf (keys: readonly Key[], value: number | string): number {
  return keys.findIndex((key) => keyMatches(key, value))
}

/** The ordered values an axis input can take, or undefined when they are not a small known set. */
function axisValues (node: ExpressionNode, ctx: DiffContext): readonly number[] | undefined {
  return rangeOf(node, ctx.env, ctx).values
}

function lookupDiff (scale: Extract<PolicyScale, { kind: 'lookup' }>, before: ExpressionNode, after: ExpressionNode, ctx: DiffContext): Sign {
  const rate = (value: number | string): number => {
    const k = keyIndexOf(scale.entries.map((e) => e.key), value)
    return k < 0 ? scale.otherwise : (scale.entries[k] as { value: number }).value
  }
  const change = ctx.change
  if (change.kind === 'category' && isChangedCategory(before, change)) return signOf(rate(change.to) - rate(change.from))
  const d = diff(before, after, ctx)
  if (d === 0) return 0
  const values = axisValues(before, ctx)
  if (values !== undefined) return compose(d, sequenceSign(values.map(rate)))
  return scale.entries.every((e) => e.value === scale.otherwise) ? 0 : 2
}

function matrixDiff (scale: Extract<PolicyScale, { kind: 'matrix' }>, before: ScaleInputs, after: ScaleInputs, ctx: DiffContext): Sign {
  const rowsB = before.rows as ExpressionNode
  const colsB = before.columns as ExpressionNode
  const change = ctx.change
  const rowCategory = isChangedCategory(rowsB, change)
  const colCategory = isChangedCategory(colsB, change)
  const dr = rowCategory ? 2 : diff(rowsB, after.rows as ExpressionNode, ctx)
  const dc = colCategory ? 2 : diff(colsB, after.columns as ExpressionNode, ctx)
  if (dr === 0 && dc === 0) return 0
  if (dr !== 0 && dc !== 0) return 2
  const rowsVary = dr !== 0
  const varying = rowsVary ? scale.rows : scale.columns
  const fixed = rowsVary ? scale.columns : scale.rows
  const varyingNode = rowsVary ? rowsB : colsB
  const rate = (v: number, f: number): number => {
    const [r, c] = rowsVary ? [v, f] : [f, v]
    return r < 0 || c < 0 ? scale.otherwise : scale.values[r]?.[c] ?? scale.otherwise
  }
  // Every value the fixed axis can take: each key, and "not listed" (-1).
  const fixedIndexes = [...fixed.keys.map((_, k) => k), -1]
  if (rowCategory || colCategory) {
    const from = keyIndexOf(varying.keys, (change as { from: string }).from)
    const to = keyIndexOf(varying.keys, (change as { to: string }).to)
    return fixedIndexes.reduce<Sign>((sign, f) => plus(sign, signOf(rate(to, f) - rate(from, f))), 0)
  }
  const values = axisValues(varyingNode, ctx)
  if (values === undefined) return 2
  const d = rowsVary ? dr : dc
  const indexes = values.map((v) => keyIndexOf(varying.keys, v))
  return fixedIndexes.reduce<Sign>((sign, f) => plus(sign, compose(d, sequenceSign(indexes.map((v) => rate(v, f))))), 0)
}

function componentDiff (component: CompiledComponent, ctx: DiffContext): Sign {
  const before = inputsOf(component, ctx.change, 'before')
  const after = inputsOf(component, ctx.change, 'after')
  const scale = component.scale
  let rating: Sign
  switch (scale.kind) {
    case 'linear': rating = compose(diff(before.input as ExpressionNode, after.input as ExpressionNode, ctx), signOf(scale.slope)); break
    case 'steps': rating = compose(diff(before.input as ExpressionNode, after.input as ExpressionNode, ctx), sequenceSign([scale.below, ...scale.steps.map((s) => s.value)])); break
    case 'piecewise-linear': rating = compose(diff(before.input as ExpressionNode, after.input as ExpressionNode, ctx), sequenceSign(scale.points.map((p) => p.value))); break
    // The exponential rating rises with u whatever the base; u rises with the input when to > from.
    case 'exponential': rating = compose(diff(before.input as ExpressionNode, after.input as ExpressionNode, ctx), signOf(scale.to - scale.from)); break
    case 'lookup': rating = lookupDiff(scale, before.input as ExpressionNode, after.input as ExpressionNode, ctx); break
    case 'matrix': rating = matrixDiff(scale, before, after, ctx); break
    case 'formula': rating = diff(before.formula as ExpressionNode, after.formula as ExpressionNode, ctx); break
  }
  return compose(rating, signOf(component.weight))
}

function expressionDiff (node: ExpressionNode, ctx: DiffContext): Sign {
  const change = ctx.change
  if (change.kind === 'numeric') return diff(node, node, ctx)
  return diff(substitute(node, change.attribute, change.from), substitute(node, change.attribute, change.to), ctx)
}

function sides (node: ExpressionNode, change: AttributeChange): { before: ExpressionNode, after: ExpressionNode } {
  if (change.kind === 'numeric') return { before: node, after: node }
  return { before: substitute(node, change.attribute, change.from), after: substitute(node, change.attribute, change.to) }
}

/**
 * Tier assignment is first-match, so it can only improve when every tier that may stop applying is
 * covered by an earlier (or the same) tier that certainly applies after the change: the same tier's
 * condition rising, or an earlier tier whose condition after the change is implied by this tier's
 * condition before it (status 3 within 250 NM → status 2 within 500 NM). Conservative: anything
 * else is `mixed`.
 */
function tierDiff (policy: CompiledPolicy, ctx: DiffContext): { sign: Sign, strict: boolean } {
  const tiers = policy.tiers.map((t) => ({ ...sides(t.when.ast, ctx.change), sign: expressionDiff(t.when.ast, ctx) }))
  // Strictly better: whatever tier applied before, an earlier one certainly applies after.
  const strict = tiers.every((tier, k) => tiers.slice(0, k).some((earlier) => implies(tier.before, earlier.after)) ||
    (tier.before.kind === 'boolean' && !tier.before.value))
  if (strict && tiers.some((t) => t.sign !== 0)) return { sign: 1, strict }
  if (tiers.every((t) => t.sign === 0)) return { sign: 0, strict: false }
  const covered = (direction: 1 | -1): boolean => tiers.every((tier, k) => {
    if (tier.sign === 0 || tier.sign === direction) return true
    const leaving = direction === 1 ? tier.before : tier.after
    return tiers.slice(0, k).some((earlier) => implies(leaving, direction === 1 ? earlier.after : earlier.before))
  })
  if (covered(1)) return { sign: 1, strict: false }
  if (covered(-1)) return { sign: -1, strict: false }
  return { sign: 2, strict: false }
}

/** True when an exception's rule set allows every pair the base rule set allows, or is guarded by `not aboCompatible(base)`. */
function widensBase (base: AboRuleSet, exception: AboRuleSet, when: ExpressionNode): boolean {
  const conjuncts = (n: ExpressionNode): ExpressionNode[] => n.kind === 'binary' && n.operator === 'and' ? [...conjuncts(n.left), ...conjuncts(n.right)] : [n]
  const guarded = conjuncts(when).some((n) => n.kind === 'not' && n.operand.kind === 'call' && n.operand.name === 'aboCompatible' &&
    n.operand.args[0]?.kind === 'text' && n.operand.args[0].value === base)
  if (guarded) return true
  return ABO_TYPES.every((d) => ABO_TYPES.every((c) => [false, true].every((a2) => !isAboCompatible(base, d, c, a2) || isAboCompatible(exception, d, c, a2))))
}

function aboDiff (policy: CompiledPolicy, ctx: DiffContext): Sign {
  const base = policy.eligibility.aboRuleSet
  const exceptions = policy.eligibility.aboExceptions.map((e) => ({ sign: expressionDiff(e.when.ast, ctx), widening: widensBase(base, e.ruleSet, e.when.ast), ruleSet: e.ruleSet }))
  const moving = exceptions.filter((e) => e.sign !== 0)
  if (moving.length === 0) return 0
  if (new Set(exceptions.map((e) => e.ruleSet)).size > 1 && moving.length > 1) return 2
  return moving.reduce<Sign>((sign, e) => plus(sign, e.widening ? e.sign : 2), 0)
}

export interface DirectionPart {
  /** `tiers`, `eligibility.abo`, `eligibility.rules.<id>`, `components.<name>` or `tieBreakers.<name>`. */
  readonly part: string
  readonly direction: Direction
}

export interface ChangeDirection {
  readonly direction: Direction
  readonly parts: readonly DirectionPart[]
  /** The change certainly moves the candidate to an earlier tier, so points and tie-breakers cannot undo it. */
  readonly strictTierImprovement: boolean
}

/**
 * Which way a change of one candidate's values moves their place under a policy, by a static analysis
 * of every part that decides the order: eligibility rules (holding more often is better), ABO
 * exceptions (widening exceptions applying more often is better), tiers (first match, earlier is
 * better), points (more is better) and tie-breakers (in their declared order). The whole policy is
 * `higher` only when no part can move the other way: then the candidate's sort key can only improve
 * and, every other candidate being unchanged, their rank can only improve. Sound but conservative.
 */
export function changeDirection (policy: CompiledPolicy, change: AttributeChange): ChangeDirection {
  const ctx: DiffContext = { change, env: defaultEnv(), urgencyClasses: policy.urgencyClasses }
  const tiers = tierDiff(policy, ctx)
  const eligibility: Array<{ part: string, sign: Sign }> = [
    ...policy.eligibility.rules.map((r) => ({ part: `eligibility.rules.${r.id}`, sign: expressionDiff(r.require.ast, ctx) })),
    { part: 'eligibility.abo', sign: aboDiff(policy, ctx) },
    { part: 'tiers', sign: tiers.sign }
  ]
  const ordering: Array<{ part: string, sign: Sign }> = [
    ...policy.components.map((c) => ({ part: `components.${c.name}`, sign: componentDiff(c, ctx) })),
    ...policy.tieBreakers.map((t) => ({ part: `tieBreakers.${t.name}`, sign: compose(expressionDiff(t.input.ast, ctx), t.order === 'desc' ? 1 : -1) }))
  ]
  // Tiers outrank points: a certain move to an earlier tier decides the order whatever the points do.
  const deciding = tiers.strict ? eligibility : [...eligibility, ...ordering]
  const overall = deciding.reduce<Sign>((sign, p) => plus(sign, p.sign), 0)
  return { direction: fromSign(overall), parts: [...eligibility, ...ordering].map((p) => ({ part: p.part, direction: fromSign(p.sign) })), strictTierImprovement: tiers.strict }
}

// ---------------------------------------------------------------------------------------------
// Clinical uses of protected attributes, and known proxy mechanisms
// ---------------------------------------------------------------------------------------------

/** A derived score the registry computes at its boundary whose formula involves a protected attribute. */
export interface ClinicalUse {
  readonly attribute: string
  readonly protectedAttribute: string
  /** `uses`: the formula reads it; `removed`: the current formula no longer does, an older one did. */
  readonly use: 'uses' | 'removed'
  readonly formula: string
  readonly justification: string
  readonly source: string
}

const MELD3_USE = {
  protectedAttribute: 'sex',
  use: 'uses',
  formula: 'MELD 3.0 adds 1.33 points for adult women (candidates 12-17 get the female intercept whatever their sex)',
  justification: 'Serum creatinine, a MELD input, under-estimates kidney dysfunction in women (lower muscle mass), so MELD and MELD-Na under-ranked women, who had higher waiting-list mortality at the same score; the term corrects the measurement, it does not prefer a sex.',
  source: 'Kim et al., MELD 3.0, Gastroenterology 2021;161:1887; OPTN Policy 9 (MELD 3.0 in use since July 2023)'
} as const

/**
 * Derived attributes whose formula involves a protected attribute, with the clinical justification:
 * listed by the lint whenever a policy reads one. The values arrive precomputed from the registry;
 * the engine never sees the protected attribute itself.
 */
export const CLINICAL_USES: readonly ClinicalUse[] = Object.freeze([
  { attribute: 'candidate.meld', ...MELD3_USE },
  { attribute: 'candidate.meldOrPeld', ...MELD3_USE },
  {
    attribute: 'candidate.peld',
    protectedAttribute: 'sex',
    use: 'uses',
    formula: 'PELD 2002 counts growth failure: height or weight below -2 SD of the sex- and age-specific growth chart',
    justification: 'Growth failure marks disease severity in children; growth is measured against the norms of the child\'s own sex because boys and girls grow differently.',
    source: 'McDiarmid et al., PELD, Transplantation 2002;74:173'
  },
  {
    attribute: 'donor.ukDonorRiskQuartile',
    protectedAttribute: 'sex',
    use: 'uses',
    formula: 'UK kidney donor risk index: -0.184 for a female donor',
    justification: 'Donor sex is associated with graft survival in the UK model; it describes the organ, and ranks no candidate by the candidate\'s own sex.',
    source: 'Watson et al., UK kidney donor risk index, Am J Transplant 2012; NHSBT POL186'
  },
  {
    attribute: 'donor.kdri',
    protectedAttribute: 'race/ethnicity',
    use: 'removed',
    formula: 'KDRI (Rao 2009) had a term for a Black donor (+0.179); the OPTN refit of 2024 removed it',
    justification: 'The registry must characterise donors with the race-free refit (the synthetic registry does); a KDRI computed with the 2009 formula would carry donor race into allocation.',
    source: 'OPTN, Refit Kidney Donor Profile Index without Race and Hepatitis C Virus (implemented 31 October 2024)'
  },
  {
    attribute: 'donor.kdpi',
    protectedAttribute: 'race/ethnicity',
    use: 'removed',
    formula: 'KDPI is the percentile of KDRI; see donor.kdri',
    justification: 'As for donor.kdri: only the race-free refit may be used.',
    source: 'OPTN, Refit Kidney Donor Profile Index without Race and Hepatitis C Virus (implemented 31 October 2024)'
  }
])

/** A known way a rankable attribute can carry a protected attribute, and why reading it is justified. */
export interface ProxyMechanism {
  readonly attributes: readonly string[]
  readonly protectedAttribute: string
  readonly mechanism: string
  readonly justification: string
}

/** Known proxy mechanisms (the lint attaches them to proxy findings on these attributes). */
export const PROXY_MECHANISMS: readonly ProxyMechanism[] = Object.freeze([
  {
    attributes: ['candidate.cpraPercent', 'candidate.vpraPercent', 'candidate.mmpPercent', 'candidate.matchabilityScore'],
    protectedAttribute: 'sex',
    mechanism: 'Pregnancy exposes women to paternal HLA, so more women carry HLA antibodies: higher cPRA/vPRA and a smaller pool of compatible donors.',
    justification: 'Sensitisation points compensate for the smaller compatible donor pool (OPTN KAS cPRA sliding scale; Eurotransplant MMP points): they follow the antibodies, not sex, and point towards equal access.'
  },
  {
    attributes: ['candidate.cpraPercent', 'candidate.vpraPercent', 'candidate.mmpPercent', 'candidate.matchabilityScore'],
    protectedAttribute: 'race/ethnicity',
    mechanism: 'HLA and ABO frequencies differ between populations; a candidate whose antigens are rare in the donor pool is harder to match (higher MMP, and cPRA against a majority panel).',
    justification: 'Points for hard-to-match candidates exist to equalise access (Eurotransplant MMP, OPTN cPRA points, the UK matchability score).'
  },
  {
    attributes: ['pair.mismatchA', 'pair.mismatchB', 'pair.mismatchDR', 'pair.mismatchTotal', 'pair.ukMismatchLevel'],
    protectedAttribute: 'race/ethnicity',
    mechanism: 'HLA phenotype frequencies differ by ancestry; when donors mostly come from the majority population, minority candidates are less often well matched.',
    justification: 'Fewer HLA mismatches mean longer graft survival; the disadvantage for rare phenotypes is a known equity cost that mismatch-probability points and the top-10 report below monitor.'
  },
  {
    attributes: ['candidate.heightCm', 'candidate.weightKg', 'pair.heightRatio', 'pair.weightRatio'],
    protectedAttribute: 'sex',
    mechanism: 'Women are on average shorter and lighter than men.',
    justification: 'Donor-recipient size matching (heart, lung) is anatomical; the lung CAS height rating gives points to short candidates because they wait longer for a size-matched lung (OPTN lung CAS 2023, biological disadvantage).'
  },
  {
    attributes: ['candidate.waitingDays', 'candidate.dialysisDays'],
    protectedAttribute: 'race/ethnicity',
    mechanism: 'Time from kidney failure to referral and listing differs between groups.',
    justification: 'Counting waiting time from the start of dialysis rather than listing (OPTN KAS 2014) was adopted to reduce the disadvantage of late referral.'
  },
  {
    attributes: ['candidate.abo', 'pair.aboIdentical'],
    protectedAttribute: 'race/ethnicity',
    mechanism: 'ABO group frequencies differ by ancestry (group B is more common in some populations).',
    justification: 'ABO compatibility is biological; identical-group rules keep O and B organs for O and B candidates, who otherwise wait longest.'
  },
  {
    attributes: ['candidate.meld', 'candidate.meldOrPeld'],
    protectedAttribute: 'sex',
    mechanism: 'MELD 3.0 contains a sex term (see the declared clinical uses).',
    justification: MELD3_USE.justification
  }
])

// ---------------------------------------------------------------------------------------------
// Proxy statistics
// ---------------------------------------------------------------------------------------------

/**
 * Scored candidates to measure proxies on: one entry per sampled candidate (in practice one per
 * candidate and donor, as a candidate is scored for every donor they are eligible for). Columnar:
 * every array has the same length.
 */
export interface FairnessSample {
  /** Points per component, by component name. */
  readonly componentPoints: Readonly<Record<string, ArrayLike<number>>>
  /** Tier index per entry (optional): each tier is then tested as a 0/1 indicator. */
  readonly tierIndex?: ArrayLike<number> | undefined
  /**
   * Who each entry is about (any integer id per candidate; optional). When given, each candidate
   * counts once, with the mean of their entries, so that a candidate ranked for many donors does
   * not weigh as many independent observations.
   */
  readonly subjects?: ArrayLike<number> | undefined
  /** Protected attribute values per entry, by attribute (sex, race/ethnicity…); undefined when not recorded. */
  readonly protectedAttributes: Readonly<Record<string, ReadonlyArray<string | undefined>>>
  /** What the sample is (registry, seed, donors), for the report. */
  readonly description?: string | undefined
}

/** Default warning threshold on the correlation ratio η (Cohen 1988: 0.1 is a small effect). */
export const DEFAULT_PROXY_THRESHOLD = 0.1
/** A proxy warning also needs the groups' difference to be this unlikely by chance (one-way ANOVA F test). */
export const DEFAULT_PROXY_ALPHA = 0.001
/** Groups with fewer units (candidates, or entries without subjects) are left out of a correlation. */
export const DEFAULT_MIN_GROUP_SIZE = 30

export interface GroupMean {
  readonly group: string
  /** Units in the group: candidates when the sample names subjects, entries otherwise. */
  readonly count: number
  readonly meanPoints: number
}

export interface CorrelationRatio {
  /** Correlation ratio η = sqrt(between-group sum of squares / total sum of squares), 0..1. */
  readonly eta: number
  /** Point-biserial correlation with the second group (two groups only): signed, |r| = η. */
  readonly pointBiserial?: number | undefined
  readonly groups: readonly GroupMean[]
  /** Units measured (after leaving out unrecorded values and small groups). */
  readonly count: number
  /** One-way ANOVA F test of equal group means (F = 0 and p = 1 when there is nothing to compare). */
  readonly fTest: { readonly f: number, readonly dfBetween: number, readonly dfWithin: number, readonly pValue: number }
}

/**
 * The correlation ratio η of a numeric variable across the groups of a categorical one (K. Pearson,
 * 1903; J. Cohen, Statistical Power Analysis for the Behavioral Sciences, 1988, on η as an effect
 * size), and the one-way ANOVA F test of equal group means (R. A. Fisher). η is the square root of
 * the share of the variable's spread that the groups explain; for two groups it equals the absolute
 * point-biserial correlation. With `subjects`, entries are first averaged per subject. Unrecorded
 * group values and groups with fewer than `minGroupSize` units are left out.
 */
export function correlationRatio (values: ArrayLike<number>, groups: ReadonlyArray<string | undefined>, options: { minGroupSize?: number | undefined, subjects?: ArrayLike<number> | undefined } = {}): CorrelationRatio {
  const minGroupSize = options.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE
  const subjects = options.subjects
  if (values.length !== groups.length) throw new InvalidFieldError('groups', `must have one value per entry (${values.length}, got ${groups.length})`)
  if (subjects !== undefined && subjects.length !== values.length) throw new InvalidFieldError('subjects', `must have one value per entry (${values.length}, got ${subjects.length})`)
  // Units: one per entry, or one per subject with the mean of its entries.
  const units = new Map<number, { group: string, sum: number, n: number }>()
  for (let i = 0; i < values.length; i++) {
    const group = groups[i]
    const value = values[i] as number
    if (group === undefined || group === '' || !Number.isFinite(value)) continue
    const key = subjects === undefined ? i : subjects[i] as number
    const unit = units.get(key)
    if (unit === undefined) units.set(key, { group, sum: value, n: 1 })
    else { unit.sum += value; unit.n++ }
  }
  const byGroup = new Map<string, number[]>()
  for (const unit of units.values()) {
    const list = byGroup.get(unit.group) ?? []
    list.push(unit.sum / unit.n)
    byGroup.set(unit.group, list)
  }
  const kept = [...byGroup].filter(([, list]) => list.length >= minGroupSize).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
  let n = 0
  let total = 0
  for (const [, list] of kept) for (const v of list) { n++; total += v }
  const mean = n === 0 ? 0 : total / n
  let ssTotal = 0
  let ssBetween = 0
  const means: GroupMean[] = []
  for (const [group, list] of kept) {
    let sum = 0
    for (const v of list) { sum += v; ssTotal += (v - mean) ** 2 }
    const m = sum / list.length
    ssBetween += list.length * (m - mean) ** 2
    means.push({ group, count: list.length, meanPoints: m })
  }
  const k = kept.length
  // Values equal up to rounding (a constant component) have no spread to explain.
  const constant = n === 0 || Math.sqrt(ssTotal / n) <= 1e-9 * Math.max(1, Math.abs(mean))
  const eta = k < 2 || constant ? 0 : Math.min(1, Math.sqrt(ssBetween / ssTotal))
  const dfBetween = Math.max(0, k - 1)
  const dfWithin = Math.max(0, n - k)
  const ssWithin = Math.max(0, ssTotal - ssBetween)
  let f = 0
  let pValue = 1
  if (k >= 2 && dfWithin > 0 && !constant) {
    f = ssWithin === 0 ? Infinity : (ssBetween / dfBetween) / (ssWithin / dfWithin)
    pValue = f === Infinity ? 0 : regularizedBeta(dfWithin / (dfWithin + dfBetween * f), dfWithin / 2, dfBetween / 2)
  }
  const fTest = { f, dfBetween, dfWithin, pValue }
  if (means.length !== 2) return { eta, groups: means, count: n, fTest }
  const [g0, g1] = means as [GroupMean, GroupMean]
  return { eta, pointBiserial: g1.meanPoints >= g0.meanPoints ? eta : -eta, groups: means, count: n, fTest }
}

export interface ProxyFinding {
  /** `components.<name>`, `total` or `tiers.<name>` (in that tier, 0/1). */
  readonly part: string
  readonly reads: readonly string[]
  readonly protectedAttribute: string
  readonly correlation: CorrelationRatio
  /** η at or above the threshold, and the F test's p-value below alpha. */
  readonly warning: boolean
  /** Known mechanisms linking what the part reads to the protected attribute. */
  readonly mechanisms: readonly ProxyMechanism[]
}

export interface ObservedPoints {
  readonly count: number
  readonly mean: number
  readonly sd: number
  readonly min: number
  readonly p5: number
  readonly median: number
  readonly p95: number
  readonly max: number
  /** cov(component, total) / var(total): the component's share of the spread of total points (shares sum to 1). */
  readonly shareOfTotalVariance: number
}

// ---------------------------------------------------------------------------------------------
// The lint
// ---------------------------------------------------------------------------------------------

export type LintCode =
  | 'PROTECTED_ATTRIBUTE' | 'UNKNOWN_ATTRIBUTE' | 'PROTECTED_CATEGORY_VALUE' | 'INVALID_POLICY'
  | 'OFFERS_TO_NON_ACTIVE' | 'CENTRE_AUTHORISATION_OFF' | 'VIRTUAL_CROSSMATCH_OFF' | 'PROXY'

export interface LintIssue {
  readonly code: LintCode
  /** JSON pointer into the policy document ('' for the whole document). */
  readonly path: string
  readonly message: string
  readonly attribute?: string | undefined
  readonly protectedAttribute?: string | undefined
}

export interface ComponentLint {
  readonly name: string
  readonly description?: string | undefined
  readonly scale: PolicyScale['kind']
  readonly weight: number
  readonly reads: readonly string[]
  /** weight × rating over the documented range of every attribute read; span = max − min. */
  readonly points: { readonly min: number, readonly max: number, readonly span: number, readonly shareOfSpan: number | undefined }
  /** Direction of this component's points as each numeric or boolean attribute it reads rises. */
  readonly directions: Readonly<Record<string, Direction>>
  readonly observed?: ObservedPoints | undefined
}

export interface FairnessLint {
  readonly policy?: { readonly id: string, readonly version: string, readonly hash: string, readonly organType: string } | undefined
  /** True when there is no error. */
  readonly ok: boolean
  readonly errors: readonly LintIssue[]
  readonly warnings: readonly LintIssue[]
  readonly reads?: CompiledPolicy['reads'] | undefined
  readonly components: readonly ComponentLint[]
  readonly tiers: ReadonlyArray<{ readonly name: string, readonly reads: readonly string[] }>
  readonly tieBreakers: ReadonlyArray<{ readonly name: string, readonly order: 'asc' | 'desc', readonly reads: readonly string[] }>
  /** Whole-policy direction as each numeric or boolean candidate or pair attribute read rises. */
  readonly directions: Readonly<Record<string, Direction>>
  /** Urgency moves that never lower a candidate's rank (from → to). */
  readonly urgencyOrder: ReadonlyArray<{ readonly from: string, readonly to: string }>
  readonly clinicalUses: readonly ClinicalUse[]
  readonly proxies?: {
    readonly threshold: number
    readonly alpha: number
    readonly minGroupSize: number
    /** `candidate` when the sample names subjects (each counted once), else `entry`. */
    readonly unit: 'candidate' | 'entry'
    readonly sampleSize: number
    readonly description?: string | undefined
    readonly findings: readonly ProxyFinding[]
  } | undefined
  /** How the numbers were computed, in words, for reports. */
  readonly method: { readonly points: string, readonly directions: string, readonly proxies: string }
}

export interface LintOptions {
  readonly sample?: FairnessSample | undefined
  /** Warn when η reaches this (default 0.1)… */
  readonly proxyThreshold?: number | undefined
  /** …and the F test's p-value is below this (default 0.001). */
  readonly proxyAlpha?: number | undefined
  readonly minGroupSize?: number | undefined
}

export const LINT_METHOD = Object.freeze({
  points: 'Interval arithmetic over each attribute\'s documented range (ATTRIBUTE_RANGES: the engine\'s input checks), with exact small value sets (HLA mismatches 0-6, booleans, quartiles), ranges narrowed inside if(), and the range of a component reading one or two continuous attributes cut into 512 (or 32 × 32) pieces whose bounds are joined; the scale is applied and the result multiplied by the weight. A sound bound, not a distribution: exact for one-attribute scales, slightly wide where a formula reads one attribute several times. Share of span: the component\'s span over the sum of all spans.',
  directions: 'A static sign analysis of every expression and scale (linear slope sign, monotone step and knot sequences, lookup and matrix values over the inputs\' possible values, if() branches compared by range). "higher" means the candidate\'s place can only improve as the attribute rises; "mixed" means the analysis cannot tell.',
  proxies: 'Correlation ratio η (between-group / total sum of squares, square-rooted; equal to |point-biserial r| for two groups) of each component\'s points, the total, and each tier (0/1), across the groups of each protected attribute. Each candidate counts once, with the mean over the donors they were ranked for (when the sample names candidates). A warning needs η at or above the threshold and a one-way ANOVA F test p-value below alpha, so that small samples do not raise warnings by chance. Groups under the minimum size are left out.'
})

/** Where the expressions of a policy document live, read defensively from a possibly invalid document. */
function expressionsOf (document: unknown): Array<{ path: string, source: string }> {
  const found: Array<{ path: string, source: string }> = []
  const add = (path: string, value: unknown): void => { if (typeof value === 'string') found.push({ path, source: value }) }
  const list = (value: unknown): unknown[] => Array.isArray(value) ? value : []
  const get = (value: unknown, key: string): unknown => typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
  const eligibility = get(document, 'eligibility')
  list(get(get(eligibility, 'abo'), 'exceptions')).forEach((e, i) => add(`/eligibility/abo/exceptions/${i}/when`, get(e, 'when')))
  list(get(eligibility, 'rules')).forEach((r, i) => add(`/eligibility/rules/${i}/require`, get(r, 'require')))
  list(get(document, 'tiers')).forEach((t, i) => add(`/tiers/${i}/when`, get(t, 'when')))
  list(get(document, 'components')).forEach((c, i) => {
    add(`/components/${i}/input`, get(c, 'input'))
    const scale = get(c, 'scale')
    add(`/components/${i}/scale/formula`, get(scale, 'formula'))
    add(`/components/${i}/scale/rows/input`, get(get(scale, 'rows'), 'input'))
    add(`/components/${i}/scale/columns/input`, get(get(scale, 'columns'), 'input'))
  })
  list(get(document, 'tieBreakers')).forEach((t, i) => add(`/tieBreakers/${i}/input`, get(t, 'input')))
  return found
}

/** Category values a policy names (urgency classes, table keys, quoted text), with their paths. */
function categoryValuesOf (document: unknown): Array<{ path: string, value: string }> {
  const found: Array<{ path: string, value: string }> = []
  const get = (value: unknown, key: string): unknown => typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
  const list = (value: unknown): unknown[] => Array.isArray(value) ? value : []
  list(get(document, 'urgencyClasses')).forEach((u, i) => { if (typeof u === 'string') found.push({ path: `/urgencyClasses/${i}`, value: u }) })
  list(get(document, 'components')).forEach((c, i) => {
    const scale = get(c, 'scale')
    list(get(scale, 'entries')).forEach((e, k) => { const key = get(e, 'key'); if (typeof key === 'string') found.push({ path: `/components/${i}/scale/entries/${k}/key`, value: key }) })
    for (const axis of ['rows', 'columns']) {
      list(get(get(scale, axis), 'keys')).forEach((key, k) => { if (typeof key === 'string') found.push({ path: `/components/${i}/scale/${axis}/keys/${k}`, value: key }) })
    }
  })
  for (const { path, source } of expressionsOf(document)) {
    const ast = parseOrUndefined(source)
    if (ast !== undefined) for (const node of walk(ast)) if (node.kind === 'text') found.push({ path, value: node.value })
  }
  return found
}

/** The syntax tree, or undefined for a syntax error (which the validator reports with its position). */
function parseOrUndefined (source: string): ExpressionNode | undefined {
  try {
    return parseExpression(source)
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return undefined
    throw error
  }
}

function * walk (node: ExpressionNode): Generator<ExpressionNode> {
  yield node
  switch (node.kind) {
    case 'negate': case 'not': yield * walk(node.operand); break
    case 'binary': yield * walk(node.left); yield * walk(node.right); break
    case 'call': for (const arg of node.args) yield * walk(arg); break
    default: break
  }
}

/** Errors for attributes the vocabulary refuses, found even in a document that fails validation. */
function attributeIssues (document: unknown): LintIssue[] {
  const issues: LintIssue[] = []
  for (const { path, source } of expressionsOf(document)) {
    const ast = parseOrUndefined(source)
    if (ast === undefined) continue
    const seen = new Set<string>()
    for (const node of walk(ast)) {
      if (node.kind !== 'attribute' || seen.has(node.name) || lookupAttribute(node.name) !== undefined) continue
      seen.add(node.name)
      const category = protectedAttributeIn(node.name)
      issues.push(category === undefined
        ? { code: 'UNKNOWN_ATTRIBUTE', path, attribute: node.name, message: `reads "${node.name}", which is not in the policy vocabulary` }
        : { code: 'PROTECTED_ATTRIBUTE', path, attribute: node.name, protectedAttribute: category, message: `reads "${node.name}", a protected attribute (${category}); allocation may not rank on it (UN GA res. 71/322 para 3(b); WHO Guiding Principle 9)` })
    }
  }
  for (const { path, value } of categoryValuesOf(document)) {
    const category = protectedAttributeIn(value)
    if (category !== undefined) {
      issues.push({ code: 'PROTECTED_CATEGORY_VALUE', path, protectedAttribute: category, message: `names the category value "${value}", which refers to a protected attribute (${category}): the registry would have to encode that attribute in a clinical field for the policy to use it` })
    }
  }
  return issues
}

function safetyIssues (policy: CompiledPolicy): { errors: LintIssue[], warnings: LintIssue[] } {
  const errors: LintIssue[] = []
  const warnings: LintIssue[] = []
  const others = policy.eligibility.statuses.filter((s) => s !== 'active')
  if (others.length > 0) {
    errors.push({ code: 'OFFERS_TO_NON_ACTIVE', path: '/eligibility/statuses', message: `offers to candidates who are ${others.join(', ')}; only active candidates may be offered an organ` })
  }
  if (!policy.eligibility.centreAuthorisation) {
    errors.push({ code: 'CENTRE_AUTHORISATION_OFF', path: '/eligibility/centreAuthorisation', message: 'is false: candidates at centres not authorised to transplant this organ would be ranked (UN GA res. 71/322 para 3(d))' })
  }
  if (!policy.eligibility.virtualCrossmatch) {
    warnings.push({ code: 'VIRTUAL_CROSSMATCH_OFF', path: '/eligibility/virtualCrossmatch', message: 'is false: candidates with unacceptable antigens the donor carries are not excluded (usual only for organs allocated without HLA antibody screening)' })
  }
  return { errors, warnings }
}

function quantile (sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN
  const position = (sorted.length - 1) * q
  const low = Math.floor(position)
  const high = Math.ceil(position)
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (position - low)
}

function checkSample (policy: CompiledPolicy, sample: FairnessSample): number {
  if (typeof sample !== 'object' || sample === null || typeof sample.componentPoints !== 'object' || typeof sample.protectedAttributes !== 'object') {
    throw new InvalidFieldError('sample', 'must have componentPoints and protectedAttributes')
  }
  let count: number | undefined
  const expect = (field: string, length: number): void => {
    count ??= length
    if (length !== count) throw new InvalidFieldError(field, `must have one value per sampled entry (${count}, got ${length})`)
  }
  for (const component of policy.components) {
    const points = sample.componentPoints[component.name]
    if (points === undefined) throw new InvalidFieldError(`sample.componentPoints.${component.name}`, 'is required: one value per sampled entry')
    expect(`sample.componentPoints.${component.name}`, points.length)
  }
  for (const [name, values] of Object.entries(sample.protectedAttributes)) expect(`sample.protectedAttributes.${name}`, values.length)
  if (sample.tierIndex !== undefined) expect('sample.tierIndex', sample.tierIndex.length)
  return count ?? 0
}

function observe (values: ArrayLike<number>, total: Float64Array, totalMean: number, totalVariance: number): ObservedPoints {
  const n = values.length
  const sorted = Float64Array.from(values).sort()
  let sum = 0
  for (let i = 0; i < n; i++) sum += values[i] as number
  const mean = n === 0 ? 0 : sum / n
  let ss = 0
  let covariance = 0
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean
    ss += d * d
    covariance += d * ((total[i] as number) - totalMean)
  }
  return {
    count: n,
    mean,
    sd: n === 0 ? 0 : Math.sqrt(ss / n),
    min: n === 0 ? Number.NaN : sorted[0] as number,
    p5: quantile(sorted, 0.05),
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    max: n === 0 ? Number.NaN : sorted[n - 1] as number,
    shareOfTotalVariance: totalVariance === 0 || n === 0 ? 0 : covariance / n / totalVariance
  }
}

function mechanismsFor (reads: readonly string[], protectedAttribute: string): ProxyMechanism[] {
  return PROXY_MECHANISMS.filter((m) => m.protectedAttribute === protectedAttribute && m.attributes.some((a) => reads.includes(a)))
}

/** The protected category a sample column holds ('raceEthnicity' and 'race/ethnicity' → race/ethnicity), for matching mechanisms. */
function protectedName (column: string): string {
  return protectedAttributeIn(column) ?? column
}

function proxyFindings (policy: CompiledPolicy, sample: FairnessSample, count: number, settings: { threshold: number, alpha: number, minGroupSize: number }): ProxyFinding[] {
  const total = new Float64Array(count)
  for (const component of policy.components) {
    const points = sample.componentPoints[component.name] as ArrayLike<number>
    for (let i = 0; i < count; i++) total[i] = (total[i] as number) + (points[i] as number)
  }
  const parts: Array<{ part: string, reads: readonly string[], values: ArrayLike<number> }> = policy.components.map((c) => ({
    part: `components.${c.name}`, reads: c.reads, values: sample.componentPoints[c.name] as ArrayLike<number>
  }))
  parts.push({ part: 'total', reads: policy.components.flatMap((c) => c.reads), values: total })
  const tierIndex = sample.tierIndex
  if (tierIndex !== undefined && policy.tiers.length > 1) {
    policy.tiers.forEach((tier, t) => {
      const indicator = new Float64Array(count)
      for (let i = 0; i < count; i++) indicator[i] = tierIndex[i] === t ? 1 : 0
      parts.push({ part: `tiers.${tier.name}`, reads: tier.when.reads, values: indicator })
    })
  }
  const findings: ProxyFinding[] = []
  for (const part of parts) {
    for (const [column, groups] of Object.entries(sample.protectedAttributes)) {
      const correlation = correlationRatio(part.values, groups, { minGroupSize: settings.minGroupSize, subjects: sample.subjects })
      const warning = correlation.eta >= settings.threshold && correlation.fTest.pValue < settings.alpha
      findings.push({ part: part.part, reads: [...new Set(part.reads)].sort(), protectedAttribute: column, correlation, warning, mechanisms: mechanismsFor(part.reads, protectedName(column)) })
    }
  }
  return findings
}

const NUMERIC_TYPES = new Set(['number', 'boolean'])

/** A p-value for people: "< 1e-12" rather than 0, three significant digits otherwise. */
export function formatP (p: number): string {
  return p < 1e-12 ? '< 1e-12' : p < 0.001 ? p.toExponential(1) : p.toPrecision(3)
}

/**
 * Lints a policy document for fairness. Never throws on a bad document: validation problems,
 * protected and unknown attributes, protected category values and safety problems come back as
 * errors (`ok` false). For a valid policy it also reports what each part reads, the point range of
 * each component, the direction in which the policy pushes each attribute, the urgency moves that
 * never lower a rank, the clinical uses of protected attributes inside the derived scores it reads,
 * and — with a sample — proxy findings, warning where η ≥ the threshold. Throws InvalidFieldError only
 * for a malformed sample or threshold.
 */
export function lintPolicy (document: unknown, options: LintOptions = {}): FairnessLint {
  const threshold = options.proxyThreshold ?? DEFAULT_PROXY_THRESHOLD
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) throw new InvalidFieldError('proxyThreshold', 'must be a number between 0 and 1')
  const alpha = options.proxyAlpha ?? DEFAULT_PROXY_ALPHA
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha <= 1)) throw new InvalidFieldError('proxyAlpha', 'must be a number above 0 and at most 1')
  const minGroupSize = options.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE
  if (!Number.isInteger(minGroupSize) || minGroupSize < 1) throw new InvalidFieldError('minGroupSize', 'must be a whole number of at least 1')

  const errors: LintIssue[] = attributeIssues(document)
  const empty = { components: [], tiers: [], tieBreakers: [], directions: {}, urgencyOrder: [], clinicalUses: [], method: LINT_METHOD }
  let copy: unknown
  try {
    copy = document === undefined ? undefined : JSON.parse(JSON.stringify(document))
  } catch (error) {
    errors.push({ code: 'INVALID_POLICY', path: '', message: `must be plain JSON (${(error as Error).message})` })
    return { ok: false, errors, warnings: [], ...empty }
  }
  const { analysis, issues } = analysePolicy(copy)
  if (analysis === undefined) {
    // Protected and unknown attributes are reported above, with their names; the validator's own
    // message for them is left out so each problem appears once.
    const named = errors.filter((e) => e.attribute !== undefined)
    for (const issue of issues) {
      if (named.some((e) => e.path === issue.path && issue.message.includes(`"${e.attribute as string}"`))) continue
      errors.push({ code: 'INVALID_POLICY', path: issue.path, message: issue.message })
    }
    return { ok: false, errors, warnings: [], ...empty }
  }

  const policy = compilePolicy(analysis.document)
  const safety = safetyIssues(policy)
  errors.push(...safety.errors)
  const warnings: LintIssue[] = [...safety.warnings]

  const ranges = policy.components.map((c) => componentPointRange(policy, c.name))
  const spans = ranges.map((r) => r.hi - r.lo)
  const spanTotal = spans.reduce((a, b) => a + b, 0)
  const sampleCount = options.sample === undefined ? undefined : checkSample(policy, options.sample)

  let observed: ObservedPoints[] | undefined
  if (options.sample !== undefined && sampleCount !== undefined) {
    const sample = options.sample
    const total = new Float64Array(sampleCount)
    for (const c of policy.components) {
      const points = sample.componentPoints[c.name] as ArrayLike<number>
      for (let i = 0; i < sampleCount; i++) total[i] = (total[i] as number) + (points[i] as number)
    }
    let mean = 0
    for (const v of total) mean += v
    mean = sampleCount === 0 ? 0 : mean / sampleCount
    let variance = 0
    for (const v of total) variance += (v - mean) ** 2
    variance = sampleCount === 0 ? 0 : variance / sampleCount
    observed = policy.components.map((c) => observe(sample.componentPoints[c.name] as ArrayLike<number>, total, mean, variance))
  }

  const numericReads = (reads: readonly string[]): string[] => reads.filter((name) => {
    const definition = lookupAttribute(name)
    return definition !== undefined && NUMERIC_TYPES.has(definition.type) && definition.entity !== 'donor'
  })
  const components: ComponentLint[] = policy.components.map((c, k) => {
    const range = ranges[k] as ValueRange
    const span = spans[k] as number
    const ctx = (name: string): DiffContext => ({ change: { kind: 'numeric', signs: { [name]: 1 } }, env: defaultEnv(), urgencyClasses: policy.urgencyClasses })
    const description = policy.document.components[k]?.description
    return {
      name: c.name,
      ...(description === undefined ? {} : { description }),
      scale: c.scale.kind,
      weight: c.weight,
      reads: c.reads,
      points: { min: range.lo, max: range.hi, span, shareOfSpan: Number.isFinite(spanTotal) && spanTotal > 0 ? span / spanTotal : undefined },
      directions: Object.fromEntries(numericReads(c.reads).map((name) => [name, fromSign(componentDiff(c, ctx(name)))])),
      ...(observed === undefined ? {} : { observed: observed[k] })
    }
  })

  const directions = Object.fromEntries(numericReads(policy.reads.all).map((name) => [name, changeDirection(policy, { kind: 'numeric', signs: { [name]: 1 } }).direction]))
  const urgencyOrder = policy.urgencyClasses.flatMap((from) => policy.urgencyClasses.filter((to) => to !== from)
    .filter((to) => changeDirection(policy, { kind: 'category', attribute: 'candidate.urgency', from, to }).direction === 'higher')
    .map((to) => ({ from, to })))
  const clinicalUses = CLINICAL_USES.filter((u) => policy.reads.all.includes(u.attribute))

  let proxies: FairnessLint['proxies']
  if (options.sample !== undefined && sampleCount !== undefined) {
    const unit = options.sample.subjects === undefined ? 'entry' : 'candidate'
    const findings = proxyFindings(policy, options.sample, sampleCount, { threshold, alpha, minGroupSize })
    for (const finding of findings) {
      if (!finding.warning || finding.part === 'total') continue
      const justified = finding.mechanisms.length > 0 ? ` Known mechanism: ${finding.mechanisms.map((m) => m.mechanism).join(' ')} Justification: ${finding.mechanisms.map((m) => m.justification).join(' ')}` : ' No clinical justification is on record for this link: review the part.'
      warnings.push({
        code: 'PROXY',
        path: finding.part.startsWith('components.') ? `/components/${policy.components.findIndex((c) => `components.${c.name}` === finding.part)}` : `/tiers/${policy.tiers.findIndex((t) => `tiers.${t.name}` === finding.part)}`,
        protectedAttribute: finding.protectedAttribute,
        message: `${finding.part} (reads ${finding.reads.join(', ') || 'nothing'}) correlates with ${finding.protectedAttribute}: η = ${finding.correlation.eta.toFixed(3)} over ${finding.correlation.count} ${unit}s, F test p = ${formatP(finding.correlation.fTest.pValue)} (warning at η ≥ ${threshold} and p < ${alpha}).${justified}`
      })
    }
    proxies = { threshold, alpha, minGroupSize, unit, sampleSize: sampleCount, ...(options.sample.description === undefined ? {} : { description: options.sample.description }), findings }
  }

  return {
    policy: { id: policy.id, version: policy.version, hash: policy.hash, organType: policy.organType },
    ok: errors.length === 0,
    errors,
    warnings,
    reads: policy.reads,
    components,
    tiers: policy.tiers.map((t) => ({ name: t.name, reads: t.when.reads })),
    tieBreakers: policy.tieBreakers.map((t) => ({ name: t.name, order: t.order, reads: t.input.reads })),
    directions,
    urgencyOrder,
    clinicalUses,
    proxies,
    method: LINT_METHOD
  }
}
