/**
 * Custom charts (`wandb.plot.*`) in the run view: turns each chart the server answers
 * (GET runs/<id>/charts: spec, field names, table) into what chart.ts draws — lines
 * (line, line_series, pr/roc curves), points (scatter), bars (bar, histogram) or a heat
 * grid (confusion matrix). A spec py_tracker does not draw, or a table that could not be
 * read, is listed with a note saying so. Every user string is set as text, never HTML.
 */
import type { ICustomChart } from '../api/client';
import { ChartKind, HeatGrid, IChartSeries, LineChart } from './chart';
import { el } from '../util/dom';

const MAX_GROUPS = 50; // lines of one chart (stroke / class / lineKey values) drawn at most

/** What one custom chart draws: a plot of series, or a grid of counts. */
export type ChartPlan =
  | {
      kind: ChartKind;
      series: IChartSeries[];
      xLabel: string;
      yLabel: string;
      categories?: string[];
    }
  | { kind: 'grid'; cells: { actual: string; predicted: string; count: number }[] };

function num(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
}

function column(chart: ICustomChart, field: string): number {
  const name = chart.fields[field];
  return name === null || name === undefined ? -1 : chart.columns.indexOf(name);
}

/** Series of column y over column x, one per value of column `group` (-1: one series). */
function grouped(chart: ICustomChart, xi: number, yi: number, gi: number, sort: boolean): IChartSeries[] {
  const groups = new Map<string, { x: number[]; y: number[] }>();
  for (const row of chart.data) {
    const name = gi >= 0 ? String(row[gi]) : chart.columns[yi];
    let g = groups.get(name);
    if (!g) {
      if (groups.size >= MAX_GROUPS) {
        continue;
      }
      g = { x: [], y: [] };
      groups.set(name, g);
    }
    g.x.push(num(row[xi]));
    g.y.push(num(row[yi]));
  }
  return [...groups].map(([label, g]) => {
    if (sort) {
      const order = g.x.map((_, k) => k).sort((a, b) => g.x[a] - g.x[b]);
      return { label, x: order.map(k => g.x[k]), y: order.map(k => g.y[k]) };
    }
    return { label, ...g };
  });
}

/** Equal-width bins (√n + 1, at most 50; one bar when all are equal) of the finite values: bar centres and counts. */
export function histogramBins(values: number[]): { x: number[]; y: number[] } {
  const v = values.filter(n => isFinite(n));
  if (!v.length) {
    return { x: [], y: [] };
  }
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  if (hi === lo) {
    return { x: [lo], y: [v.length] }; // one value: one bar
  }
  const bins = Math.min(50, Math.max(1, Math.floor(Math.sqrt(v.length)) + 1));
  const width = (hi - lo) / bins;
  const y = new Array<number>(bins).fill(0);
  for (const n of v) {
    y[Math.min(bins - 1, Math.floor((n - lo) / width))] += 1;
  }
  return { x: y.map((_, i) => lo + (i + 0.5) * width), y };
}

