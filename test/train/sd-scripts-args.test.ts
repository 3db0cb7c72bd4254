import { describe, expect, it } from 'vitest';
import { checkCliArgs, checkDatasetConfig, checkTomlArg, checkTrainConfig, toArgValue } from '../../src/train/arg-check.js';
import { parseArgTables } from '../../src/train/sd-scripts-args/parse.js';
import { sdScriptsVersion, SD_SCRIPTS_VERSIONS } from '../../src/train/sd-scripts-args/index.js';
import { checkTomlRoundTrip, int, tomlText } from '../../src/train/toml.js';
import { COMMIT } from './experiment-fixture.js';

const version = sdScriptsVersion(COMMIT)!;

describe('committed sd-scripts argument lists', () => {
  it('hold the arguments read from the pinned sources', () => {
    expect(SD_SCRIPTS_VERSIONS.map((v) => v.commit)).toEqual([COMMIT]);
    // values as they appear in the parser code of train_network.py / library/train_util.py
    expect(version.trainNetwork.get('network_dim')).toMatchObject({ kind: 'int', source: 'train_network.py setup_parser' });
    expect(version.trainNetwork.get('network_alpha')?.kind).toBe('float');
    expect(version.trainNetwork.get('text_encoder_lr')?.kind).toBe('float*');
    expect(version.trainNetwork.get('lr_warmup_steps')?.kind).toBe('int_or_float');
    expect(version.trainNetwork.get('mixed_precision')?.choices).toEqual(['no', 'fp16', 'bf16']);
    expect(version.trainNetwork.get('save_model_as')?.choices).toEqual(['ckpt', 'pt', 'safetensors']);
    expect(version.trainNetwork.get('dataset_config')?.source).toBe('library/config_util.py add_config_arguments');
    expect(version.trainNetwork.has('metadata_title')).toBe(false); // not transcribed (sai_model_spec)
    expect(version.trainNetwork.size).toBe(170);
    expect(version.genImg.get('sampler')?.choices).toHaveLength(16);
    expect(version.genImg.get('network_weights')?.kind).toBe('str*');
    expect(version.genImg.size).toBe(85);
    expect([...version.genImgPromptOptions.keys()]).toEqual(expect.arrayContaining(['d', 'am', 'f', 'n', 'w', 'h', 's', 'l']));
    expect(version.datasetConfig.subset.get('image_dir')).toBe('str');
    expect(version.datasetConfig.general.has('image_dir')).toBe(false);
    expect(version.datasetConfig.dataset.get('network_multiplier')).toBe('float');
    expect(version.requirements).toContain('-e .');
  });

  it('refuse malformed or repeated lines', () => {
    expect(() => parseArgTables({ src: 'foo integer' })).toThrow(/bad line for "foo"/);
    expect(() => parseArgTables({ a: 'foo int', b: 'foo str' })).toThrow(/listed twice/);
  });
});

