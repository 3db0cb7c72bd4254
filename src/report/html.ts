import { chooseBlock, varianceBlock } from './choose-html.js';
import { escapeHtml as h } from './escape.js';
import { agreementNote, agreementSection } from './agreement-html.js';
import type { RaterAgreementSummary } from '../analysis/agreement-files.js';
import type { Analysis, CellRow, HypothesisSummary, TestCsvRow } from './read-analysis.js';

export interface RenderedChart {
  name: string;
  title: string;
  svg: string;
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const fmtP = (v: number) => (Number.isFinite(v) ? (v < 1e-4 ? v.toExponential(1) : v.toFixed(4)) : '–');

const STYLE = `
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.meta { color: #666; font-size: 0.85rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { font-weight: bold; padding: 0.1rem 0.4rem; border-radius: 3px; }
.supported { background: #d8f3e3; color: #1d6b40; } .refuted { background: #f9dcd8; color: #8e2a1f; } .inconclusive { background: #eee; color: #555; }
figure { margin: 1rem 0; } figcaption { font-size: 0.9rem; color: #444; margin-bottom: 0.3rem; }
details summary { cursor: pointer; }
tr.chosen td { background: #eef6ff; font-weight: bold; }
table.grid td.thumb { text-align: center; font-size: 0.75rem; color: #444; } table.grid img { display: block; margin: 0 auto 0.2rem; border-radius: 2px; }
.missing { width: 112px; height: 112px; background: #f3f3f3; color: #999; display: flex; align-items: center; justify-content: center; }
`;

/** A worth-it decision as a badge, coloured like the verdict it resembles. */
function worthItBadge(verdict: string): string {
  const cls = verdict === 'worth it' ? 'supported' : verdict === 'not worth it' ? 'refuted' : 'inconclusive';
  return `<span class="verdict ${cls}">${h(verdict)}</span>`;
}

function worthItCell(w: HypothesisSummary['worth_it']): string {
  if (!w) return '<td></td>';
  return `<td>${worthItBadge(w.verdict)} <span class="meta">min ${h(String(w.min_gain_per_gpu_hour))} per GPU-hour; ${w.worth_it}/${w.not_worth_it}/${w.inconclusive} of ${w.tests}</span></td>`;
}

function gainCell(t: TestCsvRow): string {
  if (!t.worthIt) return '<td></td>';
  const gain = t.worthItGain !== undefined ? `${fmt(t.worthItGain)} [${fmt(t.worthItGainCiLow!)}, ${fmt(t.worthItGainCiHigh!)}]` : '–';
  return `<td class="num">${gain} <span class="meta">vs min ${h(String(t.worthItMinGain))}</span> ${worthItBadge(t.worthIt)}</td>`;
}

function verdictBadge(verdict: string): string {
  const cls = ['supported', 'refuted', 'inconclusive'].includes(verdict) ? verdict : 'inconclusive';
  return `<span class="verdict ${cls}">${h(verdict)}</span>`;
}

/** "95% t, K = 12" or "95% prompt bootstrap, K = 12": what a CI is and how many prompts it rests on. */
export function ciLabel(method: string, level: number, k: number): string {
  if (!method || !Number.isFinite(level)) return '';
  return `${Math.round(level * 1000) / 10}% ${method}${Number.isFinite(k) ? `, K = ${k}` : ''}`;
}

function cellTable(cells: CellRow[], factors: string[]): string {
  const head = [...factors, 'n', 'prompts (K)', 'mean', 'CI', 'CI method', 'transfer ratio', 'note'];
  const rows = cells.map(
    (c) =>
      `<tr>${factors.map((f) => `<td>${h(c.levels[f] || '(native)')}</td>`).join('')}<td class="num">${c.n}</td><td class="num">${c.prompts}</td>` +
      `<td class="num">${fmt(c.mean)}</td><td class="num">${Number.isFinite(c.ciLow) ? `${fmt(c.ciLow)} – ${fmt(c.ciHigh)}` : '–'}</td>` +
      `<td>${h(ciLabel(c.ciMethod, c.ciLevel, c.prompts))}</td><td class="num">${fmt(c.transferRatio, 2)}</td><td>${h(c.note ?? '')}</td></tr>`,
  );
  return `<table><thead><tr>${head.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/**
 * One self-contained HTML page: verdicts, charts (inline SVG rendered at build time, so the page needs no script and
 * no network), the tests behind each verdict and the cell estimates. Every piece of user text is escaped.
 */
export function reportHtml(analysis: Analysis, charts: RenderedChart[], grids = ''): string {
  const { summary } = analysis;
  const prov = summary.provenance;
  const title = `lora-eval report${prov?.sweep?.name ? `: ${prov.sweep.name}` : ''}`;
  const withWorthIt = summary.hypotheses.some((x) => x.worth_it || x.parts?.some((p) => p.worth_it));
  const hypotheses = summary.hypotheses.length
    ? `<table><thead><tr><th>hypothesis</th><th>type</th><th>metric</th><th>verdict</th>${withWorthIt ? '<th>worth its GPU-hours?</th>' : ''}<th>unit</th><th>tests</th><th>description</th></tr></thead><tbody>${summary.hypotheses
        .flatMap((x) => [{ x, part: false }, ...(x.parts ?? []).map((p) => ({ x: p, part: true }))])
        .map(
          ({ x, part }) =>
            `<tr><td>${part ? '└ ' : ''}${h(x.id)}${x.claim !== undefined ? ` <span class="meta">(claim ${h(x.claim)})</span>` : ''}</td><td>${h(x.type)}</td><td>${h(x.metric)}</td><td>${verdictBadge(x.verdict)}</td>${withWorthIt ? worthItCell(x.worth_it) : ''}` +
            `<td>${h(x.unit ?? '')}${x.units?.length ? ` (K = ${h(x.units.map((k) => (Number.isFinite(k) ? String(k) : '–')).join(', '))})` : ''}</td>` +
            `<td>${x.supported} supported, ${x.refuted} refuted, ${x.inconclusive} inconclusive of ${x.tests}${x.notRun ? ` (${x.notRun} could not run)` : ''}</td><td>${h(x.description ?? '')}</td></tr>`,
        )
        .join(
          '',
        )}</tbody></table><p class="meta">${h(summary.settings.verdict_rule)}${summary.settings.compound_verdict_rule && summary.hypotheses.some((x) => x.parts) ? ` ${h(summary.settings.compound_verdict_rule)}` : ''}${withWorthIt && summary.settings.worth_it_rule ? ` ${h(summary.settings.worth_it_rule)}` : ''}</p>`
    : '<p>No hypotheses were tested (run <code>lora-eval analyze --hypotheses …</code>).</p>';
  const testsWorthIt = analysis.tests.some((t) => t.worthIt);
  const tests = analysis.tests.length
    ? `<table><thead><tr><th>hypothesis</th><th>test</th><th>a</th><th>b</th><th>where</th><th>unit</th><th>K</th><th>n</th><th>estimate</th><th>CI</th><th>p</th><th>p adj.</th><th>effect</th><th>verdict</th>${testsWorthIt ? '<th>gain per GPU-hour [95% CI]</th>' : ''}<th>note</th></tr></thead><tbody>${analysis.tests
        .map(
          (t) =>
            `<tr><td>${h(t.hypothesis)}</td><td>${h(t.test)}</td><td>${h(t.a)}</td><td>${h(t.b)}</td><td>${h(t.where)}</td>` +
            `<td class="unit-${h(t.unit)}">${h(t.unit === 'image' ? 'image (pairs as independent)' : t.unit)}</td><td class="num">${fmt(t.nUnits, 0)}</td><td class="num">${t.n}</td>` +
            `<td class="num">${fmt(t.estimate)}</td><td class="num">${Number.isFinite(t.ciLow) ? `${fmt(t.ciLow)} – ${fmt(t.ciHigh)} <span class="meta">(${h(ciLabel(t.ciMethod, t.ciLevel, t.nUnits))})</span>` : '–'}</td>` +
            `<td class="num">${fmtP(t.p)}</td><td class="num">${fmtP(t.pAdj)}</td><td class="num">${fmt(t.effect, 2)}</td><td>${verdictBadge(t.verdict)}</td>${testsWorthIt ? gainCell(t) : ''}<td>${h(t.note ?? '')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const raters = (summary as { rater_agreement?: RaterAgreementSummary | null }).rater_agreement;
  const metrics = [...new Set(analysis.cells.map((c) => c.metric))];
  const cellSections = metrics
    .map(
      (m) =>
        `<details><summary>${h(m)} (${analysis.cells.filter((c) => c.metric === m).length} cells)${agreementNote(raters, m)}</summary>${cellTable(
          analysis.cells.filter((c) => c.metric === m),
          analysis.factors,
        )}</details>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${h(title)}</h1>
<p class="meta">lora-eval ${h(prov?.tool?.version ?? '')}${prov?.tool?.git ? ` (${h(prov.tool.git.slice(0, 10))})` : ''} · analyzed ${h(summary.created)} · sweep sha256 ${h(prov?.sweep?.sha256?.slice(0, 12) ?? '–')} · seed ${summary.settings.seed}, ${summary.settings.bootstrap_reps} bootstrap replicates</p>
${prov?.models?.length ? `<p class="meta">models: ${prov.models.map((m) => `${h(m.file.split('/').slice(-3).join('/'))} (${h(m.sha256.slice(0, 12))})`).join(', ')}</p>` : ''}
<h2>Hypotheses</h2>
${hypotheses}
${agreementSection(raters)}
${chooseBlock(summary.choose)}
${varianceBlock(
  summary.variance,
  charts.find((c) => c.name === 'variance'),
)}
<h2>Charts</h2>
${charts
  .filter((c) => c.name !== 'variance')
  .map((c) => `<figure id="chart-${h(c.name)}"><figcaption>${h(c.title)}</figcaption>${c.svg}</figure>`)
  .join('\n')}
${grids ? `<h2>Images</h2>\n<p class="meta">One seed per prompt; scores under each image.</p>\n${grids}` : ''}
${tests ? `<h2>Tests</h2>\n${tests}` : ''}
<h2>Cell estimates</h2>
<p class="meta">Mean of the per-prompt means with its CI over prompts (the method and K of each CI beside it; one prompt gives none); transfer ratio = cell mean ÷ the home cell's (target = base).</p>
${cellSections}
</body>
</html>
`;
}
