// Overview: host health from the node_* metrics, active alerts and what the storage holds.
import { apiGet, queryRange, vectorBy } from '../api';
import { alignMatrix, Chart } from '../chart';
import { badge, definitions, Panel, panelsPage, table, type Page, type PageContext } from '../components';
import { formatBytes, formatDuration, formatNumber, formatAgo, formatTime, h, labelChips } from '../dom';
import type { Alert } from './rules';
import { exploreLink } from './explore';
import { type InsightList, severityBadge } from './insights';
import { type ExecutionList, percent as signedPercent, statusBadge } from './optimizations';

export const hostQueries = {
  cores: 'count by (instance) (node_cpu_seconds_total{mode="idle"})',
  cpu: '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[1m])))',
  memory: '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)',
  memoryTotal: 'node_memory_MemTotal_bytes',
  load: 'node_load1',
  disk: '100 * (1 - node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"})',
  rx: 'sum by (instance) (rate(node_network_receive_bytes_total{device!="lo"}[1m]))',
  tx: 'sum by (instance) (rate(node_network_transmit_bytes_total{device!="lo"}[1m]))',
  uptime: 'node_time_seconds - node_boot_time_seconds',
};

function percent(v: number | undefined): Node | string {
  if (v === undefined || Number.isNaN(v)) return '–';
  const kind = v >= 90 ? 'bad' : v >= 75 ? 'warn' : 'ok';
  return h('span.meter', { title: `${v.toFixed(1)}%` }, h('span', { class: `fill ${kind}`, style: `width:${Math.min(100, Math.max(0, v)).toFixed(1)}%` }), h('span.meter-text', null, `${v.toFixed(1)}%`));
}

