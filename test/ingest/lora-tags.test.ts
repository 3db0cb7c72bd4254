import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInfotext } from '../../src/ingest/infotext.js';
import { generationFromInfotext } from '../../src/ingest/read-a1111.js';
import { findLoraTags, modelStem, removeLoraTags, sameLoraName, setLoraWeight, tidyPrompt } from '../../src/ingest/lora-tags.js';

describe('<lora:…> tags', () => {
  it('reads name and multipliers as A1111 does', () => {
    const tags = findLoraTags('a <lora:anis:0.65>, b <lora:x> <lyco:y:0.5:0.25> <lora:z:1:unet=0.3> <lora:w:0.7:dyn=4>');
    expect(tags.map((t) => [t.name, t.textEncoderWeight, t.weight])).toEqual([
      ['anis', 0.65, 0.65],
      ['x', 1, 1],
      ['y', 0.5, 0.25],
      ['z', 1, 0.3],
      ['w', 0.7, 0.7],
    ]);
    expect(tags[0].raw).toBe('<lora:anis:0.65>');
  });

  it('flags a multiplier that is not a number', () => {
    const [tag] = findLoraTags('<lora:anis:strong>');
    expect(tag.error).toMatch(/not a number/);
    expect(Number.isNaN(tag.weight)).toBe(true);
  });

  it('flags a missing name and an empty, overflowing or non-numeric multiplier', () => {
    const cases: [string, string][] = [
      ['<lora:x:1e400>', '<lora:x:1e400>: multiplier 1e400 is out of range'],
      ['<lora:x:-1e309>', '<lora:x:-1e309>: multiplier -1e309 is out of range'],
      ['<lora:x:0.5:1e999>', '<lora:x:0.5:1e999>: multiplier 1e999 is out of range'],
      ['<lora:x:>', '<lora:x:>: multiplier is empty'],
      ['<lora:x: >', '<lora:x: >: multiplier is empty'],
      ['<lora:x:0.5:>', '<lora:x:0.5:>: multiplier is empty'],
      ['<lora:x:te=>', '<lora:x:te=>: multiplier is empty'],
      ['<lora::1>', '<lora::1>: has no LoRA name'],
      ['<lora: :0.5>', '<lora: :0.5>: has no LoRA name'],
      ['<lora::>', '<lora::>: has no LoRA name; multiplier is empty'],
      ['<lyco:y:NaN>', '<lyco:y:NaN>: multiplier "NaN" is not a number'],
      ['<lora:y:Infinity>', '<lora:y:Infinity>: multiplier "Infinity" is not a number'],
    ];
    for (const [text, error] of cases) {
      const [tag] = findLoraTags(`1girl, ${text}`);
      expect(tag.error, text).toBe(error);
      if (!error.endsWith('has no LoRA name')) expect(Number.isNaN(tag.weight), text).toBe(true);
    }
    // the largest finite multiplier and the forms A1111 accepts stay clean
    for (const ok of ['<lora:x:1e308>', '<lora:x:.5>', '<lora:x:-1>', '<lora:x>', '<lora:x:1:unet=0>']) expect(findLoraTags(ok)[0].error, ok).toBeUndefined();
  });

  it('warns about each bad tag when reading A1111 infotext', () => {
    const g = generationFromInfotext(parseInfotext('1girl <lora:a:1e400> <lora:b:> <lora::1>\nSteps: 20, Seed: 1, Model: m'));
    expect(g.warnings).toEqual(['<lora:a:1e400>: multiplier 1e400 is out of range', '<lora:b:>: multiplier is empty', '<lora::1>: has no LoRA name']);
  });

  it('removes tags and tidies the separators they leave', () => {
    expect(removeLoraTags('anis, 1girl, <lora:anis:1>')).toBe('anis, 1girl');
    expect(removeLoraTags('<lora:anis:1>, anis, 1girl')).toBe('anis, 1girl');
    expect(removeLoraTags('anis, <lora:anis:1>, 1girl')).toBe('anis, 1girl');
    expect(removeLoraTags('anis <lora:anis:1> 1girl')).toBe('anis 1girl');
    expect(removeLoraTags('a, <lora:keep:1>, <lora:anis:0.5>', (t) => t.name === 'anis')).toBe('a, <lora:keep:1>');
    expect(removeLoraTags('line one <lora:anis:1>\nline two')).toBe('line one\nline two');
  });

  it('gives the same prompt text with and without the tag', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z0-9() ]{1,12}$/), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (words, at, w) => {
          const parts = words.map((s) => s.trim()).filter(Boolean);
          if (parts.length === 0) return;
          const plain = parts.join(', ');
          const withTag = [...parts.slice(0, at % (parts.length + 1)), `<lora:anis:${w}>`, ...parts.slice(at % (parts.length + 1))].join(', ');
          expect(removeLoraTags(withTag)).toBe(tidyPrompt(plain));
        },
      ),
    );
  });

  it('sets a weight, or appends the tag', () => {
    expect(setLoraWeight('a, <lora:anis:1>', 'anis', 0.5)).toBe('a, <lora:anis:0.5>');
    expect(setLoraWeight('a', 'anis', 0.5)).toBe('a, <lora:anis:0.5>');
  });

  it('names models the way tools spell them', () => {
    expect(modelStem('loras/sub/Anis_v2.safetensors')).toBe('Anis_v2');
    expect(modelStem('anything-v4.5')).toBe('anything-v4.5');
    expect(modelStem('C:\\models\\x.ckpt')).toBe('x');
    expect(sameLoraName('Anis.safetensors', 'anis')).toBe(true);
  });
});
