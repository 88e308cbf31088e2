import { compileFilter } from '../../../src/app/query/filter.compiler';
import { collectFilter, parseFilter } from '../../../src/app/query/filter.parser';
import { parseMoney } from '../../../src/app/query/filter-values';
import { Problem } from '../../../src/app/problem';
import { indexOf } from '../../../src/app/query/index-def';
import { contactResource } from '../../../src/crm/contact.resource';
import { companyResource } from '../../../src/crm/company.resource';

const contacts = indexOf(contactResource);
const companies = indexOf(companyResource);
const ctx = { now: new Date('2026-03-15T10:00:00Z'), timeZone: 'Europe/Paris' };

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof Problem) return (e.errors ?? []).map((x) => x.field);
    throw e;
  }
  throw new Error('expected a Problem');
}

describe('filter parser', () => {
  it('collects bracketed query parameters into one nested object', () => {
    expect(
      collectFilter({
        'filter[email][contains]': 'acme',
        'filter[payments][where][status][eq]': 'succeeded',
        limit: '5',
      }),
    ).toEqual({ email: { contains: 'acme' }, payments: { where: { status: { eq: 'succeeded' } } } });
    expect(collectFilter({ limit: '5' })).toBeUndefined();
  });

  it('names every bad parameter at once', () => {
    expect(
      fieldsOf(() =>
        parseFilter(contacts, {
          email: { like: 'x' },
          shoe: { eq: 1 },
          company_id: { gt: 'abc' },
          created_at: { eq: '2026-13-01' },
          payments: { count: { gt: 'x' }, where: { amount: { gte: '10' } } },
        }),
      ),
    ).toEqual([
      'filter[email][like]',
      'filter[shoe]',
      'filter[company_id][gt]',
      'filter[created_at][eq]',
      'filter[payments][where][amount][gte]',
      'filter[payments][count][gt]',
    ]);
  });

  it('refuses nesting deeper than four levels and operators that do not fit the type', () => {
    const deep = { or: [{ or: [{ or: [{ or: [{ email: { eq: 'x' } }] }] }] }] };
    expect(fieldsOf(() => parseFilter(contacts, deep))).toEqual(['filter[or][0][or][0][or][0][or][0]']);
    expect(fieldsOf(() => parseFilter(contacts, { created_at: { contains: 'x' } }))).toEqual([
      'filter[created_at][contains]',
    ]);
    expect(fieldsOf(() => parseFilter(contacts, { payments: { exists: true, count: { gt: 1 } } }))).toEqual([
      'filter[payments]',
    ]);
  });

  it('parses money as amount + currency using the currency exponent', () => {
    expect(parseMoney('100.5 USD')).toEqual({ minor: 10050, currency: 'USD' });
    expect(parseMoney('JPY 1200')).toEqual({ minor: 1200, currency: 'JPY' });
    expect(parseMoney('1.234 KWD')).toEqual({ minor: 1234, currency: 'KWD' });
    expect(() => parseMoney('1.5 JPY')).toThrow(/0 decimal/);
    expect(() => parseMoney('100')).toThrow(/currency/);
    expect(() => parseMoney('100 XXQ')).toThrow(/ISO 4217/);
  });
});

describe('filter compiler', () => {
  const compile = (def = contacts, filter: unknown = {}) =>
    compileFilter(def, parseFilter(def, filter), 't', ctx);

  it('binds every value and lines bindings up with placeholders', () => {
    const out = compile(contacts, {
      email: { contains: '50%_off\\' },
      last_name: { in: 'Ng,Sato' },
      or: [{ country: { ne: 'US' } }, { company_id: { between: '1,9' } }],
    });
    expect(out.sql.split('?').length - 1).toBe(out.bindings.length);
    expect(out.bindings).toEqual(['%50\\%\\_off\\\\%', 'Ng', 'Sato', 'US', 1, 9]);
    expect(out.sql).not.toMatch(/Ng|Sato|US/);
  });

  it('resolves relative ranges in the organisation time zone as half-open local days', () => {
    const out = compile(contacts, { created_at: { eq: 'last_7_days' } });
    expect(out.sql).toBe(
      '("t"."created_at" >= (?::timestamp at time zone ?) and "t"."created_at" < (?::timestamp at time zone ?))',
    );
    expect(out.bindings).toEqual([
      '2026-03-09 00:00:00',
      'Europe/Paris',
      '2026-03-16 00:00:00',
      'Europe/Paris',
    ]);
    // Only the bound that is used is bound: "before this month" needs the start only.
    expect(compile(contacts, { created_at: { lt: 'this_month' } }).bindings).toEqual([
      '2026-03-01 00:00:00',
      'Europe/Paris',
    ]);
  });

  it('compiles money and association criteria with their own filter', () => {
    const money = compile(companies, { annual_revenue: { gt: '1000 EUR' } });
    expect(money.sql).toBe('("t"."currency" = ? and "t"."annual_revenue_minor" > ?)');
    expect(money.bindings).toEqual(['EUR', 100000]);
    const assoc = compile(companies, {
      invoices: { count: { gt: 3, lte: 10 }, where: { status: { eq: 'open' } } },
    });
    expect(assoc.sql.match(/select count\(\*\)/g)).toHaveLength(2);
    expect(assoc.bindings).toEqual(['open', 3, 'open', 10]);
    const sum = compile(contacts, { payments: { sum: { amount: { gte: '5 USD' } } } });
    expect(sum.sql).toContain('"a1"."currency" = ?');
    expect(sum.bindings).toEqual(['USD', 500]);
  });
});
