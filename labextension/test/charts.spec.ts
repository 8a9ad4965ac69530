import { peerAction, xAxisOf } from '../src/charts/bokehlink';
import { visibleExtent } from '../src/charts/chart';
import { ChartLink, zoomAround } from '../src/charts/link';
import { emaSmooth } from '../src/charts/smoothing';

describe('emaSmooth (W&B / TensorBoard EMA with debias)', () => {
  it('starts at the first value and follows last*w + (1-w)*y / (1 - w^n)', () => {
    const y = [1, 3, 2, 5];
    const w = 0.6;
    let last = 0;
    const want = y.map((v, i) => {
      last = last * w + (1 - w) * v;
      return last / (1 - Math.pow(w, i + 1));
    });
    const got = emaSmooth(y, w);
    expect(got[0]).toBeCloseTo(1, 12);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
    expect(got[3]).toBeLessThan(5); // smoothed lags the jump
  });

  it('leaves gaps as gaps without resetting, and w=0 unchanged', () => {
    const got = emaSmooth([2, NaN, 4], 0.5);
    expect(got[1]).toBeNaN();
    expect(got[2]).toBeCloseTo((0.5 * 2 * 0.5 + 0.5 * 4) / (1 - 0.25), 12);
    expect(emaSmooth([1, 2], 0)).toEqual([1, 2]);
  });
});

describe('ChartLink', () => {
  it('shares a range and a hover per x axis and tells every subscriber', () => {
    const link = new ChartLink();
    let calls = 0;
    const stop = link.subscribe(() => calls++);
    link.setRange('_step', [10, 20]);
    expect(link.range('_step')).toEqual([10, 20]);
    expect(link.range('epoch')).toBeNull();
    link.setRange('_step', [5, 5]); // empty box: ignored
    link.setRange('_step', [9, 3]); // inverted: ignored
    expect(link.range('_step')).toEqual([10, 20]);
    link.setHover('_step', 12);
    expect(link.hover('_step')).toBe(12);
    expect(link.hover('epoch')).toBeNull();
    link.setSmoothing(5);
    expect(link.smoothing).toBe(0.99);
    link.resetAll();
    expect(link.zoomed).toBe(false);
    stop();
    link.setSmoothing(0.2);
    expect(calls).toBe(4); // the two refused boxes and the call after stop() told nobody
  });

  it('zoomAround keeps the wheel point in place', () => {
    const [a, b] = zoomAround([0, 100], 25, 0.5);
    expect([a, b]).toEqual([12.5, 62.5]);
    expect((25 - a) / (b - a)).toBeCloseTo(0.25, 12);
  });

  it('a zoomed chart fits y to the points inside the x-range', () => {
    const s = [{ label: 'loss', x: [0, 1, 2, 3], y: [10, 4, 3, 2] }];
    expect(visibleExtent(s, [s[0].y], [1, 3])).toEqual([2, 4]);
    expect(visibleExtent(s, [[10, 7, 5, 1]], [2, 3])).toEqual([1, 5]);
  });
});

describe('peerAction (the run panel Bokeh charts linked by x axis)', () => {
  const r = (start: number, end: number, zoomed: boolean) => ({ start, end, have_updated_interactively: zoomed });

  it('a zoom is copied to peers that show another range, once', () => {
    expect(peerAction(r(10, 20, true), r(0, 100, false))).toBe('set');
    expect(peerAction(r(10, 20, true), r(0, 100, true))).toBe('set');
    expect(peerAction(r(10, 20, true), r(10, 20, true))).toBeNull(); // no echo
  });

  it('a reset resets zoomed peers only', () => {
    expect(peerAction(r(0, 100, false), r(10, 20, true))).toBe('reset');
    expect(peerAction(r(0, 100, false), r(0, 90, false))).toBeNull();
  });

  it('reads the x axis from the bottom axis label', () => {
    const view = { model: { below: [{ type: 'LinearAxis', axis_label: 'Step' }] } };
    expect(xAxisOf(view)).toBe('Step');
    expect(xAxisOf({ model: { below: [] } })).toBe('');
  });
});
