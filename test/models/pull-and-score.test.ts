import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipTokenizer } from '../../src/encoders/tokenizer.js';
import { tempDir } from '../helpers/tmp.js';
import { folderFiles, HubStandIn } from './hub-stand-in.js';
import { runCliAsync } from './run-cli-async.js';
import { smallDemoSweep, PORTRAIT } from '../helpers/small-sweep.js';

const CLIP_REPO = 'Xenova/clip-vit-base-patch32';
const TAGGER_REPO = 'SmilingWolf/wd-vit-tagger-v3';

describe('pull then score by name, as a new user would', () => {
  let hub: HubStandIn;
  let home: string;
  let sweep: string;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    hub = new HubStandIn({
      [CLIP_REPO]: { files: folderFiles(resolve('fixtures/models/clip')) },
      [TAGGER_REPO]: { files: folderFiles(resolve('fixtures/models/tagger-v3')) },
    });
    await hub.start();
    home = tempDir('lora-eval-hf-');
    sweep = smallDemoSweep([PORTRAIT]);
    env = { HF_ENDPOINT: hub.endpoint, HF_HOME: home, HF_HUB_CACHE: undefined, HF_TOKEN: undefined, HF_HUB_OFFLINE: undefined };
  });
  afterAll(() => hub.close());

  it('pulls both models, scores offline from the cache and records repository, commit and hashes in run.json', async () => {
    const lock = join(sweep, 'models.lock.json');
    for (const model of ['clip-vit-base-patch32', 'wd-vit-tagger-v3']) {
      const pull = await runCliAsync(['models', 'pull', model, '--lock', lock], env);
      expect(pull.stderr).toMatch(/sha256 pinned in/);
      expect(pull.code).toBe(0);
      // Not a terminal: milestone lines instead of a bar.
      expect(pull.stderr).toMatch(/^downloading (onnx\/vision_model\.onnx|model\.onnx) \(\d+(\.\d)? kB\)$/m);
    }
    const out = join(sweep, 'out');
    const score = await runCliAsync(
      ['score', join(sweep, 'sweep.yaml'), '--clip', 'clip-vit-base-patch32', '--tagger', `${TAGGER_REPO}@main`, '--out', out, '--lock', lock],
      { ...env, HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_OFFLINE: '1' },
    );
    expect(score.stderr).toContain('scored 4 of 4 image(s)');
    expect(score.code).toBe(0);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    const vision = run.models.find((m: { path?: string }) => m.path === 'onnx/vision_model.onnx');
    expect(vision).toMatchObject({ repo: CLIP_REPO, commit: hub.commitOf(CLIP_REPO), sha256: hub.sha256Of(CLIP_REPO, 'onnx/vision_model.onnx') });
    expect(run.models.find((m: { repo?: string }) => m.repo === TAGGER_REPO)).toMatchObject({ path: 'model.onnx', commit: hub.commitOf(TAGGER_REPO) });
    expect(run.clip.id).toBe('clip-vit-base-patch32');
    expect(readFileSync(join(out, 'scores.csv'), 'utf8')).toContain(',clip-vit-base-patch32,');

    const tokens = await runCliAsync(['inspect', 'tokens', '--model', 'clip-vit-base-patch32', 'a photo of a cat'], { ...env, HF_HUB_OFFLINE: '1' });
    expect(tokens.code).toBe(0);
    expect(JSON.parse(tokens.stdout)).toEqual(ClipTokenizer.fromFolder(resolve('fixtures/models/clip')).encode('a photo of a cat', 77).ids);

    // A blob changed after it was pinned is refused by score (a bit in the weights, so that the model still loads).
    const blob = join(home, 'hub', 'models--Xenova--clip-vit-base-patch32', 'blobs', hub.sha256Of(CLIP_REPO, 'onnx/vision_model.onnx'));
    const bytes = readFileSync(blob);
    bytes[12_000] ^= 1;
    writeFileSync(blob, bytes);
    const refused = await runCliAsync(['score', join(sweep, 'sweep.yaml'), '--clip', 'clip-vit-base-patch32', '--out', out, '--lock', lock], {
      ...env,
      HF_HUB_OFFLINE: '1',
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /vision_model\.onnx: sha256 [0-9a-f]{12}… differs from [0-9a-f]{12}… pinned .*"hf:\/\/Xenova\/clip-vit-base-patch32\/onnx\/vision_model\.onnx"/,
    );
  }, 300_000);

  it('names the missing model and the exact pull command, exit 2', async () => {
    const run = await runCliAsync(['score', join(sweep, 'sweep.yaml'), '--clip', 'clip-vit-large-patch14@refs/pr/3', '--out', join(sweep, 'out2')], {
      ...env,
      HF_HUB_OFFLINE: '1',
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `error: --clip clip-vit-large-patch14@refs/pr/3: Xenova/clip-vit-large-patch14@refs/pr/3 is not in the Hugging Face cache ${join(home, 'hub')}; ` +
        'download it with: lora-eval models pull clip-vit-large-patch14 --revision refs/pr/3',
    );
  }, 120_000);
});
