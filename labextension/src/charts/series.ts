/** Series of runs' histories arranged for charts (no DOM, jest-tested). */
import type { IHistory } from '../api/client';
import type { IChartSeries } from './chart';

/** Group series by key: one chart per key, one line per run. */
export function chartsByKey(
  histories: { label: string; history: IHistory }[]
): Map<string, IChartSeries[]> {
  const charts = new Map<string, IChartSeries[]>();
  for (const { label, history } of histories) {
    for (const key of Object.keys(history.series).sort()) {
      const s = history.series[key];
      if (!charts.has(key)) {
        charts.set(key, []);
      }
      charts.get(key)!.push({
        label: histories.length > 1 ? label : key,
        x: s.x,
        y: s.y,
        xAxis: s.x_axis ?? history.x_axis
      });
    }
  }
  return charts;
}
