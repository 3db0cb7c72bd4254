import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInfotext, parseHashList, parseInfotext, pyStrip, quote, unquote } from '../../src/ingest/infotext.js';
import { generationFromInfotext } from '../../src/ingest/read-a1111.js';

const reference = JSON.parse(readFileSync(new URL('./data/reference.json', import.meta.url), 'utf8')) as {
  infotexts: { text: string; prompt: string; negativePrompt: string; params: Record<string, string> }[];
};

describe('parseInfotext against A1111 parse_generation_parameters (reference.json, computed in Python)', () => {
  it.each(reference.infotexts.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const parsed = parseInfotext(c.text);
    expect(parsed.prompt).toBe(c.prompt);
    expect(parsed.negativePrompt).toBe(c.negativePrompt);
    expect(parsed.params).toEqual(c.params);
    expect(Object.keys(parsed.params)).toEqual(Object.keys(c.params));
  });
});

describe('infotext edge cases', () => {
  it('keeps a quoted value with commas and colons whole (Lora hashes)', () => {
    const info = parseInfotext('a <lora:x:1>\nSteps: 1, Seed: 2, Lora hashes: "x: 0123456789ab, y: ba9876543210", Model: m');
    expect(info.params['Lora hashes']).toBe('x: 0123456789ab, y: ba9876543210');
    expect([...parseHashList(info.params['Lora hashes'])]).toEqual([
      ['x', '0123456789ab'],
      ['y', 'ba9876543210'],
    ]);
    expect(info.params.Model).toBe('m');
  });

  it('reads multi-line prompts and negative prompts', () => {
    const info = parseInfotext('line one,\nline two\nNegative prompt: neg one\nneg two\nSteps: 1, Seed: 2, Model: m');
    expect(info.prompt).toBe('line one,\nline two');
    expect(info.negativePrompt).toBe('neg one\nneg two');
    expect(info.hasNegativePrompt).toBe(true);
  });

  it('accepts a missing "Negative prompt" line', () => {
    const info = parseInfotext('just the prompt\nSteps: 20, Sampler: Euler a, Seed: 7');
    expect(info).toEqual({ prompt: 'just the prompt', negativePrompt: '', params: { Steps: '20', Sampler: 'Euler a', Seed: '7' }, hasNegativePrompt: false });
  });

  it('treats a last line with fewer than three parameters as prompt text', () => {
    expect(parseInfotext('a\nSteps: 1, Seed: 2').prompt).toBe('a\nSteps: 1, Seed: 2');
  });

  it('maps the fields ingest needs', () => {
    const g = generationFromInfotext(
      parseInfotext(
        'anis, <lora:anis_nai:0.65:0.4>, smile\nNegative prompt: bad\nSteps: 28, Sampler: DPM++ 2M, CFG scale: 6.5, Seed: 4294967295, Size: 512x768, Model hash: 6e430eb514, Model: anything-v4.5, Clip skip: 2, Lora hashes: "anis_nai: 0123456789ab"',
      ),
    );
    expect(g).toMatchObject({
      source: 'a1111',
      prompt: 'anis, <lora:anis_nai:0.65:0.4>, smile',
      negativePrompt: 'bad',
      seed: '4294967295',
      steps: 28,
      cfg: 6.5,
      sampler: 'DPM++ 2M',
      width: 512,
      height: 768,
      checkpoint: 'anything-v4.5',
      checkpointHash: '6e430eb514',
      clipSkip: 2,
      loras: [{ name: 'anis_nai', weight: 0.4, clipWeight: 0.65, hash: '0123456789ab', via: 'prompt-tag' }],
    });
  });

  it('defaults Clip skip to 1 when A1111 leaves it out', () => {
    expect(generationFromInfotext(parseInfotext('p\nSteps: 1, Seed: 1, Model: m')).clipSkip).toBe(1);
  });

  it('reads sd-webui-additional-networks entries as LoRAs', () => {
    const g = generationFromInfotext(
      parseInfotext(
        'p\nSteps: 1, Seed: 1, Model: m, AddNet Enabled: True, AddNet Module 1: LoRA, AddNet Model 1: anis_nai(0123456789ab), AddNet Weight A 1: 0.8, AddNet Weight B 1: 0.8',
      ),
    );
    expect(g.loras).toEqual([{ name: 'anis_nai', weight: 0.8, hash: '0123456789ab', via: 'metadata-list' }]);
  });

  it('quote/unquote follow A1111', () => {
    expect(quote('plain')).toBe('plain');
    expect(quote('a, b')).toBe('"a, b"');
    expect(quote('k: v')).toBe('"k: v"');
    expect(unquote('"a, \\"b\\""')).toBe('a, "b"');
    expect(unquote('"broken')).toBe('"broken');
    expect(pyStrip('\x1c\u3000 x \x85')).toBe('x');
    expect(pyStrip('\ufeffx')).toBe('\ufeffx');
  });
});

describe('infotext properties', () => {
  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const info = parseInfotext(text);
        expect(typeof info.prompt).toBe('string');
        generationFromInfotext(info);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on text built from infotext pieces', () => {
    const piece = fc.constantFrom(
      '\n',
      ', ',
      ': ',
      '"',
      '\\',
      'Negative prompt:',
      'Steps',
      'Seed: 1',
      'Size: 5x5',
      '<lora:',
      ':0.5>',
      'Lora hashes: "a: 1, b: 2"',
      ' ',
      'x',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        const info = parseInfotext(pieces.join(''));
        generationFromInfotext(info);
      }),
      { numRuns: 2000 },
    );
  });

  const line = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
    .filter((s) => !s.includes('\n') && !s.includes('\r') && pyStrip(s) === s && !s.startsWith('Negative prompt:'));
  const text = fc.array(line, { minLength: 0, maxLength: 3 }).map((lines) => lines.join('\n'));
  const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _-]{0,12}[A-Za-z0-9]$/);
  const value = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((s) => pyStrip(s) === s && s.trim() === s && !s.startsWith('"'));
  const params = fc.uniqueArray(fc.tuple(key, value), { minLength: 3, maxLength: 8, selector: ([k]) => k }).map((entries) => Object.fromEntries(entries));

  it('round-trips prompt, negative prompt and parameters through formatInfotext', () => {
    fc.assert(
      fc.property(text, text, params, (prompt, negativePrompt, p) => {
        const written = formatInfotext({ prompt, negativePrompt, params: p });
        const parsed = parseInfotext(written);
        expect(parsed.prompt).toBe(prompt);
        expect(parsed.negativePrompt).toBe(negativePrompt);
        expect(parsed.params).toEqual(p);
      }),
      { numRuns: 1000 },
    );
  });
});
