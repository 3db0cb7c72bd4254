import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { jobSchema, type Job } from '../helpers/kubernetes-job-schema.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = resolve(__dirname, '../..');
const MANIFEST = resolve(ROOT, 'docs/kubernetes-indexed-job.yaml');
const ENTRY = 'scripts/score-shard.sh';
/** Where the manifest's image holds the repository. */
const APP = '/app';

const entryScript = readFileSync(resolve(ROOT, ENTRY), 'utf8');
const requiredSettings = /^required=\((.*)\)$/m.exec(entryScript)![1].split(' ');
const knownSettings = new Set([...entryScript.matchAll(/\$\{?(LORA_EVAL\w*)/g)].map((m) => m[1]));

describe('docs/kubernetes-indexed-job.yaml', () => {
  const job: Job = jobSchema.parse(parse(readFileSync(MANIFEST, 'utf8')));
  const container = job.spec.template.spec.containers[0];
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));

  it('is a valid batch/v1 Indexed Job of N pods, N = the shard count the entry script is given', () => {
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.completions).toBe(Number(env.LORA_EVAL_SHARDS));
    expect(job.spec.parallelism).toBeLessThanOrEqual(job.spec.completions!);
    for (const name of requiredSettings) expect(env, `the entry script requires ${name}`).toHaveProperty(name);
    for (const name of Object.keys(env)) expect(knownSettings, `${name} is not read by ${ENTRY}`).toContain(name);
  });

  it('runs the entry point the Slurm array runs', () => {
    expect(container.command).toEqual(['bash', `${APP}/${ENTRY}`]);
    expect(container.args).toBeUndefined();
    expect(readFileSync(resolve(ROOT, 'docs/slurm-array.sh'), 'utf8')).toMatch(new RegExp(`^exec bash .*/${ENTRY}"$`, 'm'));
  });

  it('the schema refuses what the API server would', () => {
    const text = readFileSync(MANIFEST, 'utf8');
    const refusal = (edited: string) => {
      const result = jobSchema.safeParse(parse(edited));
      return result.success ? 'accepted' : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(refusal(text)).toBe('accepted');
    expect(refusal(text.replace('completionMode: Indexed', 'completionsMode: Indexed'))).toMatch(/completionsMode/);
    expect(refusal(text.replace(/^ {2}completions: \d+\n/m, ''))).toMatch(/spec\.completions: is required/);
    expect(refusal(text.replace('restartPolicy: Never', 'restartPolicy: OnFailure'))).toMatch(/must be Never with backoffLimitPerIndex/);
    expect(refusal(text.replace('claimName: lora-eval-data', 'claimName: Lora_Data'))).toMatch(/claimName: must be a DNS-1123 subdomain/);
    expect(refusal(text.replace('mountPath: /data }', 'mountPath: /data, readonly: true }'))).toMatch(/readonly/);
    expect(refusal(text.replace('{ name: data, mountPath', '{ name: dataset, mountPath'))).toMatch(/no volume named "dataset"/);
  });

  it("the pod's command scores its completion index's shard", () => {
    // The container as Kubernetes starts it (repository at /app, index in JOB_COMPLETION_INDEX), on the fixtures:
    // the data paths, the device and the lora-eval command are this machine's; the shard count is the manifest's.
    const dir = tempDir();
    const [shell, script] = container.command!;
    const index = job.spec.completions! - 1;
    const run = spawnSync(shell, [script.replace(APP, ROOT)], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        ...env,
        JOB_COMPLETION_INDEX: String(index),
        LORA_EVAL_SWEEP: resolve(ROOT, 'fixtures/demo/sweep.yaml'),
        LORA_EVAL_CLIP: resolve(ROOT, 'fixtures/models/clip'),
        LORA_EVAL_TAGGER: resolve(ROOT, 'fixtures/models/tagger-v3'),
        LORA_EVAL_LOCK: join(dir, 'models.lock.json'),
        LORA_EVAL_DEVICE: 'cpu',
        LORA_EVAL: `${process.execPath} --import ${resolve(ROOT, 'node_modules/tsx/dist/loader.mjs')} ${resolve(ROOT, 'src/cli/main.ts')}`,
        NO_COLOR: '1',
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const runJson = JSON.parse(readFileSync(join(dir, env.LORA_EVAL_OUT, `shard-${index}`, 'run.json'), 'utf8'));
    expect(runJson.options.shard).toEqual({ index, count: job.spec.completions });
  }, 120_000);
});
