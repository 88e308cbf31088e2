import fc from 'fast-check';
import { formatMinor } from '../../../src/billing/currency';
import { allocate } from '../../../src/billing/money/allocation';
import { DocumentInput, LineInput, TaxRateInput } from '../../../src/billing/money/money.types';
import { RoundingSettings } from '../../../src/billing/money/rounding';
import { computeDocument } from '../../../src/billing/money/tax-engine';

const GST: TaxRateInput = { id: 1, code: 'GST', rate: '5', inclusive: false, compound: false };
const QST: TaxRateInput = { id: 2, code: 'QST', rate: '9.975', inclusive: false, compound: false };
const LINE: RoundingSettings = { mode: 'half_up', level: 'line' };
const DOC: RoundingSettings = { mode: 'half_up', level: 'document' };

const line = (q: string, price: number, taxRates: TaxRateInput[] = [], extra: Partial<LineInput> = {}) => ({
  quantity: q,
  unitPriceMinor: price,
  taxRates,
  ...extra,
});

describe('tax engine: hand-computed cases', () => {
  it('Quebec GST 5% + QST 9.975%: per line vs per document rounding', () => {
    const lines = [1, 2, 3].map(() => line('1', 1999, [GST, QST]));
    // Per line: GST 99.95 → 100, QST 199.40025 → 199; three lines → 300 + 597.
    const perLine = computeDocument({ currency: 'CAD', lines, rounding: LINE });
    expect(perLine.taxes.map((t) => t.taxMinor)).toEqual([300, 597]);
    expect(perLine).toMatchObject({ subtotalMinor: 5997, taxMinor: 897, totalMinor: 6894 });
    // Per document: GST 299.85 → 300, QST 598.20075 → 598.
    const perDoc = computeDocument({ currency: 'CAD', lines, rounding: DOC });
    expect(perDoc.taxes.map((t) => t.taxMinor)).toEqual([300, 598]);
    expect(perDoc).toMatchObject({ taxMinor: 898, totalMinor: 6895 });
    expect(perDoc.lines.reduce((a, l) => a + l.taxMinor, 0)).toBe(898);
  });

  it('compound QST (pre-2013 Quebec: 9.5% on price + GST)', () => {
    const qst = { ...QST, rate: '9.5', compound: true };
    const r = computeDocument({ currency: 'CAD', lines: [line('1', 10000, [GST, qst])], rounding: LINE });
    // GST 500; QST 9.5% of 10500 = 997.5 → 998.
    expect(r.lines[0].taxes.map((t) => t.taxMinor)).toEqual([500, 998]);
    expect(r.totalMinor).toBe(11498);
  });

  it('half-up vs half-even', () => {
    const doc = (mode: 'half_up' | 'half_even') =>
      computeDocument({ currency: 'USD', lines: [line('1', 10, [GST])], rounding: { mode, level: 'line' } });
    expect(doc('half_up').taxMinor).toBe(1); // 0.5 → 1
    expect(doc('half_even').taxMinor).toBe(0); // 0.5 → 0
  });

  it('JPY document with a 10% document discount, exponent 0', () => {
    const tax10: TaxRateInput = { id: 7, rate: '10', inclusive: false, compound: false };
    const input: DocumentInput = {
      currency: 'JPY',
      lines: [line('3', 1980, [tax10])],
      discount: { type: 'percent', value: '10' },
      rounding: LINE,
    };
    const r = computeDocument(input);
    expect(r).toMatchObject({ exponent: 0, subtotalMinor: 5940, discountMinor: 594, netMinor: 5346 });
    expect(r.taxMinor).toBe(535); // 534.6 → 535
    expect(r.totalMinor).toBe(5881);
    expect(formatMinor(r.totalMinor, 'JPY')).toBe('5,881');
  });

  it('KWD document: three decimals, quantity 2.5, half-up vs half-even on the line', () => {
    const r = computeDocument({ currency: 'KWD', lines: [line('2.5', 12345)], rounding: LINE });
    expect(r).toMatchObject({ exponent: 3, subtotalMinor: 30863, totalMinor: 30863 });
    const even = computeDocument({
      currency: 'KWD',
      lines: [line('2.5', 12345)],
      rounding: { mode: 'half_even', level: 'line' },
    });
    expect(even.totalMinor).toBe(30862);
    expect(formatMinor(30863, 'KWD')).toBe('30.863');
  });

  it('inclusive prices: tax is carved out of the amount', () => {
    const vat: TaxRateInput = { id: 3, rate: '20', inclusive: true, compound: false };
    const r = computeDocument({ currency: 'GBP', lines: [line('1', 1200, [vat])], rounding: LINE });
    expect(r.lines[0]).toMatchObject({ amountMinor: 1200, netMinor: 1000, taxMinor: 200, totalMinor: 1200 });
  });

  it('line discounts (percent and amount), line fees and document fees allocated by largest remainder', () => {
    const r = computeDocument({
      currency: 'USD',
      lines: [
        line('1', 1000, [], { discount: { type: 'percent', value: '10' } }),
        line('1', 1000, [], { discount: { type: 'amount', value: 100 }, feesMinor: 50 }),
        line('1', 1000),
      ],
      feesMinor: 10,
      rounding: LINE,
    });
    // bases 900, 950, 1000 → fee shares of 10: 3.158, 3.333, 3.509 → floors 3,3,3 + 1 to the largest remainder.
    expect(r.lines.map((l) => l.feesMinor)).toEqual([3, 53, 4]);
    expect(r.totalMinor).toBe(2860);
  });

  it('refuses negative quantities, discounts above the line and mixed inclusive/exclusive rates', () => {
    const vat: TaxRateInput = { id: 3, rate: '20', inclusive: true, compound: false };
    expect(() => computeDocument({ currency: 'USD', lines: [line('-1', 100)], rounding: LINE })).toThrow(
      expect.objectContaining({ field: 'lines.0.quantity' }),
    );
    expect(() =>
      computeDocument({
        currency: 'USD',
        lines: [line('1', 100, [], { discount: { type: 'amount', value: 101 } })],
        rounding: LINE,
      }),
    ).toThrow(expect.objectContaining({ field: 'lines.0.discount.value' }));
    expect(() =>
      computeDocument({ currency: 'USD', lines: [line('1', 100, [GST, vat])], rounding: LINE }),
    ).toThrow(expect.objectContaining({ field: 'lines.0.tax_rate_ids' }));
  });
});

