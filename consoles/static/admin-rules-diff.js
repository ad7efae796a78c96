// Two rule-set versions compared: rules matched by id (added, removed, changed with the fields that
// changed, unchanged) and the parameters that differ; rendered side by side, older left, newer right.
import { t } from './lib/i18n.js';
import { el } from './lib/ui.js';

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const shown = (value) => (value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

// [{id, kind: added|removed|changed|same, fields: [[name, older, newer]]}] in the newer version's order.
export function diffRules(older, newer) {
  const before = new Map(older.rules.map((r) => [r.id, r]));
  const after = new Map(newer.rules.map((r) => [r.id, r]));
  const out = newer.rules.map((rule) => {
    const was = before.get(rule.id);
    if (!was) return { id: rule.id, kind: 'added', fields: [] };
    const names = [...new Set([...Object.keys(was), ...Object.keys(rule)])].filter((k) => !same(was[k], rule[k]));
    return { id: rule.id, kind: names.length ? 'changed' : 'same', fields: names.map((k) => [k, was[k], rule[k]]) };
  });
  for (const rule of older.rules) if (!after.has(rule.id)) out.push({ id: rule.id, kind: 'removed', fields: [] });
  return out;
}

export function diffParams(older, newer) {
  const names = [...new Set([...Object.keys(older.params || {}), ...Object.keys(newer.params || {})])];
  return names.filter((k) => !same((older.params || {})[k], (newer.params || {})[k]))
    .map((k) => [k, (older.params || {})[k], (newer.params || {})[k]]);
}

function ruleRows(entry, older, newer) {
  const label = el('span', { class: `badge diff-${entry.kind}` }, t(`diff_${entry.kind}`));
  const attrs = { class: `diff-${entry.kind}`, 'data-rule': entry.id, 'data-diff': entry.kind };
  if (entry.kind !== 'changed') {
    const rule = (entry.kind === 'removed' ? older : newer).rules.find((r) => r.id === entry.id);
    return [el('tr', attrs, el('th', { scope: 'row' }, entry.id), el('td', {}, label),
      el('td', {}, entry.kind === 'added' ? '—' : rule.title || ''),
      el('td', {}, entry.kind === 'removed' ? '—' : rule.title || ''))];
  }
  return entry.fields.map(([name, was, now], n) => el('tr', { ...attrs, 'data-field': name },
    el('th', { scope: 'row' }, n === 0 ? entry.id : ''), el('td', {}, label, ' ', el('code', {}, name)),
    el('td', { class: 'older' }, shown(was)), el('td', { class: 'newer' }, shown(now))));
}

// The comparison as a summary line, the parameters table and the rules table.
export function diffView(older, newer) {
  const rules = diffRules(older, newer);
  const params = diffParams(older, newer);
  const count = (kind) => rules.filter((r) => r.kind === kind).length;
  const head = (first) => el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t(first)),
    el('th', { scope: 'col' }, t('change')), el('th', { scope: 'col' }, older.version),
    el('th', { scope: 'col' }, newer.version)));
  const changedRules = rules.filter((r) => r.kind !== 'same');
  return el('div', { class: 'diff', 'data-older': older.version, 'data-newer': newer.version },
    el('p', { class: 'diff-summary' }, t('diff_summary', { added: count('added'), removed: count('removed'),
      changed: count('changed'), same: count('same') })),
    !changedRules.length && !params.length ? el('p', {}, t('no_difference')) : null,
    params.length ? el('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': t('params') },
      el('table', { class: 'diff-params' }, head('setting'), el('tbody', {}, ...params.map(([name, was, now]) =>
        el('tr', { class: 'diff-changed', 'data-param': name }, el('th', { scope: 'row' }, name),
          el('td', {}, el('span', { class: 'badge diff-changed' }, t('diff_changed'))),
          el('td', { class: 'older' }, shown(was)), el('td', { class: 'newer' }, shown(now))))))) : null,
    changedRules.length ? el('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': t('rule_versions') },
      el('table', { class: 'diff-rules' }, head('rule'),
        el('tbody', {}, ...changedRules.flatMap((entry) => ruleRows(entry, older, newer))))) : null);
}
