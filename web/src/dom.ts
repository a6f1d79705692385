// Small DOM and formatting helpers: no framework, elements are built directly.

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

/** Creates an element: h('div.card#id', {title: 'x', onclick: f}, ...children). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K | `${K}.${string}` | `${K}#${string}`, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const m = /^([a-z0-9]+)((?:[.#][\w-]+)*)$/.exec(tag);
  if (!m) throw new Error(`bad tag ${tag}`);
  const el = document.createElement(m[1]) as HTMLElementTagNameMap[K];
  for (const part of m[2].match(/[.#][\w-]+/g) ?? []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** `{__name__="up", job="x"}` as Prometheus prints it: `up{job="x"}`. */
export function formatSeries(metric: Record<string, string>): string {
  const name = metric.__name__ ?? '';
  const labels = Object.keys(metric)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(metric[k])}`);
  return labels.length === 0 && name ? name : `${name}{${labels.join(', ')}}`;
}

/** A number for people: up to 4 significant decimals, SI suffixes for large values. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(v);
  if (abs >= 1e4) {
    const units = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
    let i = 0;
    let x = v;
    while (Math.abs(x) >= 1000 && i < units.length - 1) {
      x /= 1000;
      i++;
    }
    return `${trim(x.toFixed(2))}${units[i]}`;
  }
  if (abs !== 0 && abs < 1e-3) return v.toExponential(2);
  return trim(v.toFixed(abs >= 100 ? 1 : abs >= 1 ? 2 : 4));
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Bytes with binary units. */
export function formatBytes(v: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${trim(x.toFixed(i === 0 ? 0 : 1))} ${units[i]}`;
}

/** Seconds as "1d 2h", "3m 4s", "120ms". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 1) return `${trim((seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0))}ms`;
  const parts: string[] = [];
  let s = Math.round(seconds);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.slice(0, 2).join(' ') || '0s';
}

/** "12s ago" for an RFC 3339 time; "never" for Go's zero time. */
export function formatAgo(iso: string | undefined): string {
  if (!iso || iso.startsWith('0001-01-01')) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = (Date.now() - t) / 1000;
  return s < 0 ? `in ${formatDuration(-s)}` : `${formatDuration(s)} ago`;
}

/** A local date-time for unix seconds: 2024-05-01 12:00:00. */
export function formatTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Labels as small chips. */
export function labelChips(labels: Record<string, string>, skip: string[] = []): HTMLElement {
  return h('span.labels', null, Object.keys(labels)
    .filter((k) => !skip.includes(k))
    .sort()
    .map((k) => h('span.label', null, h('b', null, k), '=', labels[k])));
}
