import { startTestService, TestService } from '../../support/service';

describe('invoices on PGlite', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ engine: 'pglite' });
  });
  afterAll(() => svc.close());

  it('creates, finalises, pays, credits and renders an invoice', async () => {
    const rate = (
      await svc.request('POST', '/api/v1/tax-rates', {
        body: { name: 'VAT', code: 'VAT20', rate: '20', inclusive: true },
      })
    ).body.id;
    const contact = (await svc.request('POST', '/api/v1/contacts', { body: { email: 'p@example.com' } })).body
      .id;
    const inv = await svc.request('POST', '/api/v1/invoices', {
      body: {
        currency: 'GBP',
        contact_id: contact,
        lines: [{ description: 'Box', quantity: 2, unit_price_minor: 600, tax_rate_ids: [rate] }],
      },
    });
    expect(inv.body).toMatchObject({ total_minor: 1200, tax_minor: 200, net_minor: 1000 });
    const ids = [
      inv.body.id,
      (
        await svc.request('POST', '/api/v1/invoices', {
          body: { currency: 'GBP', lines: [{ unit_price_minor: 1 }] },
        })
      ).body.id,
    ];
    const fin = await Promise.all(
      ids.map((id) => svc.request('POST', `/api/v1/invoices/${id}/finalize`, { body: { send: true } })),
    );
    expect(fin.map((f) => f.body.number).sort()).toEqual(['INV-000001', 'INV-000002']);
    const paid = await svc.request('POST', `/api/v1/invoices/${inv.body.id}/mark-paid`, {
      body: { detail: 'cash' },
    });
    expect(paid.body.status).toBe('paid');
    const cn = await svc.request('POST', `/api/v1/invoices/${inv.body.id}/credit-notes`, {
      body: { amount_minor: 1200, reason: 'returned' },
    });
    expect(cn.status).toBe(201);
    expect((await svc.request('POST', '/api/v1/email-outbox/dispatch')).body.failed).toBe(0);
    const pdf = await svc.request('GET', `/api/v1/invoices/${inv.body.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(String(pdf.body).startsWith('%PDF-')).toBe(true);
    const page = await svc.request('GET', `/pay/invoice/${fin[0].body.public_token}`, { role: null });
    expect(page.body).toContain('This invoice is paid');
  });
});
