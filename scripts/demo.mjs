#!/usr/bin/env node
// Runs the main job on the bundled demo sweep: score, then analyze, then report, and says where the results are.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { demoScoreArgs } from './demo-args.mjs';

const out = 'reports/demo';
// The demo's LoRAs move unrelated images far more than 0.01 of cosine, the default base-preservation floor; 0.9 shows a choice.
const analyzeArgs = ['analyze', out, '--hypotheses', 'fixtures/demo-hypotheses.yaml', '--choose', 'weight', '--choose-floor', 'base_preservation=0.9'];
const steps = [demoScoreArgs(out), analyzeArgs, ['report', out]];

for (const args of steps) {
  console.error(`\n$ lora-eval ${args.join(' ')}`);
  const run = spawnSync(process.execPath, ['bin/lora-eval.js', ...args], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`\nlora-eval ${args[0]} exited with ${run.status}`);
    process.exit(run.status ?? 1);
  }
}
console.error(`\nDemo results are in ${out}/:`);
for (const f of ['scores.csv', 'run.json', 'cells.csv', 'tests.csv', 'variance.csv', 'choose.csv', 'summary.json', 'report.html', 'tables.tex', 'charts/']) {
  if (existsSync(`${out}/${f}`)) console.error(`  ${out}/${f}`);
}
