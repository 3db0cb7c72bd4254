import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, detectionThresholds, mcutThreshold } from '../../src/encoders/tag-thresholds.js';
import type { TagInfo } from '../../src/encoders/tagger.js';
import { promptTags } from '../../src/score/prompt-tags.js';

const tag = (name: string, category: number, count = 100): TagInfo => ({ id: name, name, category, count });

describe('MCut threshold', () => {
  it('cuts at the midpoint of the largest gap (hand-computed)', () => {
    // sorted: 0.9, 0.8, 0.3, 0.2 → gaps 0.1, 0.5, 0.1 → cut between 0.8 and 0.3 → 0.55
    expect(mcutThreshold([0.3, 0.9, 0.2, 0.8])).toBeCloseTo(0.55, 12);
    // sorted: 0.95, 0.1, 0.05 → largest gap first → (0.95 + 0.1) / 2
    expect(mcutThreshold([0.05, 0.95, 0.1])).toBeCloseTo(0.525, 12);
    // ties on the largest gap: the first (highest) gap wins, as numpy's argmax
    expect(mcutThreshold([1, 0.5, 0])).toBeCloseTo(0.75, 12);
  });

  it('cuts nothing off with fewer than two probabilities', () => {
    expect(mcutThreshold([0.7])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('detection thresholds', () => {
  const tags = [tag('general', 9), tag('1girl', 0), tag('smile', 0), tag('blonde_hair', 0), tag('anis', 4), tag('other_char', 4)];

  it('uses general 0.35 and character 0.85, strictly greater, and never detects ratings', () => {
    const p = [0.99, 0.35, 0.36, 0.9, 0.85, 0.86];
    const t = detectionThresholds(tags, p, DEFAULT_THRESHOLDS);
    const detected = tags.filter((_, i) => p[i] > t[i]).map((x) => x.name);
    expect(detected).toEqual(['smile', 'blonde_hair', 'other_char']);
  });

  it('applies per-tag overrides before the category default', () => {
    const p = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
    const t = detectionThresholds(tags, p, { ...DEFAULT_THRESHOLDS, overrides: { smile: 0.6, anis: 0.4 } });
    expect(Array.from(t)).toEqual([Infinity, 0.35, 0.6, 0.35, 0.4, 0.85]);
  });

  it('computes MCut per image over general and character tags separately, with the character floor 0.15', () => {
    // general: 0.9, 0.8, 0.2 → cut (0.8 + 0.2) / 2 = 0.5; character: 0.12, 0.02 → mcut 0.07, floored to 0.15
    const p = [0.99, 0.9, 0.2, 0.8, 0.12, 0.02];
    const t = detectionThresholds(tags, p, { ...DEFAULT_THRESHOLDS, mode: 'mcut' });
    expect(t[1]).toBeCloseTo(0.5, 12);
    expect(t[4]).toBeCloseTo(0.15, 12);
    expect(t[0]).toBe(Infinity);
  });
});

describe('prompt tags', () => {
  it('reads danbooru tags from a prompt: weights, brackets, LoRA tags and spaces', () => {
    expect(promptTags('anisphia, 1girl, (blonde hair:1.2), [smile], <lora:anis:0.8>, upper body\nmasterpiece')).toEqual([
      'anisphia',
      '1girl',
      'blonde_hair',
      'smile',
      'upper_body',
      'masterpiece',
    ]);
  });
});
