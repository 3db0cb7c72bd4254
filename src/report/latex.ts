import { escapeLatex as tex } from './escape.js';
import type { Analysis } from './read-analysis.js';

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '--');
const fp = (v: number) => (Number.isFinite(v) ? (v < 1e-4 ? `$${v.toExponential(1).replace(/e([+-]\d+)/, '\\times 10^{$1}')}$` : v.toFixed(4)) : '--');

/** How the cells' CIs were made, for a caption: "95\\% t CI over prompt means (K = 12)". */
function ciCaption(cells: { ciMethod: string; ciLevel: number; prompts: number }[]): string {
  const methods = [
    ...new Set(cells.filter((c) => c.ciMethod).map((c) => `${Math.round(c.ciLevel * 1000) / 10}\\% ${c.ciMethod === 't' ? 't' : 'prompt-bootstrap'}`)),
  ];
  const ks = [...new Set(cells.map((c) => c.prompts))].sort((a, b) => a - b);
  const k = ks.length === 1 ? `K = ${ks[0]}` : `K = ${ks[0]}--${ks[ks.length - 1]}`;
  return methods.length ? `${methods.join(' / ')} CI over prompt means (${k} prompts)` : `no CI (${k} prompt)`;
}

/** Base × target table of a metric at one weight: mean with its CI over prompt means, booktabs. */
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
    `\\caption{${tex(metric)} at LoRA weight ${tex(weight)}: mean and ${ciCaption(cells)} per base (rows) and target (columns).${others.length ? ` $^*$ mean over ${tex(others.join(', '))}.` : ''}}`,
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

function ciCell(t: { ciLow: number; ciHigh: number; ciMethod: string; ciLevel: number }): string {
  if (!Number.isFinite(t.ciLow)) return '';
  const label = `${Math.round(t.ciLevel * 1000) / 10}\\% ${t.ciMethod === 't' ? 't' : 'boot.'}`;
  return `[${f3(t.ciLow)}, ${f3(t.ciHigh)}] {\\scriptsize ${label}}`;
}

/** "0.012 [0.004, 0.020] / min 0.03: not worth it", for a test whose claim has worth_it. */
function worthItTexCell(t: Analysis['tests'][number]): string {
  if (!t.worthIt) return '';
  const gain = t.worthItGain !== undefined ? `${f3(t.worthItGain)} [${f3(t.worthItGainCiLow!)}, ${f3(t.worthItGainCiHigh!)}]` : '--';
  return `${gain} / ${tex(String(t.worthItMinGain))}: ${tex(t.worthIt)}`;
}

/** The tests behind the hypotheses, booktabs. */
export function testsTable(analysis: Analysis): string | undefined {
  if (!analysis.tests.length) return undefined;
  const worthIt = analysis.tests.some((t) => t.worthIt);
  return [
    '\\begin{table}[t]',
    '\\centering',
    `\\caption{Tests behind each hypothesis: the unit of inference and the number of units $K$ (prompt: one value per prompt, the mean over its seeds; image: every pair counted as independent), mean difference $a-b$ (or $\\rho$, slope) with its CI (level and method per row: t over the $K$ units with $K-1$ df, or a prompt bootstrap), adjusted $p$ and verdict.${worthIt ? " Worth it: gain per GPU-hour in the metric's better direction [95\\% CI] / the smallest gain worth paying for; worth it when the CI lies above it, not worth it when below, else inconclusive." : ''}}`,
    `\\begin{tabular}{llllrrrl${worthIt ? 'l' : ''}}`,
    '\\toprule',
    `hypothesis & where & test & unit & $K$ & estimate [CI] & $p_{adj}$ & verdict${worthIt ? ' & worth it' : ''} \\\\`,
    '\\midrule',
    ...analysis.tests.map(
      (t) =>
        `${tex(t.hypothesis)} & ${tex(t.where)} & ${tex(t.test.replace(/ \(.*\)$/, ''))} & ${tex(t.unit)} & ${Number.isFinite(t.nUnits) ? t.nUnits : '--'} & ${f3(t.estimate)} ${ciCell(t)} & ${fp(t.pAdj)} & ${tex(t.verdict)}${worthIt ? ` & ${worthItTexCell(t)}` : ''} \\\\`,
    ),
    '\\bottomrule',
    '\\end{tabular}',
    '\\end{table}',
  ].join('\n');
}
