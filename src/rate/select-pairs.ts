import type { ScoreRow } from '../run/scores-csv.js';
import { createRng, type Rng } from '../stats/random.js';

/** One image of the run with the value of the metric pairs are chosen by. */
export interface PairableImage {
  image: string;
  prompt: string;
  seed: string;
  /** Pairs are only made within a group (prompt, seed and the factors held fixed). */
  group: string;
  value: number;
}

/** One screen of the rating sequence. */
export interface RatingItem {
  /** Position in the sequence, 0-based. */
  id: number;
  left: string;
  right: string;
  prompt: string;
  /** Id of the item this one repeats with sides swapped, for self-consistency. */
  repeatOf?: number;
}

export interface SelectPairsOptions {
  /** Distinct pairs to rate (repeats come on top). */
  pairs: number;
  /** Share of the pairs shown a second time, sides swapped. */
  repeatShare: number;
  seed: number;
  /** Strata of the metric's absolute difference, equal width from 0 to the largest difference. */
  strata?: number;
}

export interface PairSelection {
  items: RatingItem[];
  /** Candidate pairs there were to choose from. */
  candidates: number;
  /** Largest absolute metric difference among the candidates. */
  maxDifference: number;
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** One value per image of a metric (first model that has it), with the grouping key; images without a finite value are left out. */
export function pairableImages(rows: ScoreRow[], metric: string, groupFactors: string[], prompts?: Set<string>): PairableImage[] {
  const model = rows.find((r) => r.metric === metric)?.model;
  const byImage = new Map<string, PairableImage>();
  for (const r of rows) {
    if (r.metric !== metric || r.model !== model || !Number.isFinite(r.value) || byImage.has(r.image)) continue;
    if (prompts && !prompts.has(r.prompt)) continue;
    const group = JSON.stringify([r.prompt, r.seed, ...groupFactors.map((f) => r.levels[f] ?? '')]);
    byImage.set(r.image, { image: r.image, prompt: r.prompt, seed: r.seed, group, value: r.value });
  }
  return [...byImage.values()];
}

/**
 * Chooses the pairs a rater sees: two images of the same group (same prompt and seed, e.g. two bases on one target),
 * drawn round-robin from equal-width strata of the metric's absolute difference so that the shown differences span
 * the metric's range rather than crowd near zero; sides and order are random, and a share of the pairs comes back
 * later with sides swapped to measure the rater's own consistency. Deterministic given the seed.
 */
export function selectPairs(images: PairableImage[], options: SelectPairsOptions): PairSelection {
  const rng = createRng(options.seed);
  const strataCount = options.strata ?? 5;
  const groups = new Map<string, PairableImage[]>();
  for (const image of [...images].sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0))) {
    groups.set(image.group, [...(groups.get(image.group) ?? []), image]);
  }
  const candidates: { a: PairableImage; b: PairableImage; difference: number }[] = [];
  for (const members of groups.values()) {
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) candidates.push({ a: members[i], b: members[j], difference: Math.abs(members[i].value - members[j].value) });
    }
  }
  const maxDifference = candidates.reduce((m, c) => Math.max(m, c.difference), 0);
  const strata: (typeof candidates)[] = Array.from({ length: strataCount }, () => []);
  for (const c of candidates) {
    const s = maxDifference === 0 ? 0 : Math.min(strataCount - 1, Math.floor((c.difference / maxDifference) * strataCount));
    strata[s].push(c);
  }
  for (const s of strata) shuffle(s, rng);
  const chosen: typeof candidates = [];
  while (chosen.length < options.pairs && strata.some((s) => s.length > 0)) {
    for (const s of strata) if (s.length > 0 && chosen.length < options.pairs) chosen.push(s.pop()!);
  }
  shuffle(chosen, rng);

  const items: RatingItem[] = chosen.map((c, id) => {
    const [left, right] = rng.next() < 0.5 ? [c.a, c.b] : [c.b, c.a];
    return { id, left: left.image, right: right.image, prompt: c.a.prompt };
  });
  // Repeats come from the first half and are placed in the second, so that a rater meets them well after the original.
  const half = Math.ceil(items.length / 2);
  const repeatCount = Math.min(half, Math.round(items.length * options.repeatShare));
  const sequence = [...items];
  for (const original of shuffle(items.slice(0, half), rng).slice(0, repeatCount)) {
    const at = half + rng.int(sequence.length - half + 1);
    sequence.splice(at, 0, { id: -1, left: original.right, right: original.left, prompt: original.prompt, repeatOf: original.id });
  }
  const ids = new Map(sequence.map((item, position) => [item, position]));
  const renumbered = sequence.map((item, position) => ({ ...item, id: position }));
  for (const item of renumbered) if (item.repeatOf !== undefined) item.repeatOf = ids.get(items[item.repeatOf])!;
  return { items: renumbered, candidates: candidates.length, maxDifference };
}