function mount(ctx: PageContext) {
  const cpuChart = new Chart(180, (v) => `${formatNumber(v)}%`, [0, 100]);
  const memChart = new Chart(180, (v) => `${formatNumber(v)}%`, [0, 100]);
  const hosts = new Panel('Hosts', async () => {
    const entries = Object.entries(hostQueries) as [keyof typeof hostQueries, string][];
    const values = Object.fromEntries(await Promise.all(entries.map(async ([k, q]) => [k, await vectorBy(q, 'instance')] as const))) as Record<keyof typeof hostQueries, Map<string, number>>;
    const instances = [...values.cores.keys()].sort();
    if (instances.length === 0) {
      return [h('div.muted', null, 'No host metrics yet: node_cpu_seconds_total has no samples. Enable the host collector or scrape a node exporter.')];
    }
    const end = Math.floor(Date.now() / 1000);
    const start = end - 3600;
    const step = 15;
    const [cpu, mem] = await Promise.all([
      queryRange(hostQueries.cpu, start, end, step),
      queryRange(hostQueries.memory, start, end, step),
    ]);
    const byInstance = (m: Record<string, string>) => m.instance ?? '';
    if (cpu.data.resultType === 'matrix') cpuChart.set(alignMatrix(cpu.data.result, start, end, step, byInstance));
    if (mem.data.resultType === 'matrix') memChart.set(alignMatrix(mem.data.result, start, end, step, byInstance));
    return [
      table(['Instance', 'CPU', 'Memory', 'Root disk', 'Load (1m)', 'Network in', 'Network out', 'Uptime'], instances.map((i) => [
        h('strong', null, i),
        percent(values.cpu.get(i)),
        h('span', null, percent(values.memory.get(i)), h('span.muted', null, ` of ${formatBytes(values.memoryTotal.get(i) ?? NaN)}`)),
        percent(values.disk.get(i)),
        `${formatNumber(values.load.get(i) ?? NaN)} / ${values.cores.get(i)} cores`,
        `${formatBytes(values.rx.get(i) ?? 0)}/s`,
        `${formatBytes(values.tx.get(i) ?? 0)}/s`,
        formatDuration(values.uptime.get(i) ?? NaN),
      ]), 'hosts'),
      h('div.grid2', null,
        h('div', null, h('h3', null, h('a', { href: exploreLink(hostQueries.cpu) }, 'CPU busy % (1h)')), cpuChart.element),
        h('div', null, h('h3', null, h('a', { href: exploreLink(hostQueries.memory) }, 'Memory used % (1h)')), memChart.element)),
    ];
  }, 'hosts');
  const alerts = new Panel('Active alerts', async () => {
    const r = await apiGet<{ alerts: Alert[] }>('/api/v1/alerts');
    const active = r.data.alerts.filter((a) => a.state !== 'inactive')
      .sort((a, b) => (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1));
    if (active.length === 0) return [h('div.ok-text', null, 'No alerts are firing or pending.')];
    return table(['Alert', 'State', 'Labels', 'Since', 'Summary'], active.map((a) => [
      h('strong', null, a.labels.alertname ?? ''),
      badge(a.state, a.state === 'firing' ? 'bad' : 'warn'),
      labelChips(a.labels, ['alertname']),
      a.activeAt ? formatAgo(a.activeAt) : '',
      a.annotations.summary ?? a.annotations.description ?? '',
    ]), 'alerts');
  }, 'alerts');
  const storage = new Panel('Storage', async () => {
    const r = await apiGet<{ headStats: { numSeries: number; minTime: number; maxTime: number } }>('/api/v1/status/tsdb', { limit: '1' });
    const s = r.data.headStats;
    return definitions([
      ['Series', String(s.numSeries)],
      ['Data from', s.numSeries === 0 ? '–' : formatTime(s.minTime / 1000)],
      ['Data until', s.numSeries === 0 ? '–' : formatTime(s.maxTime / 1000)],
    ]);
  }, 'storage');
  const rateChart = new Chart(160, (v) => `${formatNumber(v)}%`);
  const anomalies = new Panel('Anomaly rate', async () => {
    const [rate, anomalous, scored] = await Promise.all([
      vectorBy('100 * vigil_anomaly_rate', 'instance'),
      vectorBy('count by (instance) (vigil_anomalous == 1)', 'instance'),
      vectorBy('count by (instance) (vigil_anomalous)', 'instance'),
    ]);
    if (rate.size === 0) {
      return h('div.muted', null, 'No anomaly scores yet: the analysis writes vigil_anomaly_rate once it has scored a series (see docs/ANALYSIS.md).');
    }
    const end = Math.floor(Date.now() / 1000);
    const r = await queryRange('100 * vigil_anomaly_rate', end - 3600, end, 15);
    if (r.data.resultType === 'matrix') rateChart.set(alignMatrix(r.data.result, end - 3600, end, 15, (m) => m.instance ?? ''));
    return [
      table(['Instance', 'Anomaly rate', 'Anomalous series', 'Scored series'], [...rate.keys()].sort().map((i) => [
        h('strong', null, i), `${formatNumber(rate.get(i)!)}%`, String(anomalous.get(i) ?? 0), String(scored.get(i) ?? 0),
      ]), 'anomalies'),
      h('h3', null, h('a', { href: exploreLink('100 * vigil_anomaly_rate') }, 'Anomaly rate % (1h)')), rateChart.element,
    ];
  }, 'anomalies');
  const insights = new Panel('Latest insights', async () => {
    const r = await apiGet<InsightList>('/api/v1/insights', { state: 'active', limit: '5' });
    if (!r.data.enabled) return h('div.muted', null, 'The analysis is off.');
    if (r.data.insights.length === 0) return h('div.ok-text', null, 'No active insights.');
    return [
      table(['Severity', 'Type', 'What', 'Since'], r.data.insights.map((i) => [
        severityBadge(i.severity), h('a', { href: '/insights' }, i.type), i.description, formatAgo(i.startsAt),
      ]), 'insights'),
    ];
  }, 'insights', true);
  const optimizations = new Panel('Recent optimizations', async () => {
    const r = await apiGet<ExecutionList>('/api/v1/optimizations', { limit: '5' });
    if (r.data.executions.length === 0) {
      return h('div.muted', null, r.data.mode === 'off' ? 'The optimizer is off (no optimization: section).' : 'No optimizations yet.');
    }
    return table(['When', 'Status', 'Policy', 'Target', 'Impact', 'Why'], r.data.executions.map((e) => [
      formatAgo(e.createdAt), statusBadge(e.status), h('a', { href: '/optimizations' }, e.action.policy), e.action.target,
      signedPercent(e.actualImpact), e.evidence?.reason ?? e.error ?? '',
    ]), 'optimizations');
  }, 'optimizations', true);
  const page = panelsPage(ctx, 'Overview', [hosts, alerts, anomalies, insights, optimizations, storage]);
  return {
    refresh: page.refresh,
    dispose: () => {
      cpuChart.dispose();
      memChart.dispose();
      rateChart.dispose();
    },
  };
}

export const overviewPage: Page = { path: '/', title: 'Overview', mount };
