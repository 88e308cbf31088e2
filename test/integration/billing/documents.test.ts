import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestService, TestService } from '../../support/service';

const dir = mkdtempSync(join(tmpdir(), 'll-pdf-'));

/** Text of a PDF by poppler's pdftotext (layout kept so a row's cells stay on one line). */
function pdfText(pdf: Buffer, name: string): string {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

/** Renders page 1 as an image: the PNG bytes, and the raw pixels (PPM) to look at colours. */
function pageImage(pdf: Buffer, name: string) {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  const page = ['-r', '50', '-f', '1', '-l', '1', '-singlefile', file, join(dir, name)];
  execFileSync('pdftoppm', ['-png', ...page]);
  execFileSync('pdftoppm', page);
  const ppm = readFileSync(join(dir, `${name}.ppm`));
  const [magic, w, h, max] = ppm.toString('latin1', 0, 40).split(/\s+/);
  expect([magic, max]).toEqual(['P6', '255']);
  const header = ppm.toString('latin1', 0, 40).match(/^P6\s+\d+\s+\d+\s+255\s/)![0].length;
  const width = Number(w);
  const pixel = (x: number, y: number) => {
    const o = header + (y * width + x) * 3;
    return '#' + [0, 1, 2].map((i) => ppm[o + i].toString(16).padStart(2, '0')).join('');
  };
  return { png: readFileSync(join(dir, `${name}.png`)), width, height: Number(h), pixel };
}

describe('invoice and receipt documents (PDF, templates)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc.close());

  /** The test client decodes bodies as text; PDFs need the raw bytes. */
  async function bytes(method: 'GET' | 'POST', url: string, body?: unknown) {
    const res = await svc.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method,
        url,
        headers: {
          authorization: `Bearer ${svc.keys.viewer}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        payload: body ? JSON.stringify(body) : undefined,
      });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    return res.rawPayload;
  }

  async function customer(name: string, email: string, currency: string, place: Record<string, string> = {}) {
    const company = (await svc.request('POST', '/api/v1/companies', { body: { name, currency, ...place } }))
      .body.id;
    const contact = (
      await svc.request('POST', '/api/v1/contacts', {
        body: { first_name: name.split(' ')[0], last_name: 'Buyer', email, company_id: company },
      })
    ).body.id;
    return { company, contact };
  }

  it('renders a JPY and a KWD invoice whose text and totals are right', async () => {
    const vat = (
      await svc.request('POST', '/api/v1/tax-rates', { body: { name: 'JCT', code: 'JP-10', rate: '10' } })
    ).body.id;
    const jp = await customer('Sakura KK', 'sakura@example.jp', 'JPY');
    const jpy = await svc.request('POST', '/api/v1/invoices', {
      body: {
        currency: 'JPY',
        company_id: jp.company,
        contact_id: jp.contact,
        lines: [
          { description: 'Matcha set', quantity: 3, unit_price_minor: 1980, tax_rate_ids: [vat] },
          { description: 'Gift wrap', quantity: 1, unit_price_minor: 330, tax_rate_ids: [vat] },
        ],
        discount: { type: 'amount', value: 300 },
      },
    });
    expect(jpy.status).toBe(201);
    // 5940 + 330 = 6270 − 300 = 5970; tax per line 10%: shares of 300 → 284.2/15.8 → 284, 16
    // lines 5656 → 565.6 → 566 and 314 → 31.4 → 31 → tax 597; total 6567.
    expect(jpy.body).toMatchObject({
      subtotal_minor: 6270,
      discount_minor: 300,
      tax_minor: 597,
      total_minor: 6567,
    });
    await svc.request('POST', `/api/v1/invoices/${jpy.body.id}/finalize`, {
      body: { issue_date: '2026-04-01' },
    });
    const jText = pdfText(await bytes('GET', `/api/v1/invoices/${jpy.body.id}/pdf`), 'jpy');
    expect(jText).toContain('Sakura KK');
    expect(jText).toMatch(/Matcha set\s+3\s+JPY 1,980\s+JPY 566\s+JPY 6,222/);
    expect(jText).toMatch(/Gift wrap\s+1\s+JPY 330\s+JPY 31\s+JPY 345/);
    expect(jText).toMatch(/Subtotal\s+JPY 6,270/);
    expect(jText).toMatch(/Discount\s+JPY -300/);
    expect(jText).toMatch(/JP-10 10%\s+JPY 597/);
    expect(jText).toMatch(/Total\s+JPY 6,567/);
    expect(jText).toMatch(/Amount due\s+JPY 6,567/);
    expect(jText).toMatch(/Due date\s+2026-05-01/);
    expect(jText).not.toMatch(/JPY \d+\.\d/); // no decimals for yen

    const kw = await customer('Gulf Trading', 'gulf@example.kw', 'KWD', {
      city: 'Kuwait City',
      country: 'KW',
    });
    const kwd = await svc.request('POST', '/api/v1/invoices', {
      body: {
        currency: 'KWD',
        company_id: kw.company,
        contact_id: kw.contact,
        terms: 'net_15',
        lines: [{ description: 'Survey', quantity: '2.5', unit_price_minor: 12345 }],
        fees_minor: 1500,
      },
    });
    expect(kwd.body).toMatchObject({ subtotal_minor: 30863, fees_minor: 1500, total_minor: 32363 });
    await svc.request('POST', `/api/v1/invoices/${kwd.body.id}/finalize`, {
      body: { issue_date: '2026-04-01' },
    });
    await svc.request('POST', `/api/v1/invoices/${kwd.body.id}/mark-paid`, {
      body: { amount_minor: 10000, method: 'other', detail: 'bank_transfer', paid_on: '2026-04-03' },
    });
    const kwdPdf = await bytes('GET', `/api/v1/invoices/${kwd.body.id}/pdf`);
    const kText = pdfText(kwdPdf, 'kwd');
    expect(kText).toMatch(/Survey\s+2\.5\s+KWD 12\.345\s+KWD 0\.000\s+KWD 32\.363/);
    expect(kText).toMatch(/Fees\s+KWD 1\.500/);
    expect(kText).toContain('Kuwait City, KW');
    expect(kText).toMatch(/Total\s+KWD 32\.363/);
    expect(kText).toMatch(/Paid\s+KWD -10\.000/);
    expect(kText).toMatch(/Amount due\s+KWD 22\.363/);
    expect(kText).toMatch(/Due date\s+2026-04-16/);

    // A rendered page image: a real PNG of an A4 page at 50 dpi, with the theme's colour band on top.
    const img = pageImage(kwdPdf, 'kwd-page');
    expect(img.png.subarray(1, 4).toString()).toBe('PNG');
    expect(Math.abs(img.png.readUInt32BE(16) - 413)).toBeLessThanOrEqual(1); // A4 at 50 dpi
    expect(Math.abs(img.height - 585)).toBeLessThanOrEqual(1);
    expect(img.pixel(200, 1)).toBe('#1f3a5f'); // the default theme's colour band
    expect(img.pixel(200, 300)).toBe('#ffffff');

    // The receipt of the partial payment.
    const receiptId = (await svc.request('GET', `/api/v1/invoices/${kwd.body.id}`)).body.receipts[0].id;
    const rText = pdfText(await bytes('GET', `/api/v1/receipts/${receiptId}/pdf`), 'receipt');
    expect(rText).toMatch(/Receipt RCPT-\d{6}/);
    expect(rText).toMatch(/Amount received\s+KWD 10\.000/);
    expect(rText).toMatch(/other \/ bank_transfer/);
  });

  it('templates: theme and sections change the PDF; preview renders samples, invoices and emails', async () => {
    const logo =
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const t = await svc.request('POST', '/api/v1/templates', {
      body: {
        kind: 'invoice',
        name: 'Branded',
        is_default: true,
        theme: {
          logo,
          primary_color: '#aa0000',
          font: 'serif',
          footer: 'Thank you — Ledgerline SARL',
          terms_text: 'Late fees 1.5%/month',
        },
        sections: { title: 'Facture', notes: 'Merci {{customer_name}}' },
      },
    });
    expect(t.status).toBe(201);
    const bad = await svc.request('POST', '/api/v1/templates', {
      body: { kind: 'invoice', name: 'x', theme: { primary_color: 'red' }, sections: { bogus: 'x' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.field)).toEqual(['theme.primary_color']);
    const badSections = await svc.request('POST', '/api/v1/templates', {
      body: { kind: 'invoice', name: 'x', sections: { bogus: 'x' } },
    });
    expect(badSections.status).toBe(400);
    expect(badSections.body.errors[0].field).toBe('sections.bogus');

    const pText = pdfText(await bytes('POST', `/api/v1/templates/${t.body.id}/preview`), 'preview');
    expect(pText).toContain('Facture INV-000123');
    expect(pText).toContain('Thank you — Ledgerline SARL');
    expect(pText).toContain('Late fees 1.5%/month');

    const c = await customer('Zoë Müller', 'zoe@example.de', 'EUR');
    const inv = await svc.request('POST', '/api/v1/invoices', {
      body: {
        currency: 'EUR',
        contact_id: c.contact,
        lines: [{ description: 'Größe XL €', unit_price_minor: 4200 }],
      },
    });
    const text = pdfText(await bytes('GET', `/api/v1/invoices/${inv.body.id}/pdf`), 'branded');
    expect(text).toContain('Facture DRAFT-');
    expect(text).toContain('Größe XL €');
    expect(text).toContain('Merci Zoë Buyer');

    const email = await svc.request('POST', '/api/v1/templates', {
      body: {
        kind: 'email',
        name: 'Mails',
        sections: {
          invoice_sent: {
            subject: 'Votre facture {{invoice_number}}',
            body: 'Bonjour {{customer_name}} — {{total}}',
          },
        },
      },
    });
    const ep = await svc.request('POST', `/api/v1/templates/${email.body.id}/preview`, {
      body: { invoice_id: inv.body.id },
    });
    expect(ep.body).toEqual({
      subject: `Votre facture draft ${inv.body.id}`,
      text: 'Bonjour Zoë Buyer — EUR 42.00',
      html: 'Bonjour Zoë Buyer — EUR 42.00',
    });
  });
});
