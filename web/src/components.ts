// Building blocks shared by the pages: panels that load from the API, error and "not available" states.
import { ApiError, NotAvailableError } from './api';
import { h, replace } from './dom';

/** What a page gets when it is shown. */
export interface PageContext {
  /** The element the page renders into. */
  root: HTMLElement;
  /** The page's URL parameters; pages that keep state in the URL update them through `setParams`. */
  params: URLSearchParams;
  /** Replaces the URL's query string without adding a history entry. */
  setParams(params: URLSearchParams): void;
}

/** A page on screen. */
export interface PageInstance {
  /** Reloads the page's data (auto-refresh calls this). */
  refresh(): Promise<void>;
  /** Releases timers and observers when another page is shown. */
  dispose?(): void;
}

export interface Page {
  path: string;
  title: string;
  mount(ctx: PageContext): PageInstance;
}

/** The box shown where an endpoint answered 404: this build of the server has no such API. */
export function notAvailable(err: NotAvailableError): HTMLElement {
  return h('div.na', { 'data-state': 'not-available' },
    h('strong', null, 'Not available in this build'),
    h('span', null, ` — the server has no ${err.path} endpoint.`));
}

/** The box shown for a failed request, with Prometheus's error type. */
export function errorBox(err: unknown): HTMLElement {
  if (err instanceof NotAvailableError) return notAvailable(err);
  if (err instanceof ApiError) {
    return h('div.error', { role: 'alert', 'data-state': 'error' }, h('strong', null, err.errorType), ': ', err.message);
  }
  return h('div.error', { role: 'alert', 'data-state': 'error' }, String((err as Error)?.message ?? err));
}

export function warningsBox(warnings: string[]): HTMLElement | null {
  if (warnings.length === 0) return null;
  return h('div.warning', null, warnings.map((w) => h('div', null, w)));
}

/** A titled section whose body comes from `load`; failures replace the body with an error or "not available". */
export class Panel {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private loading = false;

  /**
   * @param hideWhenMissing leave the panel out (rather than say "not available") when its API answers 404: for
   * panels that add to a page, on servers built without that API.
   */
  constructor(title: string, private readonly load: () => Promise<Node | Node[]>, id?: string, private readonly hideWhenMissing = false) {
    this.body = h('div.panel-body', null, h('div.muted', null, 'Loading…'));
    this.element = h('section.panel', { 'data-panel': id ?? title }, h('h2', null, title), this.body);
  }

  async refresh(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      const content = await this.load();
      replace(this.body, content);
      this.element.dataset.state = 'ready';
      this.element.hidden = false;
    } catch (e) {
      replace(this.body, errorBox(e));
      this.element.dataset.state = e instanceof NotAvailableError ? 'not-available' : 'error';
      this.element.hidden = this.hideWhenMissing && e instanceof NotAvailableError;
    } finally {
      this.loading = false;
    }
  }
}

/** A page made of panels that all refresh together. */
export function panelsPage(ctx: PageContext, heading: string, panels: Panel[], intro?: Node): PageInstance {
  replace(ctx.root, h('h1', null, heading), intro, panels.map((p) => p.element));
  return { refresh: async () => void (await Promise.all(panels.map((p) => p.refresh()))) };
}

/** A table from a header row and rows of cells. */
export function table(headers: string[], rows: (Node | string)[][], cls = ''): HTMLElement {
  return h('table', { class: cls || null },
    h('thead', null, h('tr', null, headers.map((c) => h('th', null, c)))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c))))));
}

/** A coloured state word: up/firing/ok… */
export function badge(text: string, kind: string): HTMLElement {
  return h('span', { class: `badge badge-${kind}` }, text);
}

/** A key-value list. */
export function definitions(entries: [string, Node | string][]): HTMLElement {
  return h('dl.kv', null, entries.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}
