// A flame graph of collapsed stacks drawn with plain elements (root on top, callees below), so every frame can be
// hovered, focused with the keyboard and clicked to zoom in.
import { h, replace } from './dom';

/** One frame in the call tree: its samples anywhere below it (total) and as the innermost frame (self). */
export interface FrameNode {
  name: string;
  total: number;
  self: number;
  children: Map<string, FrameNode>;
  parent: FrameNode | null;
}

/** Builds the call tree of `stacks` ("a;b;c", samples), merging identical paths. */
export function callTree(stacks: [string, number][]): FrameNode {
  const root: FrameNode = { name: 'all', total: 0, self: 0, children: new Map(), parent: null };
  for (const [stack, samples] of stacks) {
    root.total += samples;
    let node = root;
    for (const frame of stack.split(';')) {
      let child = node.children.get(frame);
      if (!child) {
        child = { name: frame, total: 0, self: 0, children: new Map(), parent: node };
        node.children.set(frame, child);
      }
      child.total += samples;
      node = child;
    }
    node.self += samples;
  }
  return root;
}

/** Functions by self samples and by total samples (a recursive function is counted once per stack). */
export function functionTotals(stacks: [string, number][]): { name: string; self: number; total: number }[] {
  const totals = new Map<string, { name: string; self: number; total: number }>();
  const get = (name: string) => {
    let t = totals.get(name);
    if (!t) totals.set(name, (t = { name, self: 0, total: 0 }));
    return t;
  };
  for (const [stack, samples] of stacks) {
    const frames = stack.split(';');
    for (const f of new Set(frames)) get(f).total += samples;
    get(frames[frames.length - 1]).self += samples;
  }
  return [...totals.values()];
}

/** "System.Private.CoreLib!System.Threading.Thread.StartCallback()" → the method part, for the label in a bar. */
export function shortName(frame: string): string {
  const bang = frame.indexOf('!');
  return bang >= 0 ? frame.slice(bang + 1) : frame;
}

/** A warm colour per module, so frames of one library look alike. */
function colour(frame: string): string {
  const module = frame.includes('!') ? frame.slice(0, frame.indexOf('!')) : frame;
  let hash = 0;
  for (let i = 0; i < module.length; i++) hash = (hash * 31 + module.charCodeAt(i)) | 0;
  const hue = 10 + (Math.abs(hash) % 45);
  return `hsl(${hue}, 80%, ${62 + (Math.abs(hash >> 8) % 14)}%)`;
}

const rowHeight = 20;
/** Frames narrower than this share of the zoomed frame are left out (too small to read or click). */
const minShare = 0.002;

function percent(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(part === whole ? 0 : 2)}%`;
}

export class FlameGraph {
  readonly element: HTMLElement;
  private readonly crumbs: HTMLElement;
  private readonly canvas: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly matched: HTMLElement;
  private readonly root: FrameNode;
  private focus: FrameNode;

  constructor(stacks: [string, number][]) {
    this.root = this.focus = callTree(stacks);
    this.crumbs = h('nav.crumbs', { 'aria-label': 'Zoomed frames' });
    this.search = h('input', { type: 'search', id: 'flame-search', placeholder: 'Highlight frames containing…', 'aria-label': 'Highlight frames containing' });
    this.matched = h('span.muted', { id: 'flame-matched' });
    this.search.addEventListener('input', () => this.highlight());
    this.canvas = h('div.flame', { role: 'tree', 'aria-label': 'Flame graph' });
    this.element = h('div.flamegraph', null,
      h('div.toolbar', null, this.crumbs, this.search, this.matched),
      this.canvas);
    this.draw();
  }

  /** Zooms to `node` (the whole width becomes its samples). */
  zoom(node: FrameNode): void {
    this.focus = node;
    this.draw();
  }

  private draw(): void {
    const path: FrameNode[] = [];
    for (let n: FrameNode | null = this.focus; n; n = n.parent) path.unshift(n);
    replace(this.crumbs, path.map((n, i) => [
      i > 0 ? ' › ' : null,
      i === path.length - 1
        ? h('span', { 'aria-current': 'true' }, shortName(n.name))
        : h('button.link', { type: 'button', onclick: () => this.zoom(n) }, shortName(n.name)),
    ]));
    const bars: HTMLElement[] = [];
    const whole = this.focus.total;
    // The zoomed frame's ancestors stay on top at full width, as context.
    const depth0 = path.length - 1;
    path.forEach((n, d) => bars.push(this.bar(n, d, 0, 1, whole)));
    const walk = (node: FrameNode, depth: number, left: number) => {
      let x = left;
      const children = [...node.children.values()].sort((a, b) => b.total - a.total);
      for (const c of children) {
        const width = c.total / whole;
        if (width >= minShare) {
          bars.push(this.bar(c, depth, x, width, whole));
          walk(c, depth + 1, x);
        }
        x += width;
      }
    };
    walk(this.focus, depth0 + 1, 0);
    const rows = bars.reduce((m, b) => Math.max(m, Number(b.dataset.depth) + 1), 1);
    this.canvas.style.height = `${rows * rowHeight}px`;
    replace(this.canvas, bars);
    this.highlight();
  }

  private bar(node: FrameNode, depth: number, left: number, width: number, whole: number): HTMLElement {
    const label = node === this.root ? `all (${node.total} samples)` : shortName(node.name);
    const title = `${node.name}\n${node.total} samples (${percent(node.total, this.root.total)} of all, ${percent(node.total, whole)} here), ${node.self} self`;
    return h('div.frame', {
      role: 'treeitem', tabindex: 0, title, 'aria-label': title,
      'data-depth': depth, 'data-frame': node.name, 'data-samples': node.total, 'data-share': (node.total / this.root.total).toFixed(4),
      style: `left:${(100 * left).toFixed(4)}%;width:${(100 * width).toFixed(4)}%;top:${depth * rowHeight}px;background:${node === this.root ? '#ced4da' : colour(node.name)}`,
      onclick: () => this.zoom(node),
      onkeydown: (e: Event) => {
        const k = (e as KeyboardEvent).key;
        if (k === 'Enter' || k === ' ') {
          e.preventDefault();
          this.zoom(node);
        } else if (k === 'Escape' && this.focus.parent) {
          this.zoom(this.focus.parent);
        }
      },
    }, h('span', null, label));
  }

  private highlight(): void {
    const term = this.search.value.trim().toLowerCase();
    let samples = 0;
    // Note: count each matching frame's samples once, not again for matching frames below it.
    const count = (node: FrameNode, covered: boolean) => {
      const hit = term !== '' && node !== this.root && node.name.toLowerCase().includes(term);
      if (hit && !covered) samples += node.total;
      for (const c of node.children.values()) count(c, covered || hit);
    };
    count(this.focus, false);
    for (const el of this.canvas.querySelectorAll<HTMLElement>('.frame')) {
      el.classList.toggle('match', term !== '' && (el.dataset.frame ?? '').toLowerCase().includes(term));
    }
    this.matched.textContent = term ? `${percent(samples, this.focus.total)} of the samples shown` : '';
  }
}
