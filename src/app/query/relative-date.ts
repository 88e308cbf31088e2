/**
 * Relative date ranges resolved in the organisation's time zone. A range is half-open
 * [from, to) of local calendar days; weeks start on Monday (ISO 8601), quarters are calendar
 * quarters. `last_N_days` is the N most recent days including today (last_1_days = today).
 */
const FIXED = [
  'today',
  'yesterday',
  'tomorrow',
  'this_week',
  'last_week',
  'this_month',
  'last_month',
  'this_quarter',
  'last_quarter',
  'this_year',
  'last_year',
] as const;
const LAST_N = /^(last|next)_(\d{1,4})_days$/;

export function isRelativeRange(s: string): boolean {
  if ((FIXED as readonly string[]).includes(s)) return true;
  const m = LAST_N.exec(s);
  return !!m && Number(m[2]) >= 1 && Number(m[2]) <= 3660;
}

const formats = new Map<string, Intl.DateTimeFormat>();
const lastDate = new Map<string, { minute: number; date: string }>();

/** Today's date (YYYY-MM-DD) in `timeZone` at instant `now`. */
export function localDate(now: Date, timeZone: string): string {
  // Every zone's offset is whole minutes, so the local date only changes on a minute boundary:
  // formatting (costly even with a cached formatter) runs once per zone and minute.
  const minute = Math.floor(now.getTime() / 60000);
  const last = lastDate.get(timeZone);
  if (last?.minute === minute) return last.date;
  // Formatters are costly to build (a measurable share of an index request): one per zone.
  let f = formats.get(timeZone);
  if (!f) {
    // en-CA formats as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, f);
  }
  const date = f.format(now);
  if (lastDate.size > 1000) lastDate.clear();
  lastDate.set(timeZone, { minute, date });
  return date;
}

const day = (s: string) => new Date(`${s}T00:00:00Z`);
const fmt = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (s: string, n: number) => fmt(new Date(day(s).getTime() + n * 86400000));
const firstOfMonth = (y: number, m: number) => fmt(new Date(Date.UTC(y, m, 1)));

export interface DayRange {
  /** First local day in the range. */
  from: string;
  /** First local day after the range. */
  to: string;
}

export function resolveRelative(name: string, now: Date, timeZone: string): DayRange {
  const today = localDate(now, timeZone);
  const d = day(today);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const monday = addDays(today, -((d.getUTCDay() + 6) % 7));
  const q = Math.floor(m / 3) * 3;
  const n = LAST_N.exec(name);
  if (n) {
    const count = Number(n[2]);
    return n[1] === 'last'
      ? { from: addDays(today, 1 - count), to: addDays(today, 1) }
      : { from: today, to: addDays(today, count) };
  }
  switch (name) {
    case 'today':
      return { from: today, to: addDays(today, 1) };
    case 'yesterday':
      return { from: addDays(today, -1), to: today };
    case 'tomorrow':
      return { from: addDays(today, 1), to: addDays(today, 2) };
    case 'this_week':
      return { from: monday, to: addDays(monday, 7) };
    case 'last_week':
      return { from: addDays(monday, -7), to: monday };
    case 'this_month':
      return { from: firstOfMonth(y, m), to: firstOfMonth(y, m + 1) };
    case 'last_month':
      return { from: firstOfMonth(y, m - 1), to: firstOfMonth(y, m) };
    case 'this_quarter':
      return { from: firstOfMonth(y, q), to: firstOfMonth(y, q + 3) };
    case 'last_quarter':
      return { from: firstOfMonth(y, q - 3), to: firstOfMonth(y, q) };
    case 'this_year':
      return { from: firstOfMonth(y, 0), to: firstOfMonth(y + 1, 0) };
    case 'last_year':
      return { from: firstOfMonth(y - 1, 0), to: firstOfMonth(y, 0) };
  }
  throw new Error(`unknown relative range ${name}`);
}

export { addDays };
