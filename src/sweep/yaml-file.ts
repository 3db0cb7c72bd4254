import { firstNonUtf8Line } from '../utf8-text.js';
import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { ZodError } from 'zod';
import { SweepError, type SweepProblem } from './types.js';

/** Sweep, experiment and hypotheses files are hand-written text; anything this big is a mistake or an attack. */
export const MAX_YAML_FILE_BYTES = 64 * 1024 * 1024;
/** Longest string value accepted: prompts and descriptions are a few hundred characters. */
export const MAX_YAML_STRING_CHARS = 64 * 1024;
/**
 * Aliases a file may expand: `toJS` counts them and stops a "billion laughs" file before it fills the heap.
 * The yaml library's default (100) is kept; hand-written sweeps use a few.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

type Schema<T> = { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } };

/** A parsed YAML file with the line of each of its fields, for messages. */
export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  /** Line (1-based) of the node at `path`, or of its nearest ancestor that has one. */
  lineOf(path: (string | number)[]): number | undefined;
  /** Line (1-based) of a character offset. */
  lineAt(offset: number): number;
}

/** Reads a YAML file as UTF-8, refusing files that are too large or not UTF-8 rather than guessing. */
export function readYamlText(file: string): string {
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_YAML_FILE_BYTES)
      throw new SweepError([{ file, message: `file is ${formatBytes(size)}; at most ${formatBytes(MAX_YAML_FILE_BYTES)} is accepted` }]);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof SweepError) throw e;
    throw new SweepError([{ file, message: `cannot read: ${(e as Error).message}` }]);
  }
  const line = firstNonUtf8Line(bytes);
  if (line !== undefined) throw new SweepError([{ file, line, message: 'not UTF-8 text: save the file as UTF-8' }]);
  return bytes.toString('utf8');
}

/** Parses YAML text, naming the file and line of the first syntax error, an alias bomb or an oversized string. */
export function parseYamlSource(text: string, file: string): YamlSource & { value: unknown } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    // Later errors are mostly consequences of the first.
    const first = doc.errors[0];
    const sameKeys = first.code === 'DUPLICATE_KEY' ? keysReadAlike(doc, file, lineAt) : undefined;
    if (sameKeys) throw new SweepError([sameKeys]);
    throw new SweepError([{ file, line: lineAt(first.pos[0]), message: `YAML syntax: ${first.message.split('\n')[0]}` }]);
  }
  const tooLong: SweepProblem[] = [];
  visit(doc, {
    Scalar(_key, node, path) {
      if (typeof node.value === 'string' && node.value.length > MAX_YAML_STRING_CHARS) {
        tooLong.push({
          file,
          line: node.range ? lineAt(node.range[0]) : undefined,
          field: fieldOf(path, node) || undefined,
          message: `string of ${node.value.length.toLocaleString('en-US')} characters; at most ${MAX_YAML_STRING_CHARS.toLocaleString('en-US')} are accepted`,
        });
      }
    },
  });
  if (tooLong.length) throw new SweepError(tooLong.slice(0, 1));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message))
      throw new SweepError([{ file, message: 'YAML aliases (*name) expand too much, as in an alias bomb; write the repeated values out' }]);
    throw new SweepError([{ file, message: `YAML: ${(e as Error).message.split('\n')[0]}` }]);
  }
  const lineOf = (path: (string | number)[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lineAt(node.range[0]);
    }
    return undefined;
  };
  return { file, doc, lineOf, lineAt, value };
}

/** Two keys of one mapping written differently that YAML reads as the same key, e.g. 1.0 and 1 (both the number 1). */
function keysReadAlike(doc: Document.Parsed, file: string, lineAt: (offset: number) => number): SweepProblem | undefined {
  let problem: SweepProblem | undefined;
  visit(doc, {
    Map(_key, node, path) {
      const seen = new Map<string, string>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const written = pair.key.source ?? key;
        const earlier = seen.get(key);
        // A key written twice the same way is named well enough by YAML's own message.
        if (earlier !== undefined && earlier !== written) {
          const field = fieldOf([...path, node], pair) || undefined;
          problem = {
            file,
            line: pair.key.range ? lineAt(pair.key.range[0]) : undefined,
            field,
            message: `keys "${earlier}" and "${written}" are read as the same key "${key}": write it once`,
          };
          return visit.BREAK;
        }
        seen.set(key, written);
      }
      return undefined;
    },
  });
  return problem;
}

/** The line of key `key` in the mapping at `path` (for unknown keys, which zod reports on their parent). */
function keyLine(source: YamlSource, path: (string | number)[], key: string): number | undefined {
  const map = path.length ? source.doc.getIn(path, true) : source.doc.contents;
  if (isMap(map)) {
    const pair = map.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key);
    if (pair && isScalar(pair.key) && pair.key.range) return source.lineAt(pair.key.range[0]);
  }
  return source.lineOf(path);
}

/** Validates a parsed YAML value against a zod schema, naming the field and line of every problem. */
export function validateYaml<T>(source: YamlSource & { value: unknown }, schema: Schema<T>): T {
  const result = schema.safeParse(source.value);
  if (result.success) return result.data;
  const problems: SweepProblem[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    // zod reports unknown keys on their mapping; the line is the first unknown key's, not the mapping's.
    const line = issue.code === 'unrecognized_keys' && issue.keys.length ? keyLine(source, path, issue.keys[0]) : source.lineOf(path);
    problems.push({ file: source.file, line, field: path.length ? path.join('.') : undefined, message: issue.message });
  }
  throw new SweepError(problems);
}

/** "prompts.0.text" for a node reached through `ancestors` (as `visit` gives them). */
function fieldOf(ancestors: readonly unknown[], node: unknown): string {
  const parts: string[] = [];
  ancestors.forEach((a, i) => {
    const child = i + 1 < ancestors.length ? ancestors[i + 1] : node;
    if (isPair(a) && a.value === child) parts.push(isScalar(a.key) ? String(a.key.value) : String(a.key));
    else if (isSeq(a)) parts.push(String(a.items.indexOf(child as never)));
  });
  return parts.join('.');
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${n.toLocaleString('en-US')} bytes`;
}
