/**
 * A light, dependency-free line chart on <canvas>: several series over a shared
 * x axis, nice ticks, a text legend and a hover read-out. The server already
 * reduced each series to ~2,000 points (bucket min/max), so drawing is a plain
 * path per series; 10 series x 2,000 points draw in a few milliseconds.
 * Labels are DOM text (textContent) or canvas fillText: never HTML.
 */
import { extent, nearestIndex, niceTicks, tickLabel } from './scale';

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
    this._canvas.addEventListener('mousemove', e => {
      const rect = this._canvas.getBoundingClientRect();
      this._hoverPx = e.clientX - rect.left;
      this.requestDraw();
    });
    this._canvas.addEventListener('mouseleave', () => {
      this._hoverPx = null;
      this._readout.textContent = '';
      this.requestDraw();
    });
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
    this._resize?.disconnect();
    this.node.remove();
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
    const xs = extent(this._series, 'x');
    const ys = extent(this._series, 'y');
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
    if (this._kind !== 'line') {
      this._drawMarks(ctx, sx, sy, barW);
      ctx.restore();
      this._drawHover(ctx, sx, sy, x0, x1, w, h);
      return;
    }
    this._series.forEach((s, i) => {
      ctx.strokeStyle = PALETTE[i % PALETTE.length];
      ctx.beginPath();
      let pen = false;
      const n = Math.min(s.x.length, s.y.length);
      for (let k = 0; k < n; k++) {
        const yv = s.y[k];
        if (yv === null || !isFinite(yv)) {
          pen = false;
          continue;
        }
        const px = sx(s.x[k]);
        const py = sy(yv);
        if (pen) {
          ctx.lineTo(px, py);
        } else {
          ctx.moveTo(px, py);
          pen = true;
        }
      }
      if (n === 1) {
        ctx.arc(sx(s.x[0]), sy(s.y[0]), 2, 0, 2 * Math.PI);
      }
      ctx.stroke();
    });
    ctx.restore();
    this._drawHover(ctx, sx, sy, x0, x1, w, h);
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

  private _drawHover(
    ctx: CanvasRenderingContext2D,
    sx: (v: number) => number,
    sy: (v: number) => number,
    x0: number,
    x1: number,
    w: number,
    h: number
  ): void {
    if (this._hoverPx === null || this._hoverPx < PAD.left) {
      return;
    }
    const xv = x0 + ((this._hoverPx - PAD.left) / w) * (x1 - x0);
    const parts: string[] = [];
    this._series.forEach((s, i) => {
      const k = nearestIndex(s.x, xv);
      if (k < 0) {
        return;
      }
      ctx.fillStyle = PALETTE[i % PALETTE.length];
      ctx.beginPath();
      ctx.arc(sx(s.x[k]), sy(s.y[k]), 3, 0, 2 * Math.PI);
      ctx.fill();
      parts.push(`${s.label}=${tickLabel(s.y[k])} @${tickLabel(s.x[k])}`);
    });
    ctx.strokeStyle = ctx.fillStyle;
    ctx.globalAlpha = 0.4;
    ctx.beginPath();
    ctx.moveTo(this._hoverPx + 0.5, PAD.top);
    ctx.lineTo(this._hoverPx + 0.5, PAD.top + h);
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
  private _hoverPx: number | null = null;
  private _frame: number | null = null;
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
