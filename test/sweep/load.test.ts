import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSweep } from '../../src/sweep/load.js';
import { SweepError } from '../../src/sweep/types.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const base = `name: t
lora: { trigger: anis, description: a girl with blonde hair, concept_tags: [blonde_hair], references: refs }
factors:
  base: [nai, sd15]
  target: [anything]
  weight: [0, 1]
prompts:
  - { id: portrait, kind: concept, text: "anis, 1girl" }
seeds: [1, 2]
images:
  template: "{base}/{target}/w{weight}/{prompt}-{seed}.png"
  native: "native/{target}/{prompt}-{seed}.png"
`;

function sweepDir(yaml: string, files: string[]): string {
  const dir = tempDir();
  writeTree(dir, { 'sweep.yaml': yaml, 'refs/r1.png': 'x', ...Object.fromEntries(files.map((f) => [f, 'x'])) });
  return dir;
}

function problemsOf(fn: () => unknown): SweepError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SweepError) return e;
    throw e;
  }
  throw new Error('expected a SweepError');
}

const allFiles = [
  'nai/anything/w1/portrait-1.png',
  'nai/anything/w1/portrait-2.png',
  'sd15/anything/w1/portrait-1.png',
  'sd15/anything/w1/portrait-2.png',
  'native/anything/portrait-1.png',
  'native/anything/portrait-2.png',
];

describe('loadSweep', () => {
  it('resolves the design: LoRA images per base and weight-0 images shared by every base', () => {
    const dir = sweepDir(base, allFiles);
    const loaded = loadSweep(join(dir, 'sweep.yaml'));
    expect(loaded.images).toHaveLength(6);
    expect(loaded.missing).toHaveLength(0);
    const natives = loaded.images.filter((i) => i.native);
    expect(natives.map((n) => n.key).sort()).toEqual(['native/anything/portrait-1.png', 'native/anything/portrait-2.png']);
    expect(natives[0].levels).toEqual({ base: '', target: 'anything', weight: '0' });
    expect(loaded.loraFactors).toEqual(['base']);
    expect(loaded.references).toHaveLength(1);
  });

  it('reports a missing image with the cell it belongs to and keeps the rest', () => {
    const dir = sweepDir(base, allFiles.slice(1));
    const loaded = loadSweep(join(dir, 'sweep.yaml'));
    expect(loaded.images).toHaveLength(5);
    expect(loaded.missing).toHaveLength(1);
    expect(loaded.missing[0].reason).toBe('missing image for base=nai target=anything weight=1 prompt=portrait seed=1');
  });

  it('leaves out the combinations an exclude rule matches (intermediate checkpoints of one base), without calling them missing', () => {
    const yaml = base
      .replace('  target: [anything]', '  checkpoint: [e4, e10]\n  target: [anything]')
      .replace('"{base}/{target}/w{weight}', '"{base}/{checkpoint}/{target}/w{weight}')
      .replace('seeds: [1, 2]', 'seeds: [1, 2]\nexclude:\n  - { checkpoint: e4, base: [sd15] }');
    const files = [
      ...allFiles.filter((f) => !f.startsWith('native')).map((f) => f.replace(/^(\w+)\//, '$1/e10/')),
      'nai/e4/anything/w1/portrait-1.png',
      'nai/e4/anything/w1/portrait-2.png',
      'native/anything/portrait-1.png',
      'native/anything/portrait-2.png',
    ];
    const loaded = loadSweep(join(sweepDir(yaml, files), 'sweep.yaml'));
    expect(loaded.missing).toEqual([]);
    expect(loaded.images).toHaveLength(8);
    expect(loaded.images.filter((i) => i.levels.checkpoint === 'e4').map((i) => i.levels.base)).toEqual(['nai', 'nai']);
    // Without the rule, sd15's epoch-4 images are missing ones.
    const full = loadSweep(join(sweepDir(yaml.replace(/exclude:\n.*\n/, ''), files), 'sweep.yaml'));
    expect(full.missing.map((m) => m.image.key)).toEqual(['sd15/e4/anything/w1/portrait-1.png', 'sd15/e4/anything/w1/portrait-2.png']);
  });

  it('names an exclude rule with an unknown factor or level, and one that leaves nothing', () => {
    const bad = base.replace('seeds: [1, 2]', 'seeds: [1, 2]\nexclude:\n  - { checkpoint: e4 }\n  - { base: xl }');
    const err = problemsOf(() => loadSweep(join(sweepDir(bad, allFiles), 'sweep.yaml')));
    expect(err.problems.map((p) => [p.field, p.message])).toEqual([
      ['exclude.0.checkpoint', 'unknown factor "checkpoint"; factors are base, target, weight'],
      ['exclude.1.base', '"xl" is not a level of base; levels: nai, sd15'],
    ]);
    const all = base.replace('seeds: [1, 2]', 'seeds: [1, 2]\nexclude:\n  - { target: anything }');
    expect(problemsOf(() => loadSweep(join(sweepDir(all, allFiles), 'sweep.yaml'))).message).toMatch(
      /exclude: the exclude rules leave no level combination of the factors/,
    );
  });

  it('names the field and line of a wrong type', () => {
    const dir = sweepDir(base.replace('seeds: [1, 2]', 'seeds: [1, two]'), allFiles);
    const err = problemsOf(() => loadSweep(join(dir, 'sweep.yaml')));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ field: 'seeds.1', line: 9 });
    expect(err.message).toMatch(/sweep\.yaml:9: seeds\.1: /);
  });

  it('refuses a template that maps two images to one path', () => {
    const dir = sweepDir(base.replace('{prompt}-{seed}.png"\n  native', '{prompt}.png"\n  native'), allFiles);
    const err = problemsOf(() => loadSweep(join(dir, 'sweep.yaml')));
    expect(err.message).toMatch(/duplicate image "nai\/anything\/w1\/portrait.png"/);
  });

  it('refuses image paths that leave the sweep root', () => {
    const dir = sweepDir(base.replace('native: "native/', 'native: "../native/'), allFiles);
    const err = problemsOf(() => loadSweep(join(dir, 'sweep.yaml')));
    expect(err.message).toMatch(/leaves the sweep root/);
  });

  it('asks for a native template when weight-0 images would depend on the base', () => {
    const yaml = base.replace(/images:\n  template: (.*)\n  native: .*\n/, 'images: $1\n');
    const err = problemsOf(() => loadSweep(join(sweepDir(yaml, allFiles), 'sweep.yaml')));
    expect(err.message).toMatch(/give images as \{ template, native \}/);
  });

  it('checks explicit image lists against the declared levels, prompts and seeds', () => {
    const yaml = base.replace(
      /images:\n[\s\S]*$/,
      'images:\n  - { path: a.png, base: nai, target: anything, weight: 1, prompt: portrait, seed: 1 }\n  - { path: b.png, base: xl, target: anything, weight: 1, prompt: portrait, seed: 3 }\n  - { path: c.png, target: anything, weight: 0, prompt: portrait, seed: 1 }\n',
    );
    const err = problemsOf(() => loadSweep(join(sweepDir(yaml, ['a.png', 'b.png', 'c.png']), 'sweep.yaml')));
    expect(err.problems.map((p) => p.message)).toEqual(['base "xl" is not a declared level; levels are nai, sd15', 'seed 3 is not listed in seeds']);
    expect(err.problems[0]).toMatchObject({ field: 'images.1', line: 12 });
  });

  it('reports a duplicate prompt id, an unknown lora factor and a negative weight together', () => {
    const yaml = base
      .replace('weight: [0, 1]', 'weight: [0, -1]')
      .replace('seeds: [1, 2]', 'seeds: [1, 2]\nlora_factors: [checkpoint]')
      .replace(
        '  - { id: portrait, kind: concept, text: "anis, 1girl" }',
        '  - { id: portrait, kind: concept, text: "anis, 1girl" }\n  - { id: portrait, kind: style, text: "x" }',
      );
    const err = problemsOf(() => loadSweep(join(sweepDir(yaml, allFiles), 'sweep.yaml')));
    const messages = err.problems.map((p) => `${p.field}: ${p.message}`);
    expect(messages).toContain('factors.weight.1: weight must be a number ≥ 0, got "-1"');
    expect(messages).toContain('prompts.1.id: duplicate prompt id "portrait"');
    expect(messages.some((m) => m.startsWith('lora_factors.0: unknown factor "checkpoint"'))).toBe(true);
  });

  it('keeps a 2^64 − 1 seed exact: quoted in YAML, in the resolved template and on the image', () => {
    const max64 = '18446744073709551615';
    const yaml = base.replace('seeds: [1, 2]', `seeds: [1, "${max64}"]`);
    const files = allFiles.map((f) => f.replace('-2.png', `-${max64}.png`));
    const loaded = loadSweep(join(sweepDir(yaml, files), 'sweep.yaml'));
    expect(loaded.sweep.seeds).toEqual(['1', max64]);
    expect(loaded.missing).toEqual([]);
    const big = loaded.images.filter((i) => i.seed === max64);
    expect(big.map((i) => i.key).sort()).toEqual([
      `nai/anything/w1/portrait-${max64}.png`,
      `native/anything/portrait-${max64}.png`,
      `sd15/anything/w1/portrait-${max64}.png`,
    ]);
    expect(loaded.images.filter((i) => i.seed === '1')).toHaveLength(3);
  });

  it('matches explicit images to seeds on the canonical form, whether written as number or string', () => {
    const max64 = '18446744073709551615';
    const yaml = base
      .replace('seeds: [1, 2]', `seeds: ["0001", "${max64}"]`)
      .replace(
        /images:\n[\s\S]*$/,
        `images:\n  - { path: a.png, base: nai, target: anything, weight: 1, prompt: portrait, seed: 1 }\n  - { path: b.png, base: nai, target: anything, weight: 1, prompt: portrait, seed: "${max64}" }\n`,
      );
    const loaded = loadSweep(join(sweepDir(yaml, ['a.png', 'b.png']), 'sweep.yaml'));
    expect(loaded.images.map((i) => [i.key, i.seed])).toEqual([
      ['a.png', '1'],
      ['b.png', max64],
    ]);
  });

  it('refuses an unquoted seed beyond 2^53, asking for quotes, and duplicates on the canonical form', () => {
    const unquoted = base.replace('seeds: [1, 2]', 'seeds: [1, 18446744073709551615]');
    const err = problemsOf(() => loadSweep(join(sweepDir(unquoted, allFiles), 'sweep.yaml')));
    expect(err.problems).toEqual([expect.objectContaining({ field: 'seeds.1', line: 9, message: expect.stringMatching(/beyond 2\^53 .*quote the seed/) })]);
    expect(err.message).toMatch(/sweep\.yaml:9: seeds\.1: seed 18446744073709552000 is beyond 2\^53/);

    const duplicate = base.replace('seeds: [1, 2]', 'seeds: [7, "007"]');
    const dup = problemsOf(() => loadSweep(join(sweepDir(duplicate, allFiles), 'sweep.yaml')));
    expect(dup.problems.map((p) => `${p.field}: ${p.message}`)).toEqual(['seeds.1: duplicate seed 7']);
  });
});

describe('images behind links', () => {
  it('follows links inside the root, and counts as missing a link out of it, a dangling link, a folder and an absent folder', () => {
    const dir = sweepDir(base, ['native/anything/portrait-1.png', 'native/anything/portrait-2.png', 'nai/anything/w1/portrait-1.png']);
    const outside = tempDir();
    writeTree(outside, { 'secret.png': 'x', 'w1/portrait-1.png': 'x', 'w1/portrait-2.png': 'x' });
    // nai/anything/w1/portrait-2.png: a link to another image inside the root
    symlinkSync(join(dir, 'native/anything/portrait-1.png'), join(dir, 'nai/anything/w1/portrait-2.png'));
    // sd15/anything/w1: a folder linked from outside the root
    mkdirSync(join(dir, 'sd15/anything'), { recursive: true });
    symlinkSync(join(outside, 'w1'), join(dir, 'sd15/anything/w1'));
    // a folder linked from inside the root, holding a link out of it and a dangling link
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'nai/anything/w0'));
    symlinkSync(join(outside, 'secret.png'), join(dir, 'elsewhere/portrait-1.png'));
    symlinkSync(join(dir, 'gone.png'), join(dir, 'elsewhere/portrait-2.png'));
    mkdirSync(join(dir, 'native/anything/portrait-3.png'));

    const list = `${base.replace(/images:[\s\S]*$/, '').replace('prompts:', 'prompts:\n  - { id: outdoors, kind: concept, text: "anis, outdoors" }')}images:
  - { path: nai/anything/w1/portrait-1.png, base: nai, target: anything, weight: 1, prompt: portrait, seed: 1 }
  - { path: nai/anything/w1/portrait-2.png, base: nai, target: anything, weight: 1, prompt: portrait, seed: 2 }
  - { path: sd15/anything/w1/portrait-1.png, base: sd15, target: anything, weight: 1, prompt: portrait, seed: 1 }
  - { path: nai/anything/w0/portrait-1.png, base: nai, target: anything, weight: 0, prompt: portrait, seed: 1 }
  - { path: nai/anything/w0/portrait-2.png, base: nai, target: anything, weight: 0, prompt: portrait, seed: 2 }
  - { path: native/anything/portrait-3.png, base: nai, target: anything, weight: 1, prompt: outdoors, seed: 1 }
  - { path: nowhere/portrait-1.png, base: sd15, target: anything, weight: 1, prompt: portrait, seed: 2 }
`;
    writeFileSync(join(dir, 'sweep.yaml'), list);
    const loaded = loadSweep(join(dir, 'sweep.yaml'));
    expect(loaded.images.map((i) => i.key)).toEqual(['nai/anything/w1/portrait-1.png', 'nai/anything/w1/portrait-2.png']);
    expect(loaded.images[1].path).toBe(join(dir, 'nai/anything/w1/portrait-2.png'));
    const reasons = Object.fromEntries(loaded.missing.map((m) => [m.image.key, m.reason]));
    expect(reasons).toEqual({
      'sd15/anything/w1/portrait-1.png': `links outside the sweep root (${join(realpathSync(outside), 'w1/portrait-1.png')})`,
      'nai/anything/w0/portrait-1.png': `links outside the sweep root (${join(realpathSync(outside), 'secret.png')})`,
      'nai/anything/w0/portrait-2.png': expect.stringMatching(/^missing image for /),
      'native/anything/portrait-3.png': 'not a regular file',
      'nowhere/portrait-1.png': expect.stringMatching(/^missing image for /),
    });
  });
});
