// Targets: scrape health and errors of every target, grouped by scrape pool (Prometheus's /api/v1/targets).
import { apiGet } from '../api';
import { badge, Panel, panelsPage, table, type Page, type PageContext } from '../components';
import { formatAgo, formatDuration, h, labelChips } from '../dom';

interface Target {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: 'up' | 'down' | 'unknown';
  scrapeInterval?: string;
  scrapeTimeout?: string;
}

interface TargetsData {
  activeTargets: Target[];
  droppedTargets?: unknown[];
  droppedTargetCounts?: Record<string, number>;
}

function mount(ctx: PageContext) {
  const unhealthyOnly = h('input', { type: 'checkbox', id: 'unhealthy-only' });
  const panel = new Panel('Scrape pools', async () => {
    const r = await apiGet<TargetsData>('/api/v1/targets', { state: 'active' });
    const pools = new Map<string, Target[]>();
    for (const t of r.data.activeTargets) {
      const list = pools.get(t.scrapePool) ?? [];
      list.push(t);
      pools.set(t.scrapePool, list);
    }
    if (pools.size === 0) return [h('div.muted', null, 'No scrape targets are configured (scrape_configs in vigil.yaml).')];
    return [...pools.keys()].sort().map((pool) => {
      const targets = pools.get(pool)!;
      const up = targets.filter((t) => t.health === 'up').length;
      const shown = unhealthyOnly.checked ? targets.filter((t) => t.health !== 'up') : targets;
      const dropped = r.data.droppedTargetCounts?.[pool];
      return h('div.pool', { 'data-pool': pool },
        h('h3', null, pool, ' ', badge(`${up}/${targets.length} up`, up === targets.length ? 'ok' : 'bad'),
          dropped ? h('span.muted', null, ` ${dropped} dropped by relabelling`) : null),
        shown.length === 0 ? h('div.muted', null, 'All targets are up.') : table(
          ['Endpoint', 'State', 'Labels', 'Last scrape', 'Duration', 'Error'],
          shown.map((t) => [
            h('a', { href: t.scrapeUrl, target: '_blank', rel: 'noopener' }, t.scrapeUrl),
            badge(t.health, t.health === 'up' ? 'ok' : t.health === 'down' ? 'bad' : 'warn'),
            labelChips(t.labels),
            formatAgo(t.lastScrape),
            formatDuration(t.lastScrapeDuration),
            t.lastError ? h('span.error-text', null, t.lastError) : '',
          ]), 'targets'));
    });
  }, 'targets');
  unhealthyOnly.addEventListener('change', () => void panel.refresh());
  return panelsPage(ctx, 'Targets', [panel], h('div.toolbar', null, h('label', null, unhealthyOnly, ' Only unhealthy targets')));
}

export const targetsPage: Page = { path: '/targets', title: 'Targets', mount };
