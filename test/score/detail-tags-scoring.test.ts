/**
 * The tagger's detail tags as `score` measures them: a small sweep of fixture images whose LoRA trained at 768 adds
 * background hatching (a detailed background, which the detail fixture tagger calls scenery), scored through the
 * CLI with the detail fixture tagger and with tagger-v3, which has no detail tag; then analyzed with worth_it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectedDetailTags } from '../../fixtures/lib/expected-tags.js';
import { sceneFor, withConcept, type SceneRequest } from '../../fixtures/lib/scene.js';
import { LORA_STYLE, mixStyles, NATIVE_STYLES, type Style } from '../../fixtures/lib/style.js';
import { planReferences } from '../../fixtures/lib/world.js';
import { writePng } from '../../fixtures/lib/write-sweep.js';
import { readScoresCsv } from '../../src/run/scores-csv.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const PROMPTS: { id: string; kind: 'concept' | 'unrelated'; request: SceneRequest }[] = [
  { id: 'portrait', kind: 'concept', request: { kind: 'girl', smile: true } },
  { id: 'field', kind: 'concept', request: { kind: 'girl', outdoors: true } },
  { id: 'standing', kind: 'concept', request: { kind: 'girl' } },
  { id: 'garden', kind: 'concept', request: { kind: 'girl', outdoors: true, smile: true } },
  { id: 'closeup', kind: 'concept', request: { kind: 'girl' } },
  { id: 'cafe', kind: 'unrelated', request: { kind: 'cafe' } },
  { id: 'house', kind: 'unrelated', request: { kind: 'house' } },
];
const SEEDS = [1, 2];
/** Hatching a LoRA trained at 768 adds: enough for scenery to be present by the fixture's truth. */
const PLANTED_HATCH = 0.06;
const COSTS = { 512: 0.25, 768: 0.55 };

let sweepFile: string;
const styleAt = (resolution: string): Style => {
  const style = mixStyles(NATIVE_STYLES.anything, LORA_STYLE, 0.3);
  return resolution === '768' ? { ...style, hatch: style.hatch + PLANTED_HATCH } : style;
};

beforeAll(async () => {
  const dir = tempDir();
  writeTree(dir, {
    'sweep.yaml': `name: detail-tags
lora: { trigger: anisphia, description: a girl with blonde hair and green eyes, concept_tags: [blonde_hair], references: refs }
factors: { base: [nai], resolution: [512, 768], target: [anything], weight: [0, 1] }
lora_factors: [base, resolution]
costs: { resolution: { 512: ${COSTS[512]}, 768: ${COSTS[768]} } }
prompts: [${PROMPTS.map((p) => `{ id: ${p.id}, kind: ${p.kind}, text: "${p.kind === 'concept' ? 'anisphia, ' : ''}${p.id}" }`).join(', ')}]
seeds: [${SEEDS.join(', ')}]
images: { template: "{base}/r{resolution}/{target}/w{weight}/{prompt}-{seed}.png", native: "native/{target}/{prompt}-{seed}.png" }
`,
  });
  for (const [i, ref] of planReferences(4).entries()) await writePng(join(dir, `refs/ref-${i + 1}.png`), ref.scene, ref.style);
  for (const p of PROMPTS) {
    for (const seed of SEEDS) {
      const scene = sceneFor(p.request, p.id, seed);
      await writePng(join(dir, `native/anything/${p.id}-${seed}.png`), scene, NATIVE_STYLES.anything);
      for (const resolution of ['512', '768'])
        await writePng(join(dir, `nai/r${resolution}/anything/w1/${p.id}-${seed}.png`), p.kind === 'concept' ? withConcept(scene) : scene, styleAt(resolution));
    }
  }
  sweepFile = join(dir, 'sweep.yaml');
}, 120_000);

