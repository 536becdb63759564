import t from 'tap'
import {
  EngineError, InvalidFieldError, MissingFieldError, OutOfRangeError, PolicyValidationError, isEngineError
} from '../engine/errors.js'
import { requireBoolean, requireEnum, requireInteger, requireNumber, requireString, requireTriState } from '../engine/domain/input.js'
import { problemFromError } from '../api/problem.js'

const range = { min: 0.01, max: 40, unit: 'mg/dL' }

t.test('requireNumber names the field and the range, never returns NaN', async (t) => {
  t.equal(requireNumber(1.2, 'creatinineMgDl', range), 1.2)
  t.throws(() => requireNumber(undefined, 'creatinineMgDl', range), { code: 'ENGINE_MISSING_FIELD', field: 'creatinineMgDl' })
  t.throws(() => requireNumber(Number.NaN, 'creatinineMgDl', range), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => requireNumber('1.2', 'creatinineMgDl', range), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => requireNumber(106, 'creatinineMgDl', range), {
    code: 'ENGINE_OUT_OF_RANGE', field: 'creatinineMgDl', message: 'creatinineMgDl must be between 0.01 and 40 mg/dL (got 106)'
  })
})

t.test('the other checks refuse what they should', async (t) => {
  t.equal(requireInteger(3, 'days', { min: 0, max: 10, unit: 'days' }), 3)
  t.throws(() => requireInteger(3.5, 'days', { min: 0, max: 10, unit: 'days' }), { code: 'ENGINE_INVALID_FIELD' })
  t.equal(requireBoolean(false, 'dcd'), false)
  t.throws(() => requireBoolean('yes', 'dcd'), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => requireBoolean(null, 'dcd'), { code: 'ENGINE_MISSING_FIELD' })
  t.equal(requireTriState('unknown', 'diabetes'), 'unknown')
  t.equal(requireTriState(true, 'diabetes'), true)
  t.throws(() => requireTriState('maybe', 'diabetes'), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => requireTriState(undefined, 'diabetes'), { code: 'ENGINE_MISSING_FIELD' })
  t.equal(requireEnum('F', 'sex', ['F', 'M']), 'F')
  t.throws(() => requireEnum('X', 'sex', ['F', 'M']), { message: 'sex must be one of "F", "M"' })
  t.throws(() => requireEnum(undefined, 'sex', ['F', 'M']), { code: 'ENGINE_MISSING_FIELD' })
  t.equal(requireString('A2', 'antigen', /^A\d+$/), 'A2')
  t.throws(() => requireString('', 'antigen'), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => requireString(undefined, 'antigen'), { code: 'ENGINE_MISSING_FIELD' })
  t.throws(() => requireString('Z9', 'antigen', /^A\d+$/, 'must be an A-locus antigen'), { code: 'ENGINE_INVALID_FIELD', rule: 'must be an A-locus antigen' })
  t.throws(() => requireString('Z9', 'antigen', /^A\d+$/), { code: 'ENGINE_INVALID_FIELD', rule: 'must match ^A\\d+$' })
})

t.test('engine errors map to problem details', async (t) => {
  const outOfRange = problemFromError(new OutOfRangeError('ageYears', 130, 0, 120, 'years'))
  t.match(outOfRange, { status: 400, code: 'ENGINE_OUT_OF_RANGE', errors: [{ field: 'ageYears', rule: 'must be between 0 and 120 years (got 130)' }] })
  const missing = problemFromError(new MissingFieldError('inr'))
  t.match(missing, { status: 400, code: 'ENGINE_MISSING_FIELD', errors: [{ field: 'inr', rule: 'is required' }] })
  const policy = problemFromError(new PolicyValidationError([{ path: '/components/0/attribute', message: 'unknown attribute "race"' }, { path: '/organ', message: 'required' }]))
  t.match(policy, { status: 400, code: 'ENGINE_POLICY_INVALID', detail: /\(and 1 more\)/, errors: [{ field: '/components/0/attribute' }, { field: '/organ' }] })
  t.equal(new PolicyValidationError([]).message, 'policy is invalid')
  const invalid = new InvalidFieldError('abo', 'must be one of "O"')
  t.ok(isEngineError(invalid))
  t.notOk(isEngineError(new Error('x')))
  const bare = problemFromError(new EngineError('something', { cause: new Error('inner') }))
  t.match(bare, { status: 400, code: 'ENGINE_ERROR' })
  t.notOk('errors' in bare)
  t.match(problemFromError(new Error('boom')), { status: 500, code: 'API_INTERNAL_ERROR', detail: 'The server could not complete the request' })
  t.match(problemFromError(Object.assign(new Error('too big'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' })), { status: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', title: 'Content Too Large' })
})

t.test('every catalogued error carries its stable code', async (t) => {
  const { UnknownReferenceTableError, UnknownValueError, MatchRunError, WorkerFailedError } = await import('../engine/errors.js')
  t.equal(new UnknownReferenceTableError('referenceYear', 'must be one of 2018, 2022').code, 'ENGINE_UNKNOWN_REFERENCE_TABLE')
  t.equal(new UnknownValueError('antigen', 'is not a known HLA antigen').code, 'ENGINE_UNKNOWN_VALUE')
  t.match(problemFromError(new MatchRunError('organ and policy disagree')), { status: 422, code: 'ENGINE_MATCH_RUN_FAILED' })
  t.match(problemFromError(new WorkerFailedError('worker exited')), { status: 503, code: 'ENGINE_WORKER_FAILED' })
})
