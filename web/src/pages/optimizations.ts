// Optimizations: the optimizer's executions as a timeline, newest first. Each evaluated execution shows its target
// metric over the baseline and observation windows (queried exactly as the evaluator queried it), the verdict with its
// p-values, and the events up to a rollback; below, the audit log of requests and executor calls.
import { apiGet, queryRange } from '../api';
import { Chart, mergeSeries } from '../chart';
import { badge, definitions, Panel, panelsPage, table, type Page, type PageContext } from '../components';
import { formatNumber, formatTime, h, labelChips } from '../dom';
import { exploreLink } from './explore';

/** Non-finite numbers arrive as strings ("NaN", "Infinity"). */
type Num = number | string;

interface WindowStatistics { count: number; mean: Num; median: Num; stdDev: Num; min: Num; max: Num }

interface MetricEvidence {
  name: string;
  role: 'Target' | 'Guardrail' | 'Constraint';
  query: string;
  better: 'Lower' | 'Higher';
  tolerance: number;
  baseline: WindowStatistics;
  observation: WindowStatistics;
  u?: Num;
  pValue?: Num;
  effectSize?: Num;
  relativeChange?: Num;
  classification: 'Pass' | 'High' | 'Low' | 'NoData';
  reason: string;
}

interface Evidence {
  baselineStart: string;
  baselineEnd: string;
  observationStart: string;
  observationEnd: string;
  stepSeconds: number;
  lookbackSeconds?: number;
  confidence: number;
  minEffectSize: number;
  impactThreshold: number;
  impact?: Num;
  metrics: MetricEvidence[];
  keep: boolean;
  reason: string;
}

export type ExecutionStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'RolledBack' | 'Rejected';

export interface Execution {
  id: string;
  action: { type: string; target: string; policy: string; executor: string; parameters: Record<string, string>; description: string };
  mode: string;
  status: ExecutionStatus;
  phase: string;
  trigger?: { source: string; type: string; severity: string; labels: Record<string, string>; description: string };
  createdAt: string;
  appliedAt?: string;
  endTime?: string;
  previousValue?: string;
  appliedValue?: string;
  actualImpact?: Num;
  evidence?: Evidence;
  error?: string;
  output?: string;
  notes: { at: string; text: string }[];
}

export interface ExecutionList { mode: string; executions: Execution[] }

/** One line of the optimizer's audit log (GET /api/v1/optimizations/audit). */
export interface AuditEntry {
  time: string;
  principal: string;
  kind: 'request' | 'execution';
  action: string;
  executionId: string;
  result: 'ok' | 'failed' | 'refused' | 'denied';
  detail: string;
  executor?: string;
  policy?: string;
  target?: string;
}

/** One lever's evidence at the decider's last decision. */
interface LeverScore { lever: string; current: number; candidate?: number; kept: number; notKept: number; meanImpact: Num; sampled: Num; status: string }

/** One choice of the lever decider: lever, value, expected and measured effect, p-value, verdict. */
interface LeverChoice {
  executionId: string; at: string; lever: string; from?: string; to: string; purpose: string;
  expected: Num; measured?: Num; pValue?: Num; status: ExecutionStatus; verdict: string;
}

/** The lever decider's state on one objective (GET /api/v1/optimizations/objectives). */
interface ObjectiveStatus {
  name: string; target: string; query: string; better: 'Lower' | 'Higher'; threshold?: number; value?: Num;
  constraintsHold?: boolean; state: string; detail: string; epoch: number; epochReason?: string;
  verdict?: 'Met' | 'Converged' | 'OutOfReach'; reason?: string; verdictSince?: string; escalations: string[];
  current: Record<string, number>; scores: LeverScore[]; choices: LeverChoice[];
}

const verdictText: Record<string, [string, string]> = {
  Met: ['objective met', 'ok'], Converged: ['converged', 'info'], OutOfReach: ['out of reach of automatic levers', 'bad'],
};

