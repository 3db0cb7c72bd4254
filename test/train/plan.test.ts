import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ASSUMED_RATES } from '../../src/train/estimate.js';
import { loadExperiment, parseExperimentText } from '../../src/train/load-experiment.js';
import { planExperiment, writePlan, type Plan } from '../../src/train/plan.js';
import { loadSweep } from '../../src/sweep/load.js';
import { experimentDir, smallExperiment } from './experiment-fixture.js';

const REPO = resolve(__dirname, '../..');
const EXAMPLE = resolve(REPO, 'examples/certain-theory/experiment.yaml');

const file = (plan: Plan, path: string) => {
  const f = plan.files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} in plan; files: ${plan.files.map((x) => x.path).join(', ')}`);
  return f.content;
};
const linesOf = (text: string) => text.split('\n').filter(Boolean);
const fValue = (line: string) => line.slice(line.lastIndexOf(' --f ') + 5);
/** The value of a prompt-line option (" --d 7" → "7"). */
const option = (line: string, name: string) => [...line.matchAll(/ --(\w+) ((?:(?! --).)*)/g)].find((m) => m[1] === name)?.[2];

function planSmall(edit: (e: Record<string, any>) => void = () => {}) {
  const exp = smallExperiment();
  edit(exp);
  const { dir, file: experimentFile } = experimentDir(exp);
  const outDir = join(dir, 'runs', 'small');
  return { dir, outDir, plan: planExperiment(loadExperiment(experimentFile), { outDir }) };
}

describe('plan of the example experiment', () => {
  const plan = planExperiment(loadExperiment(EXAMPLE), { outDir: resolve(REPO, 'runs/certain-theory') });

  it('pins the base image by digest and sd-scripts by a full commit', () => {
    const dockerfile = file(plan, 'container/Dockerfile');
    expect(dockerfile).toMatch(/^FROM [a-z0-9./_-]+:[\w.-]+@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile).toMatch(/^ARG SD_SCRIPTS_COMMIT=[0-9a-f]{40}$/m);
    expect(dockerfile).toContain('test "$(git -C /opt/sd-scripts rev-parse HEAD)" = "$SD_SCRIPTS_COMMIT"');
  });

  it('installs torch from the CUDA index before the pinned requirements, without an editable install', () => {
    const dockerfile = file(plan, 'container/Dockerfile');
    const torch = dockerfile.indexOf('pip install torch==2.6.0 torchvision==0.21.0 --index-url https://download.pytorch.org/whl/cu124');
    const reqs = dockerfile.indexOf('pip install -r /opt/lora-eval/requirements.txt -c /opt/lora-eval/constraints.txt');
    expect(torch).toBeGreaterThan(0);
    expect(reqs).toBeGreaterThan(torch);
    expect(dockerfile).not.toMatch(/pip install[^\n]* -e /);
    const requirements = linesOf(file(plan, 'container/requirements.txt')).filter((l) => !l.startsWith('#'));
    expect(requirements.length).toBe(21);
    for (const r of requirements) expect(r).toMatch(/^[A-Za-z0-9._-]+(\[[a-z]+\])?==[0-9][\w.]*$/);
    expect(requirements).toContain('numpy==1.26.4');
    expect(requirements).toContain('diffusers[torch]==0.32.1');
    expect(file(plan, 'container/constraints.txt')).toBe('torch==2.6.0\ntorchvision==0.21.0\n');
  });

  it('writes one training config per base and prompt files whose line counts follow the design', () => {
    expect(plan.files.filter((f) => f.path.startsWith('train/')).map((f) => f.path)).toEqual([
      'train/nai.toml',
      'train/acertainty.toml',
      'train/anylora.toml',
      'train/sd15.toml',
    ]);
    const prompts = plan.files.filter((f) => f.path.startsWith('prompts/'));
    // 4 bases × 3 sampled epochs × 4 targets LoRA files, and one weight-0 file per target
    expect(prompts).toHaveLength(4 * 3 * 4 + 4);
    for (const p of prompts) {
      const expected = p.path.startsWith('prompts/native/') ? 4 * 4 : 4 * 4 * 2; // prompts × seeds (× non-zero weights)
      expect(linesOf(p.content), p.path).toHaveLength(expected);
    }
    expect(plan.summary.totalImages).toBe(4 * 4 * 4 * (4 * 3 * 2 + 1)); // prompts × seeds × targets × (bases × epochs × weights + weight 0)
    expect(plan.summary.samplerSteps).toBe(plan.summary.totalImages * 28);
  });

  it('saves the sampled epochs: every 4 epochs for checkpoints 4 and 8 of 10', () => {
    const config = parseToml(file(plan, 'train/nai.toml'), { integersAsBigInt: true }) as any;
    expect(config.saving.save_every_n_epochs).toBe(4n);
    expect(config.training.max_train_epochs).toBe(10n);
    expect(config.network.network_alpha).toBe(8);
    expect(config.extra.min_snr_gamma).toBe(5);
    expect(file(plan, 'train/nai.toml')).toContain('min_snr_gamma = 5.0\n');
    expect(file(plan, 'run.sh')).toContain(
      'train nai models/nai/anisphia-000004.safetensors models/nai/anisphia-000008.safetensors models/nai/anisphia.safetensors',
    );
  });

  it('warns about inputs that are not on this machine instead of failing', () => {
    expect(plan.warnings[0]).toMatch(/^dataset\.images: folder not found here/);
    expect(plan.warnings.some((w) => w.startsWith('base nai: not found here'))).toBe(true);
  });
});

describe('plan of a small experiment', () => {
  it('names in sweep.yaml exactly the images the prompt files write, cell by cell', () => {
    const { outDir, plan } = planSmall();
    writePlan(plan);
    const loaded = loadSweep(join(outDir, 'sweep.yaml'));
    expect(loaded.images).toEqual([]); // nothing generated yet
    const byPath = new Map(loaded.missing.map((m) => [m.image.path, m.image]));

    const written = new Map<string, { promptFile: string; line: string }>();
    for (const f of plan.files.filter((x) => x.path.startsWith('prompts/'))) {
      for (const line of linesOf(readFileSync(join(outDir, f.path), 'utf8'))) {
        const path = join(outDir, 'outputs', fValue(line));
        expect(written.has(path), `${path} written twice`).toBe(false);
        written.set(path, { promptFile: f.path, line });
      }
    }
    expect([...written.keys()].sort()).toEqual([...byPath.keys()].sort());
    expect(written.size).toBe(2 * 2 * 2 * 2 * 4 + 2 * 4);

    // each line generates the cell the sweep expects at that path
    const prompts = new Map(loaded.sweep.prompts.map((p) => [p.id, p.text]));
    for (const [path, { promptFile, line }] of written) {
      const image = byPath.get(path)!;
      expect(line.startsWith(`${prompts.get(image.prompt)} --n lowres `), line).toBe(true);
      expect(option(line, 'd')).toBe(String(image.seed));
      if (image.native) {
        expect(option(line, 'am')).toBeUndefined();
        expect(promptFile).toBe(`prompts/native/${image.levels.target}.txt`);
        expect(image.levels).toEqual({ base: '', checkpoint: '', target: image.levels.target, weight: '0' });
      } else {
        expect(Number(option(line, 'am'))).toBe(image.weight);
        expect(promptFile).toBe(`prompts/${image.levels.base}/${image.levels.checkpoint}/${image.levels.target}.txt`);
      }
    }
  });

  it('counts lines per prompt file as prompts × seeds × weights, with weight 0 once per target', () => {
    const { plan } = planSmall();
    const counts = Object.fromEntries(plan.jobs.map((j) => [j.promptFile, j.lines.length]));
    expect(counts).toEqual({
      'prompts/native/beta.txt': 4,
      'prompts/native/gamma.txt': 4,
      'prompts/alpha/e2/beta.txt': 8,
      'prompts/alpha/e2/gamma.txt': 8,
      'prompts/alpha/e4/beta.txt': 8,
      'prompts/alpha/e4/gamma.txt': 8,
      'prompts/beta/e2/beta.txt': 8,
      'prompts/beta/e2/gamma.txt': 8,
      'prompts/beta/e4/beta.txt': 8,
      'prompts/beta/e4/gamma.txt': 8,
    });
    const job = plan.jobs.find((j) => j.promptFile === 'prompts/alpha/e2/gamma.txt')!;
    expect(job.lines[0]).toBe('zzchar, 1girl, smile --n lowres --d 7 --am 0.5 --f alpha/e2/gamma/w0.5/p1-7.png');
    expect(job.args.lora).toEqual([
      ['--network_module', 'networks.lora'],
      ['--network_weights', '/work/run/models/alpha/small-000002.safetensors'],
      ['--network_mul', '1.0'],
    ]);
  });

  it('without sampled checkpoints, the sweep has no checkpoint factor', () => {
    const { plan } = planSmall((e) => delete e.checkpoints);
    const sweep = file(plan, 'sweep.yaml');
    expect(sweep).toContain('template: "{base}/{target}/w{weight}/{prompt}-{seed}.png"');
    expect(sweep).not.toContain('checkpoint');
    expect(sweep).toContain('seeds:\n  - 7\n  - 8\n'); // plain numbers, as written in experiment.yaml
    expect(plan.jobs.map((j) => j.promptFile)).toContain('prompts/alpha/e4/beta.txt');
    expect(file(plan, 'train/alpha.toml')).not.toContain('save_every_n_epochs');
  });

  it('gives byte-identical output for the same experiment', () => {
    const { dir, outDir, plan } = planSmall();
    const again = planExperiment(loadExperiment(join(dir, 'experiment.yaml')), { outDir });
    expect(again.files).toEqual(plan.files);
    writePlan(plan);
    const first = plan.files.map((f) => readFileSync(join(outDir, f.path)));
    rmSync(outDir, { recursive: true });
    writePlan(again);
    expect(plan.files.map((f) => readFileSync(join(outDir, f.path)))).toEqual(first);
  });

  it('writes TOML that reads back with integers and floats as sd-scripts expects', () => {
    const { outDir, plan } = planSmall((e) => {
      e.dataset.regularization = { images: 'data/train', repeats: 2, class_tokens: '1girl' };
      e.dataset.caption_dropout_rate = 0;
      e.training.resolution = [512, 768];
    });
    writePlan(plan);
    const dataset = parseToml(readFileSync(join(outDir, 'dataset.toml'), 'utf8'), { integersAsBigInt: true }) as any;
    expect(dataset).toEqual({
      general: { caption_extension: '.txt', caption_dropout_rate: 0, enable_bucket: true },
      datasets: [
        {
          resolution: [512n, 768n],
          batch_size: 2n,
          subsets: [
            { image_dir: '/data/images', num_repeats: 3n },
            { image_dir: '/data/regularization', is_reg: true, num_repeats: 2n, class_tokens: '1girl' },
          ],
        },
      ],
    });
    expect(readFileSync(join(outDir, 'dataset.toml'), 'utf8')).toContain('caption_dropout_rate = 0.0\n');
    expect(file(plan, 'run.sh')).toContain(':/data/regularization:ro');
  });

  it('trains LyCORIS with lycoris.kohya and pins lycoris_lora', () => {
    const { plan } = planSmall((e) => {
      e.training.network = 'lycoris';
      e.training.algo = 'loha';
      e.training.conv_dim = 4;
      e.pins.lycoris_lora = '3.2.0.post2';
    });
    const config = parseToml(file(plan, 'train/alpha.toml')) as any;
    expect(config.network.network_module).toBe('lycoris.kohya');
    expect(config.network.network_args).toEqual(['algo=loha', 'conv_dim=4', 'conv_alpha=4']);
    expect(file(plan, 'container/requirements.txt')).toContain('\nlycoris_lora==3.2.0.post2\n');
    expect(plan.jobs[2].args.lora[0]).toEqual(['--network_module', 'lycoris.kohya']);
  });

  it('estimates the GPU work from the dataset it finds', () => {
    const { plan } = planSmall();
    // 2 images × 3 repeats = 6 samples an epoch, batch 2 → 3 steps × 4 epochs, for each of 2 bases
    expect(plan.summary.trainSteps).toBe(24);
    expect(plan.summary.totalImages).toBe(72);
    expect(plan.summary.samplerSteps).toBe(72 * 20);
    const train = 2 * (ASSUMED_RATES.trainOverheadSeconds + 12 * 2 * ASSUMED_RATES.trainSecondsPerSample);
    const generate = 10 * ASSUMED_RATES.generateOverheadSeconds + 72 * 20 * ASSUMED_RATES.sampleSecondsPerStep;
    expect(plan.summary.gpuSeconds).toBeCloseTo(train + generate, 6);
    expect(plan.summary.gpuSecondsComplete).toBe(true);
    expect(plan.warnings).toEqual([]);
  });

  it('keeps paths relative to the run folder and copies the references into it', () => {
    const { dir, plan } = planSmall();
    expect(file(plan, 'run.sh')).toContain('abspath input_1 ../../models/alpha.safetensors\n  mountable "$input_1" \'base alpha\'');
    expect(file(plan, 'sweep.yaml')).toContain('references: references\n');
    expect(plan.copies.map((c) => [c.from, c.to])).toEqual([
      [join(dir, 'data', 'train', 'a.png'), 'references/a.png'],
      [join(dir, 'data', 'train', 'b.png'), 'references/b.png'],
    ]);
  });

  it('refuses an experiment whose settings sd-scripts would not accept, before writing anything', () => {
    const exp = smallExperiment();
    exp.training.extra = { max_token_length: 100 };
    expect(() => parseExperimentText(stringify(exp), '/x/e.yaml')).toThrow(/training\.extra\.max_token_length: max_token_length expects one of 150, 225/);
  });
});
