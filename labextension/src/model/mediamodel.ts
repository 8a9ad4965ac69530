/**
 * The Media tab's rules, kept apart from the DOM so jest can check them: which step a slider
 * position shows and what its caption reads (each image's caption once, as text), and the
 * layout of a histogram heatmap (x = step, y = bin; a column is as wide as the gap to the next
 * step, so the first one is full width, not a sliver), as the run panel draws them
 * (`py_tracker/notebook/live/media_charts.py`).
 */
import type { IMediaHistogram, IMediaImage, IRunMedia } from '../api/client';

/** The slider position of `step` in `doc` (the newest step when it is no longer there). */
export function indexOfStep(doc: IRunMedia, step: number | null): number {
  const i = step === null ? -1 : doc.steps.indexOf(step);
  return i >= 0 ? i : Math.max(0, doc.steps.length - 1);
}

/** The images of slider position `i` (clamped into the logged steps); [] when none. */
export function frameAt(doc: IRunMedia, i: number): IMediaImage[] {
  if (!doc.images.length) {
    return [];
  }
  return doc.images[Math.min(Math.max(0, Math.round(i)), doc.images.length - 1)] ?? [];
}

/** The slider's label: the logged step at position `i` (not the index); '' when nothing is logged. */
export function stepLabel(doc: IRunMedia, i: number): string {
  if (!doc.steps.length) {
    return '';
  }
  return String(doc.steps[Math.min(Math.max(0, Math.round(i)), doc.steps.length - 1)]);
}

/** The captions of one step's images, each once, in order ("" and null left out), joined by ", ". */
export function captionText(frame: IMediaImage[]): string {
  return frame
    .map(im => (im.caption === null || im.caption === undefined ? '' : String(im.caption)))
    .filter(c => c !== '')
    .join(', ');
}

/** The line under a key: how many steps, and how many were left out by the server's cap. */
export function mediaNote(doc: IRunMedia): string {
  const n = doc.steps.length;
  const what = doc.kind === 'histogram' ? 'histogram' : 'image step';
  let note = `${n} ${what}${n === 1 ? '' : 's'}`;
  if (doc.logged > n) {
    note += ` (${doc.logged} logged; ${n} evenly spaced ones are shown)`;
  }
  return note;
}

/** Changes when the run logged again (a new `_step`) or a media key appeared: the tab then reloads. */
export function mediaStamp(summary: Record<string, unknown> | undefined): string {
  const s = summary ?? {};
  const keys = Object.entries(s)
    .filter(([, v]) => {
      const t = v && typeof v === 'object' ? (v as Record<string, unknown>)._type : undefined;
      return t === 'image-file' || t === 'images' || t === 'histogram';
    })
    .map(([k, v]) => `${k}:${String((v as Record<string, unknown>).path ?? '')}`)
    .sort();
  return `${String(s._step)}|${keys.join('|')}`;
}

/** One heatmap column: pixels [x0, x1) for `step`. */
export interface IHeatColumn {
  step: number;
  x0: number;
  x1: number;
}

/**
 * The pixel columns of `steps` (ascending) on a `width`-pixel canvas: each column runs from its
 * step to the next one's, the last as wide as the gap before it (one step alone: the whole
 * width). Every column is at least 1 pixel; columns never overlap.
 */
export function heatColumns(steps: number[], width: number): IHeatColumn[] {
  const n = steps.length;
  if (!n || width < 1) {
    return [];
  }
  if (n === 1) {
    return [{ step: steps[0], x0: 0, x1: Math.floor(width) }];
  }
  const lastGap = Math.max(1, steps[n - 1] - steps[n - 2]);
  const lo = steps[0];
  const hi = steps[n - 1] + lastGap;
  const x = (s: number) => Math.round(((s - lo) / (hi - lo)) * width);
  const out: IHeatColumn[] = [];
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const x0 = Math.max(prev, x(steps[i]));
    const x1 = Math.max(x0 + 1, i + 1 < n ? x(steps[i + 1]) : Math.floor(width));
    out.push({ step: steps[i], x0, x1 });
    prev = x1;
  }
  return out;
}

/** The bin range over all histograms: [lowest edge, highest edge] (a zero range widened by 1). */
export function binRange(histograms: IMediaHistogram[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of histograms) {
    for (const b of h.bins) {
      if (Number.isFinite(b)) {
        lo = Math.min(lo, b);
        hi = Math.max(hi, b);
      }
    }
  }
  if (lo === Infinity) {
    return null;
  }
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

/** One painted cell of a column: pixel rows [y0, y1) (top down: high bins at the top), shade 0..1. */
export interface IHeatCell {
  y0: number;
  y1: number;
  shade: number;
}

/**
 * The cells of one histogram on a `height`-pixel column over `range`: each bin with a count
 * above 0, shaded by count / the column's largest count (per step normalized, as the panel).
 */
export function heatCells(h: IMediaHistogram, range: [number, number], height: number): IHeatCell[] {
  const top = Math.max(0, ...h.values.filter(Number.isFinite));
  if (!(top > 0)) {
    return [];
  }
  const [lo, hi] = range;
  const y = (b: number) => Math.round(((hi - b) / (hi - lo)) * height);
  const out: IHeatCell[] = [];
  h.values.forEach((v, j) => {
    if (!(v > 0) || j + 1 >= h.bins.length) {
      return;
    }
    const y0 = y(h.bins[j + 1]);
    out.push({ y0, y1: Math.max(y0 + 1, y(h.bins[j])), shade: v / top });
  });
  return out;
}

const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37]
];

/** The viridis colour of `t` in [0, 1] as "rgb(r, g, b)". */
export function heatColour(t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const c = VIRIDIS[i].map((a, k) => Math.round(a + (VIRIDIS[i + 1][k] - a) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
