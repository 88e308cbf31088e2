import type { RoundingSettings } from './rounding';

/** A tax rate as the engine sees it: `rate` is a percentage as an exact decimal string ('9.975'). */
export interface TaxRateInput {
  id: number;
  code?: string;
  rate: string;
  inclusive: boolean;
  compound: boolean;
}

export type Adjustment = { type: 'percent'; value: string } | { type: 'amount'; value: number };

export interface LineInput {
  /** Exact decimal quantity, e.g. '1.5'. */
  quantity: string;
  unitPriceMinor: number;
  discount?: Adjustment | null;
  feesMinor?: number;
  /** Applied in this order; compound rates apply to the base plus the taxes before them. */
  taxRates: TaxRateInput[];
}

export interface DocumentInput {
  currency: string;
  lines: LineInput[];
  /** Document-level discount, allocated to lines pro rata by largest remainder. */
  discount?: Adjustment | null;
  /** Document-level fees (e.g. shipping), allocated to lines the same way. */
  feesMinor?: number;
  rounding: RoundingSettings;
}

export interface LineTax {
  taxRateId: number;
  taxMinor: number;
}

export interface LineResult {
  /** quantity × unit price, rounded. */
  grossMinor: number;
  /** Line discount plus its share of the document discount. */
  discountMinor: number;
  /** Line fees plus its share of the document fees. */
  feesMinor: number;
  /** gross − discount + fees: what the customer is charged for the line before exclusive tax. */
  amountMinor: number;
  /** The line without tax (for inclusive prices: amount − tax). */
  netMinor: number;
  taxMinor: number;
  taxes: LineTax[];
  /** net + tax. */
  totalMinor: number;
}

export interface TaxSummary {
  taxRateId: number;
  code?: string;
  rate: string;
  inclusive: boolean;
  compound: boolean;
  taxableMinor: number;
  taxMinor: number;
}

export interface DocumentResult {
  currency: string;
  exponent: number;
  lines: LineResult[];
  /** Σ line gross. */
  subtotalMinor: number;
  discountMinor: number;
  feesMinor: number;
  netMinor: number;
  taxMinor: number;
  totalMinor: number;
  taxes: TaxSummary[];
}

/** Input the engine refuses, with the field path (e.g. `lines.2.discount`). */
export class MoneyInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
