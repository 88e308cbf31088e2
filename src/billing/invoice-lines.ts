import type { Knex } from 'knex';
import { Problem } from '../app/problem';
import { computeDocument } from './money/tax-engine';
import { DocumentResult, LineInput, MoneyInputError, TaxRateInput } from './money/money.types';
import { Dec, RoundingSettings } from './money/rounding';
import type { InvoiceRepository } from './invoice.repository';
import type { LineBody } from './invoice.types';

/** '2.500000' (numeric column) and '2.5' (request) are the same quantity: one spelling for both. */
export const norm = (v: string) => new Dec(v).toFixed();

export interface ResolvedLines {
  rows: Record<string, unknown>[];
  inputs: LineInput[];
}

/**
 * Turns request lines into engine input: product defaults (price, tax rate), tax rates looked up
 * and refused when unknown, currencies checked against the document. Field paths are those of the
 * request so problems name what the client sent.
 */
export async function resolveLines(
  trx: Knex.Transaction,
  repo: InvoiceRepository,
  currency: string,
  lines: LineBody[],
): Promise<ResolvedLines> {
  const errors: { field: string; message: string }[] = [];
  const productIds = [...new Set(lines.map((l) => l.product_id).filter((x): x is number => !!x))];
  const products = new Map((await repo.products(trx, productIds)).map((p: any) => [p.id, p]));
  const rateIds = new Set<number>();
  lines.forEach((l, i) => {
    const product = l.product_id ? products.get(l.product_id) : undefined;
    if (l.product_id && !product) errors.push({ field: `lines.${i}.product_id`, message: 'unknown product' });
    const ids = l.tax_rate_ids ?? (product?.tax_rate_id ? [product.tax_rate_id] : []);
    ids.forEach((id) => rateIds.add(id));
  });
  const rates = new Map((await repo.taxRates(trx, [...rateIds])).map((r: any) => [r.id, r]));

  const rows: Record<string, unknown>[] = [];
  const inputs: LineInput[] = [];
  lines.forEach((l, i) => {
    const product = l.product_id ? products.get(l.product_id) : undefined;
    const lineCurrency =
      l.currency ?? (l.unit_price_minor === undefined ? product?.currency : undefined) ?? currency;
    if (lineCurrency !== currency) {
      errors.push({
        field: `lines.${i}.currency`,
        message: `is ${lineCurrency} but the invoice is in ${currency}; one document has one currency`,
      });
    }
    const price = l.unit_price_minor ?? product?.price_minor;
    if (price === undefined)
      errors.push({ field: `lines.${i}.unit_price_minor`, message: 'is required without a product' });
    const ids = l.tax_rate_ids ?? (product?.tax_rate_id ? [product.tax_rate_id] : []);
    const taxRates: TaxRateInput[] = [];
    ids.forEach((id, k) => {
      const r = rates.get(id);
      if (!r) errors.push({ field: `lines.${i}.tax_rate_ids.${k}`, message: `unknown tax rate ${id}` });
      else
        taxRates.push({
          id: r.id,
          code: r.code,
          rate: norm(String(r.rate)),
          inclusive: r.inclusive,
          compound: r.compound,
        });
    });
    if (l.service_start && l.service_end && l.service_end < l.service_start) {
      errors.push({ field: `lines.${i}.service_end`, message: 'is before service_start' });
    }
    inputs.push({
      quantity: norm(l.quantity),
      unitPriceMinor: price ?? 0,
      discount:
        l.discount?.type === 'percent'
          ? { type: 'percent', value: norm(l.discount.value) }
          : (l.discount ?? null),
      feesMinor: l.fees_minor ?? 0,
      taxRates,
    });
    rows.push({
      position: i,
      product_id: l.product_id ?? null,
      description: l.description ?? product?.name ?? null,
      quantity: l.quantity,
      unit_price_minor: price ?? 0,
      currency,
      discount_type: l.discount?.type ?? null,
      discount_value: l.discount ? String(l.discount.value) : null,
      line_fees_minor: l.fees_minor ?? 0,
      tax_rate_id: ids[0] ?? null,
      tax_rate_ids: JSON.stringify(ids),
      service_start: l.service_start ?? null,
      service_end: l.service_end ?? null,
    });
  });
  if (errors.length) throw Problem.validation(errors);
  return { rows, inputs };
}

/**
 * Rebuilds rows and engine input from stored lines (a document-level change recomputes them). The
 * rates come from each line's snapshot, so editing a discount never picks up a tax rate that was
 * changed after the line was written.
 */
export function storedLines(lines: any[]): ResolvedLines {
  const inputs: LineInput[] = lines.map((l) => ({
    quantity: norm(l.quantity),
    unitPriceMinor: l.unit_price_minor,
    discount: !l.discount_type
      ? null
      : l.discount_type === 'percent'
        ? { type: 'percent', value: norm(l.discount_value) }
        : { type: 'amount', value: Number(l.discount_value) },
    feesMinor: l.line_fees_minor,
    taxRates: (l.taxes as StoredTax[]).map((t) => ({
      id: t.tax_rate_id,
      code: t.code,
      rate: t.rate,
      inclusive: t.inclusive,
      compound: t.compound,
    })),
  }));
  const keep = [
    'position',
    'product_id',
    'description',
    'quantity',
    'unit_price_minor',
    'currency',
    'discount_type',
    'discount_value',
    'line_fees_minor',
    'tax_rate_id',
    'service_start',
    'service_end',
  ];
  const rows = lines.map((l) => ({
    ...Object.fromEntries(keep.map((k) => [k, l[k]])),
    tax_rate_ids: JSON.stringify(l.tax_rate_ids),
  }));
  return { rows, inputs };
}

/** Per line and rate: the rate as applied (a snapshot) and the tax it gave. */
interface StoredTax {
  tax_rate_id: number;
  code?: string;
  rate: string;
  inclusive: boolean;
  compound: boolean;
  tax_minor: number;
}

/** Stored line rows with the engine's derived amounts and the rates they were computed with. */
export function withDerived(rows: Record<string, unknown>[], inputs: LineInput[], result: DocumentResult) {
  return rows.map((r, i) => {
    const l = result.lines[i];
    const taxes: StoredTax[] = inputs[i].taxRates.map((t, k) => ({
      tax_rate_id: t.id,
      code: t.code,
      rate: t.rate,
      inclusive: t.inclusive,
      compound: t.compound,
      tax_minor: l.taxes[k].taxMinor,
    }));
    return {
      ...r,
      gross_minor: l.grossMinor,
      discount_minor: l.discountMinor,
      fees_minor: l.feesMinor,
      amount_minor: l.amountMinor,
      net_minor: l.netMinor,
      tax_minor: l.taxMinor,
      total_minor: l.totalMinor,
      taxes: JSON.stringify(taxes),
    };
  });
}

/** Runs the engine, turning its input errors into a 400 naming the field. */
export function compute(
  currency: string,
  inputs: LineInput[],
  doc: { discount: any; feesMinor: number; rounding: RoundingSettings },
): DocumentResult {
  try {
    return computeDocument({
      currency,
      lines: inputs,
      discount: doc.discount,
      feesMinor: doc.feesMinor,
      rounding: doc.rounding,
    });
  } catch (e) {
    if (e instanceof MoneyInputError) throw Problem.validation([{ field: e.field, message: e.message }]);
    throw e;
  }
}
