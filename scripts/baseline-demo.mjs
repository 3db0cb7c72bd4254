#!/usr/bin/env node
// Refreshes the committed demo baseline (reports/baselines/demo): scores fixtures/demo exactly as `npm run demo`
// does, with the current source, and keeps scores.csv and run.json. Run it deliberately, when a change is meant to
// move the demo's scores; the test that re-scores the demo against this baseline then passes again.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoBaselineDir, demoScoreArgs } from './demo-args.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const scratch = mkdtempSync(join(tmpdir(), 'lora-eval-baseline-'));
try {
  const args = demoScoreArgs(join(scratch, 'run'));
  console.error(`$ lora-eval ${args.join(' ')}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`lora-eval score exited with ${run.status}; the baseline was not changed`);
    process.exit(run.status ?? 1);
  }
  const out = join(root, demoBaselineDir);
  mkdirSync(out, { recursive: true });
  copyFileSync(join(scratch, 'run', 'scores.csv'), join(out, 'scores.csv'));
  // run.json as written, less what belongs to this machine or this one run: repository paths become relative; the
  // store and hash cache (not committed), the timings, the work counters and the thread count are left out.
  const runJson = JSON.parse(readFileSync(join(scratch, 'run', 'run.json'), 'utf8'));
  delete runJson.store;
  delete runJson.hash_cache;
  delete runJson.timings;
  delete runJson.work;
  if (runJson.options) delete runJson.options.threads;
  const portable = JSON.stringify(runJson, (_, v) => (typeof v === 'string' && v.startsWith(root + '/') ? relative(root, v) : v), 2);
  writeFileSync(join(out, 'run.json'), portable + '\n');
  console.error(`wrote ${demoBaselineDir}/scores.csv and ${demoBaselineDir}/run.json; review the diff and commit them`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
