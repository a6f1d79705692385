// Tools: per-tool summaries and latency percentiles over time from the Vigil SDK's vigil_tool_* metrics.
import { query, queryRange, type QueryData } from '../api';
import { alignMatrix, Chart } from '../chart';
import { Panel, panelsPage, table, type Page, type PageContext } from '../components';
import { formatBytes, formatNumber, h } from '../dom';
import { formatPromDuration, parseDuration } from '../promql';
import { exploreLink } from './explore';

const rateWindow = '5m';

/** PromQL for one column of the summary table. */
export const toolQueries = {
  runs: `sum by (tool) (rate(vigil_tool_runs_total[${rateWindow}]))`,
  failures: `sum by (tool) (rate(vigil_tool_runs_total{outcome="failure"}[${rateWindow}])) / sum by (tool) (rate(vigil_tool_runs_total[${rateWindow}]))`,
  p50: `histogram_quantile(0.5, sum by (tool, le) (rate(vigil_tool_duration_seconds_bucket[${rateWindow}])))`,
  p95: `histogram_quantile(0.95, sum by (tool, le) (rate(vigil_tool_duration_seconds_bucket[${rateWindow}])))`,
  p99: `histogram_quantile(0.99, sum by (tool, le) (rate(vigil_tool_duration_seconds_bucket[${rateWindow}])))`,
  cpu: `sum by (tool) (rate(vigil_tool_cpu_time_seconds_sum[${rateWindow}])) / sum by (tool) (rate(vigil_tool_cpu_time_seconds_count[${rateWindow}]))`,
  allocated: `sum by (tool) (rate(vigil_tool_allocated_bytes_sum[${rateWindow}])) / sum by (tool) (rate(vigil_tool_allocated_bytes_count[${rateWindow}]))`,
  total: 'sum by (tool) (vigil_tool_runs_total)',
};

function byTool(data: QueryData): Map<string, number> {
  const out = new Map<string, number>();
  if (data.resultType === 'vector') for (const s of data.result) out.set(s.metric.tool ?? '', parseFloat(s.value[1]));
  return out;
}

function seconds(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  return v >= 1 ? `${formatNumber(v)} s` : `${formatNumber(v * 1000)} ms`;
}

function mount(ctx: PageContext) {
  const rangeSelect = h('select', { id: 'tools-range', 'aria-label': 'Chart range' },
    ['1h', '6h', '1d', '7d'].map((r) => h('option', { value: r }, `last ${r}`)));
  rangeSelect.value = ctx.params.get('range') ?? '1h';
  const p95Chart = new Chart(220, seconds);
  const runsChart = new Chart(220, (v) => `${formatNumber(v)}/s`);

  const summary = new Panel('Tools', async () => {
    const entries = Object.entries(toolQueries) as [keyof typeof toolQueries, string][];
    const results = await Promise.all(entries.map(async ([k, q]) => [k, byTool((await query(q)).data)] as const));
    const v = Object.fromEntries(results) as Record<keyof typeof toolQueries, Map<string, number>>;
    const tools = [...v.total.keys()].sort();
    if (tools.length === 0) {
      return h('div.muted', null, 'No tool metrics: instrument an app with Vigil.Sdk and scrape or push its /metrics to this server.');
    }
    return table(['Tool', 'Runs', `Runs/s (${rateWindow})`, 'Failures', 'p50', 'p95', 'p99', 'CPU per run', 'Allocated per run'], tools.map((t) => [
      h('a', { href: exploreLink(`histogram_quantile(0.95, sum by (le) (rate(vigil_tool_duration_seconds_bucket{tool=${JSON.stringify(t)}}[${rateWindow}])))`) }, h('strong', null, t)),
      formatNumber(v.total.get(t) ?? 0),
      formatNumber(v.runs.get(t) ?? 0),
      v.failures.has(t) ? `${formatNumber(100 * v.failures.get(t)!)}%` : '–',
      seconds(v.p50.get(t)),
      seconds(v.p95.get(t)),
      seconds(v.p99.get(t)),
      seconds(v.cpu.get(t)),
      v.allocated.has(t) && !Number.isNaN(v.allocated.get(t)!) ? formatBytes(v.allocated.get(t)!) : '–',
    ]), 'tools');
  }, 'tools');

  const charts = new Panel('Over time', async () => {
    const range = parseDuration(rangeSelect.value) ?? 3600;
    const end = Math.floor(Date.now() / 1000);
    const start = end - range;
    const step = Math.max(Math.floor(range / 250), 1);
    const [p95, runs] = await Promise.all([queryRange(toolQueries.p95, start, end, step), queryRange(toolQueries.runs, start, end, step)]);
    const byToolLabel = (m: Record<string, string>) => m.tool ?? '';
    if (p95.data.resultType === 'matrix') p95Chart.set(alignMatrix(p95.data.result, start, end, step, byToolLabel));
    if (runs.data.resultType === 'matrix') runsChart.set(alignMatrix(runs.data.result, start, end, step, byToolLabel));
    return h('div.grid2', null,
      h('div', null, h('h3', null, `p95 duration (${formatPromDuration(range)})`), p95Chart.element),
      h('div', null, h('h3', null, `Runs per second (${formatPromDuration(range)})`), runsChart.element));
  }, 'tool-charts');

  rangeSelect.addEventListener('change', () => {
    const p = new URLSearchParams(ctx.params);
    p.set('range', rangeSelect.value);
    ctx.setParams(p);
    void charts.refresh();
  });
  const page = panelsPage(ctx, 'Tools', [summary, charts], h('div.toolbar', null, h('label', null, 'Charts ', rangeSelect)));
  return {
    refresh: page.refresh,
    dispose: () => {
      p95Chart.dispose();
      runsChart.dispose();
    },
  };
}

export const toolsPage: Page = { path: '/tools', title: 'Tools', mount };
