import { localDate, resolveRelative } from '../../../src/app/query/relative-date';
import { CursorCodec } from '../../../src/app/query/cursor';

describe('relative date ranges', () => {
  // 2026-03-01 23:30 UTC is already March 2 in Tokyo and still March 1 in New York.
  const now = new Date('2026-03-01T23:30:00Z');

  it('reads "today" in the organisation time zone', () => {
    expect(localDate(now, 'Asia/Tokyo')).toBe('2026-03-02');
    expect(localDate(now, 'America/New_York')).toBe('2026-03-01');
    expect(resolveRelative('today', now, 'Asia/Tokyo')).toEqual({ from: '2026-03-02', to: '2026-03-03' });
  });

  it.each([
    ['yesterday', { from: '2026-02-28', to: '2026-03-01' }],
    ['last_30_days', { from: '2026-01-31', to: '2026-03-02' }],
    ['this_week', { from: '2026-02-23', to: '2026-03-02' }], // Sunday 1 March: week began Monday 23 Feb
    ['last_week', { from: '2026-02-16', to: '2026-02-23' }],
    ['this_month', { from: '2026-03-01', to: '2026-04-01' }],
    ['last_month', { from: '2026-02-01', to: '2026-03-01' }],
    ['this_quarter', { from: '2026-01-01', to: '2026-04-01' }],
    ['last_quarter', { from: '2025-10-01', to: '2026-01-01' }],
    ['this_year', { from: '2026-01-01', to: '2027-01-01' }],
    ['last_year', { from: '2025-01-01', to: '2026-01-01' }],
  ])('%s in New York', (name, want) => {
    expect(resolveRelative(name, now, 'America/New_York')).toEqual(want);
  });
});

describe('cursor codec', () => {
  const codec = new CursorCodec('secret');
  const h = CursorCodec.queryHash({ o: 'contact', s: 'last_name' });

  it('round-trips and refuses other queries, other secrets and tampering', () => {
    const c = codec.encode(h, { seg: 'v', value: 'Ng', id: 42 });
    expect(codec.decode(c, h)).toEqual({ seg: 'v', value: 'Ng', id: 42 });
    expect(() => codec.decode(c, CursorCodec.queryHash({ o: 'contact', s: 'email' }))).toThrow();
    expect(() => new CursorCodec('other').decode(c, h)).toThrow();
    const [, sig] = c.split('.');
    const forged = Buffer.from(JSON.stringify(['v', 'Ng', 43])).toString('base64url');
    expect(() => codec.decode(`${forged}.${sig}`, h)).toThrow();
  });
});
