import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { a1111Infotext, pngWithText } from './helpers/images.js';

describe('ingest: the resolution is the size of the file', () => {
  it('tells hires-fixed images from plain ones that record the same first-pass Size', async () => {
    // anything-v4.5 was generated with hires fix (32×32 files), counterfeit-v3 without (16×16); A1111 records
    // "Size: 16x16" for both, the first pass's size.
    const dir = tempDir('ingest-size-');
    let n = 0;
    for (const [target, side] of [
      ['anything-v4.5', 32],
      ['counterfeit-v3', 16],
    ] as const)
      for (const weight of [0, 1])
        for (const seed of [1, 2]) {
          const text = a1111Infotext({
            prompt: weight ? 'anis, 1girl, <lora:anis:1>' : 'anis, 1girl',
            seed,
            model: target,
            size: '16x16',
            extra: side === 32 ? 'Denoising strength: 0.5, Hires upscale: 2, Hires upscaler: Latent' : undefined,
          });
          writeFileSync(join(dir, `${n}.png`), await pngWithText(side, side, ++n, [{ keyword: 'parameters', text }]));
        }
    const r = runCli(['ingest', dir, '--out', join(dir, 'sweep.yaml'), '--base-of', 'anis=nai', '--trigger', 'anis', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(parse(r.stdout).factors.resolution).toEqual(['16x16', '32x32']);
    expect(r.stderr).toContain('note: resolution differs between images (16x16, 32x32): added as a factor');
    const images = parse(r.stdout).images as { target: string; resolution: string }[];
    expect(images.filter((i) => i.target === 'anything-v4.5').every((i) => i.resolution === '32x32')).toBe(true);
  });
});
