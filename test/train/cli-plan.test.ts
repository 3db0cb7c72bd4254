import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { register } from '../../src/cli/plan.js';
import { experimentDir, smallExperiment } from './experiment-fixture.js';

async function runCli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['node', 'lora-eval', 'plan', ...args]);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return { stdout: out.join(''), stderr: err.join(''), exitCode: process.exitCode };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('lora-eval plan', () => {
  it('--dry-run prints the plan as a table and writes nothing', async () => {
    const { dir, file } = experimentDir();
    const out = join(dir, 'runs', 'small');
    const r = await runCli(file, '--out', out, '--dry-run');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^step +detail +images +GPU work +est\. GPU time\n/);
    expect(r.stdout).toMatch(/\ntrain alpha +4 epochs, 2 images × 3 repeats, batch 2 +- +12 steps +/);
    expect(r.stdout).toMatch(/\ngenerate native-beta +2 prompts × 2 seeds × weight 0 +4 +80 sampler steps/);
    expect(r.stdout).toMatch(/\ntotal +13 steps +72 +24 train steps, 1440 sampler steps/);
    expect(r.stdout).toContain(`dry run: would write 19 files and copy 2 reference images to ${out}`);
    expect(existsSync(out)).toBe(false);
    // 2 prompts cannot carry a paired test; the prompts needed match R's power.t.test(power = 0.8, delta = d, type = "paired"): n = 33.37, 14.30, 7.59.
    expect(r.stdout).toContain('2 prompts → d = 0.5: 0.');
    expect(r.stdout).toContain('80 % power needs 34 for d = 0.5, 15 for d = 0.8, 8 for d = 1.2 prompts; an exact Wilcoxon needs at least 6 prompts');
  });

  it('writes the run folder and says what to do next', async () => {
    const { dir, file } = experimentDir();
    const out = join(dir, 'runs', 'small');
    const r = await runCli(file, '--out', out);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`wrote 19 files and copied 2 reference images to ${out}`);
    expect(readFileSync(join(out, 'run.sh'), 'utf8')).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect(existsSync(join(out, 'outputs'))).toBe(true);
  });

  it('reports an invalid experiment with its field and line, and exit code 2', async () => {
    const exp = smallExperiment();
    exp.weights = [0.5, -1];
    const { dir, file } = experimentDir(exp);
    const r = await runCli(file, '--out', join(dir, 'out'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`error: ${file}:${stringify(exp).split('\n').indexOf('  - -1') + 1}: weights.1: a LoRA weight must be a number ≥ 0\n`);
  });
});

describe('the power note of plan', () => {
  it("gives R's power.t.test power for the experiment's prompts", async () => {
    const { promptPowerNote } = await import('../../src/train/prompt-power-note.js');
    const prompts = [...Array(12)].map((_, i) => ({ kind: i < 8 ? 'concept' : 'unrelated' }));
    // R: power.t.test(n = 12, delta = d, type = "paired")$power = 0.3526, 0.7137, 0.9651; n = 8: 0.2314, 0.4963, 0.8279
    expect(promptPowerNote(prompts)).toContain(
      '12 prompts → d = 0.5: 0.35, d = 0.8: 0.71, d = 1.2: 0.97; 8 concept prompts → d = 0.5: 0.23, d = 0.8: 0.50, d = 1.2: 0.83',
    );
  });
});
