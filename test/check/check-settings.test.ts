/**
 * A baseline and a run scored with the same model files but other scoring settings (resize engine, tagger
 * thresholds, preprocessing, tokenizer files, reference images) measure other things: check must not compare them
 * silently.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRuns } from '../../src/check/check-runs.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

function rows(metrics = ['style_retention']): ScoreRow[] {
  const out: ScoreRow[] = [];
  for (const metric of metrics)
    for (const prompt of ['p1', 'p2', 'p3', 'p4'])
      for (const seed of [1, 2])
        out.push({
          image: `t1/w1/${prompt}-${seed}.png`,
          sha256: `${prompt}|${seed}`,
          levels: { target: 't1', weight: '1' },
          prompt,
          seed: String(seed),
          metric,
          model: metric === 'detail_tags' ? 'tagger' : 'clip',
          value: 0.5 + 0.01 * seed + 0.001 * Number(prompt.slice(1)),
        });
  return out;
}

const REFS = [
  { file: '/sweep/refs/a.png', sha256: 'd'.repeat(64) },
  { file: '/sweep/refs/b.png', sha256: 'e'.repeat(64) },
];

function runJson(change: Record<string, unknown> = {}, options: Record<string, unknown> = {}): object {
  return {
    models: [{ file: '/models/clip/onnx/vision_model.onnx', sha256: 'a'.repeat(64) }],
    model_files: [{ file: '/models/clip/tokenizer.json', sha256: 'f'.repeat(64) }],
    clip: { id: 'clip', preprocessing: 'clip-prep-1' },
    tagger: { id: 'tagger', preprocessing: 'tagger-prep-1' },
    options: { device: 'cpu', resampler: 'fast', tag_thresholds: 'threshold', shard: null, ...options },
    references: REFS,
    style_references: REFS,
    ...change,
  };
}

function write(json: object, metrics?: string[]): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows(metrics), ['target', 'weight']));
  writeFileSync(join(dir, 'run.json'), JSON.stringify(json));
  return dir;
}

describe('check: scoring settings of the run and the baseline', () => {
  const baseline = write(runJson());

  it('compares runs whose settings agree', () => {
    expect(checkRuns({ run: write(runJson()), baseline }).passed).toBe(true);
  });

  it('refuses (exit 2) a run scored with --exact-resize against a baseline scored without, naming the setting and both values', () => {
    const cli = runCli(['check', write(runJson({}, { resampler: 'exact' })), '--baseline', baseline]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(
      'the run was scored with other settings than the baseline (run.json): resize engine (--exact-resize): run "exact", baseline "fast"; pass --allow-model-change to compare them anyway',
    );
  }, 60_000);

  it('refuses other tagger thresholds, preprocessing, tokenizer files and reference images', () => {
    const cases: [object, RegExp][] = [
      [runJson({}, { tag_thresholds: 'mcut' }), /tagger thresholds \(--mcut\): run "mcut", baseline "threshold"/],
      [runJson({ clip: { id: 'clip', preprocessing: 'clip-prep-2' } }), /CLIP preprocessing: run "clip-prep-2", baseline "clip-prep-1"/],
      [runJson({ tagger: { id: 'tagger', preprocessing: 'tagger-prep-2' } }), /tagger preprocessing: run "tagger-prep-2", baseline "tagger-prep-1"/],
      [
        runJson({ model_files: [{ file: '/models/clip/tokenizer.json', sha256: '9'.repeat(64) }] }),
        /tokenizer, preprocessing and tag-list files: run "9{64}", baseline "f{64}"/,
      ],
      [runJson({ references: [REFS[0]] }), /lora\.references: 1 image\(s\) against 2, 0 only in this run and 1 only in the other \(e\.g\. b\.png/],
    ];
    for (const [json, message] of cases) expect(() => checkRuns({ run: write(json), baseline })).toThrow(message);
  });

  it('refuses another detail_tags tag list when detail_tags is checked, and not when only other metrics are', () => {
    const both = ['style_retention', 'detail_tags'];
    const tagger = (tags: string[]) => runJson({ tagger: { id: 'tagger', preprocessing: 'tagger-prep-1', detail_tags: tags } });
    const base = write(tagger(['scenery', 'landscape']), both);
    const run = write(tagger(['scenery', 'landscape', 'cityscape']), both);
    expect(() => checkRuns({ run, baseline: base })).toThrow(
      /detail_tags tags \(tagger\.detail_tags\): run "scenery,landscape,cityscape", baseline "scenery,landscape"/,
    );
    expect(checkRuns({ run, baseline: base, metrics: ['style_retention'] }).passed).toBe(true);
  });

  it('compares them with --allow-model-change, saying what differs', () => {
    const report = checkRuns({ run: write(runJson({}, { resampler: 'exact' })), baseline, allowModelChange: true });
    expect(report.passed).toBe(true);
    expect(report.models.changed).toBe(true);
    expect(report.notes).toContain(
      'the run was scored with other settings than the baseline (run.json): resize engine (--exact-resize): run "exact", baseline "fast" (allowed by --allow-model-change)',
    );
  });

  it('does not refuse a setting that only one of the runs records (a baseline scored before it was recorded)', () => {
    const older = runJson({ model_files: undefined, references: undefined }, { resampler: undefined });
    expect(checkRuns({ run: write(runJson()), baseline: write(older) }).passed).toBe(true);
  });
});
