import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubCacheDir, hubLockKey, hubOrigin, modelFolderId } from '../../src/models/hf-cache.js';
import { hubEnv } from '../../src/models/hub-env.js';
import { cardFiles, loaderFiles, parseModelName, pullCommand } from '../../src/models/model-name.js';
import { readCards } from '../../src/models/registry.js';
import { resolveModelOption } from '../../src/models/resolve-model.js';

const COMMIT = 'a'.repeat(40);
const cards = readCards();

describe('Hugging Face cache layout', () => {
  it('finds the cache where huggingface_hub does', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' })).toBe('/c');
    expect(hubCacheDir({ HUGGINGFACE_HUB_CACHE: '/old', HF_HOME: '/h' })).toBe('/old');
    expect(hubCacheDir({ HF_HOME: '/h', XDG_CACHE_HOME: '/x' })).toBe('/h/hub');
    expect(hubCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub');
  });

  it('reads repository, commit and path back from a snapshot file, and keys the lock by repository and path', () => {
    const file = join('/cache', 'models--SmilingWolf--wd-vit-tagger-v3', 'snapshots', COMMIT, 'model.onnx');
    expect(hubOrigin(file)).toEqual({ repo: 'SmilingWolf/wd-vit-tagger-v3', commit: COMMIT, path: 'model.onnx' });
    expect(hubLockKey(file)).toBe('hf://SmilingWolf/wd-vit-tagger-v3/model.onnx');
    expect(hubOrigin('/models/clip/onnx/model.onnx')).toBeUndefined();
    expect(hubOrigin(join('/cache', 'models--a--b', 'snapshots', 'main', 'model.onnx'))).toBeUndefined();
    expect(modelFolderId(join('/cache', 'models--Xenova--clip-vit-base-patch32', 'snapshots', COMMIT))).toBe('clip-vit-base-patch32');
    expect(modelFolderId('/models/my-clip')).toBe('my-clip');
  });

  it('reads the Hub settings from the environment', () => {
    const env = hubEnv({ HF_ENDPOINT: 'http://127.0.0.1:1234/', HF_TOKEN: ' hf_x\n', HF_HUB_OFFLINE: 'TRUE', HF_HOME: '/nowhere' });
    expect(env).toMatchObject({ endpoint: 'http://127.0.0.1:1234', token: 'hf_x', tokenSource: 'HF_TOKEN', offline: true, cacheDir: '/nowhere/hub' });
    expect(hubEnv({ HF_HOME: '/nowhere' })).toMatchObject({ endpoint: 'https://huggingface.co', offline: false, token: undefined, timeoutSeconds: 10 });
    expect(hubEnv({ HF_HOME: '/nowhere', HF_HUB_DOWNLOAD_TIMEOUT: '30' }).timeoutSeconds).toBe(30);
    // A timeout that is not a number is refused rather than silently replaced by the default.
    for (const bad of ['ten', '0', '-5', ''])
      expect(() => hubEnv({ HF_HOME: '/nowhere', HF_HUB_DOWNLOAD_TIMEOUT: bad })).toThrow(
        `HF_HUB_DOWNLOAD_TIMEOUT: expected a positive number of seconds, got "${bad}"`,
      );
  });
});

describe('model names', () => {
  it('takes a card id, the card repository or any org/name, each with an optional revision', () => {
    expect(parseModelName('clip-vit-base-patch32', cards)).toMatchObject({ repo: 'Xenova/clip-vit-base-patch32', revision: 'main' });
    expect(parseModelName('Xenova/clip-vit-base-patch32@v2', cards)).toMatchObject({ card: { id: 'clip-vit-base-patch32' }, revision: 'v2' });
    expect(parseModelName('someone/some-tagger', cards, COMMIT)).toEqual({ name: 'someone/some-tagger', repo: 'someone/some-tagger', revision: COMMIT });
    expect(parseModelName('./models/clip', cards)).toBeUndefined();
    expect(parseModelName('/abs/clip', cards)).toBeUndefined();
    expect(() => parseModelName('a/b@v1', cards, 'v2')).toThrow(/revision is given twice/);
    expect(() => parseModelName('a/b@../../x', cards)).toThrow(/not a branch, tag or commit/);
  });

  it('maps a variant onto the card files and names the variants a card has', () => {
    const card = cards.find((c) => c.id === 'clip-vit-large-patch14')!;
    expect(cardFiles(card, 'fp16')).toContain('onnx/text_model_fp16.onnx');
    expect(cardFiles(card, 'fp32')).toEqual(card.files);
    expect(() => cardFiles(card, 'q4')).toThrow('--variant q4: the card clip-vit-large-patch14 lists the variants fp32, quantized, fp16');
  });

  it('chooses the files the loaders read from a repository listing', () => {
    const clip = [
      'README.md',
      'config.json',
      'onnx/model.onnx',
      'onnx/text_model.onnx',
      'onnx/vision_model.onnx',
      'onnx/vision_model_fp16.onnx',
      'preprocessor_config.json',
      'tokenizer.json',
      'merges.txt',
    ];
    expect(loaderFiles(clip)).toEqual({
      kind: 'clip',
      files: ['onnx/vision_model.onnx', 'onnx/text_model.onnx', 'preprocessor_config.json', 'tokenizer.json', 'config.json'],
    });
    expect(loaderFiles(clip, 'fp16')).toBeUndefined();
    expect(loaderFiles(['model.onnx', 'selected_tags.csv', 'README.md', 'model.msgpack'])).toEqual({
      kind: 'tagger',
      files: ['model.onnx', 'selected_tags.csv'],
    });
    expect(loaderFiles(['pytorch_model.bin', 'config.json'])).toBeUndefined();
  });

  it('finds the models this repository generates by their card ids', () => {
    expect(resolveModelOption('fixture-clip', '--clip', undefined, { HF_HOME: '/nowhere' })).toBe(resolve('fixtures/models/clip'));
    expect(resolveModelOption('fixture-tagger-v3', '--model', undefined, { HF_HOME: '/nowhere' })).toBe(resolve('fixtures/models/tagger-v3'));
    expect(resolveModelOption('fixtures/models/clip', '--clip')).toBe('fixtures/models/clip');
    expect(resolveModelOption('./no/such/folder', '--clip')).toBe('./no/such/folder');
  });

  it('writes the pull command a user can paste', () => {
    expect(pullCommand(parseModelName('clip-vit-base-patch32@v2', cards)!, 'quantized')).toBe(
      'lora-eval models pull clip-vit-base-patch32 --revision v2 --variant quantized',
    );
  });
});
