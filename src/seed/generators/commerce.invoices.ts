import { BulkWriter, day, iso, rng } from './bulk.writer';
import type { ProcessorRecords } from './commerce.processor';

export interface InvoiceGen {
  w: BulkWriter;
  r: ReturnType<typeof rng>;
  invoices: number;
  seed: number;
  customers: Array<{ id: number; currency: string }>;
  products: Array<{ id: number; price: number }>;
  lineCols: string[];
  nextLine: () => number;
  factor: (currency: string) => number;
  counts: Record<string, number>;
  anchor: number;
  dayMs: number;
  /** Refunds, disputes, balance transactions and payouts of the successful payments. */
  processor: ProcessorRecords;
}

/** Invoices with 1–5 lines and their payments, written in chunks of 25,000 invoices. */
export async function writeInvoices(g: InvoiceGen): Promise<void> {
  // Invoices (1–5 lines), payments (succeeded, failed attempts, partial), refunds and disputes.
  let nextInvoice = await g.w.nextId('invoices');
  let nextPayment = await g.w.nextId('payments');
  const invCols = [
    'id',
    'number',
    'status',
    'currency',
    'company_id',
    'issue_date',
    'due_date',
    'subtotal_minor',
    'tax_minor',
    'total_minor',
    'amount_paid_minor',
    'amount_due_minor',
    'created_at',
    'updated_at',
  ];
  const payCols = [
    'id',
    'company_id',
    'invoice_id',
    'amount_minor',
    'currency',
    'method',
    'status',
    'fee_minor',
    'net_minor',
    'paid_at',
    'created_at',
    'updated_at',
  ];
  for (let done = 0; done < g.invoices; done += 25000) {
    const invs: unknown[][] = [];
    const lines: unknown[][] = [];
    const pays: unknown[][] = [];
    for (let i = done; i < Math.min(g.invoices, done + 25000); i++) {
      const c = g.r.pick(g.customers);
      const issue = g.anchor - g.r.int(0, 1095) * g.dayMs;
      const id = nextInvoice++;
      const roll = g.r.next();
      const status =
        roll < 0.7
          ? 'paid'
          : roll < 0.9
            ? 'open'
            : roll < 0.95
              ? 'void'
              : roll < 0.98
                ? 'draft'
                : 'uncollectible';
      let subtotal = 0;
      let tax = 0;
      const nLines = g.r.int(1, 5);
      for (let l = 0; l < nLines; l++) {
        const p = g.r.pick(g.products);
        const qty = g.r.int(1, 4);
        const unit = Math.round(p.price * g.factor(c.currency));
        const amount = qty * unit;
        const t = Math.round(amount * 0.08);
        subtotal += amount;
        tax += t;
        lines.push([
          g.nextLine(),
          'invoice',
          id,
          l,
          p.id,
          qty,
          unit,
          c.currency,
          amount,
          t,
          null,
          null,
          iso(issue),
          iso(issue),
        ]);
      }
      const total = subtotal + tax;
      let paid = 0;
      const method = g.r.weighted([
        ['card', 70],
        ['ach', 25],
        ['manual', 5],
      ] as Array<[string, number]>);
      const fee = (amount: number) =>
        method === 'card'
          ? Math.round(amount * 0.029) + 30
          : method === 'ach'
            ? Math.min(500, Math.round(amount * 0.008))
            : 0;
      const at = issue + g.r.int(0, 40) * g.dayMs;
      if (status === 'paid' || (status === 'open' && g.r.next() < 0.5)) {
        if (g.r.next() < 0.2) {
          pays.push([
            nextPayment++,
            c.id,
            id,
            total,
            c.currency,
            method,
            'failed',
            0,
            0,
            null,
            iso(at - g.dayMs),
            iso(at - g.dayMs),
          ]);
        }
        const amount = status === 'paid' ? total : Math.floor(total / 2);
        paid = amount;
        const payId = nextPayment++;
        const out = g.processor.payment(g.r, {
          id: payId,
          amount,
          fee: fee(amount),
          currency: c.currency,
          card: method === 'card',
          at,
          factor: g.factor(c.currency),
        });
        pays.push([
          payId,
          c.id,
          id,
          amount,
          c.currency,
          method,
          out.status,
          fee(amount),
          amount - fee(amount),
          iso(at),
          iso(at),
          iso(out.updatedAt),
        ]);
      }
      invs.push([
        id,
        `C${g.seed}-${id}`,
        status,
        c.currency,
        c.id,
        day(issue),
        day(issue + 30 * g.dayMs),
        subtotal,
        tax,
        total,
        paid,
        status === 'void' ? 0 : total - paid,
        iso(issue),
        iso(issue),
      ]);
    }
    await g.w.write('invoices', invCols, invs);
    await g.w.write('line_items', g.lineCols, lines);
    await g.w.write('payments', payCols, pays);
    await g.processor.flush();
    g.counts.invoices += invs.length;
    g.counts.line_items += lines.length;
    g.counts.payments += pays.length;
  }
  for (const t of ['invoices', 'line_items', 'payments']) await g.w.syncSequence(t);
}
