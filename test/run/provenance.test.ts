import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunJson } from '../../src/run/run-json.js';
import { sha256 } from '../../src/store/hash.js';
import { tempDir } from '../helpers/tmp.js';
import { CLIP, cliUnder, smallSweep, TAGGER } from './helpers.js';

/** Every file besides the weights whose bytes change the scores, and a change to each that leaves it readable. */
const SCORING_FILES: [string, (text: string) => string][] = [
  ['clip/tokenizer.json', (t) => JSON.stringify(JSON.parse(t), null, 1)],
  ['clip/tokenizer_config.json', (t) => JSON.stringify({ ...JSON.parse(t), model_max_length: 77 }, null, 3)],
  ['clip/preprocessor_config.json', (t) => JSON.stringify(JSON.parse(t), null, 4)],
  ['clip/config.json', (t) => JSON.stringify(JSON.parse(t), null, 5)],
  ['tagger/selected_tags.csv', (t) => t + '\n'],
];

describe('provenance of the files that change scores', () => {
  it('pins tokenizer, preprocessing and tag-list files beside the model folder and refuses each one changed, from any folder', () => {
    const dir = tempDir();
    const models = join(dir, 'models');
    cpSync(CLIP, join(models, 'clip'), { recursive: true });
    cpSync(TAGGER, join(models, 'tagger'), { recursive: true });
    const sweep = smallSweep(join(dir, 'sweep'));
    const out = join(dir, 'run');
    const args = ['score', sweep, '--clip', join(models, 'clip'), '--tagger', join(models, 'tagger'), '--out', out];
    const elsewhere = (name: string) => {
      mkdirSync(join(dir, name), { recursive: true });
      return join(dir, name);
    };

    expect(cliUnder('', args, elsewhere('cwd-1')).code).toBe(0);
    const lockFile = join(models, 'models.lock.json');
    expect(existsSync(join(dir, 'cwd-1', 'models'))).toBe(false);
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { files: Record<string, { sha256: string }> };
    const recorded = new Map(readRunJson(out)!.model_files!.map((m) => [m.file, m.sha256]));
    for (const [file] of SCORING_FILES) {
      const sha = sha256(readFileSync(join(models, file)));
      expect(lock.files[file]?.sha256, file).toBe(sha);
      expect(recorded.get(join(models, file)), file).toBe(sha);
    }

    for (const [i, [file, change]] of SCORING_FILES.entries()) {
      const path = join(models, file);
      const original = readFileSync(path, 'utf8');
      writeFileSync(path, change(original));
      expect(readFileSync(path, 'utf8')).not.toBe(original);
      const refused = cliUnder('', args, elsewhere(`cwd-refused-${i}`));
      expect(refused.code, file).toBe(2);
      expect(refused.stderr).toContain(`${path}: sha256 `);
      expect(refused.stderr).toContain(`pinned in ${lockFile}`);
      writeFileSync(path, original);
    }
    expect(cliUnder('', args, elsewhere('cwd-2')).code).toBe(0);

    const tokenizer = join(models, 'clip/tokenizer.json');
    writeFileSync(tokenizer, SCORING_FILES[0][1](readFileSync(tokenizer, 'utf8')));
    expect(cliUnder('', [...args, '--relock'], elsewhere('cwd-3')).code).toBe(0);
    const newSha = sha256(readFileSync(tokenizer));
    expect(readRunJson(out)!.model_files!.find((m) => m.file === tokenizer)?.sha256).toBe(newSha);
    expect((JSON.parse(readFileSync(lockFile, 'utf8')) as typeof lock).files['clip/tokenizer.json'].sha256).toBe(newSha);
  }, 240_000);
});
