import type { Knex } from 'knex';
import type { Row } from './payment.repository';

/** Shared by the ingest steps (payment-ingest.service.ts, balance-txn.ingest.ts). */
export interface IngestCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface Ctx {
  trx: Knex.Transaction;
  connectionId: number;
  processor: string;
  counts: IngestCounts;
  source: string;
}

/** Writes audit + outbox for created and updated canonical rows and counts them. */
export type RecordChanges = (
  ctx: Ctx,
  object: string,
  created: Row[],
  updated: [Row, Row][],
) => Promise<void>;

const same = (a: unknown, b: unknown) =>
  a instanceof Date || b instanceof Date
    ? new Date(a as string).getTime() === new Date(b as string).getTime()
    : JSON.stringify(a) === JSON.stringify(b);

/** The fields of `next` that differ from `row`. */
export function diff(row: Row, next: Row): Row {
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => !same(row[k], v)));
}
