// Profiles: CPU profiles sent by `vigil profile --upload`, listed newest first; the chosen one as a flame graph with
// its hottest functions. The URL holds the chosen profile (?id=...).
import { apiGet } from '../api';
import { Panel, panelsPage, table, type Page, type PageContext } from '../components';
import { formatDuration, formatTime, h } from '../dom';
import { FlameGraph, functionTotals, shortName } from '../flamegraph';

interface StoredProfile {
  id: string;
  time: string;
  process: string;
  pid: number;
  host: string;
  durationSeconds: number;
  samples: number;
  stacks: number;
}

interface ProfileData { profile: StoredProfile; stacks: [string, number][] }

const topFunctions = 15;

function share(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)}%`;
}

function mount(ctx: PageContext) {
  let selected = ctx.params.get('id');
  // Note: a stored profile never changes; refreshes reload the list but keep the drawn graph (and its zoom).
  let shown: { id: string; nodes: Node[] } | null = null;

  const select = (id: string) => {
    selected = id;
    const p = new URLSearchParams(ctx.params);
    p.set('id', id);
    ctx.setParams(p);
    void Promise.all([list.refresh(), graph.refresh()]);
  };

  const list = new Panel('Profiles', async () => {
    const r = await apiGet<StoredProfile[]>('/api/v1/profiles');
    if (r.data.length === 0) {
      return h('div.muted', null, 'No profiles yet. Sample a .NET process and send it here: ',
        h('code', null, `vigil profile --pid PID --duration 30s --upload --server ${location.origin}`));
    }
    if (selected === null) selected = r.data[0].id;
    return table(['Received', 'Process', 'PID', 'Host', 'Sampled for', 'Samples', ''], r.data.map((p) => [
      formatTime(Date.parse(p.time) / 1000),
      h('strong', null, p.process),
      p.pid ? String(p.pid) : '–',
      p.host || '–',
      p.durationSeconds ? formatDuration(p.durationSeconds) : '–',
      String(p.samples),
      p.id === selected
        ? h('span.muted', { 'data-selected': 'true' }, 'shown below')
        : h('button', { type: 'button', 'data-profile': p.id, onclick: () => select(p.id) }, 'Show'),
    ]), 'profiles');
  }, 'profiles');

  const graph = new Panel('Flame graph', async () => {
    if (selected === null) {
      // Without a choice in the URL the newest profile is shown.
      selected = (await apiGet<StoredProfile[]>('/api/v1/profiles')).data[0]?.id ?? null;
      if (selected === null) return h('div.muted', null, 'Nothing to show.');
    }
    if (shown?.id === selected) return shown.nodes;
    const id = selected;
    const r = await apiGet<ProfileData>(`/api/v1/profiles/${encodeURIComponent(id)}`);
    const { profile, stacks } = r.data;
    const flame = new FlameGraph(stacks);
    const functions = functionTotals(stacks);
    const hottest = (key: 'self' | 'total') => table(['Function', key === 'self' ? 'Self' : 'Total', 'Samples'],
      functions.filter((f) => f[key] > 0).sort((a, b) => b[key] - a[key]).slice(0, topFunctions).map((f) => [
        h('span.fn', { title: f.name }, shortName(f.name)), share(f[key], profile.samples), String(f[key]),
      ]), `compact functions-${key}`);
    const nodes: Node[] = [
      h('div.profile-head', { 'data-id': profile.id }, h('strong', null, `${profile.process}${profile.pid ? ` (pid ${profile.pid})` : ''}`),
        h('span.muted', null, ` · ${profile.samples} samples · ${profile.stacks} distinct stacks · received ${formatTime(Date.parse(profile.time) / 1000)} · `),
        h('a', { href: `/api/v1/profiles/${encodeURIComponent(id)}?format=collapsed`, download: `profile-${id}.folded` }, 'download collapsed stacks'),
        h('span.muted', null, ' (flamegraph.pl, speedscope)')),
      h('p.muted', null, 'Click a frame (or focus it and press Enter) to zoom in; Esc zooms out.'),
      flame.element,
      h('div.grid2', null,
        h('div', null, h('h3', null, 'Hottest functions by self samples'), hottest('self')),
        h('div', null, h('h3', null, 'Hottest functions by total samples'), hottest('total'))),
    ];
    shown = { id, nodes };
    return nodes;
  }, 'flamegraph');

  return panelsPage(ctx, 'Profiles', [list, graph]);
}

export const profilesPage: Page = { path: '/profiles', title: 'Profiles', mount };
