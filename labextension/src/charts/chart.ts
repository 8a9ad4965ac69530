/**
 * A light, dependency-free line chart on <canvas>: several series over a shared
 * x axis, nice ticks, a text legend and a hover read-out. The server already
 * reduced each series to ~2,000 points (bucket min/max), so drawing is a plain
 * path per series; 10 series x 2,000 points draw in a few milliseconds.
 * Labels are DOM text (textContent) or canvas fillText: never HTML.
 */
import { ChartLink, Range, zoomAround } from './link';
import { extent, nearestIndex, niceTicks, tickLabel } from './scale';
import { emaSmooth } from './smoothing';

export { extent, nearestIndex, niceTicks };

export interface IChartSeries {
  label: string;
  x: number[];
  y: number[];
  /** The x key of these points (a metric's step metric, or the history's x axis). */
  xAxis?: string;
}

export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf'
];

const PAD = { left: 52, right: 12, top: 8, bottom: 26 };

/** How a chart draws its series: joined lines, separate points, or bars from zero. */
export type ChartKind = 'line' | 'points' | 'bars';

export interface IChartOptions {
  kind?: ChartKind;
  /** Category names of x = 0, 1, 2, ... (bar charts of labels): drawn as the x ticks. */
  xCategories?: string[];
  yLabel?: string;
  /**
   * Shared with the other charts of a view: x-range (zoom), hover and smoothing. Without
   * one the chart has its own (line charts still zoom, alone).
   */
  link?: ChartLink;
}

/** What one series was drawn with: its points in data units and on the canvas (CSS px). */
export interface IDrawnSeries {
  label: string;
  x: number[];
  /** The drawn line's values: smoothed when smoothing is on. */
  y: number[];
  /** The raw values behind it (drawn faint when smoothed). */
  raw: number[];
  px: number[];
  py: number[];
}

/** The chart's last frame: the ranges drawn and every series as drawn. */
export interface IDrawnFrame {
  x: Range;
  y: Range;
  /** The plot area on the canvas (CSS px). */
  plot: { left: number; top: number; width: number; height: number };
  smoothing: number;
  series: IDrawnSeries[];
}

/** Opacity of the raw line behind a smoothed one. */
const RAW_ALPHA = 0.25;

/** Stroke y over x as one path with gaps at non-finite y; returns the points drawn (CSS px). */
function strokeLine(
  ctx: CanvasRenderingContext2D,
  xs: number[],
  ys: number[],
  sx: (v: number) => number,
  sy: (v: number) => number
): { px: number[]; py: number[] } {
  const out = { px: [] as number[], py: [] as number[] };
  ctx.beginPath();
  let pen = false;
  const n = Math.min(xs.length, ys.length);
  for (let k = 0; k < n; k++) {
    const yv = ys[k];
    if (yv === null || !isFinite(yv)) {
      pen = false;
      out.px.push(NaN);
      out.py.push(NaN);
      continue;
    }
    const px = sx(xs[k]);
    const py = sy(yv);
    out.px.push(px);
    out.py.push(py);
    if (pen) {
      ctx.lineTo(px, py);
    } else {
      ctx.moveTo(px, py);
      pen = true;
    }
  }
  if (n === 1 && isFinite(ys[0])) {
    ctx.arc(sx(xs[0]), sy(ys[0]), 2, 0, 2 * Math.PI);
  }
  ctx.stroke();
  return out;
}

