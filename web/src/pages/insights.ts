// Insights: what the analysis found (trends, bottlenecks, anomaly clusters, capacity), active first, each with the
// numbers behind it and charts of its affected series (and their anomaly scores) around the time it started.
import { apiGet, queryRange } from '../api';
import { alignMatrix, Chart } from '../chart';
import { badge, definitions, Panel, panelsPage, table, type Page, type PageContext } from '../components';
import { formatAgo, formatNumber, formatSeries, formatTime, h, labelChips } from '../dom';
import { exploreLink } from './explore';

export interface Insight {
  id: string;
  key: string;
  engine: string;
  type: string;
  state: 'Active' | 'Resolved';
  severity: 'Low' | 'Medium' | 'High' | 'Critical';
  description: string;
  labels: Record<string, string>;
  affectedSeries: Record<string, string>[];
  /** PromQL that computes each cited series (derived ones such as a utilization or a p95 are not stored). */
  evidenceQueries?: { name: string; query: string }[];
  confidence: number;
  evidence: Record<string, number | string>;
  startsAt: string;
  updatedAt: string;
  endsAt?: string;
  recommendations: {
    type: string; description: string; expectedImpact: number; implementationCost: string; priority: number; affectedComponents: string[];
    basis?: 'measured' | 'prior'; measuredExecutions?: number;
  }[];
}

export interface InsightList { enabled: boolean; insights: Insight[] }

const severityKind = { Low: 'info', Medium: 'warn', High: 'bad', Critical: 'bad' } as const;

export function severityBadge(s: Insight['severity']): HTMLElement {
  return badge(s.toLowerCase(), severityKind[s] ?? 'info');
}

/** A series selector for a label set: name{a="b",...}. */
export function selector(metric: Record<string, string>): string {
  return formatSeries(metric).replace(/, /g, ',');
}

/** How much time before an insight started its charts show. */
const before = 15 * 60;
const chartedSeries = 5;

class InsightView {
  readonly element: HTMLElement;
  private readonly charts: Chart[] = [];

  constructor(readonly insight: Insight, draw: boolean) {
    const i = insight;
    const evidence = Object.entries(i.evidence).map(([k, v]) => [k, typeof v === 'number' ? formatNumber(v) : v] as [string, string]);
    const chartBox = h('div.insight-charts');
    this.element = h('article.insight', { 'data-id': i.id, 'data-type': i.type, 'data-state': i.state.toLowerCase() },
      h('div.execution-head', null,
        severityBadge(i.severity),
        h('strong', null, i.type),
        h('span.muted', null, `${i.engine} · ${i.state === 'Active' ? `active since ${formatAgo(i.startsAt)}` : `resolved ${formatAgo(i.endsAt)}`} · confidence ${formatNumber(100 * i.confidence)}%`)),
      h('div.description', null, i.description),
      h('div', null, labelChips(i.labels)),
      h('div.evidence', null,
        chartBox,
        h('div', null,
          h('h3', null, 'Evidence'),
          definitions(evidence),
          i.recommendations.length ? [h('h3', null, 'Recommendations'), table(['Action', 'What', 'Impact', 'Cost', 'Basis'], i.recommendations.map((r) => [
            r.type, r.description, `${formatNumber(100 * r.expectedImpact)}%`, r.implementationCost,
            r.basis === 'measured' ? `measured (${r.measuredExecutions ?? 0} runs)` : 'prior',
          ]), 'compact recommendations')] : null,
          h('div.muted', null, `started ${formatTime(Date.parse(i.startsAt) / 1000)}, updated ${formatTime(Date.parse(i.updatedAt) / 1000)}`))));
    if (draw) void this.draw(chartBox);
    else chartBox.append(h('button', { type: 'button', onclick: () => void this.draw(chartBox) }, 'Show evidence charts'));
  }