function objectiveView(o: ObjectiveStatus): HTMLElement {
  const [text, kind] = o.verdict ? verdictText[o.verdict] ?? [o.verdict, 'info'] : [o.state, o.state === 'error' ? 'bad' : 'info'];
  const value = o.value === undefined ? 'no data' : formatNumber(num(o.value));
  const threshold = o.threshold === undefined ? '' : ` (${o.better === 'Lower' ? '≤' : '≥'} ${formatNumber(o.threshold)})`;
  return h('article.objective', { 'data-objective': o.name, 'data-verdict': o.verdict ?? '', 'data-state': o.state },
    h('div.execution-head', null,
      h('strong', null, o.name),
      h('span.verdict-badge', null, badge(text, kind)),
      h('a.query', { href: exploreLink(o.query), title: o.query }, o.target), h('span.value', null, ` ${value}${threshold}`),
      h('span.muted', null, `epoch ${o.epoch}${o.epochReason ? ` (${o.epochReason})` : ''}`)),
    h('div.reason', null, o.verdict ? o.reason ?? o.detail : o.detail),
    o.escalations.length > 0 ? h('div', null, h('strong', null, 'Escalated to a person:'), h('ul.escalations', null, o.escalations.map((e) => h('li', null, e)))) : null,
    o.choices.length === 0 ? h('div.muted', null, 'No choices yet.') :
      table(['Time', 'Lever', 'Value', 'Purpose', 'Expected', 'Measured', 'p-value', 'Verdict'], o.choices.map((c) => [
        h('time', null, formatTime(seconds(c.at))),
        c.lever,
        `${c.from ?? '?'} → ${c.to}`,
        c.purpose,
        h('span.expected', null, percent(c.expected)),
        h('span.measured', null, percent(c.measured)),
        h('span', { 'data-p': String(num(c.pValue)) }, pValue(c.pValue)),
        h('span', { title: c.verdict }, statusBadge(c.status), ' ', h('span.muted', null, c.verdict)),
      ]), 'compact choices'),
    o.scores.length === 0 ? null : h('details', null, h('summary', null, 'Levers at the last decision'),
      table(['Lever', 'Now', 'Next', 'Kept', 'Rolled back', 'Mean impact', 'Thompson score', 'Status'], o.scores.map((s) => [
        s.lever, formatNumber(s.current), s.candidate === undefined ? '–' : formatNumber(s.candidate), String(s.kept), String(s.notKept),
        percent(s.meanImpact), formatNumber(num(s.sampled)), s.status,
      ]), 'compact levers')));
}

const auditKind: Record<AuditEntry['result'], string> = { ok: 'ok', failed: 'bad', refused: 'warn', denied: 'bad' };

/** Entries the audit panel shows. */
const auditLimit = 50;

export const statusKind: Record<ExecutionStatus, string> = {
  Pending: 'info', Running: 'info', Completed: 'ok', Failed: 'bad', RolledBack: 'warn', Rejected: 'muted',
};

const statusText: Record<ExecutionStatus, string> = {
  Pending: 'pending', Running: 'running', Completed: 'kept', Failed: 'failed', RolledBack: 'rolled back', Rejected: 'rejected',
};

/** Executions whose before/after chart is drawn on load; older ones draw theirs when asked. */
const chartsOnLoad = 10;

function num(v: Num | undefined): number {
  return v === undefined ? NaN : typeof v === 'number' ? v : parseFloat(v);
}

function seconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

/** A relative change as a signed percentage. */
export function percent(v: Num | undefined): string {
  const x = num(v);
  if (Number.isNaN(x)) return '–';
  return `${x > 0 ? '+' : ''}${formatNumber(100 * x)}%`;
}

/** A p-value: scientific below 0.001, as Prometheus's UI shows small numbers. */
function pValue(v: Num | undefined): string {
  const x = num(v);
  if (Number.isNaN(x)) return '–';
  return x < 0.001 ? x.toExponential(2) : x.toFixed(4);
}

export function statusBadge(status: ExecutionStatus): HTMLElement {
  return badge(statusText[status] ?? status, statusKind[status] ?? 'info');
}

/** The target metric's values in both windows, queried with the evaluator's step and lookback. */
async function beforeAfter(metric: MetricEvidence, ev: Evidence): Promise<{ label: string; points: [number, number][] }[]> {
  const lookback = ev.lookbackSeconds ?? ev.stepSeconds * 2;
  const windows = [['before', ev.baselineStart, ev.baselineEnd], ['after', ev.observationStart, ev.observationEnd]] as const;
  return Promise.all(windows.map(async ([label, from, to]) => {
    const r = await queryRange(metric.query, seconds(from), seconds(to), ev.stepSeconds, undefined, { lookback_delta: String(lookback) });
    const points: [number, number][] = [];
    if (r.data.resultType === 'matrix') {
      for (const s of r.data.result) {
        for (const [t, v] of s.values) {
          const x = parseFloat(v);
          if (Number.isFinite(x)) points.push([t, x]);
        }
      }
    }
    return { label, points };
  }));
}

function metricsTable(ev: Evidence): HTMLElement {
  return table(['Metric', 'Role', 'Median before', 'Median after', 'Change', 'p-value', 'Effect size', 'Samples', 'Verdict'], ev.metrics.map((m) => [
    h('a.query', { href: exploreLink(m.query), title: m.query }, m.name),
    m.role.toLowerCase(),
    formatNumber(num(m.baseline.median)),
    formatNumber(num(m.observation.median)),
    percent(m.relativeChange),
    h('span', { 'data-p': String(num(m.pValue)) }, pValue(m.pValue)),
    Number.isNaN(num(m.effectSize)) ? '–' : num(m.effectSize).toFixed(2),
    `${m.baseline.count} / ${m.observation.count}`,
    h('span', { title: m.reason }, badge(m.classification.toLowerCase(), m.classification === 'Pass' ? 'ok' : m.classification === 'NoData' ? 'warn' : 'info')),
  ]), 'compact metrics');
}

