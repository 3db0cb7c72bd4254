import { describe, expect, it } from 'vitest';
import { selectPairs, type PairableImage } from '../../src/rate/select-pairs.js';

/** 4 prompts × 3 seeds × 2 targets, 6 images per group with values spread over [0, 1]. */
function images(): PairableImage[] {
  const out: PairableImage[] = [];
  for (const prompt of ['p1', 'p2', 'p3', 'p4'])
    for (const seed of ['1', '2', '3'])
      for (const target of ['t1', 't2'])
        for (let k = 0; k < 6; k++) {
          out.push({
            image: `${prompt}/${seed}/${target}/${k}.png`,
            prompt,
            seed,
            group: JSON.stringify([prompt, seed, target]),
            value: ((k * 7 + Number(seed)) % 11) / 10,
          });
        }
  return out;
}

describe('selectPairs', () => {
  const all = images();
  const value = new Map(all.map((i) => [i.image, i]));
  const selection = selectPairs(all, { pairs: 40, repeatShare: 0.2, seed: 7 });

  it('pairs two images of the same prompt, seed and group, never an image with itself', () => {
    for (const item of selection.items) {
      const [a, b] = [value.get(item.left)!, value.get(item.right)!];
      expect(a.image).not.toBe(b.image);
      expect(a.group).toBe(b.group);
      expect(item.prompt).toBe(a.prompt);
    }
    expect(selection.candidates).toBe(24 * 15);
  });

  it('spreads the metric differences over the range: every fifth of it is represented about equally', () => {
    const firsts = selection.items.filter((i) => i.repeatOf === undefined);
    expect(firsts).toHaveLength(40);
    const strata = [0, 0, 0, 0, 0];
    for (const i of firsts) {
      const d = Math.abs(value.get(i.left)!.value - value.get(i.right)!.value) / selection.maxDifference;
      strata[Math.min(4, Math.floor(d * 5))]++;
    }
    // A uniform draw over candidate pairs would put most pairs in the lowest strata; round-robin gives 8 each where there are enough.
    for (const count of strata) expect(count).toBeGreaterThanOrEqual(5);
  });

  it('shows a share of the pairs again later, sides swapped', () => {
    const repeats = selection.items.filter((i) => i.repeatOf !== undefined);
    expect(repeats).toHaveLength(8);
    for (const r of repeats) {
      const original = selection.items[r.repeatOf!];
      expect(original.repeatOf).toBeUndefined();
      expect([r.left, r.right]).toEqual([original.right, original.left]);
      expect(r.id).toBeGreaterThan(original.id);
      expect(r.id).toBeGreaterThanOrEqual(20);
    }
    expect(selection.items.map((i) => i.id)).toEqual(selection.items.map((_, k) => k));
  });

  it('is deterministic given the seed, and another seed gives other pairs', () => {
    expect(selectPairs(all, { pairs: 40, repeatShare: 0.2, seed: 7 })).toEqual(selection);
    expect(selectPairs(all, { pairs: 40, repeatShare: 0.2, seed: 8 }).items).not.toEqual(selection.items);
  });

  it('takes every candidate when fewer exist than asked for', () => {
    const few = all.filter((i) => i.group === JSON.stringify(['p1', '1', 't1']));
    expect(selectPairs(few, { pairs: 100, repeatShare: 0, seed: 1 }).items).toHaveLength(15);
  });
});
