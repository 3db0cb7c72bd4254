import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// scripts/score-shard.sh, the entry point of the Slurm array and the Kubernetes Indexed Job, refuses a task it
// cannot place before anything is scored. (Scoring through it is tested in slurm.test.ts and kubernetes-job.test.ts.)
const ENTRY = resolve(__dirname, '../../scripts/score-shard.sh');
const SETTINGS = { LORA_EVAL_SWEEP: 'sweep.yaml', LORA_EVAL_CLIP: 'clip', LORA_EVAL_OUT: 'runs', LORA_EVAL_SHARDS: '4' };

function entry(env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  // Without the scheduler's variables of the machine running the tests; `false` stands in for lora-eval.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLURM_|JOB_COMPLETION_INDEX|LORA_EVAL)/.test(k)));
  const run = spawnSync('bash', [ENTRY], { env: { ...base, LORA_EVAL: 'false', ...env }, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('scripts/score-shard.sh', () => {
  it('names every missing setting', () => {
    expect(entry({ SLURM_ARRAY_TASK_ID: '0', LORA_EVAL_SHARDS: '4' })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/set LORA_EVAL_SWEEP LORA_EVAL_CLIP LORA_EVAL_OUT \(/),
    });
  });

  it('refuses to run outside an array task or an Indexed Job', () => {
    expect(entry(SETTINGS)).toMatchObject({ code: 2, stderr: expect.stringContaining('no shard index') });
  });

  it('refuses an index the shard count does not cover, from either scheduler', () => {
    const tooFar = /shard index 4 is not in 0\.\.3: the array \(--array=0-3\) or the Job's completions \(4\) must match LORA_EVAL_SHARDS=4/;
    expect(entry({ ...SETTINGS, SLURM_ARRAY_TASK_ID: '4' })).toMatchObject({ code: 2, stderr: expect.stringMatching(tooFar) });
    expect(entry({ ...SETTINGS, JOB_COMPLETION_INDEX: '4' })).toMatchObject({ code: 2, stderr: expect.stringMatching(tooFar) });
    expect(entry({ ...SETTINGS, LORA_EVAL_SHARDS: 'four', JOB_COMPLETION_INDEX: '0' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('LORA_EVAL_SHARDS must be a positive whole number, got "four"'),
    });
  });

  it('hands a placed task to lora-eval score with its share and its own folder', () => {
    // `echo` stands in for lora-eval, printing the command line it would get.
    const run = entry({ ...SETTINGS, JOB_COMPLETION_INDEX: '3', LORA_EVAL: 'echo', LORA_EVAL_TAGGER: 'tagger', LORA_EVAL_ARGS: '--batch-size 8 --mcut' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('score sweep.yaml --clip clip --device cpu --tagger tagger --batch-size 8 --mcut --shard 3/4 --out runs/shard-3');
  });
});
