import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestFileError } from '../../src/ingest/errors.js';
import { LoraLibrary } from '../../src/ingest/lora-library.js';
import { a1111ModelHash, addnetHash, legacyModelHash, loraShortHash, sha256OfFile } from '../../src/ingest/model-hashes.js';
import { readSafetensorsHeader } from '../../src/ingest/safetensors.js';
import { bigFileBytes, safetensorsBytes, writeSafetensors } from './helpers/safetensors.js';

const reference = JSON.parse(readFileSync(new URL('./data/reference.json', import.meta.url), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'ingest-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('safetensors header', () => {
  const file = join(dir, 'anis_nai.safetensors');
  writeFileSync(file, safetensorsBytes());

  it('reads metadata and tensor entries without the tensors', async () => {
    const h = await readSafetensorsHeader(file);
    expect(h.fileBytes).toBe(reference.safetensors.length);
    expect(h.headerBytes).toBe(reference.safetensors.headerBytes);
    expect(h.metadata).toEqual({
      ss_sd_model_name: 'animefull-final-pruned.ckpt',
      ss_base_model_version: 'sd_v1',
      ss_output_name: 'anis_nai',
      ss_network_dim: '8',
    });
    expect(h.tensors['lora_unet_up.weight']).toEqual({ dtype: 'F16', shape: [100, 7], data_offsets: [1600, 3000] });
  });

  it('refuses bad headers with a reason naming the file', async () => {
    const bad = async (name: string, bytes: Buffer, reason: RegExp, maxHeaderBytes?: number) => {
      const f = join(dir, name);
      writeFileSync(f, bytes);
      const e = await readSafetensorsHeader(f, { maxHeaderBytes }).catch((x) => x);
      expect(e, name).toBeInstanceOf(IngestFileError);
      expect(e.file).toBe(f);
      expect(e.reason, name).toMatch(reason);
    };
    const len = (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(n);
      return b;
    };
    await bad('short.safetensors', Buffer.from([1, 2, 3]), /too short/);
    await bad('huge.safetensors', Buffer.concat([len(2n ** 40n), Buffer.from('{}')]), /exceeds the limit of 104857600 bytes/);
    await bad('limit.safetensors', safetensorsBytes(), /exceeds the limit of 100 bytes/, 100);
    await bad('past-end.safetensors', Buffer.concat([len(500n), Buffer.from('{}')]), /runs past the end/);
    await bad('notjson.safetensors', Buffer.concat([len(4n), Buffer.from('nope')]), /not valid JSON/);
    await bad('array.safetensors', Buffer.concat([len(2n), Buffer.from('[]')]), /must be a JSON object/);
    await bad(
      'offsets.safetensors',
      writeSafetensors({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, {}, Buffer.alloc(8)),
      /data_offsets \[0, 16\] fall outside the 8 bytes/,
    );
    await bad('meta.safetensors', writeSafetensors({}, { n: 3 as unknown as string }, Buffer.alloc(0)), /__metadata__.n" must be a string/);
  });
});

describe('model hashes (reference values from hashlib)', () => {
  it('matches A1111 model hash, addnet hash and legacy hash', async () => {
    const file = join(dir, 'hash.safetensors');
    writeFileSync(file, safetensorsBytes());
    expect(await sha256OfFile(file)).toBe(reference.safetensors.sha256);
    expect(await a1111ModelHash(file)).toBe(reference.safetensors.a1111);
    expect(await addnetHash(file)).toBe(reference.safetensors.addnet);
    expect(await loraShortHash(file)).toBe(reference.safetensors.addnet.slice(0, 12));
    expect(await legacyModelHash(file)).toBe(reference.safetensors.legacy);
  });

  it('streams files larger than one read chunk', async () => {
    const file = join(dir, 'big.bin');
    const bytes = bigFileBytes();
    expect(bytes.length).toBe(reference.bigFile.length);
    writeFileSync(file, bytes);
    expect(await sha256OfFile(file)).toBe(reference.bigFile.sha256);
    expect(await legacyModelHash(file)).toBe(reference.bigFile.legacy);
    expect(await sha256OfFile(file, 1000)).toBe(createHash('sha256').update(bytes.subarray(1000)).digest('hex'));
  });
});

describe('LoRA folder', () => {
  it('reads bases from training metadata and finds files by name, alias or hash', async () => {
    const lib = join(dir, 'loras');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(lib, 'sub'), { recursive: true });
    writeFileSync(join(lib, 'anis_nai.safetensors'), safetensorsBytes());
    writeFileSync(
      join(lib, 'sub', 'anis-sd15-e4.safetensors'),
      writeSafetensors({}, { ss_base_model_version: 'sd_v1', ss_output_name: 'anis_sd15' }, Buffer.from('x')),
    );
    writeFileSync(join(lib, 'broken.safetensors'), Buffer.from([1]));
    const library = await LoraLibrary.scan(lib);
    expect(library.files.map((f) => [f.name, f.baseModel, f.baseModelVersion])).toEqual([
      ['anis_nai', 'animefull-final-pruned', 'sd_v1'],
      ['anis-sd15-e4', undefined, 'sd_v1'],
    ]);
    expect(library.problems.map((p) => p.reason)).toEqual([expect.stringMatching(/too short/)]);
    expect((await library.find('ANIS_NAI'))?.name).toBe('anis_nai');
    expect((await library.find('anis_sd15'))?.name).toBe('anis-sd15-e4');
    expect((await library.find('renamed', reference.safetensors.addnet.slice(0, 12)))?.name).toBe('anis_nai');
    expect(await library.find('nothing', 'ffffffffffff')).toBeUndefined();
  });
});
