import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { html, raw, type SafeHtml } from '../../pages/html';

export interface ChartSeries {
  label: string;
  /** CSS class of the line and its legend swatch (colours from console.css, light and dark). */
  className: 'series-a' | 'series-b' | 'series-c' | 'series-d';
  values: number[];
}

const W = 720;
const H = 240;
const M = { top: 12, right: 12, bottom: 28, left: 44 };

/**
 * A line chart drawn on the server as SVG with d3-scale (axes) and d3-shape (lines): no script, so it shows
 * under the console's CSP and in any browser; colours come from the stylesheet's variables (dark mode too).
 * The SVG is role="img" with a title naming the table beside it, which holds the same figures as text.
 */
export function lineChart(opts: {
  id: string;
  title: string;
  /** Labels of the x positions (every value array has one value per label). */
  xLabels: string[];
  /** How many x labels to print at most (the others are ticks without text). */
  maxXLabels?: number;
  series: ChartSeries[];
  tableId: string;
}): SafeHtml {
  const n = opts.xLabels.length;
  const max = Math.max(1, ...opts.series.flatMap((s) => s.values));
  const x = scaleLinear()
    .domain([0, Math.max(1, n - 1)])
    .range([M.left, W - M.right]);
  const y = scaleLinear()
    .domain([0, max])
    .nice()
    .range([H - M.bottom, M.top]);
  const path = line<number>()
    .x((_, i) => x(i))
    .y((v) => y(v));
  const yTicks = y.ticks(5).filter((t) => Number.isInteger(t));
  const every = Math.max(1, Math.ceil(n / (opts.maxXLabels ?? 12)));
  const fmt = (v: number) => v.toFixed(1);
  const grid = yTicks.map(
    (t) =>
      html`<g class="tick"
        ><line x1="${M.left}" x2="${W - M.right}" y1="${fmt(y(t))}" y2="${fmt(y(t))}"></line
        ><text x="${M.left - 6}" y="${fmt(y(t) + 4)}" text-anchor="end">${t.toLocaleString('en')}</text></g
      >`,
  );
  const xTicks = opts.xLabels.map((label, i) =>
    i % every === 0 ? html`<text x="${fmt(x(i))}" y="${H - 8}" text-anchor="middle">${label}</text>` : '',
  );
  const lines = opts.series.map(
    (s) => html`<path class="line ${s.className}" d="${path(s.values) ?? ''}"></path>`,
  );
  return html`<figure class="chart" id="${opts.id}">
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${opts.id}-title">
      <title id="${opts.id}-title">${opts.title} (the table below gives the same figures)</title>
      <g class="grid">${grid}</g>
      <g class="axis-x">${xTicks}</g>
      ${lines}
    </svg>
    <figcaption>
      ${opts.series.map(
        (s) => html`<span class="legend"><span class="swatch ${s.className}"></span>${s.label}</span> `,
      )}
      <a class="small" href="#${opts.tableId}">${raw('Figures as a table')}</a>
    </figcaption>
  </figure>`;
}
