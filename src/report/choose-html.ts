import { escapeHtml as h } from './escape.js';
import type { ChooseSummary, VarianceSummary } from './read-analysis.js';

const fmt = (v: number | null | undefined, digits = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–');
const fmtP = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
const levels = (l: Record<string, string>) =>
  Object.entries(l)
    .map(([f, v]) => `${f} ${v}`)
    .join(', ');

/** A choice is only called clear when the corrected test says so; a summary.json from before the test says it was not tested. */
function statusHtml(g: ChooseSummary['groups'][number]): string {
  if (!g.status) return ' <span class="status untested">(not tested: written before choices were tested)</span>';
  const highest = g.status === 'clear' || g.status === 'only feasible' ? '' : ' (highest mean)';
  return `${highest} <span class="status ${g.status === 'clear' ? 'clear' : 'unclear'}">${h(g.statusText)}</span>`;
}

/** The report block of `analyze --choose`: the chosen combination per group, and every candidate with its floors and P(best). */
export function chooseBlock(choose: ChooseSummary | null | undefined): string {
  if (!choose) return '';
  const chosen = choose.groups
    .map(
      (g) =>
        `<li>${Object.keys(g.group).length ? `${h(levels(g.group))}: ` : ''}${
          g.chosen ? `<strong>${h(levels(g.chosen))}</strong>${statusHtml(g)}, P(best) ${fmt(g.pBest, 2)}` : '<strong>none meets every floor</strong>'
        }${g.pNone > 0 ? ` <span class="meta">(no candidate meets every floor in ${fmt(100 * g.pNone, 0)} % of replicates)</span>` : ''}${
          g.unmetFloors?.length ? ` <span class="meta">(no candidate meets the ${h(g.unmetFloors.join(', '))} floor)</span>` : ''
        }</li>`,
    )
    .join('');
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([f, v]) => b[f] === v);
  const groupOf = (c: ChooseSummary['candidates'][number]) => choose.groups.find((g) => same(g.group, c.group));
  const vsChosen = (c: ChooseSummary['candidates'][number]) => {
    const x = groupOf(c)?.comparisons?.find((y) => same(y.levels, c.levels));
    if (!x) return '';
    return typeof x.pAdj === 'number' && Number.isFinite(x.pAdj)
      ? `vs chosen: p_adj ${fmtP(x.pAdj)}${x.distinguishable ? ' (worse)' : ''}`
      : `vs chosen: ${h(x.note ?? 'not tested')}`;
  };
  const floorHead = choose.floors
    .map((f) => `<th>${h(f.metric)} (floor ${f.kind === 'absolute' ? h(String(f.value)) : `weight 0 − ${h(String(f.value))}`})</th>`)
    .join('');
  const rows = choose.candidates
    .map(
      (c) =>
        `<tr${c.chosen ? ' class="chosen"' : ''}>${choose.within.map((f) => `<td>${h(c.group[f] ?? '')}</td>`).join('')}${choose.factors.map((f) => `<td>${h(c.levels[f] ?? '')}</td>`).join('')}` +
        `<td class="num">${c.prompts}</td><td class="num">${fmt(c.mean)}</td><td class="num">${fmt(c.ciLow)} – ${fmt(c.ciHigh)}</td>` +
        choose.floors
          .map((f) => {
            const x = c.floors.find((y) => y.metric === f.metric);
            return `<td class="num">${x ? `${fmt(x.mean)} ≥ ${fmt(x.floor)} ${x.pass ? '✓' : '✗'}` : '–'}</td>`;
          })
          .join('') +
        `<td class="num">${fmt(c.pFeasible, 2)}</td><td class="num">${fmt(c.pBest, 2)}</td><td>${c.chosen ? `chosen${groupOf(c)?.status ? ` (${h(groupOf(c)!.status)})` : ''}` : vsChosen(c)}</td></tr>`,
    )
    .join('');
  const head = [...choose.within, ...choose.factors].map((f) => `<th>${h(f)}</th>`).join('');
  const stated =
    choose.id || choose.description
      ? `<p>${h(choose.id ?? '')}${choose.claim ? ` (claim ${h(choose.claim)})` : ''}${choose.description ? `: ${h(choose.description)}` : ''}</p>\n`
      : '';
  return `<h2 id="choose">Best ${h(choose.factors.join(' and '))}</h2>
${stated}<p>Maximizing ${h(choose.metric)} (${h(choose.model)}), ${choose.bootstrap_reps} prompt bootstrap replicates. ${
    choose.test
      ? `A choice is clear only when the chosen candidate is better than every other feasible candidate of its group by a ${h(choose.test.method)}, ${h(choose.test.correction)}-corrected over ${choose.test.comparisons} comparison(s) at ${choose.test.alpha}; P(best) is per group and not corrected for the number of groups.`
      : 'These choices were not tested against the other candidates; P(best) is per group and not corrected for the number of groups.'
  }</p>
<ul>${chosen}</ul>
<details><summary>every candidate</summary><table><thead><tr>${head}<th>K</th><th>${h(choose.metric)}</th><th>95% CI</th>${floorHead}<th>P(feasible)</th><th>P(best)</th><th></th></tr></thead><tbody>${rows}</tbody></table></details>
<p class="meta">${h(choose.rule)}</p>${choose.notes.length ? `<p class="meta">${h(choose.notes.join('; '))}</p>` : ''}`;
}

/** Which factor matters: the chart and, per metric, the type II table. */
export function varianceBlock(variance: VarianceSummary | undefined, chart: { title: string; svg: string } | undefined): string {
  if (!variance?.metrics.length) return '';
  const tables = variance.metrics
    .map((m) => {
      if (!m.terms) return `<p>${h(m.metric)} (${h(m.model)}): not decomposed: ${h(m.unavailable ?? '')}</p>`;
      const rows = m.terms
        .map(
          (t) =>
            `<tr><td>${h(t.term)}</td><td class="num">${t.df}</td><td class="num">${fmt(t.ss, 4)}</td><td class="num">${fmt(t.f, 2)}</td><td class="num">${t.p < 1e-4 ? t.p.toExponential(1) : fmt(t.p, 4)}</td>` +
            `<td class="num">${fmt(t.eta2)} (${fmt(t.eta2Low)} – ${fmt(t.eta2High)})</td><td class="num">${fmt(t.partialEta2)} (${fmt(t.partialEta2Low)} – ${fmt(t.partialEta2High)})</td></tr>`,
        )
        .join('');
      return `<details><summary>${h(m.metric)} (${h(m.model)}): ${m.n} prompt-level cell means, K = ${m.prompts}</summary><table><thead><tr><th>term</th><th>df</th><th>SS</th><th>F</th><th>p</th><th>η² (95% CI)</th><th>partial η² (95% CI)</th></tr></thead><tbody>${rows}<tr><td>residual</td><td class="num">${m.residual?.df ?? '–'}</td><td class="num">${fmt(m.residual?.ss, 4)}</td><td></td><td></td><td></td><td></td></tr></tbody></table>${m.note ? `<p class="meta">${h(m.note)}</p>` : ''}</details>`;
    })
    .join('\n');
  return `<h2 id="variance">Which factor matters</h2>
${chart ? `<figure id="chart-variance"><figcaption>${h(chart.title)}</figcaption>${chart.svg}</figure>` : ''}
${tables}
<p class="meta">${h(variance.model)}</p>`;
}