function events(e: Execution): HTMLElement {
  return h('ol.events', null, e.notes.map((n) => {
    const rollback = n.text.startsWith('rolling back') || n.text.startsWith('rolled back');
    return h('li', { class: rollback ? 'rollback' : null, 'data-event': rollback ? 'rollback' : 'note' },
      h('time', null, formatTime(seconds(n.at))), ' ', n.text);
  }));
}

class ExecutionView {
  readonly element: HTMLElement;
  private chart: Chart | null = null;

  constructor(readonly e: Execution, drawChart: boolean) {
    const ev = e.evidence;
    const target = ev?.metrics.find((m) => m.role === 'Target');
    const chartBox = h('div.before-after');
    if (ev && target) {
      if (drawChart) void this.draw(chartBox, target, ev);
      else chartBox.append(h('button', { type: 'button', onclick: () => void this.draw(chartBox, target, ev) }, 'Show before/after chart'));
    }
    const change = e.previousValue !== undefined || e.appliedValue !== undefined
      ? `${e.previousValue ?? '?'} → ${e.appliedValue ?? '?'}` : '–';
    this.element = h('article.execution', { 'data-id': e.id, 'data-status': e.status, 'data-policy': e.action.policy },
      h('div.execution-head', null,
        h('time', null, formatTime(seconds(e.createdAt))),
        statusBadge(e.status),
        h('strong', null, e.action.policy),
        h('span.muted', null, `${e.action.type} · ${e.action.target} · ${e.mode.toLowerCase()} mode`),
        e.status === 'Running' ? h('span.muted', null, `(${e.phase.toLowerCase()})`) : null),
      e.action.description ? h('div', null, e.action.description) : null,
      definitions([
        ['Trigger', e.trigger ? h('span', null, `${e.trigger.source} ${e.trigger.type} `, labelChips(e.trigger.labels, ['alertname'])) : '–'],
        ['Change', change],
        ['Impact', h('span.impact', null, percent(e.actualImpact))],
        ...(e.appliedAt ? [['Applied', formatTime(seconds(e.appliedAt))] as [string, string]] : []),
        ...(e.endTime ? [['Ended', formatTime(seconds(e.endTime))] as [string, string]] : []),
      ]),
      ev ? h('div', { class: `verdict ${ev.keep ? 'keep' : 'reject'}` },
        h('strong', null, ev.keep ? 'Kept: ' : 'Rolled back: '), ev.reason,
        h('span.muted', null, ` (confidence ${formatNumber(100 * ev.confidence)}%, minimum effect size ${ev.minEffectSize}, impact needed ${percent(ev.impactThreshold)})`)) : null,
      e.error ? h('div.error', null, e.error) : null,
      ev ? h('div.evidence', null, chartBox, metricsTable(ev)) : null,
      h('details', null, h('summary', null, `Events (${e.notes.length})`), events(e),
        e.output ? h('pre.output', null, e.output) : null));
    // Rollbacks are what people look for: show the events of a rolled-back or failed execution open.
    if (e.status === 'RolledBack' || e.status === 'Failed') this.element.querySelector('details')!.open = true;
  }

  private async draw(box: HTMLElement, target: MetricEvidence, ev: Evidence): Promise<void> {
    box.replaceChildren(h('div.muted', null, 'Loading…'));
    try {
      const lists = await beforeAfter(target, ev);
      this.chart?.dispose();
      this.chart = new Chart(200, formatNumber, undefined, ['#868e96', ev.keep ? '#2f9e44' : '#c92a2a']);
      box.replaceChildren(h('h3', null, `${target.name}: before and after`), this.chart.element);
      this.chart.set(mergeSeries(lists), {
        bands: [
          { from: seconds(ev.baselineStart), to: seconds(ev.baselineEnd), color: 'rgba(134,142,150,0.12)' },
          { from: seconds(ev.observationStart), to: seconds(ev.observationEnd), color: ev.keep ? 'rgba(47,158,68,0.10)' : 'rgba(201,42,42,0.10)' },
        ],
        lines: this.e.appliedAt ? [{ at: seconds(this.e.appliedAt), color: '#e8590c' }] : [],
      });
      box.dataset.state = 'ready';
    } catch (err) {
      box.replaceChildren(h('div.error', null, `cannot draw the chart: ${(err as Error).message}`));
      box.dataset.state = 'error';
    }
  }

