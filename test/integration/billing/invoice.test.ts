import { InvoiceRepository } from '../../../src/billing/invoice.repository';
import { OverdueService } from '../../../src/billing/overdue.service';
import { startTestService, TestService } from '../../support/service';

describe('invoices on PostgreSQL', () => {
  let svc: TestService;
  let gst: number;
  let qst: number;
  let contactId: number;
  let companyId: number;

  beforeAll(async () => {
    svc = await startTestService();
    gst = (
      await svc.request('POST', '/api/v1/tax-rates', { body: { name: 'GST', code: 'CA-GST', rate: '5' } })
    ).body.id;
    qst = (
      await svc.request('POST', '/api/v1/tax-rates', {
        body: { name: 'QST', code: 'CA-QC-QST', rate: '9.975' },
      })
    ).body.id;
    companyId = (await svc.request('POST', '/api/v1/companies', { body: { name: 'Érable Inc.' } })).body.id;
    contactId = (
      await svc.request('POST', '/api/v1/contacts', {
        body: {
          first_name: 'Marie',
          last_name: 'Tremblay',
          email: 'marie@example.com',
          company_id: companyId,
        },
      })
    ).body.id;
  });
  afterAll(() => svc.close());

  const draft = (body: Record<string, unknown> = {}) =>
    svc.request('POST', '/api/v1/invoices', {
      role: 'finance',
      body: {
        currency: 'CAD',
        company_id: companyId,
        contact_id: contactId,
        lines: [
          { description: 'Widget', quantity: 3, unit_price_minor: 1999, tax_rate_ids: [gst, qst] },
          {
            description: 'Setup',
            quantity: '1',
            unit_price_minor: 5000,
            discount: { type: 'percent', value: '10' },
          },
        ],
        ...body,
      },
    });

  /** Everything that could change when a request is refused. */
  const snapshot = async () => ({
    invoices: await svc.db('invoices').orderBy('id'),
    lines: await svc.db('line_items').orderBy('id'),
    payments: await svc.db('payments').orderBy('id'),
    outbox: await svc.db('sync_outbox').count({ n: '*' }).first(),
    emails: await svc.db('email_outbox').count({ n: '*' }).first(),
    seq: await svc.db('number_sequences').orderBy('prefix'),
  });

  it('derives totals from the lines and records audit + outbox', async () => {
    const res = await draft();
    expect(res.status).toBe(201);
    // 3 × 19.99 = 59.97; GST 3.00 (2.9985), QST 5.98 (5.982…); Setup 50.00 − 5.00 = 45.00 untaxed.
    expect(res.body).toMatchObject({
      status: 'draft',
      number: null,
      subtotal_minor: 10997,
      discount_minor: 500,
      tax_minor: 898,
      total_minor: 11395,
      amount_due_minor: 11395,
      terms: 'net_30',
    });
    expect(res.body.lines.map((l: any) => l.total_minor)).toEqual([6895, 4500]);
    const audit = await svc.db('audit_log').where({ object: 'invoice', object_id: res.body.id });
    expect(audit.map((a) => a.action)).toEqual(['create']);
    const outbox = await svc.db('sync_outbox').where({ object: 'invoice', object_id: res.body.id });
    expect(outbox).toHaveLength(1);
  });

  it('rounds per document when the setting says so (snapshotted on the invoice)', async () => {
    const put = await svc.request('PUT', '/api/v1/billing/settings', {
      body: { rounding_level: 'document' },
    });
    expect(put.status).toBe(200);
    const res = await draft({
      lines: [1, 2, 3].map(() => ({ quantity: 1, unit_price_minor: 1999, tax_rate_ids: [gst, qst] })),
    });
    expect(res.body).toMatchObject({ rounding_level: 'document', tax_minor: 898, total_minor: 6895 });
    await svc.request('PUT', '/api/v1/billing/settings', { body: { rounding_level: 'line' } });
    const perLine = await draft({
      lines: [1, 2, 3].map(() => ({ quantity: 1, unit_price_minor: 1999, tax_rate_ids: [gst, qst] })),
    });
    expect(perLine.body).toMatchObject({ rounding_level: 'line', tax_minor: 897 });
  });

  it('numbers invoices gap-free per prefix only when finalised, even under concurrency', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push((await draft({ number_prefix: 'RACE' })).body.id);
    const results = await Promise.all(
      ids.map((id) => svc.request('POST', `/api/v1/invoices/${id}/finalize`)),
    );
    expect(results.map((r) => r.status)).toEqual(ids.map(() => 200));
    const numbers = results.map((r) => r.body.number).sort();
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6].map((n) => `RACE-${String(n).padStart(6, '0')}`));
    const one = results[0].body;
    expect(one.status).toBe('open');
    expect(one.public_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // net_30 from the issue date
    const issue = new Date(`${one.issue_date}T00:00:00Z`);
    issue.setUTCDate(issue.getUTCDate() + 30);
    expect(one.due_date).toBe(issue.toISOString().slice(0, 10));
    // finalising twice is refused and takes no number
    const again = await svc.request('POST', `/api/v1/invoices/${ids[0]}/finalize`);
    expect(again.status).toBe(409);
    const seq = await svc.db('number_sequences').where({ prefix: 'RACE' }).first();
    expect(Number(seq.next_value)).toBe(7);
  });

  it('terms: due on receipt, net 7 and custom due dates', async () => {
    const a = await draft({ terms: 'due_on_receipt', issue_date: '2026-03-01' });
    expect(a.body.due_date).toBe('2026-03-01');
    const b = await draft({ terms: 'net_7', issue_date: '2026-03-01' });
    expect(b.body.due_date).toBe('2026-03-08');
    const c = await draft({ terms: 'custom', issue_date: '2026-03-01', due_date: '2026-04-15' });
    expect(c.body.due_date).toBe('2026-04-15');
    const f = await svc.request('POST', `/api/v1/invoices/${c.body.id}/finalize`);
    expect(f.body).toMatchObject({ issue_date: '2026-03-01', due_date: '2026-04-15', status: 'open' });
  });

  it('partial payments, amount due, manual mark-paid with method detail, receipts', async () => {
    const inv = (await draft()).body;
    await svc.request('POST', `/api/v1/invoices/${inv.id}/finalize`, { body: { issue_date: '2026-02-01' } });
    const part = await svc.request('POST', `/api/v1/invoices/${inv.id}/mark-paid`, {
      role: 'finance',
      body: {
        amount_minor: 5000,
        method: 'other',
        detail: 'cheque',
        paid_on: '2026-02-05',
        reference: 'CHQ 1042',
      },
    });
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({ status: 'open', amount_paid_minor: 5000, amount_due_minor: 6395 });
    expect(part.body.payments[0]).toMatchObject({
      amount_minor: 5000,
      method: 'other',
      method_detail: 'cheque',
      paid_on: '2026-02-05',
      status: 'succeeded',
    });
    const rest = await svc.request('POST', `/api/v1/invoices/${inv.id}/mark-paid`, {
      body: { detail: 'cash' },
    });
    expect(rest.body).toMatchObject({ status: 'paid', amount_paid_minor: 11395, amount_due_minor: 0 });
    expect(rest.body.receipts.map((r: any) => r.amount_minor)).toEqual([5000, 6395]);
    const kinds = (await svc.db('email_outbox').where({ related_id: inv.id, related_object: 'invoice' })).map(
      (e) => e.kind,
    );
    expect(kinds).toContain('paid');
  });

  it('credit notes refund after payment and never exceed what was paid', async () => {
    const inv = (await draft()).body;
    await svc.request('POST', `/api/v1/invoices/${inv.id}/finalize`);
    const paid = await svc.request('POST', `/api/v1/invoices/${inv.id}/mark-paid`, { body: {} });
    const paymentId = paid.body.payments[0].id;
    const cn = await svc.request('POST', `/api/v1/invoices/${inv.id}/credit-notes`, {
      body: { amount_minor: 1000, reason: 'damaged widget', payment_id: paymentId },
    });
    expect(cn.status).toBe(201);
    expect(cn.body.credit_note).toMatchObject({ amount_minor: 1000, currency: 'CAD' });
    expect(cn.body.credit_note.number).toMatch(/^CN-\d{6}$/);
    expect(cn.body.receipt).toMatchObject({ kind: 'refund', amount_minor: 1000 });
    const payment = await svc.db('payments').where({ id: paymentId }).first();
    expect(payment).toMatchObject({ status: 'partially_refunded', amount_refunded_minor: 1000 });
    const before = await snapshot();
    const tooMuch = await svc.request('POST', `/api/v1/invoices/${inv.id}/credit-notes`, {
      body: { amount_minor: 11395, reason: 'x' },
    });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.errors[0].field).toBe('amount_minor');
    expect(await snapshot()).toEqual(before);
  });

  it('void with reason; void and paid invoices refuse edits and payments', async () => {
    const inv = (await draft()).body;
    await svc.request('POST', `/api/v1/invoices/${inv.id}/finalize`);
    const v = await svc.request('POST', `/api/v1/invoices/${inv.id}/void`, { body: { reason: 'duplicate' } });
    expect(v.body).toMatchObject({ status: 'void', void_reason: 'duplicate', amount_due_minor: 0 });
    const before = await snapshot();
    const pay = await svc.request('POST', `/api/v1/invoices/${inv.id}/mark-paid`, { body: {} });
    expect(pay.status).toBe(409);
    expect(pay.headers['content-type']).toMatch(/problem\+json/);
    const edit = await svc.request('PATCH', `/api/v1/invoices/${inv.id}`, { body: { memo: 'x' } });
    expect(edit.status).toBe(409);
    expect(await snapshot()).toEqual(before);
  });

  it('mark uncollectible', async () => {
    const inv = (await draft()).body;
    await svc.request('POST', `/api/v1/invoices/${inv.id}/finalize`);
    const u = await svc.request('POST', `/api/v1/invoices/${inv.id}/mark-uncollectible`, {
      body: { reason: 'gone' },
    });
    expect(u.body.status).toBe('uncollectible');
  });

  it('edits an open invoice: lines are replaced and totals re-derived; paid invoices are locked', async () => {
    const inv = (await draft()).body;
    await svc.request('POST', `/api/v1/invoices/${inv.id}/finalize`);
    const e = await svc.request('PATCH', `/api/v1/invoices/${inv.id}`, {
      body: {
        lines: [{ description: 'Only', quantity: 2, unit_price_minor: 1000 }],
        discount: { type: 'amount', value: 500 },
      },
      headers: { 'if-match': '2' },
    });
    expect(e.status).toBe(200);
    expect(e.body).toMatchObject({ total_minor: 1500, amount_due_minor: 1500, version: 3 });
    expect(e.body.lines).toHaveLength(1);
    await svc.request('POST', `/api/v1/invoices/${inv.id}/mark-paid`, { body: {} });
    const before = await snapshot();
    const locked = await svc.request('PATCH', `/api/v1/invoices/${inv.id}`, { body: { lines: [] } });
    expect(locked.status).toBe(409);
    expect(await snapshot()).toEqual(before);
  });

  it('bad input: clear 4xx problem+json naming the field, nothing changed', async () => {
    const open = (await draft()).body;
    await svc.request('POST', `/api/v1/invoices/${open.id}/finalize`);
    const cases: Array<[string, string, unknown, number, string]> = [
      [
        'POST',
        '/api/v1/invoices',
        { currency: 'CAD', lines: [{ quantity: -1, unit_price_minor: 100 }] },
        400,
        'lines.0.quantity',
      ],
      [
        'POST',
        '/api/v1/invoices',
        {
          currency: 'CAD',
          lines: [{ quantity: 1, unit_price_minor: 100, discount: { type: 'amount', value: 101 } }],
        },
        400,
        'lines.0.discount.value',
      ],
      [
        'POST',
        '/api/v1/invoices',
        { currency: 'CAD', lines: [{ quantity: 1, unit_price_minor: 100, tax_rate_ids: [999999] }] },
        400,
        'lines.0.tax_rate_ids.0',
      ],
      [
        'POST',
        '/api/v1/invoices',
        { currency: 'CAD', lines: [{ quantity: 1, unit_price_minor: 100, currency: 'USD' }] },
        400,
        'lines.0.currency',
      ],
      [
        'POST',
        '/api/v1/invoices',
        { currency: 'CAD', terms: 'custom', issue_date: '2026-05-10', due_date: '2026-05-01' },
        400,
        'due_date',
      ],
      ['POST', '/api/v1/invoices', { currency: 'CAD', company_id: 999999 }, 422, 'company_id'],
      [
        'POST',
        '/api/v1/invoices',
        { currency: 'CAD', discount: { type: 'percent', value: '120' } },
        400,
        'discount.value',
      ],
      [
        'POST',
        `/api/v1/invoices/${open.id}/mark-paid`,
        { amount_minor: open.total_minor + 1 },
        400,
        'amount_minor',
      ],
      ['POST', `/api/v1/invoices/${open.id}/mark-paid`, { amount_minor: 1.5 }, 400, 'amount_minor'],
      ['POST', `/api/v1/invoices/${open.id}/void`, {}, 400, 'reason'],
    ];
    const before = await snapshot();
    for (const [method, url, body, status, field] of cases) {
      const r = await svc.request(method, url, { body });
      expect({ url, body, status: r.status }).toEqual({ url, body, status });
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body.errors.map((e: any) => e.field)).toContain(field);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('daily job flags overdue invoices once and sends reminders before the due date', async () => {
    const due = (await draft({ terms: 'net_7', issue_date: '2026-01-01' })).body;
    await svc.request('POST', `/api/v1/invoices/${due.id}/finalize`, { body: { issue_date: '2026-01-01' } });
    const soon = (await draft({ terms: 'net_10', issue_date: '2026-01-01' })).body;
    await svc.request('POST', `/api/v1/invoices/${soon.id}/finalize`, { body: { issue_date: '2026-01-01' } });
    const job = svc.app.get(OverdueService);
    const first = await job.run('2026-01-09');
    expect(first.overdue).toBeGreaterThanOrEqual(1);
    const row = await svc.db('invoices').where({ id: due.id }).first();
    expect(row.overdue_since).toBe('2026-01-09');
    const second = await job.run('2026-01-09');
    expect(second).toMatchObject({ overdue: 0, reminders: 0 });
    const emails = await svc
      .db('email_outbox')
      .whereIn('related_id', [due.id, soon.id])
      .where({ related_object: 'invoice' });
    expect(emails.filter((e) => e.kind === 'overdue').map((e) => e.related_id)).toEqual([due.id]);
    expect(emails.filter((e) => e.kind === 'reminder').map((e) => e.related_id)).toEqual([soon.id]);
    const list = await svc.request('GET', '/api/v1/invoices?overdue=true', { role: 'viewer' });
    expect(list.body.results.map((r: any) => r.id)).toContain(due.id);
  });

  it('lists invoices through the shared index layer: filters, sort, cursor, count, shorthands', async () => {
    const all = (await svc.db('invoices').whereNull('archived_at')) as any[];
    const open = all.filter((r) => r.status === 'open');
    expect(open.length).toBeGreaterThan(2);
    // Open invoices by due date (then id), two per page, walked by cursor to the end.
    const seen: any[] = [];
    let cursor = '';
    for (let page = 0; page < 50; page++) {
      const r = await svc.request(
        'GET',
        `/api/v1/invoices?filter[status][eq]=open&sort=due_date&limit=2&count=true${cursor ? `&cursor=${cursor}` : ''}`,
        { role: 'viewer' },
      );
      expect(r.status).toBe(200);
      expect(r.body.total).toBe(open.length);
      seen.push(...r.body.results);
      if (!r.body.paging.next) break;
      cursor = r.body.paging.next;
    }
    const key = (r: any) => `${r.due_date ?? '9999-99-99'}#${String(r.id).padStart(12, '0')}`;
    expect(seen.map((r) => r.id)).toEqual(
      [...open].sort((a, b) => (key(a) < key(b) ? -1 : 1)).map((r) => r.id),
    );
    expect(seen.every((r) => r.public_token === undefined)).toBe(true);
    // Money with currency, and the older parameters as shorthands for the same filters.
    const big = await svc.request(
      'GET',
      '/api/v1/invoices?filter[total][gte]=1.00 USD&fields=total_minor,currency',
    );
    expect(big.body.results.length).toBe(
      all.filter((r) => r.currency === 'USD' && Number(r.total_minor) >= 100).length,
    );
    const short = await svc.request('GET', '/api/v1/invoices?status=open&limit=500');
    expect(short.body.results.map((r: any) => r.id).sort()).toEqual(open.map((r) => r.id).sort());
    // Bad input: 400s naming the parameter.
    for (const [q, field] of [
      ['after=5', 'after'],
      ['sort=memo', 'sort'],
      ['filter[nope][eq]=1', 'filter[nope]'],
      ['overdue=maybe', 'overdue'],
    ]) {
      const r = await svc.request('GET', `/api/v1/invoices?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.errors.map((e: any) => e.field).join(' ')).toContain(field);
    }
  });

  it('documents the billing routes in OpenAPI', async () => {
    const docs = await svc.request('GET', '/api/docs.json', { role: null });
    expect(docs.status).toBe(200);
    const paths = Object.keys(docs.body.paths);
    for (const p of [
      '/api/v1/invoices',
      '/api/v1/invoices/{id}/mark-paid',
      '/api/v1/templates/{id}/preview',
    ]) {
      expect(paths).toContain(p);
    }
    const body = docs.body.paths['/api/v1/invoices'].post.requestBody.content['application/json'].schema;
    expect(body.properties.lines.items.properties.quantity).toBeDefined();
  });

  it('a rolled-back issue leaves no gap; a second connection waits on the counter row', async () => {
    const repo = new InvoiceRepository();
    await expect(
      svc.db.transaction(async (trx) => {
        expect(await repo.nextNumber(trx, 'GAP')).toBe(1);
        throw new Error('issue failed after numbering');
      }),
    ).rejects.toThrow('issue failed');
    // Transaction A holds the row; B (another connection, as another process would) must wait.
    const order: string[] = [];
    let releaseA!: () => void;
    const held = new Promise<void>((r) => (releaseA = r));
    const a = svc.db.transaction(async (trx) => {
      const n = await repo.nextNumber(trx, 'GAP');
      order.push(`A${n}`);
      await held;
    });
    await new Promise((r) => setTimeout(r, 50));
    const b = svc.db.transaction(async (trx) => {
      const n = await repo.nextNumber(trx, 'GAP');
      order.push(`B${n}`);
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(order).toEqual(['A1']);
    releaseA();
    await Promise.all([a, b]);
    expect(order).toEqual(['A1', 'B2']);
  });

  it('keeps the tax rates a line was written with when only document fields change', async () => {
    const rate = (
      await svc.request('POST', '/api/v1/tax-rates', { body: { name: 'T', code: 'SNAP', rate: '5' } })
    ).body.id;
    const inv = (
      await svc.request('POST', '/api/v1/invoices', {
        body: { currency: 'USD', lines: [{ unit_price_minor: 10000, tax_rate_ids: [rate] }] },
      })
    ).body;
    expect(inv.tax_minor).toBe(500);
    expect(inv.lines[0].taxes[0]).toMatchObject({ tax_rate_id: rate, rate: '5', tax_minor: 500 });
    await svc.request('PATCH', `/api/v1/tax-rates/${rate}`, { body: { rate: '6' } });
    const discounted = await svc.request('PATCH', `/api/v1/invoices/${inv.id}`, {
      body: { discount: { type: 'percent', value: '10' } },
    });
    expect(discounted.body).toMatchObject({ net_minor: 9000, tax_minor: 450, total_minor: 9450 });
    // Rewriting the lines picks up the rate as it is now.
    const rewritten = await svc.request('PATCH', `/api/v1/invoices/${inv.id}`, {
      body: { lines: [{ unit_price_minor: 10000, tax_rate_ids: [rate] }] },
    });
    expect(rewritten.body).toMatchObject({ tax_minor: 540, total_minor: 9540 });
  });
});
