import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/train/load-experiment.js';
import { planExperiment, writePlan } from '../../src/train/plan.js';
import { shellQuote } from '../../src/train/run-script.js';
import { experimentDir, smallExperiment } from './experiment-fixture.js';

const FAKE_DOCKER = resolve(__dirname, 'fake-docker.cjs');

/** Plans the small experiment and prepares a fake Docker client; returns a function running run.sh. */
function setup(edit: (e: Record<string, any>) => void = () => {}, files: (dir: string) => void = () => {}) {
  const exp = smallExperiment();
  edit(exp);
  const { dir, file } = experimentDir(exp);
  files(dir);
  const outDir = join(dir, 'runs', 'small');
  writePlan(planExperiment(loadExperiment(file), { outDir }));
  const bin = join(dir, 'bin');
  const state = join(dir, 'docker-state');
  mkdirSync(bin);
  mkdirSync(state);
  copyFileSync(FAKE_DOCKER, join(bin, 'docker'));
  chmodSync(join(bin, 'docker'), 0o755);
  const run = (env: Record<string, string> = {}, ...args: string[]) => {
    const r = spawnSync('bash', [join(outDir, 'run.sh'), ...args], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_DOCKER_STATE: state, ...env },
    });
    return { status: r.status, stderr: r.stderr };
  };
  const calls = () => readFileSync(join(state, 'calls.log'), 'utf8').split('\n').filter(Boolean);
  const runLog = () => readFileSync(join(outDir, 'logs', 'run.log'), 'utf8');
  const images = () => {
    const found: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else found.push(join(d, e.name).slice(join(outDir, 'outputs').length + 1));
      }
    };
    walk(join(outDir, 'outputs'));
    return found.sort();
  };
  return { dir, outDir, run, calls, runLog, images };
}

const dockerRuns = (calls: string[]) => calls.filter((c) => c.startsWith('run '));

