import type { ICustomChart } from '../src/api/client';
import { customChartStamp, histogramBins, planChart } from '../src/charts/customchart';

function chart(spec: string, fields: Record<string, string | null>, columns: string[], data: unknown[][],
               strings: Record<string, string> = {}): ICustomChart {
  return { key: 'k', table_key: 'k_table', spec, title: 'T', fields, string_fields: strings, columns, data,
           truncated: false, error: null };
}

describe('planChart', () => {
  it('draws wandb.plot.line as one line sorted by x, or one line per stroke value', () => {
    const one = planChart(chart('wandb/line/v0', { x: 'x', y: 'y', stroke: null }, ['x', 'y'], [[2, 4], [0, 0], [1, 1]]));
    expect(one).toEqual({ kind: 'line', xLabel: 'x', yLabel: 'y', series: [{ label: 'y', x: [0, 1, 2], y: [0, 1, 4] }] });
    const two = planChart(chart('wandb/line/v0', { x: 'x', y: 'y', stroke: 's' }, ['x', 'y', 's'],
                                [[0, 1, 'a'], [0, 2, 'b'], [1, 3, 'a']]));
    expect(two && two.kind !== 'grid' && two.series.map(s => [s.label, s.y])).toEqual([['a', [1, 3]], ['b', [2]]]);
  });

  it('draws scatter as points in logged order, bar as bars over categories', () => {
    const sc = planChart(chart('wandb/scatter/v0', { x: 'a', y: 'b' }, ['a', 'b'], [[3, 1], [1, 2]]));
    expect(sc && sc.kind).toBe('points');
    expect(sc && sc.kind !== 'grid' && sc.series[0].x).toEqual([3, 1]);
    const bar = planChart(chart('wandb/bar/v0', { label: 'name', value: 'n' }, ['name', 'n'], [['<b>', 3], ['z', 5]]));
    expect(bar).toMatchObject({ kind: 'bars', categories: ['<b>', 'z'], series: [{ x: [0, 1], y: [3, 5] }] });
  });

  it('draws pr/roc curves as a line per class with the axis titles, and line_series per key', () => {
    const roc = planChart(chart('wandb/area-under-curve/v0', { x: 'fpr', y: 'tpr', class: 'class' }, ['class', 'fpr', 'tpr'],
                                [['c0', 0, 0], ['c0', 1, 1], ['c1', 0, 0.5]], { 'x-axis-title': 'FPR', 'y-axis-title': 'TPR' }));
    expect(roc).toMatchObject({ kind: 'line', xLabel: 'FPR', yLabel: 'TPR' });
    expect(roc && roc.kind !== 'grid' && roc.series.map(s => s.label)).toEqual(['c0', 'c1']);
    const ls = planChart(chart('wandb/lineseries/v0', { step: 'step', lineKey: 'lineKey', lineVal: 'lineVal' },
                               ['step', 'lineKey', 'lineVal'], [[0, 'a', 1], [1, 'a', 2], [0, 'b', 3]], { xname: 'epoch' }));
    expect(ls).toMatchObject({ kind: 'line', xLabel: 'epoch' });
    expect(ls && ls.kind !== 'grid' && ls.series.length).toBe(2);
  });

  it('draws a confusion matrix as grid cells and a histogram as binned bars', () => {
    const cm = planChart(chart('wandb/confusion_matrix/v1', { Actual: 'Actual', Predicted: 'Predicted', nPredictions: 'nPredictions' },
                               ['Actual', 'Predicted', 'nPredictions'], [['cat', 'dog', 2], ['dog', 'dog', 1]]));
    expect(cm).toEqual({ kind: 'grid', cells: [{ actual: 'cat', predicted: 'dog', count: 2 }, { actual: 'dog', predicted: 'dog', count: 1 }] });
    const h = planChart(chart('wandb/histogram/v0', { value: 'v' }, ['v'], [[1], [2], [2], [3]]));
    expect(h && h.kind).toBe('bars');
    expect(h && h.kind !== 'grid' && h.series[0].y.reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('does not draw an unknown spec or a chart whose field names a missing column', () => {
    expect(planChart(chart('me/custom/v1', { x: 'x' }, ['x'], [[1]]))).toBeNull();
    expect(planChart(chart('wandb/line/v0', { x: 'x', y: 'gone', stroke: null }, ['x', 'y'], [[1, 2]]))).toBeNull();
  });
});

describe('histogramBins', () => {
  it('counts every finite value once, in sqrt(n)+1 equal bins', () => {
    const { x, y } = histogramBins([0, 1, 2, 3, 4, 5, 6, 7, 8, NaN]);
    expect(y.length).toBe(4);
    expect(y.reduce((a, b) => a + b, 0)).toBe(9);
    expect(x[0]).toBeCloseTo(1);
    expect(histogramBins([])).toEqual({ x: [], y: [] });
    expect(histogramBins([5, 5])).toEqual({ x: [5], y: [2] });
  });
});

describe('customChartStamp', () => {
  it('changes when a chart key gets a new table file, not when scalars change', () => {
    const chart = (path: string) => ({ _type: 'table-file', path, chart: { spec: 'wandb/line/v0' } });
    const a = customChartStamp({ loss: 1, sq_table: chart('media/table/sq_0.table.json') });
    expect(customChartStamp({ loss: 2, sq_table: chart('media/table/sq_0.table.json') })).toBe(a);
    expect(customChartStamp({ loss: 2, sq_table: chart('media/table/sq_1.table.json') })).not.toBe(a);
    expect(customChartStamp({ t: { _type: 'table-file', path: 'x' } })).toBe(''); // a plain Table is no chart
    expect(customChartStamp(undefined)).toBe('');
  });
});
