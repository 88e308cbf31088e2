import { currencyExponent, isCurrency } from '../currency';
import { allocate, distribute } from './allocation';
import {
  Adjustment,
  DocumentInput,
  DocumentResult,
  LineInput,
  LineResult,
  MoneyInputError,
  TaxRateInput,
  TaxSummary,
} from './money.types';
import { Dec, roundMinor } from './rounding';

const DECIMAL = /^\d{1,12}(\.\d{1,6})?$/;
const MAX_MINOR = 1e15;

/**
 * Computes a document (invoice, quote…) from its lines. Pure: the same input always gives the same
 * result whatever the order of the lines. Money is whole minor units; rates are exact decimals.
 */
export function computeDocument(input: DocumentInput): DocumentResult {
  if (!isCurrency(input.currency)) throw new MoneyInputError('currency', 'is not an ISO 4217 currency');
  const exponent = currencyExponent(input.currency);
  const mode = input.rounding.mode;
  input.lines.forEach((l, i) => validateLine(l, `lines.${i}`));
  const keys = input.lines.map(lineKey);

  // 1. Line gross, line discount and line fees.
  const gross = input.lines.map((l) => roundMinor(new Dec(l.quantity).times(l.unitPriceMinor), mode));
  const lineDiscount = input.lines.map((l, i) =>
    adjustmentMinor(l.discount, gross[i], `lines.${i}.discount`, mode),
  );
  const lineFees = input.lines.map((l) => l.feesMinor ?? 0);
  const base = gross.map((g, i) => g - lineDiscount[i] + lineFees[i]);
  const baseSum = base.reduce((a, b) => a + b, 0);

  // 2. Document discount and fees, allocated pro rata to the line bases.
  const docDiscount = adjustmentMinor(input.discount, baseSum, 'discount', mode);
  const docFees = input.feesMinor ?? 0;
  checkMinor(docFees, 'fees_minor');
  const discountShare = allocate(docDiscount, base, keys);
  const feeShare = allocate(docFees, base, keys);
  const amount = base.map((b, i) => b - discountShare[i] + feeShare[i]);

  // 3. Exact taxes per line and rate, then rounding per line or per document.
  const exact = input.lines.map((l, i) => exactTaxes(l.taxRates, amount[i]));
  const rounded =
    input.rounding.level === 'line'
      ? exact.map((ts) => ts.map((t) => roundMinor(t, mode)))
      : roundPerDocument(input.lines, exact, keys, mode);

  const lines: LineResult[] = input.lines.map((l, i) => {
    const taxMinor = rounded[i].reduce((a, b) => a + b, 0);
    const inclusive = l.taxRates.length > 0 && l.taxRates[0].inclusive;
    const netMinor = inclusive ? amount[i] - taxMinor : amount[i];
    return {
      grossMinor: gross[i],
      discountMinor: lineDiscount[i] + discountShare[i],
      feesMinor: lineFees[i] + feeShare[i],
      amountMinor: amount[i],
      netMinor,
      taxMinor,
      taxes: l.taxRates.map((r, k) => ({ taxRateId: r.id, taxMinor: rounded[i][k] })),
      totalMinor: netMinor + taxMinor,
    };
  });

  const sum = (f: (l: LineResult) => number) => lines.reduce((a, l) => a + f(l), 0);
  return {
    currency: input.currency,
    exponent,
    lines,
    subtotalMinor: sum((l) => l.grossMinor),
    discountMinor: sum((l) => l.discountMinor),
    feesMinor: sum((l) => l.feesMinor),
    netMinor: sum((l) => l.netMinor),
    taxMinor: sum((l) => l.taxMinor),
    totalMinor: sum((l) => l.totalMinor),
    taxes: summarise(input.lines, lines),
  };
}

/**
 * Exact tax per rate for a taxable amount. Simple rates apply to the net; a compound rate applies to
 * the net plus the taxes listed before it. For inclusive rates the amount already contains the
 * taxes, so the net is amount / (1 + Σ effective rates).
 */
