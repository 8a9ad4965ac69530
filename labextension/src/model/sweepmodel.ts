/**
 * The layout maths of the sidebar's sweep view (no DOM): where each parallel axis and each
 * trial's polyline sit, the colour of a line by its metric value, the "metric by trial"
 * chart's points and best-so-far line, and the text a hover shows. The server places every
 * value on its axis in [0, 1] (`py_tracker.sweeps.axes.axis_values`, the same as the sweep
 * widget and reports); this module only maps those positions onto the drawing.
 */
import type { ISweepAxis, ISweepTrial, ISweepView } from '../api/client';

/** The drawing area of a chart: its size and the margins kept for labels. */
export interface IFrame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Below the metric axis' bottom (as a fraction of its height): where a trial without a value ends. */
export const MISSING_AT = -0.08;

/** The x of axis `i` of `n`, spread evenly between the frame's margins (one axis: centred). */
export function axisX(i: number, n: number, frame: IFrame): number {
  const inner = frame.width - frame.left - frame.right;
  return n <= 1 ? frame.left + inner / 2 : frame.left + (inner * i) / (n - 1);
}

/** The y of a position in [0, 1] on an axis (1 at the top, as values grow upwards). */
export function axisY(position: number, frame: IFrame): number {
  const inner = frame.height - frame.top - frame.bottom;
  return frame.top + inner * (1 - position);
}

/** One trial's polyline: its points, one per axis (a missing metric sits at MISSING_AT). */
export interface ITrialLine {
  trial: ISweepTrial;
  points: [number, number][];
  missing: boolean;
}

export function trialLines(view: ISweepView, frame: IFrame): ITrialLine[] {
  const n = view.axes.length;
  return view.trials.map((trial, t) => {
    let missing = false;
    const points = view.axes.map((axis, a): [number, number] => {
      const pos = axis.positions[t];
      if (pos === null || pos === undefined) {
        missing = true;
      }
      return [axisX(a, n, frame), axisY(pos ?? MISSING_AT, frame)];
    });
    return { trial, points, missing };
  });
}

/** `points` as an SVG polyline's `points` attribute. */
export function pointsAttr(points: [number, number][]): string {
  return points.map(([x, y]) => `${round(x)},${round(y)}`).join(' ');
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/**
 * Where `value` sits on the colour scale, in [0, 1]: 1 is the best end (lowest for a
 * "minimize" goal, highest for "maximize"); the middle when the range is empty; null for
 * a missing value (drawn in the neutral colour).
 */
export function colourFraction(value: number | null, lo: number | null | undefined,
                               hi: number | null | undefined, goal: string): number | null {
  if (value === null || !Number.isFinite(value) || lo === null || lo === undefined ||
      hi === null || hi === undefined) {
    return null;
  }
  if (!(hi > lo)) {
    return 0.5;
  }
  const t = Math.min(1, Math.max(0, (value - lo) / (hi - lo)));
  return goal === 'maximize' ? t : 1 - t;
}

/** The theme colours a line's colour is mixed from: `worst` → `best` (CSS colours or variables). */
export interface IColourScale {
  worst: string;
  best: string;
  neutral: string;
}

/** JupyterLab's colours for the scale, so a theme change recolours the lines at once. */
export const THEME_SCALE: IColourScale = {
  worst: 'var(--jp-warn-color1)',
  best: 'var(--jp-brand-color1)',
  neutral: 'var(--jp-border-color1)'
};

/**
 * The stroke of a line whose colour fraction is `t` (see `colourFraction`): `t` of the way
 * from `worst` to `best`, as CSS `color-mix` (in sRGB); `neutral` for a missing value.
 */
export function lineColour(scale: IColourScale, t: number | null): string {
  if (t === null) {
    return scale.neutral;
  }
  const pct = Math.round(Math.min(1, Math.max(0, t)) * 100);
  return `color-mix(in srgb, ${scale.best} ${pct}%, ${scale.worst})`;
}

/** The metric axis (the last one, role "metric"), or null when the sweep has no metric. */
export function metricAxis(view: ISweepView): ISweepAxis | null {
  const last = view.axes[view.axes.length - 1];
  return last && last.role === 'metric' ? last : null;
}

/** A value as an axis or hover shows it: numbers to 4 significant digits, the rest as text. */
export function valueLabel(value: unknown): string {
  if (value === null || value === undefined) {
    return '—';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** What hovering a trial's line shows: its name, then `param = value` lines and the metric's. */
export function hoverLines(view: ISweepView, trial: ISweepTrial): string[] {
  const lines = [`#${trial.number} ${trial.name} (${trial.state})`];
  for (const axis of view.axes) {
    if (axis.role === 'metric') {
      lines.push(`${axis.name} = ${valueLabel(trial.metric)}`);
    } else {
      lines.push(`${axis.name} = ${valueLabel(trial.params[axis.name])}`);
    }
  }
  return lines;
}

/** A point of the "metric by trial" chart. */
export interface IByTrialPoint {
  number: number;
  value: number;
  trial: ISweepTrial;
}

/**
 * The "metric by trial" chart: every trial's metric (those without one are not drawn, but the
 * x axis still spans every trial: 1 … the count) and the best value so far after each.
 */
export function byTrial(view: ISweepView): {
  points: IByTrialPoint[];
  best: [number, number][];
  count: number;
} {
  const goal = view.metric?.goal ?? 'minimize';
  const points = view.trials
    .filter(t => t.metric !== null && Number.isFinite(t.metric))
    .map(t => ({ number: t.number, value: t.metric as number, trial: t }));
  const best: [number, number][] = [];
  for (const p of points) {
    const prev = best.length ? best[best.length - 1][1] : null;
    const better = prev === null || (goal === 'maximize' ? p.value > prev : p.value < prev);
    best.push([p.number, better ? p.value : (prev as number)]);
  }
  return { points, best, count: Math.max(1, ...view.trials.map(t => t.number)) };
}

/** The trial numbers labelled on the "metric by trial" x axis: every one up to 20, else about 10. */
export function trialTicks(count: number): number[] {
  const step = count <= 20 ? 1 : Math.ceil(count / 10);
  const out: number[] = [];
  for (let n = 1; n <= count; n += step) {
    out.push(n);
  }
  if (out[out.length - 1] !== count) {
    out.push(count);
  }
  return out;
}

/** The x of trial `n` of `count` on the "metric by trial" chart (half a trial kept each side). */
export function trialX(n: number, count: number, frame: IFrame): number {
  const inner = frame.width - frame.left - frame.right;
  return frame.left + (inner * (n - 0.5)) / count;
}

/** The y of a metric value between lo and hi (the middle when they are equal). */
export function valueY(value: number, lo: number, hi: number, frame: IFrame): number {
  return axisY(hi > lo ? (value - lo) / (hi - lo) : 0.5, frame);
}

/** The sign of a correlation as a class suffix: "positive", "negative" or "none". */
export function correlationSign(r: number | null): 'positive' | 'negative' | 'none' {
  return r === null || r === 0 ? 'none' : r > 0 ? 'positive' : 'negative';
}

/** A stamp of what is drawn: the view is redrawn only when it changed (a hover stays put). */
export function viewStamp(view: ISweepView, state: string): string {
  return JSON.stringify([state, view.metric, view.axes, view.trials.map(t => [t.state, t.metric]), view.importance]);
}
