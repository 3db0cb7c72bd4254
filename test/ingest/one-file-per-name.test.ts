import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { a1111Infotext, pngWithText } from './helpers/images.js';

/** A1111 outputs of one target at weights 0 and 1, seeds 1–4; `modelHash` and `loraHash` give each image's recorded hashes. */
async function a1111Folder(modelHash: (seed: number) => string, loraHash: (seed: number) => string): Promise<string> {
  const dir = tempDir('ingest-hashes-');
  let n = 0;
  for (const weight of [0, 1])
    for (let seed = 1; seed <= 4; seed++) {
      const text = a1111Infotext({
        prompt: weight ? 'anis, 1girl, smile, <lora:anis:1>' : 'anis, 1girl, smile',
        seed,
        model: 'anything-v4.5',
        modelHash: modelHash(seed),
        extra: weight ? `Lora hashes: "anis: ${loraHash(seed)}"` : undefined,
      });
      writeFileSync(join(dir, `${String(n).padStart(3, '0')}-w${weight}-s${seed}.png`), await pngWithText(16, 16, ++n, [{ keyword: 'parameters', text }]));
    }
  return dir;
}

const ingest = (dir: string) => runCli(['ingest', dir, '--out', join(dir, 'sweep.yaml'), '--base-of', 'anis=nai', '--trigger', 'anis', '--dry-run']);

describe('ingest: one name, one file', () => {
  it('refuses a checkpoint name whose images record two model hashes, naming both and a file of each', async () => {
    const dir = await a1111Folder(
      (seed) => (seed <= 2 ? '6e430eb514' : '1d6a5a1a2b'),
      () => '0123456789ab',
    );
    const r = ingest(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'target anything-v4.5: the images were made with two checkpoints of that name (model hash 6e430eb514 in 000-w0-s1.png, 1d6a5a1a2b in 002-w0-s3.png)',
    );
  });

  it('refuses a LoRA name whose images record two LoRA hashes', async () => {
    const dir = await a1111Folder(
      () => '6e430eb514',
      (seed) => (seed % 2 ? '0123456789ab' : 'ba9876543210'),
    );
    const r = ingest(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'LoRA anis: the images were made with two LoRA files of that name (hash 0123456789ab in 004-w1-s1.png, ba9876543210 in 005-w1-s2.png)',
    );
  });

  it("accepts one checkpoint recorded by A1111's old 8-hex hash in some images and its 10-hex sha256 in others", async () => {
    const dir = await a1111Folder(
      (seed) => (seed <= 2 ? '925997e9' : '6e430eb514'),
      () => '0123456789ab',
    );
    const r = ingest(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('8 images; factors base (1), target (1), weight (2)');
  });
});