/** The plan of `chart`, or null when its spec is not drawn or a field's column is missing. */
export function planChart(chart: ICustomChart): ChartPlan | null {
  const f = chart.fields;
  const need = (...names: string[]) => names.every(n => column(chart, n) >= 0);
  const s = chart.string_fields;
  switch (chart.spec) {
    case 'wandb/line/v0':
    case 'wandb/scatter/v0':
      if (!need('x', 'y')) {
        return null;
      }
      return {
        kind: chart.spec === 'wandb/line/v0' ? 'line' : 'points',
        series: grouped(chart, column(chart, 'x'), column(chart, 'y'), column(chart, 'stroke'), chart.spec === 'wandb/line/v0'),
        xLabel: String(f.x),
        yLabel: String(f.y)
      };
    case 'wandb/lineseries/v0':
      if (!need('step', 'lineKey', 'lineVal')) {
        return null;
      }
      return {
        kind: 'line',
        series: grouped(chart, column(chart, 'step'), column(chart, 'lineVal'), column(chart, 'lineKey'), true),
        xLabel: s.xname || 'x',
        yLabel: ''
      };
    case 'wandb/area-under-curve/v0':
      if (!need('x', 'y')) {
        return null;
      }
      return {
        kind: 'line',
        series: grouped(chart, column(chart, 'x'), column(chart, 'y'), column(chart, 'class'), true),
        xLabel: s['x-axis-title'] || String(f.x),
        yLabel: s['y-axis-title'] || String(f.y)
      };
    case 'wandb/bar/v0': {
      if (!need('label', 'value')) {
        return null;
      }
      const li = column(chart, 'label');
      const vi = column(chart, 'value');
      const categories = chart.data.map(r => String(r[li]));
      return {
        kind: 'bars',
        series: [{ label: String(f.value), x: categories.map((_, i) => i), y: chart.data.map(r => num(r[vi])) }],
        xLabel: String(f.label),
        yLabel: String(f.value),
        categories
      };
    }
    case 'wandb/histogram/v0': {
      if (!need('value')) {
        return null;
      }
      const vi = column(chart, 'value');
      const bins = histogramBins(chart.data.map(r => num(r[vi])));
      return { kind: 'bars', series: [{ label: 'count', ...bins }], xLabel: String(f.value), yLabel: 'count' };
    }
    case 'wandb/confusion_matrix/v1': {
      if (!need('Actual', 'Predicted', 'nPredictions')) {
        return null;
      }
      const [ai, pi, ni] = ['Actual', 'Predicted', 'nPredictions'].map(n => column(chart, n));
      return {
        kind: 'grid',
        cells: chart.data.map(r => ({ actual: String(r[ai]), predicted: String(r[pi]), count: num(r[ni]) }))
      };
    }
    default:
      return null;
  }
}

/** The table files of the custom charts in a run's summary: changes when one is logged again. */
export function customChartStamp(summary: Record<string, unknown> | undefined): string {
  return Object.entries(summary ?? {})
    .map(([k, v]) => [k, (v && typeof v === 'object' ? v : {}) as Record<string, unknown>] as const)
    .filter(([, d]) => d._type === 'table-file' && !!d.chart)
    .map(([k, d]) => `${k}:${String(d.path)}`)
    .sort()
    .join('|');
}

/** A drawn custom chart: its DOM node (with data-key / data-spec) and a dispose(). */
export interface ICustomChartView {
  node: HTMLElement;
  dispose(): void;
}

/** The view of one chart: drawn when planChart can, else a note naming why not. */
export function renderCustomChart(chart: ICustomChart): ICustomChartView {
  const plan = chart.error ? null : planChart(chart);
  let view: ICustomChartView;
  if (plan === null) {
    const why = chart.error
      ? chart.error
      : `spec ${chart.spec} is stored, not drawn here; its table is in the Files tab`;
    const node = el('div', { className: 'jp-PyTracker-chart jp-PyTracker-customNote' }, [
      el('div', { className: 'jp-PyTracker-chartTitle', text: chart.title }),
      el('div', { className: 'jp-PyTracker-empty', text: why })
    ]);
    view = { node, dispose: () => node.remove() };
  } else if (plan.kind === 'grid') {
    const grid = new HeatGrid(chart.title);
    grid.setData(plan.cells);
    view = grid;
  } else {
    const line = new LineChart(chart.title, plan.xLabel, {
      kind: plan.kind,
      xCategories: plan.categories,
      yLabel: plan.yLabel
    });
    line.setData(plan.series);
    view = line;
  }
  view.node.classList.add('jp-PyTracker-customChart');
  view.node.dataset.key = chart.key;
  view.node.dataset.spec = chart.spec;
  if (chart.truncated) {
    view.node.appendChild(el('div', { className: 'jp-PyTracker-empty', text: 'first 10,000 rows shown' }));
  }
  return view;
}
