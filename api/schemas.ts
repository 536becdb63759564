import { Type, type TNumber } from '@sinclair/typebox'
import type { NumericRange } from '../engine/domain/input.js'

/**
 * Schema pieces shared by routes. A numeric field takes its range from the engine's exported
 * constant, so the HTTP door and the engine refuse exactly the same values.
 */
export function rangedNumber (range: NumericRange, description: string): TNumber {
  return Type.Number({
    minimum: range.min,
    maximum: range.max,
    description: `${description} (${range.unit === '' ? '' : `${range.unit}, `}${range.min}–${range.max})`
  })
}
