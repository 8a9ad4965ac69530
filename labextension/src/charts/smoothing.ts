/**
 * Smoothing of a chart line as W&B's (and TensorBoard's) default "exponential moving
 * average": `last = last * w + (1 - w) * y`, divided by the debias term `1 - w^n` so the
 * line starts at the first value instead of at 0. Gaps (null, NaN, ±Inf) stay gaps and do
 * not reset the average. `w` is the slider's 0..0.99; 0 returns the values unchanged.
 * Applied to the points the chart holds (the server keeps every row up to `points`,
 * each downsampling bucket's min and max beyond).
 */
export function emaSmooth(y: number[], weight: number): number[] {
  if (!(weight > 0)) {
    return y.slice();
  }
  const w = Math.min(weight, 0.999);
  const out: number[] = new Array(y.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === null || !isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    n += 1;
    out[i] = last / (1 - Math.pow(w, n));
  }
  return out;
}
