import Decimal from 'decimal.js';

export type RoundingMode = 'half_up' | 'half_even';
export type RoundingLevel = 'line' | 'document';

export interface RoundingSettings {
  mode: RoundingMode;
  level: RoundingLevel;
}

export const DEFAULT_ROUNDING: RoundingSettings = { mode: 'half_up', level: 'line' };

/**
 * A private Decimal constructor with enough precision for rates × minor units, so the global
 * Decimal configuration of other modules never changes our results.
 */
export const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP });
export type Dec = InstanceType<typeof Dec>;

/** Rounds a non-negative exact amount to whole minor units. half_up rounds .5 away from zero. */
export function roundMinor(value: Dec, mode: RoundingMode): number {
  const r = value.toDecimalPlaces(0, mode === 'half_even' ? Dec.ROUND_HALF_EVEN : Dec.ROUND_HALF_UP);
  return toSafe(r);
}

export function toSafe(value: Dec): number {
  const n = value.toNumber();
  if (!Number.isSafeInteger(n)) throw new RangeError(`amount ${value.toString()} is out of range`);
  return n;
}