describe('argument checks', () => {
  const spec = (name: string) => version.trainNetwork.get(name)!;

  it('type-check TOML values: integers are bigints, floats are numbers', () => {
    expect(checkTomlArg(spec('network_dim'), int(16))).toBeUndefined();
    expect(checkTomlArg(spec('network_dim'), 16)).toMatch(/expects int, got number 16/);
    expect(checkTomlArg(spec('network_alpha'), 8)).toBeUndefined();
    expect(checkTomlArg(spec('network_alpha'), int(8))).toMatch(/expects float/);
    expect(checkTomlArg(spec('sdpa'), true)).toBeUndefined();
    expect(checkTomlArg(spec('mixed_precision'), 'fp32')).toMatch(/one of no, fp16, bf16/);
    expect(checkTomlArg(spec('text_encoder_lr'), [5e-5])).toBeUndefined();
  });

  it('convert experiment values to the argument types', () => {
    expect(toArgValue(spec('min_snr_gamma'), 5)).toEqual({ value: 5 });
    expect(toArgValue(spec('max_timestep'), 900)).toEqual({ value: 900n });
    expect(toArgValue(spec('max_timestep'), 900.5)).toHaveProperty('error');
    expect(toArgValue(spec('lr_warmup_steps'), 100)).toEqual({ value: 100n });
    expect(toArgValue(spec('lr_warmup_steps'), 0.1)).toEqual({ value: 0.1 });
    expect(toArgValue(spec('optimizer_args'), 'weight_decay=0.1')).toEqual({ value: ['weight_decay=0.1'] });
    expect(toArgValue(spec('noise_offset_random_strength'), 'yes')).toHaveProperty('error');
  });

  it('flag train config keys sd-scripts does not have (it would ignore them silently)', () => {
    const problems = checkTrainConfig({ network: { network_dim: int(4), network_dimm: int(4) }, seed: int(1) }, version, 'train/a.toml');
    expect(problems).toEqual([{ file: 'train/a.toml', field: 'network_dimm', message: expect.stringContaining('no argument "network_dimm"') }]);
  });

  it('check dataset configs against the voluptuous schema, where a whole-number float must be written as a float', () => {
    const good = {
      general: { caption_extension: '.txt' },
      datasets: [{ resolution: [int(512), int(768)], network_multiplier: 1, subsets: [{ image_dir: '/d', num_repeats: int(2) }] }],
    };
    expect(checkDatasetConfig(good, version, 'dataset.toml')).toEqual([]);
    const bad = {
      general: { image_dir: '/d', batch_size: 2 },
      datasets: [{ network_multiplier: int(1), subsets: [{ num_repeats: int(2), is_reg: 'yes' }] }],
      extra: {},
    };
    expect(checkDatasetConfig(bad as never, version, 'dataset.toml').map((p) => p.field)).toEqual([
      'extra',
      'general.image_dir',
      'general.batch_size',
      'datasets[0].network_multiplier',
      'datasets[0].subsets[0].is_reg',
      'datasets[0].subsets[0]',
    ]);
  });

  it('check command lines against gen_img.py', () => {
    const problems = checkCliArgs(
      [
        ['--steps', '28'],
        ['--sampler', 'euler_a'],
        ['--sdpa'],
        ['--steps', 'x'],
        ['--sampler', 'dpmpp'],
        ['--sdpa', '1'],
        ['--network_weight', 'a'],
        ['--network_weights'],
      ],
      version.genImg,
      'run.sh',
      'gen_img.py',
    );
    expect(problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      '--steps: expects int, got "x"',
      '--sampler: expects one of ddim, pndm, lms, euler, euler_a, heun, dpm_2, dpm_2_a, dpmsolver, dpmsolver++, dpmsingle, k_lms, k_euler, k_euler_a, k_dpm_2, k_dpm_2_a, got "dpmpp"',
      '--sdpa: expects no value, got 1',
      '--network_weight: gen_img.py has no argument --network_weight',
      '--network_weights: expects one or more values, got 0',
    ]);
  });
});

describe('TOML', () => {
  it('writes integers as integers and every number as a float, and reads them back the same', () => {
    const table = { general: { keep_tokens: int(1), rate: 1, lr: 5e-7 }, datasets: [{ resolution: [int(512), int(768)], subsets: [{ image_dir: '/d' }] }] };
    const text = tomlText(table, ['note']);
    expect(text).toBe(
      '# note\n\n[general]\nkeep_tokens = 1\nrate = 1.0\nlr = 5e-7\n\n[[datasets]]\nresolution = [ 512, 768 ]\n\n[[datasets.subsets]]\nimage_dir = "/d"\n',
    );
    expect(() => checkTomlRoundTrip(text, table, 'a.toml')).not.toThrow();
    expect(() => checkTomlRoundTrip(text.replace('rate = 1.0', 'rate = 1'), table, 'a.toml')).toThrow('a.toml: TOML read back differs at "general.rate"');
    expect(() => checkTomlRoundTrip(text.replace('[[datasets]]', '[[datasets'), table, 'a.toml')).toThrow(/does not parse/);
  });
});
