/** ISO 4217 minor-unit exponents that differ from the usual 2. */
const EXPONENT_OVERRIDES: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

const NON_CURRENCIES = new Set([
  'XAG',
  'XAU',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XPD',
  'XPT',
  'XSU',
  'XTS',
  'XUA',
  'XXX',
]);

const KNOWN: ReadonlySet<string> = new Set(
  (Intl as unknown as { supportedValuesOf(k: string): string[] })
    .supportedValuesOf('currency')
    .filter((c) => !NON_CURRENCIES.has(c)),
);

export function isCurrency(code: string): boolean {
  return KNOWN.has(code);
}

export function currencyExponent(code: string): number {
  if (!isCurrency(code)) throw new Error(`unknown currency ${code}`);
  return EXPONENT_OVERRIDES[code] ?? 2;
}

/**
 * Formats minor units as a plain decimal with grouping, e.g. (123456, 'KWD') → '123.456'. Integer
 * arithmetic only: the value never passes through a float.
 */
export function formatMinor(minor: number, code: string): string {
  const exp = currencyExponent(code);
  const neg = minor < 0;
  const digits = Math.abs(minor)
    .toString()
    .padStart(exp + 1, '0');
  const whole = digits.slice(0, digits.length - exp).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = exp ? `.${digits.slice(digits.length - exp)}` : '';
  return `${neg ? '-' : ''}${whole}${frac}`;
}

/** Money with its ISO code, e.g. 'JPY 12,000' — codes render in any font, symbols like ¥ may not. */
export function formatMoney(minor: number, code: string): string {
  return `${code} ${formatMinor(minor, code)}`;
}
