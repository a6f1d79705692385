// The dashboard shell: navigation, client-side routing, auto-refresh.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import type { Page, PageInstance } from './components';
import { h, replace } from './dom';
import { alertsPage, rulesPage } from './pages/rules';
import { explorePage } from './pages/explore';
import { insightsPage } from './pages/insights';
import { optimizationsPage } from './pages/optimizations';
import { overviewPage } from './pages/overview';
import { profilesPage } from './pages/profiles';
import { statusPage } from './pages/status';
import { targetsPage } from './pages/targets';
import { toolsPage } from './pages/tools';

const pages: Page[] = [overviewPage, explorePage, alertsPage, rulesPage, targetsPage, toolsPage, insightsPage, optimizationsPage, profilesPage, statusPage];
const refreshChoices = [['off', 0], ['5s', 5], ['10s', 10], ['30s', 30], ['1m', 60], ['5m', 300]] as const;

const main = h('main', { id: 'page' });
const nav = h('nav', null, pages.map((p) => h('a', { href: p.path, 'data-nav': p.path }, p.title)));
const refreshSelect = h('select', { id: 'refresh', 'aria-label': 'Auto-refresh interval' },
  refreshChoices.map(([label, seconds]) => h('option', { value: String(seconds) }, label)));
const updated = h('span.updated', { id: 'updated' });

let current: PageInstance | null = null;
let timer: number | undefined;

function show(): void {
  const page = pages.find((p) => p.path === location.pathname) ?? overviewPage;
  current?.dispose?.();
  for (const a of nav.querySelectorAll('a')) {
    const active = a.getAttribute('href') === page.path;
    a.classList.toggle('active', active);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${page.title} · Vigil`;
  replace(main);
  main.dataset.page = page.path;
  current = page.mount({
    root: main,
    params: new URLSearchParams(location.search),
    setParams: (params) => {
      const qs = params.toString();
      history.replaceState(null, '', qs ? `${location.pathname}?${qs}` : location.pathname);
    },
  });
  void refresh();
}

async function refresh(): Promise<void> {
  const page = current;
  if (!page) return;
  await page.refresh();
  if (page === current) {
    updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
    main.dataset.loaded = 'true';
  }
}

function schedule(): void {
  window.clearInterval(timer);
  const seconds = Number(refreshSelect.value);
  localStorage.setItem('vigil.refresh', String(seconds));
  if (seconds > 0) timer = window.setInterval(() => { if (!document.hidden) void refresh(); }, seconds * 1000);
}

document.addEventListener('click', (e) => {
  const a = (e.target as Element).closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || a.target) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !pages.some((p) => p.path === url.pathname)) return;
  e.preventDefault();
  history.pushState(null, '', url.pathname + url.search);
  show();
});
window.addEventListener('popstate', show);

refreshSelect.value = localStorage.getItem('vigil.refresh') ?? '10';
if (refreshSelect.selectedIndex < 0) refreshSelect.value = '10';
refreshSelect.addEventListener('change', schedule);

replace(document.body,
  h('header', null,
    h('a.brand', { href: '/' }, 'Vigil'),
    nav,
    h('div.header-right', null, updated, h('label', null, 'Refresh ', refreshSelect),
      h('button', { type: 'button', id: 'refresh-now', title: 'Refresh now', onclick: () => void refresh() }, '↻'))),
  main);
schedule();
show();
