/**
 * The certain-theory example as a new user meets it: the example design rendered in the fixture world with the
 * study's claims planted (fixtures/lib/certain-theory-world.ts), scored with the fixture CLIP and tagger through
 * `score`, analyzed with the example's hypotheses and `--choose weight`, reported.
 * One seed instead of the example's three (1,968 images instead of 5,904) keeps it to about two minutes of CPU:
 * prompts are the unit of inference, so every test still has its 12 (or 8 concept) prompts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeCertainTheoryWorld } from '../../fixtures/lib/certain-theory-world.js';
import { HypothesesSchema } from '../../src/analysis/hypothesis-schema.js';
import { parseYamlFile } from '../../src/sweep/load.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const HYPOTHESES = 'examples/certain-theory/hypotheses.yaml';

interface Summary {
  hypotheses: { id: string; verdict: string; tests: number; supported: number }[];
  choose: {
    factors: string[];
    within: string[];
    groups: { group: Record<string, string>; chosen: Record<string, string> | null; pBest: number | null; unmetFloors: string[] }[];
  };
  variance: { metrics: { metric: string; terms: { term: string; p: number; partialEta2: number }[] }[] };
}

let run: string;
let analyzeOut: string;
let summary: Summary;

beforeAll(async () => {
  const dir = tempDir();
  const sweep = join(dir, 'sweep');
  expect(await writeCertainTheoryWorld(sweep, { seeds: [1] })).toBe(1968);
  run = join(dir, 'run');
  const score = runCli(['score', join(sweep, 'sweep.yaml'), '--clip', 'fixtures/models/clip', '--tagger', 'fixtures/models/tagger-v3', '--out', run]);
  expect(score.code, score.stderr).toBe(0);
  // The planted LoRAs move unrelated images by more than the default 0.01 of cosine: a floor of 0.9, as the demo.
  const analyze = runCli(['analyze', run, '--hypotheses', HYPOTHESES, '--choose', 'weight', '--choose-floor', 'base_preservation=0.9']);
  expect(analyze.code, analyze.stderr).toBe(0);
  analyzeOut = analyze.stdout + analyze.stderr;
  const report = runCli(['report', run]);
  expect(report.code, report.stderr).toBe(0);
  summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as Summary;
}, 600_000);

const verdicts = () => Object.fromEntries(summary.hypotheses.map((h) => [h.id, h.verdict]));

describe('examples/certain-theory on scored fixture images', () => {
  it('states every claim of the example and each planted claim is supported', () => {
    const ids = parseYamlFile(HYPOTHESES, HypothesesSchema).hypotheses.map((h) => h.id);
    expect(ids).toHaveLength(7);
    expect(verdicts()).toEqual(Object.fromEntries(ids.map((id) => [id, 'supported'])));
    for (const id of ids) expect(analyzeOut).toMatch(new RegExp(`SUPPORTED +${id} `));
    for (const h of summary.hypotheses) expect(h.supported).toBe(h.tests);
  });

  it('tests the distance claim from the run store, and claim 2 against ChilloutMix itself', () => {
    const tests = readFileSync(join(run, 'tests.csv'), 'utf8');
    // model_distance comes from the store; the bases that are also targets (nai, chilloutmix) give 8 cells.
    expect(tests).toMatch(/close-base-keeps-style,style_retention,spearman[^,]*,model_distance,style_retention,weight=1;clip_skip=2,8,cell,8,/);
    expect(tests).toMatch(/ancestor-keeps-less-training-style,style_retention,wilcoxon[^,]*,base=ancestor_of\(target\),base=same_as\(target\),/);
    expect(analyzeOut).toMatch(/higher-resolution-adds-detail[\s\S]*per GPU-hour of resolution/);
  });

  it('chooses the weight per base, clip skip and resolution', () => {
    expect(summary.choose.factors).toEqual(['weight']);
    expect(summary.choose.within).toEqual(['base', 'clip_skip', 'resolution']);
    expect(summary.choose.groups).toHaveLength(20);
    for (const g of summary.choose.groups) {
      // Either a weight of the LoRA is chosen, or the group says which floor no candidate meets.
      if (g.chosen) expect(['0.65', '1']).toContain(g.chosen.weight);
      else expect(g.unmetFloors).toEqual(['base_preservation']);
    }
    // The neutral ancestors move unrelated images little: full weight is best and meets the floors.
    for (const g of summary.choose.groups.filter((x) => x.group.base === 'nai' || x.group.base === 'acertainty')) {
      expect(g.chosen).toEqual({ weight: '1' });
    }
    // AnyLora keeps the most training style everywhere, so it moves unrelated images past the 0.9 floor.
    for (const g of summary.choose.groups.filter((x) => x.group.base === 'anylora')) expect(g.chosen).toBeNull();
  });

  it('decomposes the variance: the base drives style retention, clip skip does not, resolution adds detail', () => {
    const terms = (metric: string) => Object.fromEntries(summary.variance.metrics.find((m) => m.metric === metric)!.terms.map((t) => [t.term, t]));
    const style = terms('style_retention');
    expect(style.base.partialEta2).toBeGreaterThan(0.5);
    expect(style.clip_skip.partialEta2).toBeLessThan(0.01);
    expect(terms('detail').resolution.p).toBeLessThan(0.001);
  });

  it('reports the chosen weight and the variance decomposition', () => {
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).toContain('<h2 id="choose">Best weight</h2>');
    expect(html).toContain('<h2 id="variance">Which factor matters</h2>');
    for (const id of summary.hypotheses.map((h) => h.id)) expect(html).toContain(id);
  });
});
