import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeScoresCsv } from '../../src/run/run-scores.js';
import { readScoresCsv } from '../../src/run/scores-csv.js';
import { runCli } from '../helpers/cli.js';
import { missingShared, REAL_METADATA_DIR } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DEMO_RUN = join(ROOT, 'reports/baselines/demo');
const DEMO = join(ROOT, 'fixtures/demo');

/** A copy of the demo baseline run folder, to edit. */
function demoRun(): string {
  const dir = join(tempDir('lora-eval-audit-'), 'run');
  cpSync(DEMO_RUN, dir, { recursive: true });
  return dir;
}

/** Moves one score and records the new scores.csv in run.json, as a re-score does. */
function rescore(dir: string): void {
  const { factors, rows } = readScoresCsv(join(dir, 'scores.csv'));
  rows[0].value += 0.5;
  const scores = writeScoresCsv(dir, rows, factors);
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...run, scores }));
}

/** The demo sweep with one edit, rooted at the demo folder so that its images and references resolve. */
function demoSweep(edit: (yaml: string) => string): string {
  const file = join(tempDir('lora-eval-audit-sweep-'), 'sweep.yaml');
  const yaml = readFileSync(join(DEMO, 'sweep.yaml'), 'utf8')
    .replace(/^name: (.*)$/m, `name: $1\nroot: ${DEMO}`)
    .replace('references: refs', `references: ${join(DEMO, 'refs')}`);
  writeFileSync(file, edit(yaml));
  return file;
}

function ratingsFor(dir: string, pairs: [string, string, string][]): void {
  const sha = new Map(readScoresCsv(join(dir, 'scores.csv')).rows.map((r) => [r.image, r.sha256]));
  const lines = pairs.map(([left, right, choice]) => `me,style,${left},${right},${sha.get(left)},${sha.get(right)},${choice},2026-01-01T00:00:00Z`);
  writeFileSync(join(dir, 'ratings.csv'), ['rater,task,left,right,left_sha256,right_sha256,choice,time', ...lines].join('\n') + '\n');
}

