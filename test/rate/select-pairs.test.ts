import { describe, expect, it } from 'vitest';
import { selectPairs, type PairableImage } from '../../src/rate/select-pairs.js';

/**
 * 4 prompts × 3 seeds × 2 targets; in each group five images lie close together and one far away, so that most candidate
 * pairs differ little (as in a real run, where most cells look alike) and a uniform draw would show mostly those.
 */
function images(): PairableImage[] {
  const out: PairableImage[] = [];
  ['p1', 'p2', 'p3', 'p4'].forEach((prompt, pi) =>
    ['1', '2', '3'].forEach((seed, si) =>
      ['t1', 't2'].forEach((target, ti) => {
        for (let k = 0; k < 6; k++) {
          const value = k < 5 ? k * 0.02 : 0.4 + (0.6 * ((pi * 3 + si * 2 + ti) % 7)) / 6;
          out.push({ image: `${prompt}/${seed}/${target}/${k}.png`, prompt, seed, group: JSON.stringify([prompt, seed, target]), value });
        }
      }),
    ),
  );
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

  it('spreads the metric differences over the range instead of crowding near zero', () => {
    const stratum = (left: string, right: string) =>
      Math.min(4, Math.floor((Math.abs(value.get(left)!.value - value.get(right)!.value) / selection.maxDifference) * 5));
    const available = [0, 0, 0, 0, 0];
    const candidates = all.flatMap((a) => all.filter((b) => b.group === a.group && b.image > a.image).map((b) => [a.image, b.image]));
    for (const [a, b] of candidates) available[stratum(a, b)]++;
    expect(available[0] / candidates.length).toBeGreaterThan(0.6);
    const firsts = selection.items.filter((i) => i.repeatOf === undefined);
    expect(firsts).toHaveLength(40);
    const chosen = [0, 0, 0, 0, 0];
    for (const i of firsts) chosen[stratum(i.left, i.right)]++;
    // Round-robin over the strata: each takes an equal share (8) where it has enough pairs; the rest go to the others.
    const short = available.filter((n) => n < 8);
    const share = (40 - short.reduce((a, b) => a + b, 0)) / (5 - short.length);
    chosen.forEach((n, s) => expect(Math.abs(n - Math.min(available[s], share)), `stratum ${s}: ${chosen} of ${available}`).toBeLessThanOrEqual(1));
    expect(chosen[0]).toBeLessThanOrEqual(Math.ceil(share));
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
