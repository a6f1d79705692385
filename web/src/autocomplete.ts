// Completion for the PromQL editor: metric names, label names and values from the API, functions and keywords.
import { apiGet } from './api';
import { h, replace } from './dom';
import { aggregations, functions, keywords, rangeDurations } from './promql';

export interface Suggestion {
  text: string;
  kind: 'metric' | 'function' | 'aggregation' | 'keyword' | 'label' | 'value' | 'duration';
}

/** What the cursor is in, and the partial word to complete. */
interface CompletionContext {
  kind: 'expression' | 'labelName' | 'labelValue' | 'duration';
  prefix: string;
  metric?: string;
  label?: string;
}

/** Works out what to complete at `pos` in `text`. */
export function contextAt(text: string, pos: number): CompletionContext {
  const before = text.slice(0, pos);
  // Inside a quoted label value: {job="no|
  const value = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)$/.exec(before);
  if (value && openBrace(before) >= 0) {
    return { kind: 'labelValue', prefix: value[2], label: value[1], metric: metricBefore(before) };
  }
  const word = /[a-zA-Z_:][a-zA-Z0-9_:]*$/.exec(before)?.[0] ?? '';
  const head = before.slice(0, before.length - word.length);
  if (openBrace(before) >= 0) return { kind: 'labelName', prefix: word, metric: metricBefore(before) };
  if (/\[[0-9a-z]*$/.test(before)) return { kind: 'duration', prefix: /[0-9a-z]*$/.exec(before)![0] };
  if (/\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*$/.test(head)) return { kind: 'labelName', prefix: word };
  return { kind: 'expression', prefix: word };
}

function openBrace(before: string): number {
  const open = before.lastIndexOf('{');
  return open > before.lastIndexOf('}') ? open : -1;
}

function metricBefore(before: string): string | undefined {
  return /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{[^{}]*$/.exec(before)?.[1];
}

/** Loads and caches the vocabularies; failures leave a list empty (completion is a convenience). */
export class Vocabulary {
  private metrics: string[] = [];
  private labels: string[] = [];
  private readonly labelsByMetric = new Map<string, Promise<string[]>>();
  private readonly values = new Map<string, Promise<string[]>>();

  async load(): Promise<void> {
    const [metrics, labels] = await Promise.allSettled([
      apiGet<string[]>('/api/v1/label/__name__/values'),
      apiGet<string[]>('/api/v1/labels'),
    ]);
    if (metrics.status === 'fulfilled') this.metrics = metrics.value.data;
    if (labels.status === 'fulfilled') this.labels = labels.value.data.filter((l) => l !== '__name__');
  }

  async suggest(ctx: CompletionContext): Promise<Suggestion[]> {
    switch (ctx.kind) {
      case 'labelValue': {
        const values = await this.cached(this.values, `${ctx.label}|${ctx.metric ?? ''}`, () =>
          apiGet<string[]>(`/api/v1/label/${encodeURIComponent(ctx.label!)}/values`, { 'match[]': ctx.metric }).then((r) => r.data));
        return filter(values, ctx.prefix, 'value');
      }
      case 'labelName': {
        const names = ctx.metric
          ? await this.cached(this.labelsByMetric, ctx.metric, () =>
            apiGet<string[]>('/api/v1/labels', { 'match[]': ctx.metric }).then((r) => r.data.filter((l) => l !== '__name__')))
          : this.labels;
        return filter(names, ctx.prefix, 'label');
      }
      case 'duration':
        return filter(rangeDurations, ctx.prefix, 'duration');
      default:
        if (ctx.prefix === '') return [];
        return [
          ...filter(this.metrics, ctx.prefix, 'metric'),
          ...filter(functions, ctx.prefix, 'function'),
          ...filter(aggregations, ctx.prefix, 'aggregation'),
          ...filter(keywords, ctx.prefix, 'keyword'),
        ].slice(0, 200);
    }
  }

  private async cached(map: Map<string, Promise<string[]>>, key: string, load: () => Promise<string[]>): Promise<string[]> {
    let p = map.get(key);
    if (!p) {
      p = load().catch(() => []);
      map.set(key, p);
    }
    return p;
  }
}

function filter(list: string[], prefix: string, kind: Suggestion['kind']): Suggestion[] {
  const starts = list.filter((s) => s.startsWith(prefix) && s !== prefix);
  const lower = prefix.toLowerCase();
  const contains = prefix.length >= 2 ? list.filter((s) => !s.startsWith(prefix) && s.toLowerCase().includes(lower)) : [];
  return [...starts, ...contains].slice(0, 100).map((text) => ({ text, kind }));
}

/** Attaches a suggestion list to a textarea; `onRun` is called for Enter (outside completion) and Ctrl+Enter. */
export class Completer {
  readonly list: HTMLUListElement;
  private items: Suggestion[] = [];
  private selected = 0;
  private context: CompletionContext | null = null;
  private request = 0;

  constructor(private readonly input: HTMLTextAreaElement, private readonly vocabulary: Vocabulary, private readonly onRun: () => void) {
    this.list = h('ul.completions', { id: 'completions', role: 'listbox', hidden: true });
    // Note: a screen reader follows the highlighted suggestion through aria-activedescendant while focus stays in the editor.
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', 'completions');
    input.setAttribute('aria-expanded', 'false');
    input.addEventListener('input', () => void this.update());
    input.addEventListener('keydown', (e) => this.onKey(e));
    input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
  }

  get isOpen(): boolean {
    return !this.list.hidden;
  }

  private onKey(e: KeyboardEvent): void {
    if (this.isOpen) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        this.select(this.selected + (e.key === 'ArrowDown' ? 1 : -1));
        return;
      }
      if ((e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !e.shiftKey) || e.key === 'Tab') {
        e.preventDefault();
        this.accept(this.items[this.selected]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        this.close();
        return;
      }
    }
    if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault();
      void this.update(true);
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      this.close();
      this.onRun();
    }
  }

  private async update(force = false): Promise<void> {
    const ctx = contextAt(this.input.value, this.input.selectionStart ?? this.input.value.length);
    const id = ++this.request;
    if (!force && ctx.kind === 'expression' && ctx.prefix === '') {
      this.close();
      return;
    }
    const items = await this.vocabulary.suggest(ctx);
    if (id !== this.request) return;
    this.context = ctx;
    this.items = items;
    if (items.length === 0) {
      this.close();
      return;
    }
    replace(this.list, items.map((s, i) =>
      h('li', { role: 'option', id: `completion-${i}`, 'data-kind': s.kind, onmousedown: (e: Event) => { e.preventDefault(); this.accept(this.items[i]); } },
        h('span.text', null, s.text), h('span.kind', null, s.kind))));
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.select(0);
  }

  private select(i: number): void {
    const n = this.items.length;
    this.selected = ((i % n) + n) % n;
    this.list.querySelectorAll('li').forEach((li, j) => li.setAttribute('aria-selected', String(j === this.selected)));
    this.input.setAttribute('aria-activedescendant', `completion-${this.selected}`);
    this.list.children[this.selected]?.scrollIntoView({ block: 'nearest' });
  }

  private accept(s: Suggestion | undefined): void {
    if (!s || !this.context) return;
    const pos = this.input.selectionStart ?? this.input.value.length;
    const start = pos - this.context.prefix.length;
    let insert = s.text;
    if (s.kind === 'function' || s.kind === 'aggregation') insert += '(';
    if (s.kind === 'value') insert = s.text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    this.input.setRangeText(insert, start, pos, 'end');
    this.close();
    this.input.focus();
  }

  close(): void {
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    this.context = null;
  }
}
