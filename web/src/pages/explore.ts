// Explore: a PromQL editor with completion, a graph of the range query and a table of the instant query.
// The URL holds the whole view (expr, tab, range, end, step), so a link reproduces it.
import { query, queryRange, type QueryData } from '../api';
import { Completer, Vocabulary } from '../autocomplete';
import { alignMatrix, Chart } from '../chart';
import { errorBox, type Page, type PageContext, type PageInstance, warningsBox } from '../components';
import { formatSeries, formatTime, h, replace } from '../dom';
import { formatPromDuration, parseDuration } from '../promql';

const ranges = ['5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '2d', '7d', '14d'];

interface View {
  expr: string;
  tab: 'graph' | 'table';
  range: number;
  /** Unix seconds, or null for now. */
  end: number | null;
  /** Seconds, or null for automatic (about 250 points). */
  step: number | null;
}

function readView(p: URLSearchParams): View {
  const end = p.get('end');
  return {
    expr: p.get('expr') ?? '',
    tab: p.get('tab') === 'table' ? 'table' : 'graph',
    range: parseDuration(p.get('range') ?? '') ?? 3600,
    end: end !== null && end !== '' && Number.isFinite(Number(end)) ? Number(end) : null,
    step: parseDuration(p.get('step') ?? ''),
  };
}

function writeView(v: View): URLSearchParams {
  const p = new URLSearchParams();
  if (v.expr) p.set('expr', v.expr);
  p.set('tab', v.tab);
  p.set('range', formatPromDuration(v.range));
  if (v.end !== null) p.set('end', String(v.end));
  if (v.step !== null) p.set('step', formatPromDuration(v.step));
  return p;
}

/** Prometheus UI's automatic resolution: about 250 points, at least one second. */
export function autoStep(range: number): number {
  return Math.max(Math.floor(range / 250), 1);
}

function toLocalInput(unix: number): string {
  const d = new Date(unix * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function mount(ctx: PageContext): PageInstance {
  const view = readView(ctx.params);
  const vocabulary = new Vocabulary();
  const chart = new Chart(340);
  let controller: AbortController | null = null;
  let hasRun = false;

  const editor = h('textarea.editor', {
    id: 'expr', rows: 3, spellcheck: 'false', autocomplete: 'off',
    placeholder: 'PromQL expression, e.g. rate(node_cpu_seconds_total[5m]) — Enter runs, Shift+Enter adds a line, Ctrl+Space completes',
    'aria-label': 'PromQL expression',
  });
  editor.value = view.expr;
  const completer = new Completer(editor, vocabulary, () => void run());

  const rangeSelect = h('select', { id: 'range', 'aria-label': 'Time range' },
    ranges.map((r) => h('option', { value: r }, `last ${r}`)));
  const rangeText = formatPromDuration(view.range);
  if (!ranges.includes(rangeText)) rangeSelect.append(h('option', { value: rangeText }, `last ${rangeText}`));
  rangeSelect.value = rangeText;
  const endInput = h('input', { id: 'end', type: 'datetime-local', step: '1', 'aria-label': 'End time (empty: now)' });
  if (view.end !== null) endInput.value = toLocalInput(view.end);
  const stepInput = h('input', { id: 'step', type: 'text', size: 6, placeholder: 'auto', 'aria-label': 'Resolution step' });
  if (view.step !== null) stepInput.value = formatPromDuration(view.step);
  const nowButton = h('button', { type: 'button', id: 'now', title: 'End at the current time', onclick: () => { endInput.value = ''; void run(); } }, 'now');
  // Note: « and » move the window by half its length, as Prometheus's UI does, so the two views overlap.
  const shift = (direction: number) => {
    readControls();
    const end = (view.end ?? Math.floor(Date.now() / 1000)) + direction * Math.floor(view.range / 2);
    endInput.value = direction > 0 && end >= Date.now() / 1000 ? '' : toLocalInput(end);
    void run();
  };
  const earlierButton = h('button', { type: 'button', id: 'earlier', title: 'Earlier by half the range', 'aria-label': 'Earlier by half the range', onclick: () => shift(-1) }, '«');
  const laterButton = h('button', { type: 'button', id: 'later', title: 'Later by half the range', 'aria-label': 'Later by half the range', onclick: () => shift(1) }, '»');
  const runButton = h('button.primary', { type: 'button', id: 'run', onclick: () => void run() }, 'Run');

  const graphTab = h('button.tab', { type: 'button', role: 'tab', 'data-tab': 'graph', onclick: () => switchTab('graph') }, 'Graph');
  const tableTab = h('button.tab', { type: 'button', role: 'tab', 'data-tab': 'table', onclick: () => switchTab('table') }, 'Table');
  const status = h('div.result-status', { id: 'result-status', 'aria-live': 'polite' });
  const output = h('div.result', { id: 'result' });

  for (const el of [rangeSelect, endInput]) el.addEventListener('change', () => void run());
  stepInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') void run(); });

  replace(ctx.root,
    h('h1', null, 'Explore'),
    h('div.editor-wrap', null, editor, completer.list),
    h('div.toolbar', null,
      runButton,
      h('div.tabs', { role: 'tablist' }, graphTab, tableTab),
      h('label', null, 'Range ', rangeSelect),
      h('label', null, 'End ', earlierButton, endInput, laterButton, nowButton),
      h('label', null, 'Step ', stepInput)),
    status,
    output);

  function switchTab(tab: View['tab']): void {
    view.tab = tab;
    void run();
  }

  function readControls(): string | null {
    view.expr = editor.value.trim();
    view.range = parseDuration(rangeSelect.value) ?? 3600;
    view.end = endInput.value ? Math.floor(new Date(endInput.value).getTime() / 1000) : null;
    if (stepInput.value.trim() === '') {
      view.step = null;
    } else {
      const step = parseDuration(stepInput.value);
      if (step === null) return `invalid step "${stepInput.value}": use a duration such as 15s or 1m`;
      view.step = step;
    }
    return null;
  }

  async function run(): Promise<void> {
    const problem = readControls();
    graphTab.setAttribute('aria-selected', String(view.tab === 'graph'));
    tableTab.setAttribute('aria-selected', String(view.tab === 'table'));
    ctx.setParams(writeView(view));
    if (problem) {
      replace(output, errorBox(new Error(problem)));
      return;
    }
    if (!view.expr) {
      replace(status);
      replace(output, h('div.muted', null, 'Type an expression and press Enter.'));
      return;
    }
    controller?.abort();
    controller = new AbortController();
    const signal = controller.signal;
    const end = view.end ?? Math.floor(Date.now() / 1000);
    const started = performance.now();
    output.dataset.state = 'loading';
    try {
      if (view.tab === 'graph') {
        const step = view.step ?? autoStep(view.range);
        const start = end - view.range;
        const r = await queryRange(view.expr, start, end, step, signal);
        if (r.data.resultType !== 'matrix') throw new Error(`expected a range result, got ${r.data.resultType}`);
        const data = alignMatrix(r.data.result, start, end, step);
        replace(status, `${data.series.length} series, ${data.points} points, step ${formatPromDuration(step)}, ${formatTime(start)} – ${formatTime(end)}, ${Math.round(performance.now() - started)} ms`);
        replace(output, warningsBox(r.warnings), data.series.length === 0 ? h('div.muted', null, 'Empty query result') : chart.element);
        chart.set(data);
      } else {
        const r = await query(view.expr, end, signal);
        const t = renderTable(r.data);
        replace(status, `${t.count} result${t.count === 1 ? '' : 's'} at ${formatTime(end)}, ${Math.round(performance.now() - started)} ms`);
        replace(output, warningsBox(r.warnings), t.element);
      }
      output.dataset.state = 'ready';
      hasRun = true;
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return;
      replace(status);
      replace(output, errorBox(e));
      output.dataset.state = 'error';
    }
  }

  void vocabulary.load();
  graphTab.setAttribute('aria-selected', String(view.tab === 'graph'));
  tableTab.setAttribute('aria-selected', String(view.tab === 'table'));
  if (view.expr) void run();
  else replace(output, h('div.muted', null, 'Type an expression and press Enter.'));
  editor.focus();

  return {
    // Note: auto-refresh re-runs only a query that ends now; a fixed end time shows the same data anyway.
    refresh: async () => {
      if (hasRun && view.end === null && !completer.isOpen && document.activeElement !== editor) await run();
    },
    dispose: () => {
      controller?.abort();
      chart.dispose();
    },
  };
}

function renderTable(data: QueryData): { element: HTMLElement; count: number } {
  const rows: HTMLElement[] = [];
  switch (data.resultType) {
    case 'vector':
      for (const s of data.result) {
        rows.push(h('tr', null, h('td.series', null, formatSeries(s.metric)), h('td.value', null, s.value[1])));
      }
      break;
    case 'matrix':
      for (const s of data.result) {
        rows.push(h('tr', null, h('td.series', null, formatSeries(s.metric)),
          h('td.value', null, s.values.map(([t, v]) => h('div', null, `${v} @${t}`)))));
      }
      break;
    case 'scalar':
    case 'string':
      rows.push(h('tr', null, h('td.series', null, data.resultType), h('td.value', null, data.result[1])));
      break;
  }
  if (rows.length === 0) return { element: h('div.muted', null, 'Empty query result'), count: 0 };
  return {
    element: h('table.results', null, h('thead', null, h('tr', null, h('th', null, 'Series'), h('th', null, 'Value'))), h('tbody', null, rows)),
    count: rows.length,
  };
}

/** A link that opens `expr` as a graph in Explore. */
export function exploreLink(expr: string, range = '1h'): string {
  return `/explore?${new URLSearchParams({ expr, tab: 'graph', range }).toString()}`;
}

export const explorePage: Page = { path: '/explore', title: 'Explore', mount };
