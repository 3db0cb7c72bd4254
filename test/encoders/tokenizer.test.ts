import { beforeAll, describe, expect, it } from 'vitest';
import { ClipTokenizer } from '../../src/encoders/tokenizer.js';
import { CLIP_TOKENIZER_DIR, missingShared } from '../helpers/shared.js';

describe.skipIf(missingShared(CLIP_TOKENIZER_DIR))('CLIP tokenizer on the real ViT-B/32 files', () => {
  let tokenizer: ClipTokenizer;
  beforeAll(() => {
    tokenizer = ClipTokenizer.fromFolder(CLIP_TOKENIZER_DIR);
  });

  it('encodes "a photo of a cat" to the published ids', () => {
    expect(tokenizer.rawIds('a photo of a cat')).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
  });

  it('pads to the context length with the pad id of tokenizer_config.json (49407)', () => {
    const { ids, attentionMask } = tokenizer.encode('a photo of a cat', 77);
    expect(ids).toHaveLength(77);
    expect(ids.slice(0, 7)).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    expect(ids.slice(7).every((id) => id === 49407)).toBe(true);
    expect(attentionMask.filter((m) => m === 1)).toHaveLength(7);
    expect(tokenizer.padId).toBe(49407);
  });

  it('truncates a 200-word prompt to 77 ids ending in the end-of-text token', () => {
    const words = Array.from({ length: 200 }, (_, i) => ['red', 'dress', 'girl', 'smile', 'forest'][i % 5]).join(' ');
    const { ids } = tokenizer.encode(words, 77);
    expect(ids).toHaveLength(77);
    expect(ids[0]).toBe(49406);
    expect(ids[76]).toBe(49407);
    expect(ids.slice(1, 76)).not.toContain(49407);
  });

  it('lowercases and splits punctuation as CLIP does', () => {
    expect(tokenizer.rawIds('A Photo, of a CAT')).toEqual([49406, 320, 1125, 267, 539, 320, 2368, 49407]);
  });
});
