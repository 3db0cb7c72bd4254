/**
 * AUTOMATIC1111 "infotext": the generation parameters A1111 writes into its images.
 *
 *   <prompt, possibly several lines>
 *   Negative prompt: <negative prompt, possibly several lines>      (absent when empty)
 *   Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Lora hashes: "a: 0123456789ab"
 *
 * The parser follows `parse_generation_parameters` in modules/infotext_utils.py: the last line holds
 * the parameters only when it has at least three `key: value` pairs, values with a comma, colon or
 * newline are JSON-quoted. Unlike A1111 it adds no defaults for missing keys.
 */

/** Python's str.strip() whitespace, which differs from JavaScript's trim() (\x1c-\x1f, \x85; no BOM). */
const PY_WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const leadingWs = new RegExp(`^[${PY_WHITESPACE}]+`);
const trailingWs = new RegExp(`[${PY_WHITESPACE}]+$`);

export function pyStrip(s: string): string {
  return s.replace(leadingWs, '').replace(trailingWs, '');
}

/** re_param from infotext_utils.py; Python's \w is Unicode-aware, hence \p{L}\p{N} (letters and numbers, as str.isalnum). */
const PARAM_SOURCE = String.raw`\s*([\p{L}\p{N}_][\p{L}\p{N}_ \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`;

function paramMatches(line: string): RegExpMatchArray[] {
  return [...line.matchAll(new RegExp(PARAM_SOURCE, 'gu'))];
}

export interface Infotext {
  prompt: string;
  negativePrompt: string;
  /** Parameters in the order written, values unquoted. */
  params: Record<string, string>;
  /** true when a "Negative prompt:" line was present. */
  hasNegativePrompt: boolean;
}

export function unquote(value: string): string {
  if (value.length === 0 || value[0] !== '"' || value[value.length - 1] !== '"') return value;
  try {
    const parsed = JSON.parse(value);
    return typeof parsed === 'string' ? parsed : value;
  } catch {
    return value;
  }
}

/** quote() from infotext_utils.py: JSON-quotes values that contain a comma, newline or colon. */
export function quote(value: string): string {
  if (!value.includes(',') && !value.includes('\n') && !value.includes(':')) return value;
  return JSON.stringify(value);
}

export function parseInfotext(text: string): Infotext {
  const lines = pyStrip(text).split('\n');
  let lastLine = lines.pop() ?? '';
  if (paramMatches(lastLine).length < 3) {
    lines.push(lastLine);
    lastLine = '';
  }
  let prompt = '';
  let negativePrompt = '';
  let doneWithPrompt = false;
  let hasNegativePrompt = false;
  for (const raw of lines) {
    let line = pyStrip(raw);
    if (line.startsWith('Negative prompt:')) {
      doneWithPrompt = true;
      hasNegativePrompt = true;
      line = pyStrip(line.slice(16));
    }
    if (doneWithPrompt) negativePrompt += (negativePrompt === '' ? '' : '\n') + line;
    else prompt += (prompt === '' ? '' : '\n') + line;
  }
  const params: Record<string, string> = {};
  for (const m of paramMatches(lastLine)) {
    let value = m[2];
    if (value.length > 0 && value[0] === '"' && value[value.length - 1] === '"') value = unquote(value);
    params[m[1]] = value;
  }
  return { prompt, negativePrompt, params, hasNegativePrompt };
}

/** Writes an infotext the way A1111's create_infotext does. */
export function formatInfotext(info: { prompt: string; negativePrompt?: string; params: Record<string, string | number> }): string {
  const negative = info.negativePrompt ? `\nNegative prompt: ${info.negativePrompt}` : '';
  const params = Object.entries(info.params)
    .map(([k, v]) => `${k}: ${quote(String(v))}`)
    .join(', ');
  return pyStrip(`${info.prompt}${negative}\n${params}`);
}

/** "512x768" → [512, 768]. */
export function parseSize(value: string | undefined): [number, number] | undefined {
  const m = /^(\d+)x(\d+)$/.exec(value ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** `Lora hashes: "name: 0123456789ab, other: ba9876543210"` → Map name → hash. */
export function parseHashList(value: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  if (!value) return found;
  for (const part of value.split(',')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const name = part.slice(0, colon).trim();
    const hash = part.slice(colon + 1).trim();
    if (name && hash) found.set(name, hash);
  }
  return found;
}