describe('inputs that would make a number wrong without an error are refused with exit 2', () => {
  it('a metric given twice to --choose-floor, --margin or --tolerance (the last one used to win)', () => {
    const floor = runCli([
      'analyze',
      DEMO_RUN,
      '--out',
      join(tempDir(), 'o'),
      '--choose',
      'weight',
      '--choose-floor',
      'base_preservation=0.9,base_preservation=0.5',
    ]);
    expect([floor.code, floor.stderr.trim()]).toEqual([2, 'error: --choose-floor: base_preservation is given twice (0.9 and 0.5); give one floor per metric']);
    const margin = runCli(['check', DEMO_RUN, '--baseline', DEMO_RUN, '--margin', 'style_retention=0.05', 'style_retention=0.5']);
    expect([margin.code, margin.stderr.trim()]).toEqual([2, 'error: --margin: style_retention is given twice (0.05 and 0.5); give one margin per metric']);
    const tolerance = runCli(['check', DEMO_RUN, '--baseline', DEMO_RUN, '--tolerance', 'detail=0.001', 'detail=0.5']);
    expect([tolerance.code, tolerance.stderr.trim()]).toEqual([2, 'error: --tolerance: detail is given twice (0.001 and 0.5); give one tolerance per metric']);
  });

  it('merging runs scored by different lora-eval versions or commits; the same version merges', () => {
    const a = demoRun();
    const b = demoRun();
    const run = JSON.parse(readFileSync(join(b, 'run.json'), 'utf8'));
    writeFileSync(join(b, 'run.json'), JSON.stringify({ ...run, tool: { ...run.tool, version: '0.0.9' } }));
    const versions = runCli(['merge', a, b, '--out', join(tempDir(), 'm')]);
    expect(versions.code).toBe(2);
    expect(versions.stderr).toContain(`${b}: scored by lora-eval 0.0.9 (git ${run.tool.git.slice(0, 12)}), ${a} by lora-eval ${run.tool.version}`);
    writeFileSync(join(b, 'run.json'), JSON.stringify({ ...run, tool: { ...run.tool, git: '0'.repeat(40) } }));
    expect(runCli(['merge', a, b, '--out', join(tempDir(), 'm')]).stderr).toContain('(git 000000000000)');
    writeFileSync(join(b, 'run.json'), JSON.stringify(run));
    const same = runCli(['merge', a, b, '--out', join(tempDir(), 'm')]);
    expect(same.code, same.stderr).toBe(0);
  });

  it('a sweep level that respells another ("1.0" beside 1), and one prompt text under two ids', () => {
    const level = runCli(['score', demoSweep((y) => y.replace('weight: [ 0, 0.5, 1 ]', 'weight: [ 0, 0.5, 1, "1.0" ]')), '--clip', '/nonexistent']);
    expect(level.code).toBe(2);
    expect(level.stderr).toMatch(/sweep\.yaml:\d+: factors\.weight\.3: duplicate level "1\.0" \(the same level as "1"\)/);
    const twice = demoSweep((y) =>
      y.replace('  - id: house\n', '  - id: portrait2\n    kind: concept\n    text: "anisphia,  1girl, solo, smile, upper body, masterpiece"\n  - id: house\n'),
    );
    const prompt = runCli(['score', twice, '--clip', '/nonexistent']);
    expect(prompt.code).toBe(2);
    expect(prompt.stderr).toContain('prompts.11.text: prompt "portrait2" has the same text as prompt "portrait"');
    // The unedited sweep gets as far as the model.
    expect(runCli(['score', demoSweep((y) => y), '--clip', '/nonexistent']).stderr.trim()).toBe('error: /nonexistent: CLIP model folder not found');
  });

  it("a prompt's listed tag that the tagger does not have (prompt_tag_fidelity used to leave it out)", () => {
    const sweep = demoSweep((y) => y.replace('tags: [ cafe, indoors, no_humans ]', 'tags: [ cafe, indors, no_humans ]'));
    const tagger = join(ROOT, 'fixtures/models/tagger-v3');
    const run = runCli([
      'score',
      sweep,
      '--clip',
      join(ROOT, 'fixtures/models/clip'),
      '--tagger',
      tagger,
      '--out',
      join(tempDir(), 'o'),
      '--lock',
      join(tempDir(), 'lock.json'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `error: ${tagger}/selected_tags.csv: prompt "cafe" lists tag "indors", which this tagger does not have (prompt_tag_fidelity would leave it out)`,
    );
  });

  it('two images of the sweep that are the same file (a LoRA image identical to its weight-0 image)', () => {
    const demo = join(tempDir('lora-eval-audit-demo-'), 'demo');
    cpSync(DEMO, demo, { recursive: true });
    cpSync(join(demo, 'native/nai/outdoors-1.png'), join(demo, 'nai/nai/w1/outdoors-1.png'));
    const args = (out: string) => ['--clip', join(ROOT, 'fixtures/models/clip'), '--out', out, '--shard', '0/40', '--lock', join(tempDir(), 'lock.json')];
    const run = runCli(['score', join(demo, 'sweep.yaml'), ...args(join(tempDir(), 'o'))]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /error: 2 images of the sweep are byte-identical to another: nai\/nai\/w1\/outdoors-1\.png, native\/nai\/outdoors-1\.png \(sha256 [0-9a-f]{12}…\); .*was the LoRA applied/,
    );
    expect(runCli(['score', join(DEMO, 'sweep.yaml'), ...args(join(tempDir(), 'o'))]).code).toBe(0);
  }, 120_000);

  const a1111 = join(REAL_METADATA_DIR, 'AUTOMATIC1111');
  it.skipIf(missingShared(a1111))('ingest: a --trigger no prompt contains (every prompt would become "unrelated"), a LoRA given two bases', () => {
    const images = a1111;
    const out = join(tempDir(), 'sweep.yaml');
    const trigger = runCli(['ingest', images, '--out', out, '--dry-run', '--trigger', 'anispha']);
    expect(trigger.code).toBe(2);
    expect(trigger.stderr.trim()).toMatch(
      /^error: --trigger anispha: no prompt of the \d+ read contains it \(e\.g\. ".+"\); give the word the concept prompts use$/,
    );
    const bases = runCli(['ingest', images, '--out', out, '--dry-run', '--base-of', 'anis=nai', '--base-of', 'anis=sd15']);
    expect([bases.code, bases.stderr.trim()]).toEqual([2, 'error: --base-of: anis is given two bases (nai and sd15); a LoRA is trained on one base']);
  });

  it('an experiment with one prompt text under two ids', () => {
    const file = join(tempDir(), 'experiment.yaml');
    const yaml = readFileSync(join(ROOT, 'examples/certain-theory/experiment.yaml'), 'utf8');
    const first = /^ {2}- \{ id: (\w+), kind: (\w+), text: ("[^"]*") \}$/m.exec(yaml)!;
    writeFileSync(file, yaml.replace(first[0], `${first[0]}\n  - { id: again, kind: ${first[2]}, text: ${first[3]} }`));
    const run = runCli(['plan', file, '--dry-run']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`prompt "again" has the same text as prompt "${first[1]}"`);
  });

  it('a rating of two images of different prompts, whose prompt bootstrap unit is neither', () => {
    const dir = demoRun();
    ratingsFor(dir, [['nai/anything/w1/portrait-1.png', 'anylora/anything/w1/garden-1.png', 'left']]);
    const run = runCli(['analyze', dir, '--reps', '200']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'ratings.csv:2: "nai/anything/w1/portrait-1.png" (prompt portrait) and "anylora/anything/w1/garden-1.png" (prompt garden) are images of different prompts',
    );
    // A rating of one prompt is read, and an agreement without a decided rating says why it is blank.
    ratingsFor(dir, [['nai/anything/w1/portrait-1.png', 'anylora/anything/w1/portrait-1.png', 'cant_tell']]);
    const ok = runCli(['analyze', dir, '--reps', '200']);
    expect(ok.code, ok.stderr).toBe(0);
    const agreement = readFileSync(join(dir, 'agreement.csv'), 'utf8');
    expect(agreement).toContain("no rating both chose a side and saw the metric differ (1 rating(s): can't tell or a metric tie): no agreement or CI");
  });

  it('check of a run whose prompt id now names another text (its images would be paired with another prompt)', () => {
    const texts = Object.fromEntries(
      [...readFileSync(join(DEMO, 'sweep.yaml'), 'utf8').matchAll(/- id: (\S+)\n\s+kind: \S+\n\s+text: (.*)/g)].map((m) => [m[1], m[2]]),
    );
    const withTexts = (dir: string, edit: Record<string, string>) => {
      const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
      writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...run, sweep: { ...run.sweep, prompt_texts: { ...texts, ...edit } } }));
      return dir;
    };
    const baseline = withTexts(demoRun(), {});
    expect(runCli(['check', withTexts(demoRun(), {}), '--baseline', baseline]).code).toBe(0);
    const changed = runCli(['check', withTexts(demoRun(), { garden: 'anisphia, 1girl, beach' }), '--baseline', baseline]);
    expect(changed.code).toBe(2);
    expect(changed.stderr.trim()).toBe(
      `error: prompt "garden" has another text in the run than in the baseline (garden: "anisphia, 1girl, beach" vs "${texts.garden}"): its images are of another prompt; give a changed prompt a new id`,
    );
  });

  it('analyze --sweep with a sweep of another design (its costs and ancestry would be read for levels the run lacks)', () => {
    const other = demoSweep((y) => y.replace('  weight: [ 0, 0.5, 1 ]', '  weight: [ 0, 0.5, 1 ]\n  checkpoint: [ e1, e2 ]'));
    const run = runCli(['analyze', DEMO_RUN, '--sweep', other, '--out', join(tempDir(), 'o'), '--reps', '200']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `error: --sweep ${other}: its factors (base, target, weight, checkpoint) are not the run's (base, target, weight); give the sweep the run was scored from`,
    );
    const renamed = demoSweep((y) => y.replace('target: [ nai, anything, counterfeit ]', 'target: [ nai, anything, counterfeit-v3 ]'));
    const levels = runCli(['analyze', DEMO_RUN, '--sweep', renamed, '--out', join(tempDir(), 'o'), '--reps', '200']);
    expect(levels.code).toBe(2);
    expect(levels.stderr).toContain('factor target has no level counterfeit, which the run scored');
    expect(runCli(['analyze', DEMO_RUN, '--sweep', demoSweep((y) => y), '--out', join(tempDir(), 'o'), '--reps', '200']).code).toBe(0);
  });

  it('a metric outside the registry whose direction is not given (check and non_inferiority assumed higher is better)', () => {
    // The demo's detail scores renamed to a metric the registry does not know; the run is 2 higher everywhere.
    const dir = tempDir('lora-eval-audit-custom-');
    const [header, ...lines] = readFileSync(join(DEMO_RUN, 'scores.csv'), 'utf8').trimEnd().split('\n');
    const detail = lines.filter((l) => l.includes(',detail,detail-v1,')).map((l) => l.replace(',detail,detail-v1,', ',my_score,mine,'));
    const raised = detail.map((l) => l.replace(/,([^,]+)$/, (_, v) => `,${Number(v) + 2}`));
    writeFileSync(join(dir, 'baseline.csv'), [header, ...detail].join('\n') + '\n');
    writeFileSync(join(dir, 'run.csv'), [header, ...raised].join('\n') + '\n');
    const check = (...extra: string[]) =>
      runCli(['check', join(dir, 'run.csv'), '--baseline', join(dir, 'baseline.csv'), '--metric', 'my_score', '--margin', 'my_score=1', ...extra]);
    const unknown = check();
    expect([unknown.code, unknown.stderr.trim()]).toEqual([
      2,
      'error: metric "my_score" is not in the metric registry, so which way is a regression is unknown: give --higher-is-better my_score or --lower-is-better my_score',
    ]);
    expect(check('--higher-is-better', 'my_score').code).toBe(0);
    const lower = check('--lower-is-better', 'my_score');
    expect(lower.code).toBe(1);
    expect(lower.stdout).toContain('FAILED: 0 pass, 21 regression');

    writeFileSync(
      join(dir, 'h.yaml'),
      'hypotheses:\n  - id: x\n    metric: my_score\n    non_inferiority: { a: { base: nai }, b: { base: anylora }, margin: 0.1 }\n',
    );
    const claim = runCli(['analyze', join(dir, 'baseline.csv'), '--hypotheses', join(dir, 'h.yaml'), '--out', join(dir, 'o'), '--reps', '200']);
    expect(claim.code).toBe(2);
    expect(claim.stderr).toContain('non_inferiority: metric my_score is not in the metric registry, so which way is worse is unknown: give higher_is_better');
  });

  it('report of an analysis made before the run was re-scored', () => {
    const dir = demoRun();
    expect(runCli(['analyze', dir, '--reps', '200']).code).toBe(0);
    rescore(dir);
    const run = runCli(['report', dir, '--no-png']);
    expect(run.code).toBe(2);
    const sha = createHash('sha256')
      .update(readFileSync(join(dir, 'scores.csv')))
      .digest('hex');
    expect(run.stderr).toContain(`but ${join(dir, 'scores.csv')} is now ${sha.slice(0, 12)}…; run "lora-eval analyze" again before reporting`);
  }, 120_000);
});
