// Line charts of range-query results with uPlot.
import uPlot from 'uplot';
import type { MatrixSeries } from './api';
import { formatNumber, formatSeries, h } from './dom';

const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Series of one range query on a common time grid (unix seconds), with gaps as null. */
export interface ChartData {
  xs: number[];
  series: { label: string; values: (number | null)[] }[];
  /** Samples drawn, summed over all series. */
  points: number;
}

/** Aligns a matrix on the grid start, start+step, …, end; samples off the grid go to the nearest step. */
export function alignMatrix(result: MatrixSeries[], start: number, end: number, step: number, label: (m: Record<string, string>) => string = formatSeries): ChartData {
  const n = Math.floor((end - start) / step + 1e-9) + 1;
  const xs = Array.from({ length: n }, (_, i) => start + i * step);
  let points = 0;
  const series = result.map((s) => {
    const values: (number | null)[] = new Array(n).fill(null);
    for (const [t, v] of s.values) {
      const i = Math.round((t - start) / step);
      if (i >= 0 && i < n) {
        values[i] = parseFloat(v);
        points++;
      }
    }
    return { label: label(s.metric), values };
  });
  return { xs, series, points };
}

/** Several point lists on the union of their timestamps, each null where it has no sample. */
export function mergeSeries(lists: { label: string; points: [number, number][] }[]): ChartData {
  const xs = [...new Set(lists.flatMap((l) => l.points.map(([t]) => t)))].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  let points = 0;
  const series = lists.map((l) => {
    const values: (number | null)[] = new Array(xs.length).fill(null);
    for (const [t, v] of l.points) values[index.get(t)!] = v;
    points += l.points.length;
    return { label: l.label, values };
  });
  return { xs, series, points };
}

/** Shaded time ranges and vertical lines drawn behind the series (windows, the moment of a change). */
export interface ChartMarks {
  bands?: { from: number; to: number; color: string }[];
  lines?: { at: number; color: string }[];
}

/** A uPlot chart that follows its container's width. */
export class Chart {
  readonly element: HTMLElement;
  private plot: uPlot | null = null;
  private readonly resize: ResizeObserver;

  /**
   * @param height plot height in CSS pixels
   * @param unit formats axis and legend values
   * @param yRange a fixed value range (percentages: [0, 100]); automatic when absent
   */
  constructor(private readonly height = 320, private readonly unit: (v: number) => string = formatNumber, private readonly yRange?: [number, number],
    private readonly colors: string[] = palette) {
    this.element = h('div.chart');
    this.resize = new ResizeObserver(() => {
      if (this.plot) this.plot.setSize({ width: this.width(), height: this.height });
    });
    this.resize.observe(this.element);
  }

  private width(): number {
    return Math.max(300, this.element.clientWidth || this.element.parentElement?.clientWidth || 800);
  }

  /** Draws `data`, replacing what was drawn before. */
  set(data: ChartData, marks: ChartMarks = {}): void {
    this.plot?.destroy();
    this.plot = null;
    this.element.dataset.series = String(data.series.length);
    this.element.dataset.points = String(data.points);
    const values = data.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
    this.element.dataset.max = values.length ? String(Math.max(...values)) : '';
    if (data.series.length === 0) return;
    const fmt = this.unit;
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.height,
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { x: { time: true }, y: this.yRange ? { range: this.yRange } : {} },
      axes: [
        { stroke: '#555', grid: { stroke: '#eee' } },
        { stroke: '#555', grid: { stroke: '#eee' }, size: 60, values: (_u, vals) => vals.map((v) => (v === null ? '' : fmt(v))) },
      ],
      hooks: { drawClear: [(u: uPlot) => drawMarks(u, marks)] },
      series: [
        { label: 'time' },
        ...data.series.map((s, i) => ({
          label: s.label,
          stroke: this.colors[i % this.colors.length],
          width: 1.5,
          // Note: sparse series (a server that just started) would be invisible as lines alone.
          points: { show: s.values.filter((v) => v !== null).length <= 60 },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : fmt(v)),
        })),
      ],
    };
    this.plot = new uPlot(opts, [data.xs, ...data.series.map((s) => s.values)] as uPlot.AlignedData, this.element);
  }

  dispose(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }
}

function drawMarks(u: uPlot, marks: ChartMarks): void {
  const ctx = u.ctx;
  const { top, height } = u.bbox;
  ctx.save();
  for (const b of marks.bands ?? []) {
    const x0 = u.valToPos(b.from, 'x', true);
    const x1 = u.valToPos(b.to, 'x', true);
    ctx.fillStyle = b.color;
    ctx.fillRect(x0, top, x1 - x0, height);
  }
  for (const l of marks.lines ?? []) {
    const x = u.valToPos(l.at, 'x', true);
    ctx.strokeStyle = l.color;
    ctx.lineWidth = 2;
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
  }
  ctx.restore();
}
