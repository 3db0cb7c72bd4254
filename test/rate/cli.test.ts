import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('lora-eval rate: bad input', () => {
  it('exits 2 with one line naming the option or the folder', () => {
    const task = runCli(['rate', tempDir(), '--task', 'looks']);
    expect(task.code).toBe(2);
    expect(task.stderr).toBe('error: --task must be one of style, concept, prompt, got "looks"\n');
    const pairs = runCli(['rate', tempDir(), '--pairs', 'many']);
    expect(pairs.code).toBe(2);
    expect(pairs.stderr).toContain('--pairs must be an integer ≥ 2');
    const run = tempDir();
    const missing = runCli(['rate', run]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error: ${run}: no scores.csv in this folder (run "lora-eval score" first)\n`);
  }, 60_000);
});