function exactTaxes(rates: TaxRateInput[], amountMinor: number): Dec[] {
  const perUnit: Dec[] = [];
  for (const r of rates) {
    const before = r.compound ? perUnit.reduce((a, b) => a.plus(b), new Dec(1)) : new Dec(1);
    perUnit.push(before.times(r.rate).div(100));
  }
  if (!rates.length) return [];
  const factor = perUnit.reduce((a, b) => a.plus(b), new Dec(1));
  const net = rates[0].inclusive ? new Dec(amountMinor).div(factor) : new Dec(amountMinor);
  return perUnit.map((u) => net.times(u));
}

/** Rounds each rate's document total once, then spreads it back over the lines by largest remainder. */
function roundPerDocument(lines: LineInput[], exact: Dec[][], keys: string[], mode: 'half_up' | 'half_even') {
  const out = exact.map((ts) => ts.map(() => 0));
  const ids = new Set(lines.flatMap((l) => l.taxRates.map((r) => r.id)));
  for (const id of ids) {
    const where: Array<[number, number]> = [];
    lines.forEach((l, i) => l.taxRates.forEach((r, k) => r.id === id && where.push([i, k])));
    const parts = where.map(([i, k]) => exact[i][k]);
    const total = roundMinor(
      parts.reduce((a, b) => a.plus(b), new Dec(0)),
      mode,
    );
    const shares = distribute(
      total,
      parts,
      where.map(([i]) => keys[i]),
    );
    where.forEach(([i, k], n) => (out[i][k] = shares[n]));
  }
  return out;
}

function summarise(inputs: LineInput[], lines: LineResult[]): TaxSummary[] {
  const by = new Map<number, TaxSummary>();
  inputs.forEach((l, i) =>
    l.taxRates.forEach((r, k) => {
      const s = by.get(r.id) ?? {
        taxRateId: r.id,
        code: r.code,
        rate: r.rate,
        inclusive: r.inclusive,
        compound: r.compound,
        taxableMinor: 0,
        taxMinor: 0,
      };
      s.taxableMinor += lines[i].netMinor;
      s.taxMinor += lines[i].taxes[k].taxMinor;
      by.set(r.id, s);
    }),
  );
  return [...by.values()].sort((a, b) => a.taxRateId - b.taxRateId);
}

function adjustmentMinor(
  adj: Adjustment | null | undefined,
  ofMinor: number,
  field: string,
  mode: 'half_up' | 'half_even',
): number {
  if (!adj) return 0;
  if (adj.type === 'percent') {
    if (!DECIMAL.test(adj.value) || new Dec(adj.value).gt(100)) {
      throw new MoneyInputError(`${field}.value`, 'must be a percentage between 0 and 100');
    }
    return roundMinor(new Dec(ofMinor).times(adj.value).div(100), mode);
  }
  checkMinor(adj.value, `${field}.value`);
  if (adj.value > ofMinor) {
    throw new MoneyInputError(
      `${field}.value`,
      `discount ${adj.value} exceeds the amount it applies to (${ofMinor})`,
    );
  }
  return adj.value;
}

function validateLine(l: LineInput, path: string) {
  if (typeof l.quantity !== 'string' || !DECIMAL.test(l.quantity)) {
    throw new MoneyInputError(`${path}.quantity`, 'must be a non-negative decimal with at most 6 decimals');
  }
  checkMinor(l.unitPriceMinor, `${path}.unit_price_minor`);
  checkMinor(l.feesMinor ?? 0, `${path}.fees_minor`);
  const kinds = new Set(l.taxRates.map((r) => r.inclusive));
  if (kinds.size > 1) {
    throw new MoneyInputError(
      `${path}.tax_rate_ids`,
      'cannot mix inclusive and exclusive tax rates on one line',
    );
  }
  if (new Set(l.taxRates.map((r) => r.id)).size !== l.taxRates.length) {
    throw new MoneyInputError(`${path}.tax_rate_ids`, 'lists a tax rate twice');
  }
}

function checkMinor(v: number, field: string) {
  if (!Number.isSafeInteger(v) || v < 0 || v > MAX_MINOR) {
    throw new MoneyInputError(field, 'must be a non-negative integer amount in minor units');
  }
}

/** A content key for order-independent tie breaking. */
function lineKey(l: LineInput): string {
  return JSON.stringify([
    l.quantity,
    l.unitPriceMinor,
    l.discount ?? null,
    l.feesMinor ?? 0,
    l.taxRates.map((r) => [r.id, r.rate, r.inclusive, r.compound]),
  ]);
}
