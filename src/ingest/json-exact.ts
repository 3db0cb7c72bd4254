/**
 * JSON.parse that keeps integers beyond 2^53 exact: such literals come back as bigint.
 * ComfyUI seeds go up to 2^64 - 1 and would otherwise be rounded.
 */
export function parseJsonExact(text: string): unknown {
  let out = '';
  let i = 0;
  let inString = false;
  while (i < text.length) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (c === '"') inString = false;
      i++;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      i++;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (m) {
        const literal = m[0];
        const isBigInteger = !m[1] && !m[2] && !Number.isSafeInteger(Number(literal));
        out += isBigInteger ? `"\\u0000bigint:${literal}"` : literal;
        i += literal.length;
        continue;
      }
    }
    out += c;
    i++;
  }
  return JSON.parse(out, (_key, value) => (typeof value === 'string' && value.startsWith('\u0000bigint:') ? BigInt(value.slice(8)) : value));
}
