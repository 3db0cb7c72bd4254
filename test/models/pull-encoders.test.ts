import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { folderFiles, HubStandIn } from './hub-stand-in.js';
import { runCliAsync } from './run-cli-async.js';
import { PORTRAIT, smallDemoSweep } from '../helpers/small-sweep.js';

const CLIP_REPO = 'Xenova/clip-vit-base-patch32';
const DINO_REPO = 'onnx-community/dinov2-small';
const CCIP_REPO = 'deepghs/ccip_onnx';
const CCIP_MODEL = 'ccip-caformer-24-randaug-pruned';

function prefixed(prefix: string, files: Record<string, Buffer>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(files).map(([path, bytes]) => [`${prefix}/${path}`, bytes]));
}

describe('pull DINOv2 and CCIP by card id, then score offline', () => {
  let hub: HubStandIn;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    const ccip = folderFiles(resolve('fixtures/models/ccip/ccip-fixture'));
    hub = new HubStandIn({
      [CLIP_REPO]: { files: folderFiles(resolve('fixtures/models/clip')) },
      [DINO_REPO]: { files: { ...folderFiles(resolve('fixtures/models/dinov2-small')), 'README.md': Buffer.from('# DINOv2\n') } },
      // the repository holds several models, with a file the loader does not read
      [CCIP_REPO]: {
        files: { ...prefixed(CCIP_MODEL, { ...ccip, 'cluster.json': Buffer.from('{}') }), ...prefixed('ccip-caformer-5_fp32', ccip) },
      },
    });
    await hub.start();
    env = { HF_ENDPOINT: hub.endpoint, HF_HOME: tempDir('lora-eval-hf-'), HF_HUB_CACHE: undefined, HF_TOKEN: undefined, HF_HUB_OFFLINE: undefined };
  });
  afterAll(() => hub.close());

  it("fetches exactly the card's files and scores with --encoder dinov2-small --ccip ccip", async () => {
    const sweep = smallDemoSweep([PORTRAIT]);
    const lock = join(sweep, 'models.lock.json');
    for (const model of ['clip-vit-base-patch32', 'dinov2-small', 'ccip']) {
      const pull = await runCliAsync(['models', 'pull', model, '--lock', lock], env);
      expect(pull.code, pull.stderr).toBe(0);
    }
    const downloaded = (repo: string) =>
      hub.requests.filter((r) => r.url.includes(`/${repo}/resolve/`)).map((r) => decodeURIComponent(r.url.split('/resolve/')[1].split('/').slice(1).join('/')));
    expect(new Set(downloaded(DINO_REPO))).toEqual(new Set(['onnx/model.onnx', 'preprocessor_config.json', 'config.json']));
    expect(new Set(downloaded(CCIP_REPO))).toEqual(new Set(['model_feat.onnx', 'model_metrics.onnx', 'metrics.json'].map((f) => `${CCIP_MODEL}/${f}`)));

    const out = join(sweep, 'out');
    const score = await runCliAsync(
      ['score', join(sweep, 'sweep.yaml'), '--clip', 'clip-vit-base-patch32', '--encoder', 'dinov2-small', '--ccip', 'ccip', '--out', out, '--lock', lock],
      { ...env, HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_OFFLINE: '1' },
    );
    expect(score.code, score.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.encoder.id).toBe('dinov2-small');
    expect(run.ccip).toMatchObject({ id: `ccip_onnx/${CCIP_MODEL}`, threshold: 0.15 });
    expect(run.models.find((m: { path?: string }) => m.path === `${CCIP_MODEL}/model_metrics.onnx`)).toMatchObject({
      repo: CCIP_REPO,
      commit: hub.commitOf(CCIP_REPO),
    });
    const scores = readFileSync(join(out, 'scores.csv'), 'utf8');
    expect(scores).toContain(',concept_similarity,dinov2-small,');
    expect(scores).toContain(`,character_match,ccip_onnx/${CCIP_MODEL},`);
    expect(JSON.parse(readFileSync(lock, 'utf8')).files).toHaveProperty(`hf://${CCIP_REPO}/${CCIP_MODEL}/model_feat.onnx`);
  }, 240_000);
});
