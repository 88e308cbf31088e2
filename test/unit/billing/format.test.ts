import { formatMinor, formatMoney } from '../../../src/billing/currency';
import { addDays, todayIn } from '../../../src/billing/invoice.types';
import { modelOf } from '../../../src/billing/template.service';
import { fill } from '../../../src/billing/template.types';

describe('billing formatting helpers', () => {
  it('formats minor units by exponent without floats', () => {
    expect(formatMinor(0, 'USD')).toBe('0.00');
    expect(formatMinor(5, 'USD')).toBe('0.05');
    expect(formatMinor(-123456789, 'USD')).toBe('-1,234,567.89');
    expect(formatMinor(1234567, 'JPY')).toBe('1,234,567');
    expect(formatMinor(1, 'KWD')).toBe('0.001');
    expect(formatMinor(9007199254740991, 'USD')).toBe('90,071,992,547,409.91');
    expect(formatMoney(123456, 'KWD')).toBe('KWD 123.456');
  });

  it('net terms add calendar days across month and year ends', () => {
    expect(addDays('2026-01-31', 30)).toBe('2026-03-02');
    expect(addDays('2026-12-15', 30)).toBe('2027-01-14');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(todayIn('Pacific/Auckland', new Date('2026-06-30T13:00:00Z'))).toBe('2026-07-01');
    expect(todayIn('America/Los_Angeles', new Date('2026-07-01T03:00:00Z'))).toBe('2026-06-30');
  });

  it('fills placeholders, blanking unknown ones; templates merge over defaults', () => {
    expect(
      fill('Hi {{ customer_name }}, {{nope}}pay {{total}}', { customer_name: 'Ada', total: 'USD 1.00' }),
    ).toBe('Hi Ada, pay USD 1.00');
    const m = modelOf('email', {
      id: 1,
      theme: { primary_color: '#000000' },
      sections: { paid: { subject: 'Paid!' } },
    });
    expect(m.sections.paid.subject).toBe('Paid!');
    expect(m.sections.paid.body).toContain('{{invoice_number}}');
    expect(m.sections.reminder.subject).toContain('Reminder');
    expect(m.theme).toMatchObject({ primary_color: '#000000', font: 'sans' });
  });
});
