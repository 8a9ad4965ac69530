/** Pure scale helpers of the line chart: round ticks, data extents, nearest point. */
import type { IChartSeries } from './chart';

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!isFinite(min) || !isFinite(max)) {
    return [];
  }
  if (min === max) {
    return [min];
  }
  if (min > max) {
    [min, max] = [max, min];
  }
  const raw = (max - min) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = (norm >= 7.07 ? 10 : norm >= 3.16 ? 5 : norm >= 1.41 ? 2 : 1) * mag;
  const first = Math.ceil(min / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

/** Finite [min, max] over all series (x or y), or null when there is nothing. */
export function extent(
  series: IChartSeries[],
  axis: 'x' | 'y'
): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const v of s[axis]) {
      if (v !== null && isFinite(v)) {
        if (v < lo) {
          lo = v;
        }
        if (v > hi) {
          hi = v;
        }
      }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Index of the point of sorted `xs` nearest to `x` (binary search). */
export function nearestIndex(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  if (hi < 0) {
    return -1;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
}

export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) {
    return v.toExponential(1);
  }
  return String(Number(v.toPrecision(4)));
}
