// Accessible inline SVG bar charts (no chart library): one horizontal bar per row, the SVG has role="img"
// with a <title> and an aria-label reading every value; the table under each chart stays the full data.
import { t } from './lib/i18n.js';

const NS = 'http://www.w3.org/2000/svg';
const BAR = 22; // px per bar
const GAP = 6;
const LABEL = 150; // px of label column, in the SVG's own units
const WIDTH = 600;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = String(text);
  return node;
}

const clip = (text, max = 22) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

// Draw `bars` ([{label, value}]) into the <figure> `target`, titled `title`, values shown with `unit`.
export function barChart(target, title, bars, unit = '') {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * (BAR + GAP) + GAP;
  const summary = bars.length ? t('chart_label', { title, values: bars.map((b) => `${b.label} ${b.value}${unit}`).join('; ') })
    : t('chart_empty', { title });
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': summary,
    preserveAspectRatio: 'xMinYMin meet', class: 'bar-chart' });
  chart.append(svg('title', {}, summary));
  bars.forEach((bar, n) => {
    const y = GAP + n * (BAR + GAP);
    const length = Math.max(2, ((WIDTH - LABEL - 70) * bar.value) / max);
    const group = svg('g', { class: 'bar', 'data-label': bar.label, 'data-value': bar.value, 'aria-hidden': 'true' });
    group.append(svg('text', { x: LABEL - 6, y: y + BAR * 0.7, 'text-anchor': 'end' }, clip(bar.label)),
      svg('rect', { x: LABEL, y, width: length, height: BAR, rx: 3 }),
      svg('text', { x: LABEL + length + 6, y: y + BAR * 0.7, class: 'value' }, `${bar.value}${unit}`));
    chart.append(group);
  });
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  target.replaceChildren(caption, chart);
}
