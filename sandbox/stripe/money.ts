/**
 * Amounts as Stripe treats them: integer minor units per currency exponent (JPY 0, USD 2,
 * KWD 3 — three-decimal amounts must be divisible by 10), minimum charge amounts, and the
 * fees the emulator books on balance transactions, computed with integers only:
 * cards 2.9% + 0.30 (fixed part scaled to the currency's exponent), ACH 0.8% capped at 5.00,
 * disputes 15.00.
 */
import { StripeApiError } from './stripe.errors';

const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Minimum charge amounts (minor units) Stripe documents for common currencies. */
const MINIMUM: Record<string, number> = {
  usd: 50,
  eur: 50,
  cad: 50,
  aud: 50,
  chf: 50,
  gbp: 30,
  jpy: 50,
  kwd: 100,
};

export function exponent(currency: string): number {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL.has(c)) return 0;
  if (THREE_DECIMAL.has(c)) return 3;
  return 2;
}

/** Converts an amount given in hundredths of a major unit (e.g. 30 = 0.30) to minor units. */
export function fromHundredths(hundredths: number, currency: string): number {
  const e = exponent(currency);
  if (e === 2) return hundredths;
  if (e === 3) return hundredths * 10;
  return Math.round(hundredths / 100);
}

/** Integer a * num / den, rounded half up (amounts are non-negative). */
export function mulDivRound(a: number, num: number, den: number): number {
  return Math.floor((a * num * 2 + den) / (den * 2));
}

export function cardFee(amount: number, currency: string): number {
  return mulDivRound(amount, 29, 1000) + fromHundredths(30, currency);
}

export function achFee(amount: number, currency: string): number {
  return Math.min(mulDivRound(amount, 8, 1000), fromHundredths(500, currency));
}

export function disputeFee(currency: string): number {
  return fromHundredths(1500, currency);
}

export function validateChargeAmount(amount: number, currency: string, param = 'amount'): void {
  const c = currency.toLowerCase();
  if (amount < 0)
    throw StripeApiError.invalid(
      `Invalid ${param}: must be non-negative`,
      param,
      'parameter_invalid_integer',
    );
  if (THREE_DECIMAL.has(c) && amount % 10 !== 0)
    throw StripeApiError.invalid(
      `Invalid ${param}: amounts in ${c} must be divisible by 10 (three-decimal currency; the last digit must be 0).`,
      param,
      'amount_invalid',
    );
  const min = MINIMUM[c] ?? 1;
  if (amount < min)
    throw StripeApiError.invalid(
      `Amount must be at least ${formatMajor(min, c)} ${c}`,
      param,
      'amount_too_small',
    );
}

export function formatMajor(amount: number, currency: string): string {
  const e = exponent(currency);
  if (e === 0) return String(amount);
  const s = String(amount).padStart(e + 1, '0');
  return `${s.slice(0, -e)}.${s.slice(-e)}`;
}