const rateArb = fc
  .record({
    id: fc.integer({ min: 1, max: 4 }),
    rate: fc.integer({ min: 0, max: 30000 }).map((n) => (n / 1000).toString()),
    compound: fc.boolean(),
  })
  .map((r) => ({ ...r, inclusive: false }));

const lineArb = fc
  .record({
    quantity: fc.integer({ min: 0, max: 100000 }).map((n) => (n / 100).toString()),
    unitPriceMinor: fc.integer({ min: 0, max: 10_000_000 }),
    pct: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    feesMinor: fc.integer({ min: 0, max: 5000 }),
    taxRates: fc.uniqueArray(rateArb, { selector: (r) => r.id, maxLength: 3 }),
    inclusive: fc.boolean(),
  })
  .map((l): LineInput => ({
    quantity: l.quantity,
    unitPriceMinor: l.unitPriceMinor,
    discount: l.pct === undefined ? undefined : { type: 'percent', value: String(l.pct) },
    feesMinor: l.feesMinor,
    taxRates: l.taxRates.map((r) => ({ ...r, inclusive: l.inclusive })),
  }));

// Rates are per id in a real document: every line agrees on each id's definition, ids 3 and 4 are
// inclusive, 1 and 2 exclusive, and a line keeps only rates of its first rate's kind.
function consistent(lines: LineInput[]): LineInput[] {
  const defs = new Map<number, TaxRateInput>();
  return lines.map((l) => {
    const rates = l.taxRates.map((r) => {
      const d = defs.get(r.id) ?? { ...r, inclusive: r.id >= 3 };
      defs.set(r.id, d);
      return d;
    });
    return { ...l, taxRates: rates.filter((r) => r.inclusive === rates[0].inclusive) };
  });
}

