const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Exponents beyond this are left as written rather than expanded into long digit strings. */
const MAX_EXPONENT = 100;

/**
 * The one spelling of a factor level that every command compares: a numeric-looking level is written as its plain
 * decimal value ("1.0", "1.00", "+1", "1e0" → "1"; ".50" → "0.5"; "-0" → "0"), computed on the digits so that long
 * integers stay exact; any other level is returned as written.
 */
export function canonicalLevel(level: string): string {
  const m = DECIMAL.exec(level);
  if (!m) return level;
  const [, sign, intDigits, fracDigits = '', exponentText] = m;
  if (intDigits === '' && fracDigits === '') return level;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) return level;
  const digits = intDigits + fracDigits;
  const point = intDigits.length + exponent;
  let whole: string;
  let fraction: string;
  if (point <= 0) {
    whole = '';
    fraction = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    whole = digits + '0'.repeat(point - digits.length);
    fraction = '';
  } else {
    whole = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  whole = whole.replace(/^0+/, '') || '0';
  fraction = fraction.replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : whole;
  return sign === '-' && text !== '0' ? `-${text}` : text;
}
