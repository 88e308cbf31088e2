import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { formatMinor } from './currency';
import type { TemplateModel } from './template.types';

/** What a PDF shows; built by the document services from invoices and receipts. */
export interface RenderModel {
  title: string;
  number: string;
  currency: string;
  organisation: string;
  customer: string[];
  /** Label/value pairs under the title (issue date, due date, status…). */
  facts: Array<[string, string]>;
  lines: Array<{
    description: string;
    quantity: string;
    unitMinor: number;
    taxMinor: number;
    totalMinor: number;
  }>;
  totals: Array<[string, number]>;
  /** The emphasised last total (amount due, amount received). */
  emphasis: [string, number];
  intro?: string;
  notes?: string;
  instructions?: string;
}

const DEJAVU = '/usr/share/fonts/truetype/dejavu';
const FAMILIES = { sans: 'DejaVuSans', serif: 'DejaVuSerif', mono: 'DejaVuSansMono' } as const;

/**
 * pdfkit's built-in Helvetica has no glyphs beyond Latin-1 (no ¥ in some viewers, no ₹, €
 * only by luck), so we embed DejaVu (Debian fonts-dejavu-core) and print amounts with ISO codes;
 * without the font files we fall back to Helvetica, which still renders ISO codes and digits.
 */
function fonts(theme: TemplateModel['theme']): { regular: string; bold: string } {
  const family = FAMILIES[theme.font ?? 'sans'];
  const regular = `${DEJAVU}/${family}.ttf`;
  const bold = `${DEJAVU}/${family}-Bold.ttf`;
  if (existsSync(regular) && existsSync(bold)) return { regular, bold };
  return { regular: 'Helvetica', bold: 'Helvetica-Bold' };
}

/** Renders an invoice or receipt to PDF bytes. Deterministic: fixed metadata dates. */
export function renderPdf(model: RenderModel, template: TemplateModel): Promise<Buffer> {
  const theme = template.theme;
  const f = fonts(theme);
  const primary = theme.primary_color ?? '#1f3a5f';
  const accent = theme.accent_color ?? '#e8eef5';
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `${model.title} ${model.number}`, Producer: 'Ledgerline', CreationDate: new Date(0) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const money = (m: number) => `${model.currency} ${formatMinor(m, model.currency)}`;
  const left = 50;
  const width = doc.page.width - 100;

  doc.rect(0, 0, doc.page.width, 8).fill(primary);
  if (theme.logo) {
    const data = Buffer.from(theme.logo.slice(theme.logo.indexOf(',') + 1), 'base64');
    doc.image(data, left, 30, { fit: [140, 50] });
  }
  doc.fillColor(primary).font(f.bold).fontSize(22).text(`${model.title} ${model.number}`, left, 35, {
    width,
    align: 'right',
  });
  doc
    .fillColor('#000000')
    .font(f.regular)
    .fontSize(10)
    .text(model.organisation, left, 65, { width, align: 'right' });

  let y = 100;
  doc.font(f.bold).text('Bill to', left, y);
  doc.font(f.regular);
  for (const line of model.customer) doc.text(line);
  model.facts.forEach(([k, v], i) => {
    doc.font(f.bold).text(k, left + width / 2, y + i * 14, { width: 110 });
    doc
      .font(f.regular)
      .text(v, left + width / 2 + 110, y + i * 14, { width: width / 2 - 110, align: 'right' });
  });
  y = Math.max(doc.y, y + model.facts.length * 14) + 16;
  if (model.intro) {
    doc.font(f.regular).text(model.intro, left, y, { width });
    y = doc.y + 10;
  }

  if (model.lines.length) {
    const cols = [
      { h: 'Description', w: width - 330, a: 'left' as const },
      { h: 'Qty', w: 50, a: 'right' as const },
      { h: 'Unit price', w: 95, a: 'right' as const },
      { h: 'Tax', w: 80, a: 'right' as const },
      { h: 'Amount', w: 105, a: 'right' as const },
    ];
    const row = (cells: string[], bold = false) => {
      let x = left;
      const top = y;
      let bottom = y;
      cells.forEach((c, i) => {
        doc
          .font(bold ? f.bold : f.regular)
          .text(c, x + 3, top + 4, { width: cols[i].w - 6, align: cols[i].a });
        bottom = Math.max(bottom, doc.y);
        x += cols[i].w;
      });
      y = bottom + 4;
      if (y > doc.page.height - 120) {
        doc.addPage();
        y = 50;
      }
    };
    doc.rect(left, y, width, 20).fill(accent);
    doc.fillColor(primary);
    row(
      cols.map((c) => c.h),
      true,
    );
    doc.fillColor('#000000');
    for (const l of model.lines) {
      row([l.description, l.quantity, money(l.unitMinor), money(l.taxMinor), money(l.totalMinor)]);
    }
    doc
      .moveTo(left, y)
      .lineTo(left + width, y)
      .strokeColor(accent)
      .stroke();
    y += 8;
  }

  for (const [label, amount] of model.totals) {
    doc.font(f.regular).text(label, left + width - 300, y, { width: 170, align: 'right' });
    doc.text(money(amount), left + width - 125, y, { width: 125, align: 'right' });
    y = doc.y + 2;
  }
  doc.rect(left + width - 300, y + 2, 300, 22).fill(accent);
  doc.fillColor(primary).font(f.bold).fontSize(12);
  doc.text(model.emphasis[0], left + width - 300, y + 7, { width: 170, align: 'right' });
  doc.text(money(model.emphasis[1]), left + width - 125, y + 7, { width: 120, align: 'right' });
  doc.fillColor('#000000').font(f.regular).fontSize(10);
  y += 40;

  for (const [label, text] of [
    ['Notes', model.notes],
    ['Payment', model.instructions],
    ['Terms', theme.terms_text],
  ] as const) {
    if (!text) continue;
    doc.font(f.bold).text(label, left, y, { width });
    doc.font(f.regular).text(text, { width });
    y = doc.y + 10;
  }
  if (theme.footer) {
    doc
      .fontSize(8)
      .fillColor('#555555')
      .text(theme.footer, left, doc.page.height - 70, { width, align: 'center' });
  }
  doc.end();
  return done;
}
