import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const BASELINE_SCORES = resolve(__dirname, '../../reports/baselines/demo/scores.csv');

describe('tables.tex', () => {
  it('prints a level holding LaTeX specials as itself, < > and | included (OT1 prints them as ¡ ¿ —)', () => {
    const name = 'any<thing>|v2_5%&#';
    const rows = parse(readFileSync(BASELINE_SCORES), { columns: false }) as string[][];
    const target = rows[0].indexOf('target');
    const renamed = rows.map((r, i) => (i === 0 ? r : r.map((v, j) => (j === target || j === 0 ? v.replace('anything', name) : v))));
    const dir = tempDir();
    writeFileSync(join(dir, 'scores.csv'), stringify(renamed));
    expect(runCli(['analyze', join(dir, 'scores.csv'), '--reps', '100']).code).toBe(0);
    const report = runCli(['report', dir, '--no-png']);
    expect(report.code, report.stderr).toBe(0);
    const tex = readFileSync(join(dir, 'tables.tex'), 'utf8');
    expect(tex).toContain('base & nai & any\\textless{}thing\\textgreater{}\\textbar{}v2\\_5\\%\\&\\# & counterfeit \\\\');
    expect(tex).not.toMatch(/[<>|]/);
  }, 120_000);
});
