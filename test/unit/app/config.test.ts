import { ConfigError, loadConfig } from '../../../src/app/config';
import { parseInt8 } from '../../../src/app/database';
import { currencyExponent, isCurrency } from '../../../src/billing/currency';

describe('config', () => {
  it('applies defaults on an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.pgliteDir).toMatch(/data\/pg$/);
    expect(c.warehousePath).toMatch(/data\/warehouse\.duckdb$/);
    expect(c.demo).toBe(true);
  });

  it('names every bad variable', () => {
    expect(() =>
      loadConfig({ PORT: '99999', ORG_TIMEZONE: 'Mars/Olympus', LEDGERLINE_DEMO: 'maybe' }),
    ).toThrow(ConfigError);
    try {
      loadConfig({ PORT: '99999', ORG_TIMEZONE: 'Mars/Olympus', LEDGERLINE_DEMO: 'maybe' });
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('ORG_TIMEZONE');
      expect(msg).toContain('LEDGERLINE_DEMO');
    }
  });
});

describe('int8 normalisation', () => {
  it('returns safe integers as numbers and larger ones as exact strings', () => {
    expect(parseInt8('42')).toBe(42);
    expect(parseInt8(BigInt(7))).toBe(7);
    expect(parseInt8('9007199254740993')).toBe('9007199254740993');
    expect(parseInt8(null)).toBeNull();
  });
});

describe('currencies', () => {
  it('knows ISO 4217 exponents', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('XAU')).toBe(false);
  });
});