/** y extent of the raw and smoothed points whose x lies in `range` (a zoomed view fits its y). */
export function visibleExtent(series: IChartSeries[], smoothed: number[][], range: Range): Range | null {
  let lo = Infinity;
  let hi = -Infinity;
  series.forEach((s, i) => {
    for (let k = 0; k < s.x.length; k++) {
      if (s.x[k] < range[0] || s.x[k] > range[1]) {
        continue;
      }
      for (const v of [s.y[k], smoothed[i][k]]) {
        if (v !== null && isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
  });
  return lo <= hi ? [lo, hi] : null;
}

/** One chart: a title, a canvas and a legend, inside `node`. */
export class LineChart {
  readonly node: HTMLDivElement;

  constructor(title: string, xLabel = '_step', options: IChartOptions = {}) {
    this._kind = options.kind ?? 'line';
    this._categories = options.xCategories ?? null;
    this._yLabel = options.yLabel ?? '';
    this.node = document.createElement('div');
    this.node.dataset.kind = this._kind;
    this.node.className = 'jp-PyTracker-chart';
    const head = document.createElement('div');
    head.className = 'jp-PyTracker-chartTitle';
    head.textContent = title;
    this._readout = document.createElement('span');
    this._readout.className = 'jp-PyTracker-chartReadout';
    head.appendChild(this._readout);
    this._canvas = document.createElement('canvas');
    this._canvas.className = 'jp-PyTracker-chartCanvas';
    this._legend = document.createElement('div');
    this._legend.className = 'jp-PyTracker-chartLegend';
    this.node.append(head, this._canvas, this._legend);
    this._xLabel = xLabel;
    this.link = options.link ?? new ChartLink();
    this._unlink = this.link.subscribe(() => this.requestDraw());
    this._reset = document.createElement('button');
    this._reset.className = 'jp-PyTracker-chartReset';
    this._reset.textContent = 'Reset zoom';
    this._reset.title = 'Back to the full range (or double-click the chart)';
    this._reset.hidden = true;
    this._reset.addEventListener('click', () => this.resetZoom());
    head.appendChild(this._reset);
    this._box = document.createElement('div');
    this._box.className = 'jp-PyTracker-zoomBox';
    this._box.hidden = true;
    this.node.appendChild(this._box);
    this._listen();
    // the last frame as data, for devtools and the browser tests (read-only)
    Object.defineProperty(this.node, 'pyTrackerDrawn', { get: () => this._drawn });
    if (typeof ResizeObserver !== 'undefined') {
      this._resize = new ResizeObserver(() => this.requestDraw());
      this._resize.observe(this._canvas);
    }
  }

  /** Number of points currently drawn (all series). */
  get pointCount(): number {
    return this._series.reduce((n, s) => n + s.x.length, 0);
  }

  setData(series: IChartSeries[]): void {
    this._series = series;
    this._legend.textContent = '';
    series.forEach((s, i) => {
      const item = document.createElement('span');
      item.className = 'jp-PyTracker-legendItem';
      const swatch = document.createElement('span');
      swatch.className = 'jp-PyTracker-swatch';
      swatch.style.background = PALETTE[i % PALETTE.length];
      const text = document.createElement('span');
      text.textContent = s.label;
      item.append(swatch, text);
      this._legend.appendChild(item);
    });
    this.node.dataset.points = String(this.pointCount);
    this.requestDraw();
  }

  requestDraw(): void {
    if (this._frame !== null) {
      return;
    }
    const raf =
      typeof requestAnimationFrame !== 'undefined'
        ? requestAnimationFrame
        : (fn: () => void) => setTimeout(fn, 16);
    this._frame = raf(() => {
      this._frame = null;
      this.draw();
    }) as unknown as number;
  }

  dispose(): void {
    this._unlink();
    this._resize?.disconnect();
    this.node.remove();
  }

  readonly link: ChartLink;

  /** The x key this chart is drawn against: charts of the same axis share zoom and hover. */
  get xAxis(): string {
    return this._xLabel;
  }

  /** The last frame drawn (null before the first draw): what the user sees, as data. */
  get drawn(): IDrawnFrame | null {
    return this._drawn;
  }

  /** Zoom to x in [x0, x1] (every chart of this axis) and y in [y0, y1] (this chart), or reset. */
  zoomTo(x: Range | null, y: Range | null = null): void {
    this._yRange = y && y[1] > y[0] ? y : null;
    this.link.setRange(this._xLabel, x);
    this.requestDraw();
  }

  resetZoom(): void {
    this._yRange = null;
    this.link.setRange(this._xLabel, null);
    this.requestDraw();
  }

  /** Data x/y at canvas CSS pixel (px, py) in the last frame, or null outside the plot. */
  private _dataAt(px: number, py: number): [number, number] | null {
    const g = this._geom;
    if (!g || px < PAD.left || px > PAD.left + g.w) {
      return null;
    }
    const x = g.x0 + ((px - PAD.left) / g.w) * (g.x1 - g.x0);
    const y = g.y0 + ((PAD.top + g.h - py) / g.h) * (g.y1 - g.y0);
    return [x, y];
  }

  /** Hover (shared), wheel zoom on x, box zoom by dragging, double-click to reset. */
  private _listen(): void {
    const canvas = this._canvas;
    const local = (e: MouseEvent): [number, number] => {
      const rect = canvas.getBoundingClientRect();
      return [e.clientX - rect.left, e.clientY - rect.top];
    };
    canvas.addEventListener('mousemove', e => {
      const [px, py] = local(e);
      if (this._drag) {
        this._drag.to = [px, py];
        this._showBox();
        return;
      }
      const at = this._dataAt(px, py);
      this.link.setHover(this._xLabel, at ? at[0] : null);
    });
    canvas.addEventListener('mouseleave', () => {
      this._drag = null;
      this._box.hidden = true;
      this.link.setHover(this._xLabel, null);
    });
    if (this._kind !== 'line') {
      return;
    }
    canvas.addEventListener(
      'wheel',
      e => {
        const [px, py] = local(e);
        const at = this._dataAt(px, py);
        const g = this._geom;
        if (!at || !g) {
          return;
        }
        e.preventDefault();
        const factor = Math.pow(1.2, Math.sign(e.deltaY));
        this.link.setRange(this._xLabel, zoomAround([g.x0, g.x1], at[0], factor));
      },
      { passive: false }
    );
    canvas.addEventListener('mousedown', e => {
      if (e.button === 0) {
        const p = local(e);
        this._drag = { from: p, to: p };
      }
    });
    canvas.addEventListener('mouseup', e => {
      const drag = this._drag;
      this._drag = null;
      this._box.hidden = true;
      if (!drag) {
        return;
      }
      drag.to = local(e);
      const [ax, ay] = drag.from;
      const [bx, by] = drag.to;
      if (Math.abs(bx - ax) < 5) {
        return; // a click, not a box
      }
      const a = this._dataAt(Math.max(PAD.left, Math.min(ax, bx)), Math.max(ay, by));
      const b = this._dataAt(Math.min(PAD.left + (this._geom?.w ?? 0), Math.max(ax, bx)), Math.min(ay, by));
      if (a && b) {
        this.zoomTo([a[0], b[0]], Math.abs(by - ay) >= 5 ? [a[1], b[1]] : null);
      }
    });
    canvas.addEventListener('dblclick', () => this.resetZoom());
  }

  private _showBox(): void {
    const d = this._drag;
    if (!d) {
      return;
    }
    const left = Math.min(d.from[0], d.to[0]);
    const top = Math.min(d.from[1], d.to[1]);
    const b = this._box.style;
    b.left = `${this._canvas.offsetLeft + left}px`;
    b.top = `${this._canvas.offsetTop + top}px`;
    b.width = `${Math.abs(d.to[0] - d.from[0])}px`;
    b.height = `${Math.abs(d.to[1] - d.from[1])}px`;
    this._box.hidden = false;
  }

  /** Draw now (normally called through requestDraw); records its cost in data-draw-ms. */
  draw(): void {
    const start = performance.now();
    this._draw();
    this.node.dataset.drawMs = (performance.now() - start).toFixed(2);
  }

  private _draw(): void {
    const canvas = this._canvas;
    const ctx = canvas.getContext('2d');
    const cssW = canvas.clientWidth;
    const cssH = canvas.clientHeight;
    if (!ctx || cssW === 0 || cssH === 0) {
      return;
    }
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(cssW * ratio)) {
      canvas.width = Math.round(cssW * ratio);
    }
    if (canvas.height !== Math.round(cssH * ratio)) {
      canvas.height = Math.round(cssH * ratio);
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    const style = getComputedStyle(this.node);
    const fg = style.getPropertyValue('--jp-ui-font-color2').trim() || '#666';
    const grid = style.getPropertyValue('--jp-border-color2').trim() || '#ddd';
    const font = style.getPropertyValue('--jp-ui-font-family').trim() || 'sans-serif';
    const smoothing = this._kind === 'line' ? this.link.smoothing : 0;
    const smoothed = this._series.map(s => (smoothing > 0 ? emaSmooth(s.y, smoothing) : s.y));
    const zoom = this._kind === 'line' ? this.link.range(this._xLabel) : null;
    this._reset.hidden = !zoom && !this._yRange;
    const xs = zoom ?? extent(this._series, 'x');
    const ys = this._yRange ?? (zoom ? visibleExtent(this._series, smoothed, zoom) : extent(this._series, 'y'));
    ctx.font = `10px ${font}`;
    ctx.fillStyle = fg;
    if (!xs || !ys) {
      ctx.fillText('no data yet', PAD.left, cssH / 2);
      return;
    }
    let [x0, x1] = xs;
    let [y0, y1] = ys;
    const barW = this._kind === 'bars' ? this._barWidth() : 0;
    if (this._kind === 'bars') {
      y0 = Math.min(0, y0);
      y1 = Math.max(0, y1);
      x0 -= barW / 2;
      x1 += barW / 2;
    }
    if (x0 === x1) {
      x0 -= 1;
      x1 += 1;
    }
    if (y0 === y1) {
      const d = Math.abs(y0) * 0.1 || 1;
      y0 -= d;
      y1 += d;
    }
    if (this._kind === 'points') {
      // room for the dots at the edges
      const dx = (x1 - x0) * 0.04;
      const dy = (y1 - y0) * 0.04;
      [x0, x1, y0, y1] = [x0 - dx, x1 + dx, y0 - dy, y1 + dy];
    }
    const w = cssW - PAD.left - PAD.right;
    const h = cssH - PAD.top - PAD.bottom;
    const sx = (v: number) => PAD.left + ((v - x0) / (x1 - x0)) * w;
    const sy = (v: number) => PAD.top + h - ((v - y0) / (y1 - y0)) * h;
    this._geom = { x0, x1, y0, y1, w, h };
    this.node.dataset.xRange = `${x0},${x1}`;
    // grid and ticks
    ctx.strokeStyle = grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of niceTicks(y0, y1, Math.max(2, Math.floor(h / 40)))) {
      const py = Math.round(sy(t)) + 0.5;
      ctx.moveTo(PAD.left, py);
      ctx.lineTo(PAD.left + w, py);
      ctx.fillText(tickLabel(t), PAD.left - 4, py);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const cats = this._categories;
    if (cats) {
      const every = Math.max(1, Math.ceil((cats.length * 60) / Math.max(w, 1)));
      cats.forEach((name, i) => {
        if (i % every === 0) {
          ctx.fillText(name.length > 12 ? `${name.slice(0, 11)}…` : name, sx(i), PAD.top + h + 4);
        }
      });
    } else {
      for (const t of niceTicks(x0, x1, Math.max(2, Math.floor(w / 80)))) {
        const px = Math.round(sx(t)) + 0.5;
        ctx.moveTo(px, PAD.top);
        ctx.lineTo(px, PAD.top + h);
        ctx.fillText(tickLabel(t), px, PAD.top + h + 4);
      }
    }
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText(this._xLabel, PAD.left + w, PAD.top + h + 14);
    if (this._yLabel) {
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(this._yLabel, PAD.left + 2, PAD.top);
    }
    // series
    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.left, PAD.top, w, h);
    ctx.clip();
    ctx.lineWidth = 1.5;
    const frame: IDrawnFrame = {
      x: [x0, x1],
      y: [y0, y1],
      plot: { left: PAD.left, top: PAD.top, width: w, height: h },
      smoothing,
      series: []
    };
    this._drawn = frame;
    if (this._kind !== 'line') {
      this._drawMarks(ctx, sx, sy, barW);
      ctx.restore();
      this._drawHover(ctx, sx, sy, smoothed, h);
      return;
    }
    this._series.forEach((s, i) => {
      ctx.strokeStyle = PALETTE[i % PALETTE.length];
      if (smoothing > 0) {
        ctx.globalAlpha = RAW_ALPHA; // the raw line faint behind the smoothed one, as W&B
        strokeLine(ctx, s.x, s.y, sx, sy);
        ctx.globalAlpha = 1;
      }
      const drawn = strokeLine(ctx, s.x, smoothed[i], sx, sy);
      frame.series.push({ label: s.label, x: s.x.slice(0, drawn.px.length), y: smoothed[i].slice(0, drawn.px.length),
        raw: s.y.slice(0, drawn.px.length), ...drawn });
    });
    ctx.restore();
    this.node.dataset.smoothing = String(smoothing);
    this._drawHover(ctx, sx, sy, smoothed, h);
  }

  /** Width (in x units) of one bar: 80 % of the closest gap between two x values. */
  private _barWidth(): number {
    const xs = [...new Set(this._series.flatMap(s => s.x))].sort((a, b) => a - b);
    let gap = Infinity;
    for (let k = 1; k < xs.length; k++) {
      gap = Math.min(gap, xs[k] - xs[k - 1]);
    }
    return 0.8 * (isFinite(gap) && gap > 0 ? gap : 1);
  }

  /** Points (a scatter) or bars from y = 0, one colour per series. */
  private _drawMarks(
    ctx: CanvasRenderingContext2D,
    sx: (v: number) => number,
    sy: (v: number) => number,
    barW: number
  ): void {
    this._series.forEach((s, i) => {
      ctx.fillStyle = PALETTE[i % PALETTE.length];
      const n = Math.min(s.x.length, s.y.length);
      for (let k = 0; k < n; k++) {
        const xv = s.x[k];
        const yv = s.y[k];
        if (yv === null || !isFinite(yv) || !isFinite(xv)) {
          continue;
        }
        if (this._kind === 'bars') {
          const left = sx(xv - barW / 2);
          const top = sy(Math.max(0, yv));
          ctx.fillRect(left, top, Math.max(1, sx(xv + barW / 2) - left), Math.abs(sy(0) - sy(yv)));
        } else {
          ctx.beginPath();
          ctx.arc(sx(xv), sy(yv), 3, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    });
  }

  /** The shared hover: a crosshair at the hovered x (from any chart of this axis) and the values there. */
  private _drawHover(
    ctx: CanvasRenderingContext2D,
    sx: (v: number) => number,
    sy: (v: number) => number,
    ys: number[][],
    h: number
  ): void {
    const xv = this.link.hover(this._xLabel);
    this.node.dataset.hoverX = xv === null ? '' : String(xv);
    if (xv === null) {
      this._readout.textContent = '';
      return;
    }
    const parts: string[] = [];
    this._series.forEach((s, i) => {
      const k = nearestIndex(s.x, xv);
      if (k < 0 || !isFinite(ys[i][k])) {
        return;
      }
      ctx.fillStyle = PALETTE[i % PALETTE.length];
      ctx.beginPath();
      ctx.arc(sx(s.x[k]), sy(ys[i][k]), 3, 0, 2 * Math.PI);
      ctx.fill();
      parts.push(`${s.label}=${tickLabel(ys[i][k])} @${tickLabel(s.x[k])}`);
    });
    const px = Math.round(sx(xv)) + 0.5;
    ctx.strokeStyle = ctx.fillStyle;
    ctx.globalAlpha = 0.4;
    ctx.beginPath();
    ctx.moveTo(px, PAD.top);
    ctx.lineTo(px, PAD.top + h);
    ctx.stroke();
    ctx.globalAlpha = 1;
    this._readout.textContent = parts.join('  ');
  }

  private _series: IChartSeries[] = [];
  private _kind: ChartKind;
  private _categories: string[] | null;
  private _yLabel: string;
  private _canvas: HTMLCanvasElement;
  private _legend: HTMLDivElement;
  private _readout: HTMLSpanElement;
  private _xLabel: string;
  private _frame: number | null = null;
  private _unlink: () => void;
  private _reset: HTMLButtonElement;
  private _box: HTMLDivElement;
  private _drag: { from: [number, number]; to: [number, number] } | null = null;
  private _yRange: Range | null = null;
  private _geom: { x0: number; x1: number; y0: number; y1: number; w: number; h: number } | null = null;
  private _drawn: IDrawnFrame | null = null;
  private _resize: ResizeObserver | null = null;
}

/** A confusion matrix as a heat grid: rows are actual classes, columns predicted ones, each
 * cell shows its count (text) on a colour as dark as its share of the largest count. */
export class HeatGrid {
  readonly node: HTMLDivElement;

  constructor(title: string) {
    this.node = document.createElement('div');
    this.node.className = 'jp-PyTracker-chart jp-PyTracker-heatGrid';
    this.node.dataset.kind = 'heatgrid';
    const head = document.createElement('div');
    head.className = 'jp-PyTracker-chartTitle';
    head.textContent = title;
    this._table = document.createElement('table');
    this._table.className = 'jp-PyTracker-heatTable';
    this.node.append(head, this._table);
  }

  /** `cells`: (actual, predicted, count) triples; classes keep their first-seen order. */
  setData(cells: { actual: string; predicted: string; count: number }[]): void {
    const classes = [...new Set(cells.flatMap(c => [c.actual, c.predicted]))];
    const counts = new Map(cells.map(c => [`${c.actual}\u0000${c.predicted}`, c.count]));
    const top = Math.max(0, ...cells.map(c => (isFinite(c.count) ? c.count : 0))) || 1;
    const t = this._table;
    t.textContent = '';
    const header = document.createElement('tr');
    const corner = document.createElement('th');
    corner.textContent = 'actual \\ predicted';
    header.appendChild(corner);
    for (const p of classes) {
      const th = document.createElement('th');
      th.textContent = p;
      header.appendChild(th);
    }
    t.appendChild(header);
    for (const a of classes) {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.textContent = a;
      tr.appendChild(th);
      for (const p of classes) {
        const n = counts.get(`${a}\u0000${p}`) ?? 0;
        const td = document.createElement('td');
        td.className = 'jp-PyTracker-heatCell';
        td.dataset.actual = a;
        td.dataset.predicted = p;
        td.textContent = Number.isInteger(n) ? String(n) : tickLabel(n);
        const share = Math.max(0, Math.min(1, n / top));
        td.style.background = `rgba(31, 119, 180, ${(0.08 + 0.85 * share).toFixed(3)})`;
        td.style.color = share > 0.55 ? '#fff' : '';
        tr.appendChild(td);
      }
      t.appendChild(tr);
    }
    this.node.dataset.cells = String(classes.length * classes.length);
  }

  dispose(): void {
    this.node.remove();
  }

  private _table: HTMLTableElement;
}
