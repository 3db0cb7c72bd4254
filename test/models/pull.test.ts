import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scanCachedRepo } from '@huggingface/hub';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hubEnv } from '../../src/models/hub-env.js';
import { ChecksumError, pullModel, type PullOptions } from '../../src/models/hub-pull.js';
import { resolveModelOption } from '../../src/models/resolve-model.js';
import { UserError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';
import { ACCEPTED_TOKEN, folderFiles, HubStandIn } from './hub-stand-in.js';

const CLIP_REPO = 'Xenova/clip-vit-base-patch32';
const TAGGER_REPO = 'SmilingWolf/wd-vit-tagger-v3';
const GATED_REPO = 'SmilingWolf/wd-swinv2-tagger-v3';
const CARD_FILES = ['onnx/vision_model.onnx', 'onnx/text_model.onnx', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'config.json'];

const clipFiles = folderFiles(resolve('fixtures/models/clip'));
const taggerFiles = folderFiles(resolve('fixtures/models/tagger-v3'));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let hub: HubStandIn;
let home: string;
let env: Record<string, string>;

const options = (target: string, extra: Partial<PullOptions> = {}, vars: Record<string, string> = {}): PullOptions => ({
  target,
  lock: join(home, 'models.lock.json'),
  hub: hubEnv({ ...env, ...vars }),
  attempts: 3,
  ...extra,
});

beforeAll(async () => {
  hub = new HubStandIn({
    [CLIP_REPO]: { files: clipFiles },
    [TAGGER_REPO]: { files: taggerFiles },
    [GATED_REPO]: { files: taggerFiles, gated: true },
  });
  await hub.start();
});
afterAll(() => hub.close());

beforeEach(() => {
  home = tempDir('lora-eval-hf-');
  env = { HF_ENDPOINT: hub.endpoint, HF_HOME: home, HF_HUB_DOWNLOAD_TIMEOUT: '20' };
  hub.requests.length = 0;
  hub.cuts.clear();
  hub.corrupt.clear();
  hub.ignoreRange = false;
});

const cacheRepo = (repo: string) => join(home, 'hub', `models--${repo.replace('/', '--')}`);

describe('models pull', () => {
  it('downloads exactly the card files into the Hugging Face cache layout, verified and pinned', async () => {
    const result = await pullModel(options('clip-vit-base-patch32'));
    const commit = hub.commitOf(CLIP_REPO);
    expect(result.commit).toBe(commit);
    expect(result.snapshot).toBe(join(cacheRepo(CLIP_REPO), 'snapshots', commit));
    expect(readFileSync(join(cacheRepo(CLIP_REPO), 'refs', 'main'), 'utf8')).toBe(commit);
    expect(result.files.map((f) => f.path).sort()).toEqual([...CARD_FILES].sort());
    for (const path of CARD_FILES) {
      const link = join(result.snapshot, path);
      // Relative links into blobs/, named by sha256 for LFS files and by git sha1 for the others, as huggingface_hub does.
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      const blobName = readlinkSync(link).split('/').pop()!;
      const content = clipFiles[path];
      expect(blobName).toBe(path.endsWith('.onnx') ? sha256(content) : createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex'));
      expect(readFileSync(link).equals(content)).toBe(true);
    }
    // Nothing else was fetched: no quantized weights, no combined model, no special_tokens_map.json.
    const fetched = hub.downloads().map((r) => r.url);
    expect(fetched.some((u) => /quantized|onnx\/model\.onnx|special_tokens/.test(u))).toBe(false);

    const lock = JSON.parse(readFileSync(join(home, 'models.lock.json'), 'utf8')).files;
    expect(Object.keys(lock).sort()).toEqual(CARD_FILES.map((f) => `hf://${CLIP_REPO}/${f}`).sort());
    expect(lock[`hf://${CLIP_REPO}/onnx/vision_model.onnx`].sha256).toBe(sha256(clipFiles['onnx/vision_model.onnx']));

    // @huggingface/hub's own cache scanner (a port of huggingface_hub's scan_cache_dir) reads the layout back.
    const scanned = await scanCachedRepo(cacheRepo(CLIP_REPO));
    expect(scanned.id).toEqual({ name: CLIP_REPO, type: 'model' });
    expect(scanned.revisions.map((r) => [r.commitOid, r.refs])).toEqual([[commit, ['main']]]);
    expect(scanned.filesCount).toBe(CARD_FILES.length - 2); // it does not descend into onnx/

    hub.requests.length = 0;
    const again = await pullModel(options('clip-vit-base-patch32'));
    expect(again.files.every((f) => f.action === 'cached')).toBe(true);
    expect(hub.downloads()).toEqual([]);
  });

  it('pulls a variant and a repository without a card by the files the loader reads', async () => {
    const quantized = await pullModel(options('clip-vit-base-patch32', { variant: 'quantized' }));
    expect(quantized.files.map((f) => f.path)).toContain('onnx/vision_model_quantized.onnx');
    expect(quantized.files.map((f) => f.path)).not.toContain('onnx/vision_model.onnx');
    await expect(pullModel(options('clip-vit-base-patch32', { variant: 'int3' }))).rejects.toThrow(
      /--variant int3: the card clip-vit-base-patch32 lists the variants fp32, quantized/,
    );

    const bare = await pullModel(options(`${TAGGER_REPO}@main`, { cards: [] }));
    expect(bare.files.map((f) => f.path)).toEqual(['model.onnx', 'selected_tags.csv']);
    expect(resolveModelOption(TAGGER_REPO, '--tagger', undefined, env)).toBe(bare.snapshot);
  });

  it('resumes a download whose connection dropped, from the byte it reached', async () => {
    const size = clipFiles['onnx/text_model.onnx'].length;
    hub.cuts.set('onnx/text_model.onnx', { after: 30_000, times: 1 });
    const result = await pullModel(options('clip-vit-base-patch32'));
    const text = result.files.find((f) => f.path === 'onnx/text_model.onnx')!;
    expect(text.action).toBe('resumed');
    expect(text.sha256).toBe(sha256(clipFiles['onnx/text_model.onnx']));
    const tries = hub.downloads().filter((r) => r.url.startsWith(`/lfs/${text.sha256}`));
    expect(tries.map((r) => r.range)).toEqual([undefined, `bytes=30000-`]);
    expect(size).toBeGreaterThan(30_000);
  });

  it('resumes in a later run when every try of the first was cut', async () => {
    hub.cuts.set('onnx/text_model.onnx', { after: 40_000, times: 2 });
    const first = pullModel(options('clip-vit-base-patch32', { attempts: 1 }));
    await expect(first).rejects.toThrow(/text_model\.onnx interrupted after 40000 of \d+ bytes.*run the same command again to resume/);
    const blob = join(cacheRepo(CLIP_REPO), 'blobs', sha256(clipFiles['onnx/text_model.onnx']));
    expect(statSync(`${blob}.incomplete`).size).toBe(40_000);
    expect(existsSync(blob)).toBe(false);
    hub.cuts.clear();
    const second = await pullModel(options('clip-vit-base-patch32'));
    expect(second.files.find((f) => f.path === 'onnx/text_model.onnx')!.action).toBe('resumed');
    expect(hub.downloads().filter((r) => r.url.startsWith('/lfs/') && r.range === 'bytes=40000-')).toHaveLength(1);
    expect(readFileSync(blob).equals(clipFiles['onnx/text_model.onnx'])).toBe(true);
  });

  it('starts the file again when a server answers a resumed request with the whole file', async () => {
    hub.cuts.set('onnx/text_model.onnx', { after: 30_000, times: 1 });
    await expect(pullModel(options('clip-vit-base-patch32', { attempts: 1 }))).rejects.toThrow(/interrupted after 30000/);
    hub.ignoreRange = true;
    const result = await pullModel(options('clip-vit-base-patch32'));
    const text = result.files.find((f) => f.path === 'onnx/text_model.onnx')!;
    expect(text.action).toBe('downloaded');
    expect(readFileSync(text.file).equals(clipFiles['onnx/text_model.onnx'])).toBe(true);
  });

  it('refuses a file whose sha256 differs from the one the Hub lists, and installs nothing', async () => {
    hub.corrupt.add('onnx/vision_model.onnx');
    const pull = pullModel(options('clip-vit-base-patch32'));
    await expect(pull).rejects.toThrow(ChecksumError);
    await expect(pull).rejects.toThrow(/onnx\/vision_model\.onnx downloaded with sha256 [0-9a-f]{64} but the Hub lists [0-9a-f]{64}; refused/);
    const blob = join(cacheRepo(CLIP_REPO), 'blobs', sha256(clipFiles['onnx/vision_model.onnx']));
    expect(existsSync(blob)).toBe(false);
    expect(existsSync(`${blob}.incomplete`)).toBe(false);
    expect(existsSync(join(cacheRepo(CLIP_REPO), 'snapshots', hub.commitOf(CLIP_REPO), 'onnx/vision_model.onnx'))).toBe(false);
    expect(existsSync(join(home, 'models.lock.json'))).toBe(false);
  });

  it('downloads again a cached blob whose bytes were damaged', async () => {
    await pullModel(options('clip-vit-base-patch32'));
    const blob = join(cacheRepo(CLIP_REPO), 'blobs', sha256(clipFiles['onnx/vision_model.onnx']));
    const damaged = readFileSync(blob);
    damaged[100] ^= 1;
    writeFileSync(blob, damaged);
    const warnings: string[] = [];
    const again = await pullModel({
      ...options('clip-vit-base-patch32'),
      progress: { info() {}, warn: (l) => warnings.push(l), fileStart() {}, fileBytes() {}, fileDone() {} },
    });
    expect(warnings.join('\n')).toMatch(/vision_model\.onnx: the cached copy .* has sha256 [0-9a-f]{64} but the Hub lists/);
    expect(again.files.find((f) => f.path === 'onnx/vision_model.onnx')!.action).toBe('downloaded');
    expect(readFileSync(blob).equals(clipFiles['onnx/vision_model.onnx'])).toBe(true);
  });

  it('names HF_TOKEN when a gated repository answers 401, and pulls with an accepted token', async () => {
    const gated = pullModel(options(GATED_REPO, { cards: [] }));
    await expect(gated).rejects.toThrow(UserError);
    await expect(gated).rejects.toThrow(`${GATED_REPO}: the Hub answered 401 (gated or private repository); set HF_TOKEN to an access token`);
    await expect(pullModel(options(GATED_REPO, { cards: [] }, { HF_TOKEN: 'hf_notTheRightOne' }))).rejects.toThrow(/the token from HF_TOKEN was refused/);
    await expect(pullModel(options(GATED_REPO, { cards: [] }, { HF_TOKEN: 'abc' }))).rejects.toThrow(/HF_TOKEN: not a Hugging Face access token/);
    const ok = await pullModel(options(GATED_REPO, { cards: [] }, { HF_TOKEN: ACCEPTED_TOKEN }));
    expect(ok.files).toHaveLength(2);
    // The token goes to the Hub, not to the storage origin the Hub redirects to.
    expect(hub.requests.filter((r) => r.url.startsWith('/lfs/')).every((r) => r.authorization === undefined)).toBe(true);
  });

  it('with HF_HUB_OFFLINE=1 uses the cache without a request and names a model that is not there', async () => {
    await pullModel(options('clip-vit-base-patch32'));
    hub.requests.length = 0;
    const offline = await pullModel(options('clip-vit-base-patch32', {}, { HF_HUB_OFFLINE: '1' }));
    expect(offline.commit).toBe(hub.commitOf(CLIP_REPO));
    expect(offline.files.map((f) => f.sha256)).toContain(sha256(clipFiles['onnx/vision_model.onnx']));
    await expect(pullModel(options('wd-vit-tagger-v3', {}, { HF_HUB_OFFLINE: '1' }))).rejects.toThrow(
      `HF_HUB_OFFLINE is set and ${TAGGER_REPO}@main is not in the Hugging Face cache ${join(home, 'hub')}`,
    );
    expect(hub.requests).toEqual([]);

    expect(resolveModelOption('clip-vit-base-patch32', '--clip', undefined, { ...env, HF_HUB_OFFLINE: '1' })).toBe(offline.snapshot);
    expect(() => resolveModelOption('wd-vit-tagger-v3', '--tagger', undefined, env)).toThrow(
      `--tagger wd-vit-tagger-v3: ${TAGGER_REPO}@main is not in the Hugging Face cache ${join(home, 'hub')}; download it with: lora-eval models pull wd-vit-tagger-v3`,
    );
    expect(() => resolveModelOption('clip-vit-base-patch32', '--clip', 'quantized', env)).toThrow(
      /\(missing onnx\/vision_model_quantized\.onnx, onnx\/text_model_quantized\.onnx\); download it with: lora-eval models pull clip-vit-base-patch32 --variant quantized$/,
    );
    expect(() => resolveModelOption('clip-vit-base-patch32', '--tagger', undefined, env)).toThrow(
      /the card clip-vit-base-patch32 is a clip model, not a tagger model/,
    );
  });

  it('reads and completes a cache laid out by Python huggingface_hub (relative links from snapshots to blobs)', async () => {
    // The layout huggingface_hub.hf_hub_download leaves: blobs named by etag, ../../blobs/<etag> links, refs/main.
    const commit = hub.commitOf(TAGGER_REPO);
    const root = cacheRepo(TAGGER_REPO);
    const etags = {
      'model.onnx': sha256(taggerFiles['model.onnx']),
      'selected_tags.csv': createHash('sha1')
        .update(`blob ${taggerFiles['selected_tags.csv'].length}\0`)
        .update(taggerFiles['selected_tags.csv'])
        .digest('hex'),
    };
    mkdirSync(join(root, 'blobs'), { recursive: true });
    mkdirSync(join(root, 'snapshots', commit), { recursive: true });
    mkdirSync(join(root, 'refs'), { recursive: true });
    writeFileSync(join(root, 'refs', 'main'), commit);
    for (const [path, etag] of Object.entries(etags)) {
      writeFileSync(join(root, 'blobs', etag), taggerFiles[path]);
      symlinkSync(`../../blobs/${etag}`, join(root, 'snapshots', commit, path));
    }
    expect(resolveModelOption('wd-vit-tagger-v3', '--tagger', undefined, { ...env, HF_HUB_OFFLINE: '1' })).toBe(join(root, 'snapshots', commit));
    const pulled = await pullModel(options('wd-vit-tagger-v3'));
    expect(pulled.files.map((f) => f.action)).toEqual(['cached', 'cached']);
    expect(hub.downloads()).toEqual([]);
  });
});
