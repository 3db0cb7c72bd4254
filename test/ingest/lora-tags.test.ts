import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