  /** The affected series and, for anomalies, their scores, from a while before the start until the end (or now). */
  private async draw(box: HTMLElement): Promise<void> {
    const i = this.insight;
    const series = i.affectedSeries.slice(0, chartedSeries);
    if (series.length === 0) {
      box.replaceChildren(h('div.muted', null, 'No affected series recorded.'));
      return;
    }
    const start = Math.floor(Date.parse(i.startsAt) / 1000) - before;
    const end = Math.ceil((i.endsAt ? Date.parse(i.endsAt) : Date.now()) / 1000);
    const step = Math.max(Math.floor((end - start) / 250), 1);
    const started = Date.parse(i.startsAt) / 1000;
    // Note: the largest value of each step, so a one-sample spike is not lost between the chart's points.
    const peaks = (selectors: string[]) => selectors.map((sel) => `max_over_time(${sel}[${step}s])`).join(' or ');
    // Note: an insight that cites derived series (a utilization, a p95) carries the PromQL computing each; those are
    // charted as expressions, one chart each, so the chart shows exactly what the engine evaluated.
    const cited = (i.evidenceQueries ?? []).slice(0, chartedSeries);
    const queries: [string, string, string][] = cited.length > 0
      ? cited.map((q) => ['evidence', q.name, q.query] as [string, string, string])
      : [['values', 'Affected series (largest value per step)', peaks(series.map(selector))]];
    if (i.engine === 'anomaly') {
      const scores = series.map((m) => {
        const { __name__: name, ...rest } = m;
        return selector({ __name__: 'vigil_anomaly_score', ...rest, metric_name: name ?? '' });
      });
      queries.push(['scores', 'Anomaly score (largest per step)', peaks(scores)]);
    }
    box.replaceChildren(h('div.muted', null, 'Loading…'));
    try {
      const results = await Promise.all(queries.map(([, , q]) => queryRange(q, start, end, step)));
      const parts: HTMLElement[] = [];
      results.forEach((r, n) => {
        const [kind, title, q] = queries[n];
        const heading = h('h3', null, h('a', { href: exploreLink(q, '1h') }, title));
        if (r.data.resultType !== 'matrix' || r.data.result.length === 0) {
          const what = kind === 'evidence' ? q : series.map(selector).join(', ');
          parts.push(h('div', { 'data-chart': kind }, heading, h('div.muted', null, `No samples for ${what} in this time range.`)));
          return;
        }
        const chart = new Chart(180);
        this.charts.push(chart);
        parts.push(h('div', { 'data-chart': kind }, heading, chart.element));
        chart.set(alignMatrix(r.data.result, start, end, step), { lines: [{ at: started, color: '#e8590c' }] });
      });
      box.replaceChildren(...parts);
      box.dataset.state = 'ready';
    } catch (err) {
      box.replaceChildren(h('div.error', null, `cannot draw the evidence: ${(err as Error).message}`));
      box.dataset.state = 'error';
    }
  }

  dispose(): void {
    for (const c of this.charts) c.dispose();
  }
}

function mount(ctx: PageContext) {
  const stateSelect = h('select', { id: 'insight-state', 'aria-label': 'State' },
    h('option', { value: 'active' }, 'active'), h('option', { value: 'resolved' }, 'resolved'), h('option', { value: '' }, 'all'));
  stateSelect.value = ctx.params.get('state') ?? 'active';
  const severitySelect = h('select', { id: 'insight-severity', 'aria-label': 'Severity' },
    h('option', { value: '' }, 'any'), ['Critical', 'High', 'Medium', 'Low'].map((s) => h('option', { value: s }, s.toLowerCase())));
  severitySelect.value = ctx.params.get('severity') ?? '';
  let views: InsightView[] = [];

  const list = new Panel('Insights', async () => {
    const r = await apiGet<InsightList>('/api/v1/insights', {
      state: stateSelect.value || undefined, severity: severitySelect.value || undefined, limit: '100',
    });
    // Note: an insight's view (and charts) is kept until the insight changes, so a refresh does not reload every chart.
    const next = r.data.enabled ? r.data.insights.map((i, n) => {
      const old = views.find((v) => v.insight.id === i.id && v.insight.updatedAt === i.updatedAt && v.insight.state === i.state);
      return old ?? new InsightView(i, n < 10);
    }) : [];
    for (const v of views) if (!next.includes(v)) v.dispose();
    views = next;
    if (!r.data.enabled) return h('div.muted', null, 'The analysis is off (analysis: enabled: false in vigil.yaml).');
    if (views.length === 0) return h('div.muted', null, `No ${stateSelect.value} insights.`);
    return h('div.timeline', null, views.map((v) => v.element));
  }, 'insights');

  const filter = () => {
    const p = new URLSearchParams();
    if (stateSelect.value !== 'active') p.set('state', stateSelect.value);
    if (severitySelect.value) p.set('severity', severitySelect.value);
    ctx.setParams(p);
    void list.refresh();
  };
  stateSelect.addEventListener('change', filter);
  severitySelect.addEventListener('change', filter);
  const page = panelsPage(ctx, 'Insights', [list], h('div.toolbar', null,
    h('label', null, 'State ', stateSelect), h('label', null, 'Severity ', severitySelect)));
  return { refresh: page.refresh, dispose: () => views.forEach((v) => v.dispose()) };
}

export const insightsPage: Page = { path: '/insights', title: 'Insights', mount };
