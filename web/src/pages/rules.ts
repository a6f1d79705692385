// Alerts and Rules: Prometheus's /api/v1/rules, alerting rules with their active alerts, recording rules with health.
import { apiGet } from '../api';
import { badge, definitions, Panel, panelsPage, table, type Page, type PageContext } from '../components';
import { formatAgo, formatDuration, formatNumber, h, labelChips } from '../dom';
import { exploreLink } from './explore';

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'firing' | 'pending' | 'inactive';
  activeAt?: string;
  value: string;
}

interface Rule {
  type: 'alerting' | 'recording';
  name: string;
  query: string;
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  evaluationTime: number;
  lastEvaluation: string;
  labels?: Record<string, string>;
  // alerting only
  state?: Alert['state'];
  duration?: number;
  keepFiringFor?: number;
  annotations?: Record<string, string>;
  alerts?: Alert[];
}

interface RuleGroup {
  name: string;
  file: string;
  interval: number;
  evaluationTime: number;
  lastEvaluation: string;
  rules: Rule[];
}

const stateKind = { firing: 'bad', pending: 'warn', inactive: 'ok' } as const;

function query(q: string): HTMLElement {
  return h('a.query', { href: exploreLink(q), 'data-link': 'explore' }, q);
}

function mountAlerts(ctx: PageContext) {
  const filters = {
    firing: h('input', { type: 'checkbox', checked: true, 'data-filter': 'firing' }),
    pending: h('input', { type: 'checkbox', checked: true, 'data-filter': 'pending' }),
    inactive: h('input', { type: 'checkbox', checked: true, 'data-filter': 'inactive' }),
  };
  const countText = { firing: h('span.count'), pending: h('span.count'), inactive: h('span.count') };
  // Note: the list is rebuilt on every refresh; remember what the user expanded or collapsed.
  const expanded = new Map<string, boolean>();
  const panel = new Panel('Alerting rules', async () => {
    const r = await apiGet<{ groups: RuleGroup[] }>('/api/v1/rules', { type: 'alert' });
    const rules = r.data.groups.flatMap((g) => g.rules.filter((x) => x.type === 'alerting').map((rule) => ({ group: g, rule })));
    const counts = { firing: 0, pending: 0, inactive: 0 };
    for (const { rule } of rules) counts[rule.state ?? 'inactive']++;
    for (const s of ['firing', 'pending', 'inactive'] as const) countText[s].textContent = `(${counts[s]})`;
    if (rules.length === 0) return [h('div.muted', null, 'No alerting rules are loaded (rule_files in vigil.yaml).')];
    const shown = rules.filter(({ rule }) => filters[rule.state ?? 'inactive'].checked);
    return shown.map(({ group, rule }) => {
      const alerts = rule.alerts ?? [];
      const state = rule.state ?? 'inactive';
      const key = `${group.file}|${group.name}|${rule.name}`;
      const details = h('details.rule', { open: expanded.get(key) ?? state !== 'inactive', 'data-alert': rule.name, 'data-state': state },
        h('summary', null, badge(state, stateKind[state]), ' ', h('strong', null, rule.name),
          h('span.muted', null, ` ${group.name} · ${alerts.length} active`)),
        definitions([
          ['expr', query(rule.query)],
          ...(rule.duration ? [['for', formatDuration(rule.duration)] as [string, string]] : []),
          ...(rule.labels && Object.keys(rule.labels).length ? [['labels', labelChips(rule.labels)] as [string, Node]] : []),
          ...Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, v] as [string, string]),
        ]),
        alerts.length === 0 ? null : table(['Labels', 'State', 'Active since', 'Value'], alerts.map((a) => [
          h('div', null, labelChips(a.labels, ['alertname']),
            Object.entries(a.annotations ?? {}).map(([k, v]) => h('div.annotation', null, h('span.muted', null, `${k}: `), v))),
          badge(a.state, stateKind[a.state]),
          a.activeAt ? formatAgo(a.activeAt) : '',
          formatNumber(parseFloat(a.value)),
        ]), 'alerts'));
      details.addEventListener('toggle', () => {
        if (details.open === (state !== 'inactive')) expanded.delete(key);
        else expanded.set(key, details.open);
      });
      return details;
    });
  }, 'alerts');
  for (const f of Object.values(filters)) f.addEventListener('change', () => void panel.refresh());
  return panelsPage(ctx, 'Alerts', [panel], h('div.toolbar', null,
    (['firing', 'pending', 'inactive'] as const).map((s) => h('label', null, filters[s], ` ${s} `, countText[s]))));
}

function mountRules(ctx: PageContext) {
  const panel = new Panel('Rule groups', async () => {
    const r = await apiGet<{ groups: RuleGroup[] }>('/api/v1/rules');
    if (r.data.groups.length === 0) return [h('div.muted', null, 'No rules are loaded (rule_files in vigil.yaml).')];
    return r.data.groups.map((g) => h('div.group', { 'data-group': g.name },
      h('h3', null, g.name, h('span.muted', null,
        ` ${g.file} · every ${formatDuration(g.interval)} · evaluated ${formatAgo(g.lastEvaluation)} in ${formatDuration(g.evaluationTime)}`)),
      table(['Rule', 'Health', 'Last evaluation', 'Evaluation time'], g.rules.map((rule) => [
        h('div', null, badge(rule.type === 'alerting' ? 'alert' : 'record', 'info'), ' ', h('strong', null, rule.name), h('div', null, query(rule.query)),
          rule.lastError ? h('div.error-text', null, rule.lastError) : null),
        badge(rule.health, rule.health === 'ok' ? 'ok' : rule.health === 'err' ? 'bad' : 'warn'),
        formatAgo(rule.lastEvaluation),
        formatDuration(rule.evaluationTime),
      ]), 'rules')));
  }, 'rules');
  return panelsPage(ctx, 'Rules', [panel]);
}

export const alertsPage: Page = { path: '/alerts', title: 'Alerts', mount: mountAlerts };
export const rulesPage: Page = { path: '/rules', title: 'Rules', mount: mountRules };
