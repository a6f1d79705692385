// Status: security (TLS, authentication, who is signed in), build information, configuration, TSDB statistics and the server's own metrics.
import { apiGet, getText } from '../api';
import { definitions, Panel, panelsPage, table, type Page, type PageContext } from '../components';
import { formatBytes, formatNumber, formatTime, h } from '../dom';

interface SecurityStatus {
  listen: string;
  tls: boolean;
  authentication: string[];
  insecureListen: boolean;
  caller: { name: string; scope: string; method: string };
}

interface TsdbStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount?: number; minTime: number; maxTime: number };
  seriesCountByMetricName: { name: string; value: number }[];
  labelValueCountByLabelName: { name: string; value: number }[];
  memoryInBytesByLabelName: { name: string; value: number }[];
  seriesCountByLabelValuePair: { name: string; value: number }[];
}

/** One sample line of the text exposition format. */
export interface ExpositionSample { name: string; labels: string; value: number }

/** Reads the samples of a Prometheus text exposition, skipping comments. */
export function parseExposition(text: string): ExpositionSample[] {
  const out: ExpositionSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (m) out.push({ name: m[1], labels: m[2] ?? '', value: parseFloat(m[3]) });
  }
  return out;
}

function top(title: string, rows: { name: string; value: number }[], bytes = false): HTMLElement {
  return h('div.top', null, h('h3', null, title),
    table(['Name', bytes ? 'Bytes' : 'Count'], rows.map((r) => [r.name, bytes ? formatBytes(r.value) : String(r.value)]), 'compact'));
}

const metricGroups: [string, RegExp][] = [
  ['Process', /^process_/],
  ['Storage', /^vigil_tsdb_/],
  ['.NET runtime', /^dotnet_/],
];

function mount(ctx: PageContext) {
  const build = new Panel('Build information', async () => {
    const r = await apiGet<Record<string, string>>('/api/v1/status/buildinfo');
    const d = r.data;
    // Note: "version" is the Prometheus version whose API Vigil answers (Grafana reads it); Vigil's own is vigilVersion.
    return definitions([
      ['Vigil version', d.vigilVersion ?? d.revision ?? ''],
      ['Revision', d.revision || '–'],
      ['Prometheus API version (emulated)', d.version ?? ''],
      ['.NET runtime', d.goVersion ?? ''],
    ]);
  }, 'buildinfo');
  const security = new Panel('Security', async () => {
    const r = await apiGet<SecurityStatus>('/api/v1/status/security');
    const d = r.data;
    return [
      ...r.warnings.map((w) => h('div.warning', null, w)),
      definitions([
        ['Listening on', d.listen],
        ['TLS', d.tls ? 'on' : 'off'],
        ['Authentication', d.authentication.length === 0 ? 'none' : d.authentication.join(', ')],
        ['Signed in as', d.caller.method === 'none' ? 'anonymous (no authentication)' : `${d.caller.name} (${d.caller.method})`],
        ['Scope', d.caller.scope],
      ]),
    ];
  }, 'security', true);
  const tsdb = new Panel('TSDB', async () => {
    const r = await apiGet<TsdbStatus>('/api/v1/status/tsdb', { limit: '10' });
    const s = r.data.headStats;
    const empty = s.numSeries === 0;
    return [
      definitions([
        ['Series', String(s.numSeries)],
        ['Label pairs', String(s.numLabelPairs)],
        ...(s.chunkCount !== undefined ? [['Chunks', String(s.chunkCount)] as [string, string]] : []),
        ['Oldest sample', empty ? '–' : formatTime(s.minTime / 1000)],
        ['Newest sample', empty ? '–' : formatTime(s.maxTime / 1000)],
      ]),
      h('div.grid2', null,
        top('Series count by metric name', r.data.seriesCountByMetricName),
        top('Label value count by label name', r.data.labelValueCountByLabelName),
        top('Memory used by label name', r.data.memoryInBytesByLabelName, true),
        top('Series count by label pair', r.data.seriesCountByLabelValuePair)),
    ];
  }, 'tsdb');
  const metrics = new Panel('Server metrics', async () => {
    const samples = parseExposition(await getText('/metrics'));
    return h('div.grid3', null, metricGroups.map(([title, re]) => {
      const rows = samples.filter((s) => re.test(s.name));
      return h('div', null, h('h3', null, title), rows.length === 0 ? h('div.muted', null, 'none') :
        table(['Metric', 'Value'], rows.map((s) => [s.name + s.labels,
          /_bytes$/.test(s.name) ? formatBytes(s.value) : formatNumber(s.value)]), 'compact'));
    }));
  }, 'metrics');
  const config = new Panel('Configuration', async () => {
    const r = await apiGet<{ yaml: string }>('/api/v1/status/config');
    return h('pre.config', null, r.data.yaml);
  }, 'config');
  return panelsPage(ctx, 'Status', [security, build, tsdb, metrics, config]);
}

export const statusPage: Page = { path: '/status', title: 'Status', mount };
