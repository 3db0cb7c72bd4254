import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { experimentJsonSchemaText } from '../../src/train/json-schema.js';
import { ExperimentError, loadExperiment, parseExperimentText } from '../../src/train/load-experiment.js';
import { smallExperiment } from './experiment-fixture.js';

const REPO = resolve(__dirname, '../..');

/** Parses an experiment and returns its problems (none when it is valid). */
function problemsOf(exp: unknown) {
  try {
    parseExperimentText(stringify(exp), '/x/experiment.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof ExperimentError)) throw e;
    return e.problems;
  }
}

function edited(edit: (e: Record<string, any>) => void): Record<string, any> {
  const exp = smallExperiment();
  edit(exp);
  return exp;
}

describe('experiment.yaml', () => {
  it('the committed JSON Schema is the one the zod schema publishes', () => {
    const committed = readFileSync(resolve(REPO, 'schema/experiment.schema.json'), 'utf8');
    expect(committed).toBe(experimentJsonSchemaText());
  });

  it('loads the example experiment with its defaults filled in', () => {
    const { experiment } = loadExperiment(resolve(REPO, 'examples/certain-theory/experiment.yaml'));
    expect(experiment.bases.map((b) => b.name)).toEqual(['nai', 'acertainty', 'anylora', 'sd15', 'chilloutmix']);
    expect(experiment.resolutions).toEqual([512, 768]);
    expect(experiment.models?.chilloutmix.ancestors).toEqual(['nai', 'sd15']);
    expect(experiment.training.network).toBe('lora');
    expect(experiment.generation.precision).toBe('fp16');
    expect(experiment.training.extra).toEqual({ min_snr_gamma: 5 });
  });

  it('accepts the small fixture experiment', () => {
    expect(problemsOf(smallExperiment())).toEqual([]);
  });

  it('an unknown training option gets one message naming the field', () => {
    const problems = problemsOf(edited((e) => (e.training.learnig_rate = 0.001)));
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe('training');
    expect(problems[0].message).toContain('training.learnig_rate');
    expect(problems[0].message).toContain('learning_rate'); // the known options are listed
    expect(problems[0].line).toBeGreaterThan(0);
  });

  it('a base without checkpoint gets one message naming the field', () => {
    const problems = problemsOf(edited((e) => delete e.bases[1].checkpoint));
    expect(problems).toEqual([expect.objectContaining({ field: 'bases.1.checkpoint', line: expect.any(Number) })]);
    expect(problems[0].message).toMatch(/checkpoint .*is required/);
  });

  it('a negative weight gets one message naming the field', () => {
    const problems = problemsOf(edited((e) => (e.weights = [0.5, -1])));
    expect(problems).toEqual([expect.objectContaining({ field: 'weights.1', message: 'a LoRA weight must be a number ≥ 0' })]);
  });

  it.each([
    ['lycoris without algo', (e: any) => ((e.training.network = 'lycoris'), (e.pins.lycoris_lora = '3.2.0.post2')), 'training.algo'],
    ['an algo without lycoris', (e: any) => (e.training.algo = 'loha'), 'training.algo'],
    ['an extra argument sd-scripts does not have', (e: any) => (e.training.extra = { min_snr_gama: 5 }), 'training.extra.min_snr_gama'],
    ['an extra argument of the wrong type', (e: any) => (e.training.extra = { min_snr_gamma: 'five' }), 'training.extra.min_snr_gamma'],
    ['an extra argument the plan sets itself', (e: any) => (e.training.extra = { output_dir: '/tmp' }), 'training.extra.output_dir'],
    ['an extra argument outside its choices', (e: any) => (e.training.extra = { loss_type: 'l3' }), 'training.extra.loss_type'],
    ['a sampled epoch after the last', (e: any) => (e.checkpoints = [2, 5]), 'checkpoints.1'],
    ['a sampled epoch that is not saved', (e: any) => ((e.checkpoints = [3]), (e.training.save_every_n_epochs = 2)), 'checkpoints.0'],
    ['a prompt gen_img.py would split', (e: any) => (e.prompts[1].text = 'a cafe --n people'), 'prompts.1.text'],
    ['a prompt with dynamic-prompt braces', (e: any) => (e.prompts[0].text = '{red|blue} hair'), 'prompts.0.text'],
    ['a duplicate base', (e: any) => (e.bases[1].name = 'alpha'), 'bases.1.name'],
    ['a base named native', (e: any) => (e.bases[1].name = 'native'), 'bases.1.name'],
    ['an unknown sampler', (e: any) => (e.generation.sampler = 'dpmpp_2m'), 'generation.sampler'],
    ['an sd-scripts commit without argument list', (e: any) => (e.pins.sd_scripts.commit = 'a'.repeat(40)), 'pins.sd_scripts.commit'],
    ['an unpinned requirement left unpinned', (e: any) => delete e.pins.python_packages.numpy, 'pins.python_packages'],
    ['a torch version YAML reads as a number', (e: any) => (e.pins.torch.version = 2.6), 'pins.torch.version'],
    ['a resolution that is not a multiple of 64', (e: any) => (e.training.resolution = 500), 'training.resolution'],
  ])('%s is refused, naming the field', (_what, edit, field) => {
    const problems = problemsOf(edited(edit));
    expect(problems.map((p) => p.field)).toEqual([field]);
  });

  it('reads seeds written as numbers or quoted digits, and refuses what gen_img.py cannot take', () => {
    const { experiment } = parseExperimentText(stringify(edited((e) => (e.seeds = [7, '0008', '4294967295']))), '/x/experiment.yaml');
    expect(experiment.seeds).toEqual(['7', '8', '4294967295']);
    const below2to32 = 'gen_img.py seeds are integers from 0 to 4294967295 (below 2^32)';
    for (const seeds of [
      [7, 4294967296],
      [7, '4294967296'],
      [7, -1],
      [7, '18446744073709551615'],
      [7, 'x'],
    ]) {
      expect(problemsOf(edited((e) => (e.seeds = seeds))), JSON.stringify(seeds)).toEqual([expect.objectContaining({ field: 'seeds.1', message: below2to32 })]);
    }
    expect(problemsOf(edited((e) => (e.seeds = [7, '07'])))).toEqual([
      expect.objectContaining({ field: 'seeds.1', message: expect.stringMatching(/duplicate seed/) }),
    ]);
  });

  it('names the missing package and suggests the pin', () => {
    const [problem] = problemsOf(edited((e) => delete e.pins.python_packages.tensorboard));
    expect(problem.message).toContain('"tensorboard"');
    expect(problem.message).toContain('python_packages: { tensorboard:');
  });

  it('lycoris needs its package pinned', () => {
    const problems = problemsOf(edited((e) => ((e.training.network = 'lycoris'), (e.training.algo = 'loha'))));
    expect(problems.map((p) => p.field)).toEqual(['pins.lycoris_lora']);
  });

  it('reports a file that cannot be read', () => {
    expect(() => loadExperiment('/nonexistent/experiment.yaml')).toThrow(/cannot read/);
  });
});
