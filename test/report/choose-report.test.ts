import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { formatScoresCsv } from '../../src/run/scores-csv.js';
import { writeReport } from '../../src/report/report.js';
import { plantedSweep } from '../helpers/planted-sweep.js';
import { scoresCsvOf } from '../helpers/score-run.js';
import { tempDir } from '../helpers/tmp.js';

describe('report of analyze --choose and the variance decomposition', () => {
  it('shows the chosen checkpoint and weight and the partial η² chart', async () => {
    const table = plantedSweep({ concept: (_b, c, w) => 0.3 + 0.1 * Number(c.slice(1)) + 0.1 * w, fidelity: (_c, w) => (w > 1 ? 25 : 30) });
    const dir = tempDir();
    analyze({ input: scoresCsvOf(table, dir), reps: 200, choose: { factors: ['checkpoint', 'weight'], floors: { base_preservation: 0.99 } } });
    const result = await writeReport({ run: dir });
    const html = readFileSync(result.html, 'utf8');
    expect(html).toContain('<h2 id="choose">Best checkpoint and weight</h2>');
    // e4 at weight 1 beats e4 at 0.65 by 0.035 (noise 0.03, 10 prompts): clear after Holm over the 7 other feasible candidates.
    expect(html).toMatch(
      /<strong>checkpoint e4, weight 1<\/strong> <span class="status clear">clear: better than each of the 7 other feasible candidates \(p_adj ≤ 0\.0\d+\)<\/span>, P\(best\) (0\.9\d|1\.00)/,
    );
    expect(html).toContain('<td>chosen (clear)</td>');
    expect(html).toMatch(/<td>vs chosen: p_adj [\d.e-]+ \(worse\)<\/td>/);
    expect(html).toContain('holm-corrected over 7 comparison(s) at 0.05');
    expect(html).toContain('<tr class="chosen">');
    expect(html).toContain('<h2 id="variance">Which factor matters</h2>');
    expect(html).toMatch(/<figure id="chart-variance"><figcaption>Which factor matters[^<]*<\/figcaption><svg/);
    expect(existsSync(join(dir, 'charts', 'variance.vl.json'))).toBe(true);
    const spec = JSON.parse(readFileSync(join(dir, 'charts', 'variance.vl.json'), 'utf8'));
    const terms = new Set(spec.data.values.filter((v: { metric: string }) => v.metric.startsWith('concept_detection')).map((v: { term: string }) => v.term));
    expect(terms.has('checkpoint')).toBe(true);
    expect(terms.has('prompt')).toBe(false);
  }, 60_000);

  it('an analysis written without either field still reports', async () => {
    const table = plantedSweep({ concept: () => 0.5 });
    const dir = tempDir();
    writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(table.rows, table.factors));
    analyze({ input: join(dir, 'scores.csv'), reps: 100 });
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    delete summary.variance;
    delete summary.choose;
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
    const html = readFileSync((await writeReport({ run: dir })).html, 'utf8');
    expect(html).not.toContain('id="choose"');
    expect(html).not.toContain('id="variance"');
  }, 60_000);
});
