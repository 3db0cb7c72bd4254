import { cpSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const BASELINE = resolve(__dirname, '../../reports/baselines/demo');

describe('analyze leaves no output of an earlier analysis behind', () => {
  it('removes the choose.csv of an analysis with --choose when the folder is analyzed again without it', () => {
    const run = join(tempDir(), 'demo');
    cpSync(BASELINE, run, { recursive: true });
    const first = runCli(['analyze', run, '--choose', 'weight', '--choose-floor', 'base_preservation=0.9', '--reps', '100']);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(run, 'choose.csv'))).toBe(true);

    const again = runCli(['analyze', run, '--reps', '100']);
    expect(again.code, again.stderr).toBe(0);
    // summary.json now says there is no choice; a choose.csv beside it would pass for this analysis' choice.
    expect(existsSync(join(run, 'choose.csv'))).toBe(false);
    expect(again.stdout).toContain(`removed ${join(run, 'choose.csv')}: left by an earlier analysis, this one made none`);
  }, 120_000);
});