const docArb = fc.record({
  currency: fc.constantFrom('USD', 'JPY', 'KWD', 'CAD'),
  lines: fc.array(lineArb, { minLength: 1, maxLength: 8 }).map(consistent),
  discountPct: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  feesMinor: fc.integer({ min: 0, max: 10000 }),
  rounding: fc.record({
    mode: fc.constantFrom('half_up' as const, 'half_even' as const),
    level: fc.constantFrom('line' as const, 'document' as const),
  }),
});

type Doc = typeof docArb extends fc.Arbitrary<infer T> ? T : never;
const toInput = (d: Doc): DocumentInput => ({
  currency: d.currency,
  lines: d.lines,
  discount: d.discountPct === undefined ? undefined : { type: 'percent', value: String(d.discountPct) },
  feesMinor: d.feesMinor,
  rounding: d.rounding,
});

describe('tax engine: properties', () => {
  it('totals equal the sum of the lines; no negative tax on non-negative lines', () => {
    fc.assert(
      fc.property(docArb, (d) => {
        const r = computeDocument(toInput(d));
        const sum = (f: (l: (typeof r.lines)[number]) => number) => r.lines.reduce((a, l) => a + f(l), 0);
        expect(r.totalMinor).toBe(sum((l) => l.totalMinor));
        expect(r.taxMinor).toBe(sum((l) => l.taxMinor));
        expect(r.totalMinor).toBe(r.netMinor + r.taxMinor);
        expect(r.subtotalMinor - r.discountMinor + r.feesMinor).toBe(sum((l) => l.amountMinor));
        expect(r.taxes.reduce((a, t) => a + t.taxMinor, 0)).toBe(r.taxMinor);
        for (const l of r.lines) {
          expect(l.amountMinor).toBeGreaterThanOrEqual(0);
          for (const t of l.taxes) expect(t.taxMinor).toBeGreaterThanOrEqual(0);
          expect(Number.isSafeInteger(l.totalMinor)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('allocation never loses or invents a minor unit and stays within one unit of pro rata', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          const shares = allocate(total, weights);
          expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
          const w = weights.reduce((a, b) => a + b, 0);
          shares.forEach((s, i) => {
            expect(s).toBeGreaterThanOrEqual(0);
            const exact = w === 0 ? total / weights.length : (total * weights[i]) / w;
            expect(Math.abs(s - exact)).toBeLessThan(1 + 1e-9);
          });
        },
      ),
    );
  });

  it('results are identical for any line order', () => {
    fc.assert(
      fc.property(
        docArb.chain((d) =>
          fc.tuple(fc.constant(d), fc.shuffledSubarray(d.lines, { minLength: d.lines.length })),
        ),
        ([d, shuffled]) => {
          const a = computeDocument(toInput(d));
          const b = computeDocument(toInput({ ...d, lines: shuffled }));
          const { lines: la, ...ta } = a;
          const { lines: lb, ...tb } = b;
          expect(tb).toEqual(ta);
          const key = (l: unknown) => JSON.stringify(l);
          expect(lb.map(key).sort()).toEqual(la.map(key).sort());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an inclusive-priced line and the exclusive line at its derived net reach the same gross within one unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 30000 }).map((n) => (n / 1000).toString()),
        fc.constantFrom('half_up' as const, 'half_even' as const),
        (price, rate, mode) => {
          const rounding = { mode, level: 'line' as const };
          const inc = computeDocument({
            currency: 'USD',
            lines: [line('1', price, [{ id: 1, rate, inclusive: true, compound: false }])],
            rounding,
          });
          const exc = computeDocument({
            currency: 'USD',
            lines: [line('1', inc.netMinor, [{ id: 1, rate, inclusive: false, compound: false }])],
            rounding,
          });
          expect(Math.abs(exc.totalMinor - inc.totalMinor)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
