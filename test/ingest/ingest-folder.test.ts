import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildSweep, promptId } from '../../src/ingest/build-sweep.js';
import { ingestFolder } from '../../src/ingest/ingest-folder.js';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { loadSweep } from '../../src/sweep/load.js';
import { SweepError } from '../../src/sweep/types.js';
import { buildA1111Grid } from './helpers/a1111-grid.js';
import { runIngest } from './helpers/cli-program.js';
import { comfyGraph } from './helpers/comfy.js';
import { a1111Infotext, jpegWithUserComment, noisePng, pngWithText, userCommentBytes, webpWithUserComment, withTextChunks } from './helpers/images.js';
import { writeSafetensors } from './helpers/safetensors.js';

const root = mkdtempSync(join(tmpdir(), 'ingest-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TARGETS = ['anything-v4.5', 'counterfeit-v3'];
const PROMPT = 'anis, 1girl, upper body, smile';

/** Writes A1111 outputs for every target × weight × seed, rotating PNG, JPEG and WebP; weight 0 carries no LoRA tag. */
async function writeA1111Sweep(
  dir: string,
  o: { loras: string[]; weights: number[]; seeds: number[]; clipSkip?: (i: number) => number; extraPrompt?: string },
) {
  mkdirSync(dir, { recursive: true });
  let i = 0;
  for (const lora of o.loras) {
    for (const target of TARGETS) {
      for (const weight of o.weights) {
        for (const seed of o.seeds) {
          const prompts = [PROMPT, ...(o.extraPrompt ? [o.extraPrompt] : [])];
          for (const [p, basePrompt] of prompts.entries()) {
            const prompt = weight === 0 ? basePrompt : `${basePrompt}, <lora:${lora}:${weight}>`;
            const text = a1111Infotext({
              prompt,
              negative: 'lowres, bad hands',
              seed,
              model: target,
              clipSkip: o.clipSkip?.(i),
              extra: weight === 0 ? undefined : `Lora hashes: "${lora}: 0123456789ab"`,
            });
            const name = `${String(i).padStart(5, '0')}-${lora}-${target}-${weight}-${seed}-${p}`;
            const kind = i % 3;
            if (kind === 0) writeFileSync(join(dir, `${name}.png`), await pngWithText(24, 16, i + 1, [{ keyword: 'parameters', text }]));
            if (kind === 1) writeFileSync(join(dir, `${name}.jpg`), await jpegWithUserComment(24, 16, i + 1, userCommentBytes(text, 'UNICODE-BE')));
            if (kind === 2) writeFileSync(join(dir, `${name}.webp`), await webpWithUserComment(24, 16, i + 1, userCommentBytes(text, 'UNICODE-BE')));
            i++;
          }
        }
      }
    }
  }
}

async function makeReferences(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ref1.png'), await noisePng(8, 8, 99));
  return dir;
}

describe('ingestFolder', () => {
  it('turns A1111 outputs for 2 targets × 2 weights × 3 seeds into a sweep with exactly those factors and seeds, which loadSweep loads', async () => {
    const dir = join(root, 'a1111');
    const images = join(dir, 'outputs', 'txt2img-images', '2024-05-01');
    await writeA1111Sweep(images, { loras: ['anis_nai'], weights: [0, 1], seeds: [1, 2, 3] });
    writeFileSync(join(images, 'no-metadata.png'), await noisePng(8, 8, 5));
    writeFileSync(join(images, 'empty.png'), Buffer.alloc(0));
    const references = await makeReferences(join(dir, 'refs'));
    const result = await ingestFolder(join(dir, 'outputs'), {
      out: join(dir, 'sweep.yaml'),
      baseOf: { anis_nai: 'nai' },
      references,
      trigger: 'anis',
      name: 'anis-transfer',
    });

    expect(result.sweep.factors).toEqual({ base: ['nai'], target: TARGETS, weight: [0, 1] });
    expect(result.sweep.seeds).toEqual(['1', '2', '3']);
    expect(result.sweep.lora_factors).toEqual(['base']);
    expect(result.sweep.prompts).toEqual([{ id: promptId(PROMPT), kind: 'concept', text: PROMPT }]);
    expect(result.sweep.lora).toMatchObject({ name: 'anis_nai', trigger: 'anis', references: 'refs' });
    expect(result.imageCount).toBe(12);
    expect(result.problems.map((p) => [p.file.split('/').pop(), p.reason])).toEqual([
      ['empty.png', 'empty file (0 bytes)'],
      ['no-metadata.png', 'no generation metadata (no text chunks)'],
    ]);
    expect(result.referencesCreated).toBeUndefined();

    const loaded = loadSweep(join(dir, 'sweep.yaml'));
    expect(loaded.images).toHaveLength(12);
    expect(loaded.missing).toEqual([]);
    const cells = new Set(loaded.images.map((i) => `${i.levels.base}|${i.levels.target}|${i.weight}|${i.seed}`));
    expect(cells.size).toBe(12);
    expect(loaded.images.filter((i) => i.native)).toHaveLength(6);
    expect(loaded.images.filter((i) => !i.native).every((i) => i.levels.base === 'nai')).toBe(true);
    expect(loaded.references).toEqual([join(references, 'ref1.png')]);
    // One image per line, with its path relative to the sweep file.
    const yaml = readFileSync(join(dir, 'sweep.yaml'), 'utf8');
    expect(yaml).toMatch(
      /^ {2}- \{ path: outputs\/txt2img-images\/2024-05-01\/00000-anis_nai-anything-v4\.5-0-1-0\.png, prompt: .*, seed: 1, target: anything-v4\.5, weight: 0 \}$/m,
    );

    // score runs on the ingested sweep.
    const scored = await scoreSweep({
      sweep: join(dir, 'sweep.yaml'),
      clip: 'fixtures/models/clip',
      out: join(dir, 'run'),
      lock: join(dir, 'models.lock.json'),
    });
    expect(scored.failures).toEqual([]);
    expect(scored.images.scored).toBe(12);
    expect(scored.rows.filter((r) => r.metric === 'style_retention')).toHaveLength(6);
  });

  it('creates an empty reference folder with a README when none is given, and says loading fails until it is filled', async () => {
    const dir = join(root, 'noref');
    await writeA1111Sweep(join(dir, 'images'), { loras: ['anis_nai'], weights: [0, 0.5], seeds: [7] });
    const result = await ingestFolder(join(dir, 'images'), { out: join(dir, 'sweep.yaml') });
    expect(result.referencesCreated).toBe(join(dir, 'references'));
    expect(existsSync(join(dir, 'references', 'README.txt'))).toBe(true);
    expect(result.notes.join('\n')).toMatch(/created the empty reference folder/);
    expect(result.notes.join('\n')).toMatch(/fill in lora\.trigger, lora\.description, lora\.concept_tags/);
    expect(result.notes.join('\n')).toMatch(/base model unknown for LoRA anis_nai/);
    const yaml = readFileSync(join(dir, 'sweep.yaml'), 'utf8');
    expect(yaml).toMatch(/# FILL IN: the trigger word/);
    expect(yaml).toMatch(/trigger: FILL_IN_trigger/);
    const error = (() => {
      try {
        loadSweep(join(dir, 'sweep.yaml'));
      } catch (e) {
        return e as SweepError;
      }
    })();
    expect(error).toBeInstanceOf(SweepError);
    expect(error!.problems.map((p) => p.message)).toEqual([`no images (.png, .jpg, .jpeg, .webp) in ${join(dir, 'references')}`]);
  });

  it('reads bases from the LoRA files, keeps one weight-0 image per cell and adds a factor for a setting that varies', async () => {
    const dir = join(root, 'two-bases');
    await writeA1111Sweep(join(dir, 'images'), {
      loras: ['anis_nai', 'anis_sd15'],
      weights: [0, 0.65],
      seeds: [1, 2],
      clipSkip: (i) => (i % 2 ? 2 : 1),
      extraPrompt: 'a cafe interior, no humans',
    });
    const loras = join(dir, 'loras');
    mkdirSync(loras);
    writeFileSync(
      join(loras, 'anis_nai.safetensors'),
      writeSafetensors({}, { ss_sd_model_name: 'nai-full.ckpt', ss_base_model_version: 'sd_v1' }, Buffer.from('a')),
    );
    writeFileSync(
      join(loras, 'anis_sd15.safetensors'),
      writeSafetensors({}, { ss_sd_model_name: 'runwayml/stable-diffusion-v1-5', ss_base_model_version: 'sd_v1' }, Buffer.from('b')),
    );
    const result = await ingestFolder(join(dir, 'images'), {
      out: join(dir, 'sweep.yaml'),
      lorasFolder: loras,
      trigger: 'anis',
      references: await makeReferences(join(dir, 'refs')),
    });
    expect(result.sweep.factors).toEqual({ base: ['nai-full', 'stable-diffusion-v1-5'], target: TARGETS, weight: [0, 0.65], clip_skip: [1, 2] });
    expect(result.sweep.prompts.map((p) => [p.text, p.kind])).toEqual(
      expect.arrayContaining([
        [PROMPT, 'concept'],
        ['a cafe interior, no humans', 'unrelated'],
      ]),
    );
    // Each base's run made its own weight-0 images; only one per target × prompt × seed × clip skip stays.
    const duplicates = result.problems.filter((p) => /same cell as/.test(p.reason));
    expect(duplicates.length).toBeGreaterThan(0);
    expect(duplicates[0].reason).toMatch(/weight-0 images are the target's native output/);
    const loaded = loadSweep(join(dir, 'sweep.yaml'));
    expect(loaded.images).toHaveLength(result.imageCount);
    expect(new Set(loaded.images.filter((i) => !i.native).map((i) => i.levels.base))).toEqual(new Set(['nai-full', 'stable-diffusion-v1-5']));
  });

  it('ingests ComfyUI outputs: checkpoint as target, LoRA loader strength as weight', async () => {
    const dir = join(root, 'comfy');
    mkdirSync(join(dir, 'out'), { recursive: true });
    let n = 0;
    for (const ckpt of ['anything-v4.5.safetensors', 'SD1.5/counterfeit-v3.safetensors']) {
      for (const strength of [0, 0.8]) {
        for (const seed of ['5', '6']) {
          const graph = comfyGraph({ ckpt, lora: ['loras/anis_nai.safetensors', strength, strength], seed, text: 'anis, 1girl' });
          writeFileSync(
            join(dir, 'out', `ComfyUI_${String(n++).padStart(5, '0')}_.png`),
            await pngWithText(16, 16, n, [
              { keyword: 'prompt', text: graph },
              { keyword: 'workflow', text: '{}' },
            ]),
          );
        }
      }
    }
    const result = await ingestFolder(join(dir, 'out'), {
      out: join(dir, 'sweep.yaml'),
      baseOf: { anis_nai: 'nai' },
      loras: ['anis_nai'],
      references: await makeReferences(join(dir, 'refs')),
    });
    expect(result.problems).toEqual([]);
    expect(result.sweep.factors).toEqual({ base: ['nai'], target: ['anything-v4.5', 'counterfeit-v3'], weight: [0, 0.8] });
    expect(result.sweep.seeds).toEqual(['5', '6']);
    expect(loadSweep(join(dir, 'sweep.yaml')).images).toHaveLength(8);
  });

  it('keeps 64-bit ComfyUI seeds exact: quoted in sweep.yaml, read back by loadSweep, sorted numerically', async () => {
    const dir = join(root, 'comfy-64bit');
    mkdirSync(join(dir, 'out'), { recursive: true });
    const max64 = '18446744073709551615'; // 2^64 − 1
    const above53 = '9007199254740993'; // 2^53 + 1: the nearest double is 2^53
    let n = 0;
    for (const seed of [max64, '5', above53]) {
      const graph = comfyGraph({ ckpt: 'anything-v4.5.safetensors', lora: ['loras/anis_nai.safetensors', 0.8, 0.8], seed, text: 'anis, 1girl' });
      writeFileSync(join(dir, 'out', `ComfyUI_${String(n++).padStart(5, '0')}_.png`), await pngWithText(16, 16, n, [{ keyword: 'prompt', text: graph }]));
    }
    const result = await ingestFolder(join(dir, 'out'), {
      out: join(dir, 'sweep.yaml'),
      baseOf: { anis_nai: 'nai' },
      references: await makeReferences(join(dir, 'refs')),
    });
    expect(result.problems).toEqual([]);
    expect(result.sweep.seeds).toEqual(['5', above53, max64]);
    const yaml = readFileSync(join(dir, 'sweep.yaml'), 'utf8');
    expect(yaml).toMatch(/^seeds: \[ 5, "9007199254740993", "18446744073709551615" \]$/m);
    expect(yaml).toMatch(/_00000_\.png, prompt: [^,]+, seed: "18446744073709551615", /);

    const loaded = loadSweep(join(dir, 'sweep.yaml'));
    expect(loaded.sweep.seeds).toEqual(['5', above53, max64]);
    const bySeed = Object.fromEntries(loaded.images.map((i) => [i.seed, i.key]));
    expect(bySeed).toEqual({ [max64]: 'out/ComfyUI_00000_.png', '5': 'out/ComfyUI_00001_.png', [above53]: 'out/ComfyUI_00002_.png' });
  });

  it('ingests sd-scripts outputs: target from --target, the --am multiplier named by --lora', async () => {
    const dir = join(root, 'sdscripts');
    mkdirSync(join(dir, 'out'), { recursive: true });
    let n = 0;
    for (const am of [undefined, '0.65']) {
      for (const seed of ['11', '12']) {
        const raw = `anis, 1girl --n lowres${am ? ` --am ${am}` : ''} --d ${seed}`;
        writeFileSync(
          join(dir, 'out', `im_${n++}.png`),
          await pngWithText(16, 16, n, [
            { keyword: 'prompt', text: 'anis, 1girl' },
            { keyword: 'negative-prompt', text: 'lowres' },
            { keyword: 'seed', text: seed },
            { keyword: 'steps', text: '28' },
            { keyword: 'scale', text: '7.0' },
            { keyword: 'raw-prompt', text: raw },
          ]),
        );
      }
    }
    const result = await ingestFolder(join(dir, 'out'), {
      out: join(dir, 'sweep.yaml'),
      defaultTarget: 'nai',
      loras: ['anis_nai'],
      baseOf: { anis_nai: 'nai' },
      references: await makeReferences(join(dir, 'refs')),
    });
    expect(result.problems).toEqual([]);
    expect(result.sweep.factors).toEqual({ base: ['nai'], target: ['nai'], weight: [0, 0.65] });
    expect(result.sweep.seeds).toEqual(['11', '12']);
  });

  it('slices a grid and places its cells: Prompt S/R weights × checkpoints', async () => {
    const dir = join(root, 'grid');
    mkdirSync(dir, { recursive: true });
    const grid = await buildA1111Grid({
      cellWidth: 64,
      cellHeight: 48,
      xLabels: ['<lora:anis:0>', '<lora:anis:0.5>', '<lora:anis:1>'],
      yLabels: ['anything-v4.5', 'counterfeit-v3'],
    });
    const infotext =
      'anis, 1girl, <lora:anis:0>\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 64x48, Model: anything-v4.5, Script: X/Y/Z plot, X Type: Prompt S/R, X Values: "<lora:anis:0>, <lora:anis:0.5>, <lora:anis:1>", Y Type: Checkpoint name, Y Values: "anything-v4.5, counterfeit-v3"';
    writeFileSync(join(dir, 'xyz_grid-0001.png'), withTextChunks(grid.png, [{ keyword: 'parameters', text: infotext }]));
    const result = await ingestFolder(dir, {
      out: join(dir, 'sweep.yaml'),
      grids: [join(dir, 'xyz_grid-0001.png')],
      baseOf: { anis: 'nai' },
      references: await makeReferences(join(dir, 'refs')),
    });
    expect(result.sweep.factors).toEqual({ base: ['nai'], target: TARGETS, weight: [0, 0.5, 1] });
    expect(result.sweep.seeds).toEqual(['42']);
    // The grid itself sits in the folder too: sliced, not reported.
    expect(result.problems).toEqual([]);
    const loaded = loadSweep(join(dir, 'sweep.yaml'));
    expect(loaded.images).toHaveLength(6);
    expect(loaded.images.map((i) => i.key)).toContain('cells/xyz_grid-0001/cell-x2-y1.png');
  });

  it('lists images it cannot place, with the reason', async () => {
    const records = [
      {
        path: '/s/a.png',
        generation: {
          source: 'a1111' as const,
          prompt: 'p <lora:x:1> <lora:y:1>',
          seed: '1',
          checkpoint: 'm',
          loras: [
            { name: 'x', weight: 1, via: 'prompt-tag' as const },
            { name: 'y', weight: 1, via: 'prompt-tag' as const },
          ],
          params: {},
          warnings: [],
        },
      },
      { path: '/s/b.png', generation: { source: 'sd-scripts' as const, prompt: 'p', seed: '1', loras: [], params: {}, warnings: [] } },
      {
        path: '/s/c.png',
        generation: { source: 'comfyui' as const, prompt: 'p', seed: '18446744073709551615', checkpoint: 'm', loras: [], params: {}, warnings: [] },
      },
      {
        path: '/s/d.png',
        generation: {
          source: 'a1111' as const,
          prompt: 'p <lora:x:-1>',
          seed: '1',
          checkpoint: 'm',
          loras: [{ name: 'x', weight: -1, via: 'prompt-tag' as const }],
          params: {},
          warnings: [],
        },
      },
      { path: '/s/e.png', generation: { source: 'a1111' as const, prompt: 'p', checkpoint: 'm', loras: [], params: {}, warnings: [] } },
      { path: '/s/ok.png', generation: { source: 'a1111' as const, prompt: 'p', seed: '1', checkpoint: 'm', loras: [], params: {}, warnings: [] } },
    ];
    const built = await buildSweep(records, { sweepFile: '/s/sweep.yaml', loras: ['x', 'y'] });
    expect(built.problems.map((p) => [p.file, p.reason.split(';')[0]])).toEqual([
      ['/s/a.png', 'applies 2 of the studied LoRAs (x, y)'],
      ['/s/b.png', 'no checkpoint (model) in the sd-scripts metadata (sd-scripts does not record it)'],
      ['/s/d.png', 'LoRA x has a negative weight -1'],
      ['/s/e.png', 'no seed in the metadata'],
    ]);
    // A 64-bit ComfyUI seed is placed like any other, exactly.
    expect(built.sweep.seeds).toEqual(['1', '18446744073709551615']);
    await expect(buildSweep(records.slice(0, 2), { sweepFile: '/s/sweep.yaml', loras: ['x', 'y'] })).rejects.toThrow(/no usable images: 2 left out/);
  });
});

describe('lora-eval ingest (CLI)', () => {
  const run = runIngest;

  it('writes the sweep, lists skipped files and exits 1 when some were skipped', async () => {
    const dir = join(root, 'cli');
    await writeA1111Sweep(join(dir, 'images'), { loras: ['anis_nai'], weights: [0, 1], seeds: [1, 2] });
    writeFileSync(join(dir, 'images', 'broken.png'), 'not an image');
    const refs = await makeReferences(join(dir, 'refs'));
    const strict = await run(['ingest', join(dir, 'images'), '--out', join(dir, 'strict.yaml'), '--references', refs, '--strict']);
    expect(strict.code).toBe(1);
    expect(existsSync(join(dir, 'strict.yaml'))).toBe(false);
    const r = await run([
      'ingest',
      join(dir, 'images'),
      '--out',
      join(dir, 'sweep.yaml'),
      '--base-of',
      'anis_nai=nai',
      '--references',
      refs,
      '--trigger',
      'anis',
      '--concept-tags',
      'blonde_hair, green_eyes',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/skipped .*broken\.png: not a PNG, JPEG or WebP file/);
    expect(r.stderr).toMatch(/wrote .*sweep\.yaml: 8 images; factors base \(1\), target \(2\), weight \(2\); 1 prompts; 2 seeds/);
    const sweep = parse(readFileSync(join(dir, 'sweep.yaml'), 'utf8'));
    expect(sweep.lora.concept_tags).toEqual(['blonde_hair', 'green_eyes']);
    expect(sweep.name).toBe('images');
  });

  it('prints the sweep with --dry-run and rejects bad options', async () => {
    const dir = join(root, 'cli2');
    await writeA1111Sweep(join(dir, 'images'), { loras: ['anis_nai'], weights: [1], seeds: [3] });
    const dry = await run(['ingest', join(dir, 'images'), '--out', join(dir, 'sweep.yaml'), '--dry-run']);
    expect(dry.code).toBe(0);
    expect(parse(dry.stdout).seeds).toEqual([3]);
    expect(existsSync(join(dir, 'sweep.yaml'))).toBe(false);
    expect((await run(['ingest', join(dir, 'images'), '--out', 'x.yaml', '--base-of', 'nonsense'])).stderr).toMatch(/expected <lora>=<base>/);
    expect((await run(['ingest', join(dir, 'images'), '--out', 'x.yaml', '--cell-size', '12'])).stderr).toMatch(/expected WIDTHxHEIGHT/);
    const missing = await run(['ingest', join(dir, 'nope'), '--out', 'x.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope: folder not found/);
  });

  it('inspect meta prints what was read as JSON', async () => {
    const file = join(root, 'one.png');
    writeFileSync(file, await pngWithText(8, 8, 1, [{ keyword: 'parameters', text: a1111Infotext({ prompt: 'p <lora:a:0.5>', seed: 9, model: 'm' }) }]));
    const r = await run(['inspect', 'meta', file]);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ format: 'png', carrier: 'PNG tEXt parameters', generation: { seed: '9', loras: [{ name: 'a', weight: 0.5 }] } });
    expect(json.texts).toEqual([{ type: 'tEXt', keyword: 'parameters', afterImageData: false, characters: expect.any(Number) }]);
    const st = join(root, 'm.safetensors');
    writeFileSync(st, writeSafetensors({}, { ss_sd_model_name: 'x.ckpt' }, Buffer.from('abc')));
    const meta = JSON.parse((await run(['inspect', 'meta', st, '--hashes'])).stdout);
    expect(meta.metadata).toEqual({ ss_sd_model_name: 'x.ckpt' });
    expect(meta.hashes.loraHash).toBe('ba7816bf8f01'); // sha256("abc")
    const bad = await run(['inspect', 'meta', join(root, 'missing.png')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/missing\.png: cannot read/);
  });
});
