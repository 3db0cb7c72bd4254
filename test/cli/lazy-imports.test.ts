import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const HEAVY = ['onnxruntime-node', 'sharp', 'better-sqlite3', 'vega', 'vega-lite', '@huggingface/hub', 'playwright'];

/** Every package the CLI resolves while running with `args`, recorded by a module hook. */
function packagesLoaded(args: string[]): { packages: Set<string>; stdout: string } {
  const log = join(mkdtempSync(join(tmpdir(), 'lora-eval-imports-')), 'imports.txt');
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', resolve(ROOT, 'test/cli/import-recorder/register.mjs'), resolve(ROOT, 'src/cli/main.ts'), ...args],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, IMPORT_LOG: log } },
  );
  expect(run.status, run.stderr).toBe(0);
  const packages = new Set<string>();
  for (const url of readFileSync(log, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) packages.add(m[1]);
  }
  return { packages, stdout: run.stdout };
}

describe('the CLI imports heavy modules only inside the command that needs them', () => {
  it('--help loads none of onnxruntime, sharp, SQLite, vega, the Hub client or the browser', () => {
    const { packages, stdout } = packagesLoaded(['--help']);
    expect(stdout).toContain('score');
    expect(packages.has('commander')).toBe(true); // the recorder works
    expect(HEAVY.filter((p) => packages.has(p))).toEqual([]);
  });

  it('help for a subcommand (score --help) loads none of them either', () => {
    const { packages, stdout } = packagesLoaded(['score', '--help']);
    expect(stdout).toContain('--clip');
    expect(HEAVY.filter((p) => packages.has(p))).toEqual([]);
  });
});
