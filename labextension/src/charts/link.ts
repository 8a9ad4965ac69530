/**
 * What a run's charts share, as W&B does by default: the zoomed x-range and the hovered x
 * (one per x axis: `_step` charts move together, `epoch` charts together), and the
 * smoothing weight. Charts subscribe and redraw on a change; `null` means "the full
 * range" / "no hover". No DOM here (jest-tested).
 */
export type Range = [number, number];

export class ChartLink {
  /** The zoomed x-range of charts drawn against `axis`, or null for the full range. */
  range(axis: string): Range | null {
    return this._ranges.get(axis) ?? null;
  }

  setRange(axis: string, range: Range | null): void {
    if (range && !(isFinite(range[0]) && isFinite(range[1]) && range[1] > range[0])) {
      return; // an empty or inverted box never becomes the view
    }
    if (range) {
      this._ranges.set(axis, range);
    } else {
      this._ranges.delete(axis);
    }
    this._emit();
  }

  /** Back to the full range on every axis. */
  resetAll(): void {
    this._ranges.clear();
    this._emit();
  }

  get zoomed(): boolean {
    return this._ranges.size > 0;
  }

  hover(axis: string): number | null {
    return this._hover && this._hover.axis === axis ? this._hover.x : null;
  }

  setHover(axis: string, x: number | null): void {
    this._hover = x === null ? null : { axis, x };
    this._emit();
  }

  get smoothing(): number {
    return this._smoothing;
  }

  setSmoothing(weight: number): void {
    const w = Math.max(0, Math.min(0.99, Number.isFinite(weight) ? weight : 0));
    if (w !== this._smoothing) {
      this._smoothing = w;
      this._emit();
    }
  }

  /** Listen to every change; returns a function that stops listening. */
  subscribe(fn: () => void): () => void {
    this._listeners.add(fn);
    return () => this._listeners.delete(fn);
  }

  private _emit(): void {
    this._listeners.forEach(fn => fn());
  }

  private _ranges = new Map<string, Range>();
  private _hover: { axis: string; x: number } | null = null;
  private _smoothing = 0;
  private _listeners = new Set<() => void>();
}

/** `range` zoomed by `factor` (< 1 zooms in, > 1 out) keeping `at` where it is (the wheel's x). */
export function zoomAround(range: Range, at: number, factor: number): Range {
  const [a, b] = range;
  return [at - (at - a) * factor, at + (b - at) * factor];
}
