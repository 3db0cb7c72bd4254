import { escapeLatex as tex } from './escape.js';
import type { Analysis } from './read-analysis.js';

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '--');
const fp = (v: number) => (Number.isFinite(v) ? (v < 1e-4 ? `$${v.toExponential(1).replace(/e([+-]\d+)/, '\\times 10^{$1}')}$` : v.toFixed(4)) : '--');

/** Base × target table of a metric at one weight: mean with its 95 % CI, booktabs. */
export function metricTable(analysis: Analysis, metric: string, weight: string): string | undefined {
  const cells = analysis.cells.filter((c) => c.metric === metric && c.levels.weight === weight && c.levels.base && c.levels.target);
  const bases = [...new Set(cells.map((c) => c.levels.base))];
  const targets = [...new Set(cells.map((c) => c.levels.target))];
  if (!bases.length || !targets.length) return undefined;
  const others = analysis.factors.filter((x) => !['base', 'target', 'weight'].includes(x));
  const cell = (base: string, target: string) => {
    const hits = cells.filter((c) => c.levels.base === base && c.levels.target === target);
    if (hits.length !== 1) return hits.length ? `${f3(hits.reduce((s, c) => s + c.mean, 0) / hits.length)}$^*$` : '--';
    const c = hits[0];
    return Number.isFinite(c.ciLow) ? `${f3(c.mean)} {\\scriptsize [${f3(c.ciLow)}, ${f3(c.ciHigh)}]}` : f3(c.mean);
  };
  return [
    '\\begin{table}[t]',
    '\\centering',
    `\\caption{${tex(metric)} at LoRA weight ${tex(weight)}: mean and 95\\% prompt-bootstrap CI per base (rows) and target (columns).${others.length ? ` $^*$ mean over ${tex(others.join(', '))}.` : ''}}`,
    `\\begin{tabular}{l${'r'.repeat(targets.length)}}`,
    '\\toprule',
    `base & ${targets.map(tex).join(' & ')} \\\\`,
    '\\midrule',
    ...bases.map((b) => `${tex(b)} & ${targets.map((t) => cell(b, t)).join(' & ')} \\\\`),
    '\\bottomrule',
    '\\end{tabular}',
    '\\end{table}',
  ].join('\n');
}

/** The tests behind the hypotheses, booktabs. */
export function testsTable(analysis: Analysis): string | undefined {
  if (!analysis.tests.length) return undefined;
  return [
    '\\begin{table}[t]',
    '\\centering',
    '\\caption{Tests behind each hypothesis: mean difference $a-b$ (or $\\rho$, slope) with 95\\% CI, adjusted $p$ and verdict.}',
    '\\begin{tabular}{lllrrrl}',
    '\\toprule',
    'hypothesis & where & test & $n$ & estimate [95\\% CI] & $p_{adj}$ & verdict \\\\',
    '\\midrule',
    ...analysis.tests.map(
      (t) =>
        `${tex(t.hypothesis)} & ${tex(t.where)} & ${tex(t.test.replace(/ \(.*\)$/, ''))} & ${t.n} & ${f3(t.estimate)} [${f3(t.ciLow)}, ${f3(t.ciHigh)}] & ${fp(t.pAdj)} & ${tex(t.verdict)} \\\\`,
    ),
    '\\bottomrule',
    '\\end{tabular}',
    '\\end{table}',
  ].join('\n');
}
