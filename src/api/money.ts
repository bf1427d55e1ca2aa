/**
 * Money on the service is counted in integer micro-units (millionths of the price unit), so
 * sums are exact (3 × 0.1 is 0.3, not 0.30000000000000004) and no price can overflow a bill.
 */

import { ValidationError } from '../errors.ts';

/** Micro-units in one unit. */
export const MICROS_PER_UNIT = 1_000_000;

/** Highest price of one queried row, in units. */
export const MAX_PRICE = 1000;

/** A price in units as integer micro-units; refuses negative, too large or too precise prices. */
export function priceToMicros(price: number, path = 'price'): number {
  const micros = Math.round(price * MICROS_PER_UNIT);
  if (!Number.isFinite(price) || price < 0 || price > MAX_PRICE) {
    throw new ValidationError('invalid price', [{ path, message: `${price}; give a price per row from 0 to ${MAX_PRICE}` }]);
  }
  if (Math.abs(micros - price * MICROS_PER_UNIT) > 1e-6 * Math.max(1, micros)) {
    throw new ValidationError('invalid price', [{ path, message: `${price} has more than 6 decimals; prices are counted in millionths` }]);
  }
  return micros;
}

/** Micro-units as units (for display: exact to 6 decimals). */
export function microsToUnits(micros: number): number {
  return micros / MICROS_PER_UNIT;
}