const score = (tagger: string) => {
  const out = join(tempDir(), 'run');
  const cli = runCli(['score', sweepFile, '--clip', 'fixtures/models/clip', '--tagger', `fixtures/models/${tagger}`, '--out', out]);
  expect(cli.code, cli.stderr).toBe(0);
  return { out, cli, run: JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')), scores: readScoresCsv(join(out, 'scores.csv')).rows };
};

describe('detail_tags scored with the detail fixture tagger', () => {
  let scored: ReturnType<typeof score>;
  beforeAll(() => {
    scored = score('tagger-v3-detail');
  }, 240_000);

  it('names the detail tags it read in run.json and scores every image', () => {
    expect(scored.run.tagger.detail_tags).toEqual(['scenery']);
    const rows = scored.scores.filter((r) => r.metric === 'detail_tags');
    expect(rows).toHaveLength(PROMPTS.length * SEEDS.length * 3);
    expect(new Set(rows.map((r) => r.model))).toEqual(new Set(['tagger-v3-detail']));
    expect(
      scored.run.unavailable['detail_tags: the tagger knows none of the detail tags (scenery, landscape, cityscape, architecture, still_life)'],
    ).toBeUndefined();
  });

  it('sees the planted detailed background at 768 and a bare one at 512, as the fixture truth says', () => {
    const value = (resolution: string, prompt: string, seed: number) =>
      scored.scores.find((r) => r.metric === 'detail_tags' && r.levels.resolution === resolution && r.prompt === prompt && r.seed === String(seed))!.value;
    expect(expectedDetailTags(styleAt('768')).scenery).toBe(true);
    expect(expectedDetailTags(styleAt('512')).scenery).toBe(false);
    for (const p of PROMPTS) {
      for (const seed of SEEDS) {
        expect(value('768', p.id, seed), `${p.id}-${seed} at 768`).toBeGreaterThan(0.6);
        expect(value('512', p.id, seed), `${p.id}-${seed} at 512`).toBeLessThan(0.3);
      }
    }
  });

  it('judges the gain worth its GPU-hours at a low price and not at a high one', () => {
    const dir = tempDir();
    writeTree(dir, {
      'h.yaml': `hypotheses:
  - id: cheap
    metric: detail_tags
    compare: { a: { resolution: 768 }, b: { resolution: 512 } }
    where: { weight: 1 }
    expect: greater
    test: t
    worth_it: { min_gain_per_gpu_hour: 0.5 }
  - id: dear
    metric: detail_tags
    compare: { a: { resolution: 768 }, b: { resolution: 512 } }
    where: { weight: 1 }
    expect: greater
    test: t
    worth_it: { min_gain_per_gpu_hour: 10 }
`,
    });
    const cli = runCli(['analyze', scored.out, '--hypotheses', join(dir, 'h.yaml'), '--out', dir, '--reps', '200']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/SUPPORTED +cheap \(compare, detail_tags\).*\n {2}worth it\? WORTH IT at 0\.5 per GPU-hour/);
    expect(cli.stdout).toMatch(/SUPPORTED +dear \(compare, detail_tags\).*\n {2}worth it\? NOT WORTH IT at 10 per GPU-hour/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const gain = summary.hypotheses.map((h: { worth_it: { verdict: string } }) => h.worth_it.verdict);
    expect(gain).toEqual(['worth it', 'not worth it']);
  });
});

describe('detail_tags with a tagger that has no detail tag', () => {
  it('writes no detail_tags row, says why, and names no detail tag in run.json', () => {
    const scored = score('tagger-v3');
    expect(scored.scores.filter((r) => r.metric === 'detail_tags')).toEqual([]);
    expect(scored.scores.some((r) => r.metric === 'concept_detection')).toBe(true);
    expect(scored.run.tagger.detail_tags).toEqual([]);
    const reason = 'detail_tags: the tagger knows none of the detail tags (scenery, landscape, cityscape, architecture, still_life)';
    expect(scored.run.unavailable[reason]).toBe(PROMPTS.length * SEEDS.length * 3);
    expect(scored.cli.stderr).toContain(`${PROMPTS.length * SEEDS.length * 3} image(s) without ${reason}`);
    // A claim on it is refused by name rather than tested on nothing.
    const dir = tempDir();
    writeTree(dir, {
      'h.yaml': `hypotheses:
  - id: tags
    metric: detail_tags
    compare: { a: { resolution: 768 }, b: { resolution: 512 } }
    expect: greater
`,
    });
    const cli = runCli(['analyze', scored.out, '--hypotheses', join(dir, 'h.yaml'), '--out', dir]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/hypothesis "tags": metric: metric "detail_tags" is not in the scores/);
  }, 240_000);
});
