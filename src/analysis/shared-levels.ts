import type { ScoreRow } from '../run/scores-csv.js';

/** One side of a comparison that averages over other factors: a dose level, a candidate, a compared side. */
export interface LevelGroup {
  /** How messages name the group, e.g. "weight=0.5". */
  label: string;
  rows: ScoreRow[];
}

export interface SharedLevels {
  /** Whether a row lies in a combination of the other factors' levels that every group has. */
  keeps: (row: ScoreRow) => boolean;
  /** What was left out and why, when some combination is not shared; undefined when every group had the same ones. */
  note?: string;
  /** When the groups share no combination at all: the levels each group has, naming the factor that parts them. */
  disjoint?: string;
}

const signatureOf = (row: ScoreRow, factors: string[]) => factors.map((f) => row.levels[f] ?? '');

/** Equal levels, or a blank (weight-0) level of a LoRA-only factor on either side, which stands for every level. */
function covers(a: string[], b: string[], wildcard: boolean[]): boolean {
  return a.every((v, i) => v === b[i] || (wildcard[i] && (v === '' || b[i] === '')));
}

const distinct = (values: string[]) => [...new Set(values)].sort((x, y) => x.localeCompare(y, 'en', { numeric: true }));

/**
 * Comparing groups whose rows average over other factors is only fair over the combinations of those factors' levels
 * that every group has: a level sampled with one group only (a sweep's exclude:, a checkpoint trained at one
 * resolution) would add its own effect to that group's mean. This finds those combinations; a blank level of a
 * LoRA-only factor (weight-0 images) matches any level. Factors with a single level cannot part the groups and
 * are not looked at. `every` names the groups as a whole in messages ("every weight level", "both sides").
 */
export function sharedLevels(groups: LevelGroup[], factors: string[], loraFactors: string[], every: string): SharedLevels {
  const all = groups.flatMap((g) => g.rows);
  const varying = factors.filter((f) => new Set(all.map((r) => r.levels[f] ?? '').filter((l) => l !== '')).size >= 2);
  if (varying.length === 0 || groups.length < 2) return { keeps: () => true };
  const wildcard = varying.map((f) => loraFactors.includes(f));
  const signatures = groups.map((g) => {
    const seen = new Map<string, string[]>();
    for (const r of g.rows) {
      const s = signatureOf(r, varying);
      seen.set(JSON.stringify(s), s);
    }
    return [...seen.values()];
  });
  const coverage = new Map<string, boolean>();
  for (const own of signatures)
    for (const s of own) {
      const key = JSON.stringify(s);
      if (!coverage.has(key))
        coverage.set(
          key,
          signatures.every((other) => other.some((t) => covers(s, t, wildcard))),
        );
    }
  const keeps = (row: ScoreRow) => coverage.get(JSON.stringify(signatureOf(row, varying))) ?? false;
  const kept = all.filter(keeps);
  if (kept.length === all.length) return { keeps };
  const levelsOf = (rows: ScoreRow[], f: string) => distinct(rows.map((r) => r.levels[f] ?? '').filter((l) => l !== ''));

  if (kept.length === 0 || groups.some((g) => !g.rows.some(keeps))) {
    // Name the factor that parts them (no one of its levels is in every group), else list each group's combinations.
    const parting = varying.find((f) => {
      const sets = groups.filter((g) => g.rows.some((r) => (r.levels[f] ?? '') !== '')).map((g) => new Set(levelsOf(g.rows, f)));
      return sets.length >= 2 && ![...sets[0]].some((l) => sets.every((s) => s.has(l)));
    });
    const describe = (g: LevelGroup) =>
      parting
        ? `${g.label}: ${levelsOf(g.rows, parting).join(', ') || 'any (weight 0)'}`
        : `${g.label}: ${distinct(signatures[groups.indexOf(g)].map((s) => s.map((v, i) => `${varying[i]}=${v || '*'}`).join(' '))).join(', ')}`;
    const what = parting ? `no level of ${parting}` : `no combination of ${varying.join(', ')}`;
    return { keeps, disjoint: `${what} is common to ${every} (${groups.map(describe).join('; ')})` };
  }

  const gone: string[] = [];
  for (const f of varying) {
    const keptLevels = new Set(levelsOf(kept, f));
    for (const level of levelsOf(all, f)) {
      if (keptLevels.has(level)) continue;
      const lacking = groups.filter((g) => !g.rows.some((r) => r.levels[f] === level || (wildcard[varying.indexOf(f)] && (r.levels[f] ?? '') === '')));
      gone.push(lacking.length ? `${f}=${level} (${lacking.map((g) => g.label).join(', ')} ${lacking.length === 1 ? 'has' : 'have'} none)` : `${f}=${level}`);
    }
  }
  const dropped = coverage.size - [...coverage.values()].filter(Boolean).length;
  const what = gone.length ? gone.join(', ') : `${dropped} of ${coverage.size} combination(s) of ${varying.join(', ')}`;
  return { keeps, note: `${what} left out: compared only over levels of ${varying.join(', ')} common to ${every}` };
}