  dispose(): void {
    this.chart?.dispose();
  }
}

function mount(ctx: PageContext) {
  const statusSelect = h('select', { id: 'status-filter', 'aria-label': 'Status' },
    h('option', { value: '' }, 'all'),
    (Object.keys(statusText) as ExecutionStatus[]).map((s) => h('option', { value: s }, statusText[s])));
  statusSelect.value = ctx.params.get('status') ?? '';
  let views: ExecutionView[] = [];
  // Note: an ended execution never changes, so its view (and chart) is kept across refreshes instead of redrawn.
  const cache = new Map<string, ExecutionView>();

  const timeline = new Panel('Timeline', async () => {
    const r = await apiGet<ExecutionList>('/api/v1/optimizations', { status: statusSelect.value || undefined, limit: '100' });
    const { mode, executions } = r.data;
    const counts = new Map<string, number>();
    for (const e of executions) counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
    const summary = h('div.toolbar', null,
      h('span', null, 'Optimizer mode: ', h('strong', { id: 'optimizer-mode' }, mode)),
      [...counts].map(([s, n]) => h('span', null, statusBadge(s as ExecutionStatus), ` ${n}`)));
    if (executions.length === 0) {
      return [summary, h('div.muted', null, mode === 'off'
        ? 'The optimizer is off: add an optimization: section with policies to vigil.yaml.'
        : 'No executions yet: a policy acts when its alert fires or its insight is raised.')];
    }
    const next = executions.map((e, i) => {
      const kept = cache.get(e.id);
      if (kept && kept.e.status === e.status && kept.e.notes.length === e.notes.length) return kept;
      kept?.dispose();
      const view = new ExecutionView(e, i < chartsOnLoad);
      if (e.status !== 'Pending' && e.status !== 'Running') cache.set(e.id, view);
      return view;
    });
    for (const v of views) if (!next.includes(v)) { v.dispose(); cache.delete(v.e.id); }
    views = next;
    return [summary, h('div.timeline', null, views.map((v) => v.element))];
  }, 'timeline');

  // The lever decider: per objective, its state or verdict, what it chose with the expected and measured effect.
  const decider = new Panel('Decider', async () => {
    const r = await apiGet<{ mode: string; hint?: string; objectives: ObjectiveStatus[] }>('/api/v1/optimizations/objectives');
    const shown: Node[] = [];
    if (r.data.hint) shown.push(h('div.muted', null, r.data.hint));
    if (r.data.objectives.length === 0) {
      shown.push(h('div.muted', null, 'No objectives: add optimization.objectives to vigil.yaml to let the decider choose levers (see docs/OPTIMIZATION.md).'));
      return shown;
    }
    shown.push(...r.data.objectives.map(objectiveView));
    return shown;
  }, 'decider');

  // Who approved, rejected or rolled back what, and every executor call, as the append-only audit log records them.
  const audit = new Panel('Audit log', async () => {
    const r = await apiGet<{ file?: string; entries: AuditEntry[] }>('/api/v1/optimizations/audit', { limit: String(auditLimit) });
    const entries = r.data.entries;
    if (entries.length === 0) return h('div.muted', null, 'Nothing recorded yet: approvals, rejections, rollbacks and executor calls appear here.');
    const shown: Node[] = [
      table(['Time', 'Who', 'What', 'Execution', 'Target', 'Result', 'Detail'], entries.map((a) => [
        h('time', null, formatTime(seconds(a.time))),
        h('span.principal', null, a.principal),
        `${a.kind === 'request' ? 'request' : 'executor'} ${a.action}`,
        h('code', { title: a.executionId }, a.executionId.slice(0, 12)),
        a.target ?? '–',
        badge(a.result, auditKind[a.result] ?? 'info'),
        h('span.muted', null, a.detail),
      ]), 'compact audit'),
    ];
    if (r.data.file) shown.push(h('div.muted', null, `Newest ${auditLimit}; the whole log is ${r.data.file}.`));
    return shown;
  }, 'audit');

  statusSelect.addEventListener('change', () => {
    const p = new URLSearchParams(ctx.params);
    if (statusSelect.value) p.set('status', statusSelect.value);
    else p.delete('status');
    ctx.setParams(p);
    void timeline.refresh();
  });
  const page = panelsPage(ctx, 'Optimizations', [decider, timeline, audit], h('div.toolbar', null, h('label', null, 'Status ', statusSelect),
    h('span.muted', null, 'Approve, reject or roll back with vigil optimize (see vigil optimize --help).')));
  return {
    refresh: page.refresh,
    dispose: () => views.forEach((v) => v.dispose()),
  };
}

export const optimizationsPage: Page = { path: '/optimizations', title: 'Optimizations', mount };