/** Every docker command line exactly as docker received it (calls.log joins words with spaces). */
const dockerArgv = (dir: string): string[][] =>
  readFileSync(join(dir, 'docker-state', 'calls.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('run.sh', () => {
  it('builds, trains and generates every image, then skips everything when run again', () => {
    const { outDir, run, calls, runLog, images } = setup();
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    expect(images()).toHaveLength(72);
    expect(images()).toContain('alpha/e2/gamma/w0.5/p1-7.png');
    expect(images()).toContain('native/beta/p2-8.png');
    expect(readdirSync(join(outDir, 'models', 'alpha')).sort()).toEqual(['small-000002.safetensors', 'small.safetensors']);
    expect(dockerRuns(calls())).toHaveLength(2 + 10); // two trainings, ten prompt files
    expect(runLog()).toMatch(/start build\n.*done build\n/);
    expect(runLog()).toContain('verify base alpha: sha256 of');
    expect(readFileSync(join(outDir, 'logs', 'generate-alpha-e2-gamma.log'), 'utf8')).toBe('generated 8 images\n');

    const before = calls().length;
    const second = run();
    expect(second.status, second.stderr).toBe(0);
    expect(calls().slice(before)).toEqual(['image inspect lora-eval-small:' + calls()[before].split(':').pop()]);
    expect(runLog()).toContain('skip build: image lora-eval-small:');
    expect(runLog()).toContain('skip verify base alpha: already verified');
    expect(runLog()).toContain('skip train-alpha: its checkpoints exist');
    expect(runLog()).toContain('skip generate-beta-e4-gamma: all 8 images exist');
  });

  it('generates only the images that are missing', () => {
    const { outDir, run, calls, images } = setup();
    expect(run().status).toBe(0);
    for (const f of ['alpha/e4/beta/w1/p2-7.png', 'alpha/e4/beta/w0.5/p1-8.png', 'native/gamma/p1-7.png']) rmSync(join(outDir, 'outputs', f));
    rmSync(join(outDir, 'outputs', 'beta', 'e2'), { recursive: true });
    const before = calls().length;
    const again = run({}, 'generate');
    expect(again.status, again.stderr).toBe(0);
    const runs = dockerRuns(calls().slice(before));
    expect(runs).toHaveLength(4);
    expect(runs.every((c) => c.includes('gen_img.py'))).toBe(true);
    expect(
      readFileSync(join(outDir, 'logs', 'pending', 'generate-alpha-e4-beta.txt'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' --f ')[1]),
    ).toEqual(['alpha/e4/beta/w1/p2-7.png'.replace('w1/p2-7', 'w0.5/p1-8'), 'alpha/e4/beta/w1/p2-7.png']);
    expect(images()).toHaveLength(72);
  });

  it('stops at a failing step, names it and keeps its output in the step log', () => {
    const { outDir, run, calls, runLog } = setup();
    const r = run({ FAKE_DOCKER_FAIL: 'train_network.py' });
    expect(r.status).toBe(7);
    expect(runLog()).toContain('FAILED train-alpha (exit 7); see logs/train-alpha.log');
    expect(readFileSync(join(outDir, 'logs', 'train-alpha.log'), 'utf8')).toContain('fake docker: simulated failure');
    expect(calls().some((c) => c.includes('gen_img.py'))).toBe(false);
  });

  it('does not generate from a LoRA that is not trained yet', () => {
    const { run, calls, runLog, images } = setup();
    const r = run({}, 'generate');
    expect(r.status).toBe(1);
    expect(runLog()).toContain('ERROR: generate-alpha-e2-beta needs models/alpha/small-000002.safetensors: train first (./run.sh train)');
    expect(images()).toHaveLength(8); // the weight-0 images need no LoRA
    expect(dockerRuns(calls()).every((c) => c.includes('gen_img.py'))).toBe(true);
  });

  it('refuses a model whose sha256 differs, before training', () => {
    const { run, calls, runLog } = setup((e) => (e.bases[0].sha256 = 'f'.repeat(64)));
    const r = run();
    expect(r.status).toBe(1);
    expect(runLog()).toMatch(/ERROR: base alpha: sha256 of .*alpha\.safetensors is [0-9a-f]{64}, expected f{64}/);
    expect(dockerRuns(calls())).toEqual([]);
  });

  it('names a missing input instead of starting a container', () => {
    const { dir, run, calls, runLog } = setup();
    rmSync(join(dir, 'models', 'gamma.safetensors'));
    expect(run().status).toBe(1);
    expect(runLog()).toContain(`ERROR: not found: ${join(dir, 'runs', 'small')}/../../models/gamma.safetensors`);
    expect(dockerRuns(calls())).toEqual([]);
  });

  it.skipIf(existsSync('/usr/bin/docker') || existsSync('/bin/docker'))('says Docker is needed when there is none', () => {
    const { outDir, runLog } = setup();
    const r = spawnSync('bash', [join(outDir, 'run.sh')], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    expect(r.status).toBe(1);
    expect(runLog()).toContain('ERROR: docker not found: run.sh needs Docker with the NVIDIA Container Toolkit');
  });

  // Each name is a trap for one way a value can escape its quotes in bash; a marker file appearing means it ran.
  const HOSTILE_NAMES = [
    'nai$(touch INJECTED-dollar).safetensors',
    'nai`touch INJECTED-backtick`.safetensors',
    'nai"$(touch INJECTED-dquote)".safetensors',
    "nai'$(touch INJECTED-squote)'.safetensors",
    'nai $(touch INJECTED-space) x.safetensors',
    'nai\n$(touch INJECTED-newline)\n.safetensors',
    'nai${IFS}$((0-1))$HOME.safetensors',
  ];

  it('runs nothing from hostile file names and still mounts the right files', () => {
    const hostile = (i: number) => `models/${HOSTILE_NAMES[i]}`;
    const { dir, outDir, run, runLog, images } = setup(
      (e) => {
        e.bases[0].checkpoint = hostile(0);
        e.bases[1].checkpoint = hostile(1);
        e.bases[1].vae = hostile(2);
        e.targets[0].checkpoint = hostile(3);
        e.targets[1].checkpoint = hostile(4);
        e.targets[1].vae = hostile(5);
        e.bases[0].vae = hostile(6);
        e.dataset.images = 'data/tr ain$(touch INJECTED-dataset)';
        delete e.bases[0].sha256;
      },
      (d) => {
        HOSTILE_NAMES.forEach((n, i) => writeFileSync(join(d, 'models', n), `model ${i}\n`));
        renameSync(join(d, 'data', 'train'), join(d, 'data', 'tr ain$(touch INJECTED-dataset)'));
      },
    );
    expect(spawnSync('bash', ['-n', join(outDir, 'run.sh')]).status).toBe(0);
    const r = run();
    const injected = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? injected(join(d, e.name)) : e.name.startsWith('INJECTED') ? [join(d, e.name)] : [],
      );
    expect(injected(dir)).toEqual([]);
    expect(r.status, r.stderr + runLog()).toBe(0);
    expect(images()).toHaveLength(72);
    // docker saw each hostile file's exact path as the bind source of its model's container path
    const mounts = new Map<string, string>();
    for (const argv of dockerArgv(dir))
      argv.forEach((a, i) => {
        if (a === '-v') mounts.set(argv[i + 1].split(':')[1], argv[i + 1].split(':')[0]);
      });
    const mountedAt = (folder: string) => {
      const found = [...mounts].filter(([container]) => container.startsWith(folder));
      expect(found, folder).toHaveLength(1);
      return readFileSync(found[0][1], 'utf8');
    };
    expect(mountedAt('/models/base/alpha/')).toBe('model 0\n');
    expect(mountedAt('/models/base/beta/')).toBe('model 1\n');
    expect(mountedAt('/models/base-vae/beta/')).toBe('model 2\n');
    expect(mountedAt('/models/target/beta/')).toBe('model 3\n');
    expect(mountedAt('/models/target/gamma/')).toBe('model 4\n');
    expect(mountedAt('/models/target-vae/gamma/')).toBe('model 5\n');
    expect(mountedAt('/models/base-vae/alpha/')).toBe('model 6\n');
    expect(mounts.get('/data/images')).toBe(join(dir, 'data', 'tr ain$(touch INJECTED-dataset)'));
  });

  it('refuses a model path docker -v cannot mount, naming it', () => {
    const { run, calls, runLog } = setup(
      (e) => (e.targets[1].checkpoint = 'models/a:b.safetensors'),
      (d) => writeFileSync(join(d, 'models', 'a:b.safetensors'), 'x'),
    );
    expect(run().status).toBe(1);
    expect(runLog()).toMatch(/ERROR: cannot mount .*models\/a:b\.safetensors \(target gamma\): docker -v paths may not contain ':'; rename it/);
    expect(dockerRuns(calls())).toEqual([]);
  });

  it('writes a script bash can parse for every planned experiment', () => {
    for (const edit of [
      () => {},
      (e: Record<string, any>) => delete e.checkpoints,
      (e: Record<string, any>) => (e.bases[0].vae = 'models/alpha.safetensors'),
    ]) {
      const { outDir } = setup(edit);
      const check = spawnSync('bash', ['-n', join(outDir, 'run.sh')], { encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
    }
  });

  it('quotes words for bash only when needed', () => {
    expect(shellQuote('generate-nai-e4')).toBe('generate-nai-e4');
    expect(shellQuote("it's a test")).toBe(`'it'\\''s a test'`);
    const echoed = spawnSync('bash', ['-c', `printf '%s' ${shellQuote("a b 'c' $HOME")}`], { encoding: 'utf8' }).stdout;
    expect(echoed).toBe("a b 'c' $HOME");
  });
});
