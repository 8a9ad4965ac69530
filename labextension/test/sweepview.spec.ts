/**
 * The sweep view's layout maths (model/sweepmodel.ts): axis mapping, polylines, the colour
 * scale, the "metric by trial" points and best-so-far line, hover text; on a hand-made view and
 * on the server's real answer (fixtures/sweep.json, written by tests/server/test_ts_fixtures.py).
 */
import * as fs from 'fs';
import * as path from 'path';

import type { ISweepDetail, ISweepView } from '../src/api/client';
import {
  axisX,
  axisY,
  byTrial,
  colourFraction,
  correlationSign,
  hoverLines,
  IFrame,
  lineColour,
  metricAxis,
  MISSING_AT,
  pointsAttr,
  THEME_SCALE,
  trialLines,
  trialTicks,
  trialX,
  valueLabel,
  valueY,
  viewStamp
} from '../src/model/sweepmodel';

const FRAME: IFrame = { width: 500, height: 300, left: 50, right: 50, top: 20, bottom: 80 };

function trial(number: number, lr: number, opt: string, metric: number | null, state = 'finished') {
  return { number, run_id: `r${number}`, name: `trial-${number}`, state, params: { lr, opt }, metric };
}

/** Three trials: lr numeric, opt categorical, loss (minimize) with one trial still running. */
const VIEW: ISweepView = {
  metric: { name: 'loss', goal: 'minimize' },
  metrics: ['loss', 'acc'],
  params: ['lr', 'opt', 'batch'],
  trials: [trial(1, 0.1, 'adam', 0.5), trial(2, 0.01, 'sgd', 0.2), trial(3, 0.001, 'adam', null, 'running')],
  trial_count: 3,
  axes: [
    { name: 'lr', role: 'parameter', kind: 'numeric', positions: [1, 0.0909, 0], ticks: [{ position: 0, label: '0.001' }, { position: 1, label: '0.1' }] },
    { name: 'opt', role: 'parameter', kind: 'categorical', positions: [0, 1, 0], ticks: [{ position: 0, label: 'adam' }, { position: 1, label: 'sgd' }] },
    { name: 'loss', role: 'metric', kind: 'numeric', positions: [1, 0, null], ticks: [{ position: 0, label: '0.2' }, { position: 1, label: '0.5' }], lo: 0.2, hi: 0.5 }
  ],
  constant: [{ name: 'batch', value: 32 }],
  importance: { metric: 'loss', trials: 2, note: '', rows: [{ name: 'lr', correlation: 1, forest: null }] }
};

describe('sweep view layout', () => {
  it('spreads the axes between the margins and puts position 1 at the top', () => {
    expect([0, 1, 2].map(i => axisX(i, 3, FRAME))).toEqual([50, 250, 450]);
    expect(axisX(0, 1, FRAME)).toBe(250); // one axis: centred
    expect(axisY(1, FRAME)).toBe(20);
    expect(axisY(0, FRAME)).toBe(220);
    expect(axisY(0.5, FRAME)).toBe(120);
  });

  it('draws one polyline per trial through every axis; a missing metric ends below its axis', () => {
    const lines = trialLines(VIEW, FRAME);
    expect(lines).toHaveLength(3);
    expect(lines.map(l => l.points.length)).toEqual([3, 3, 3]);
    expect(lines[0].points).toEqual([[50, 20], [250, 220], [450, 20]]);
    expect(lines[1].points[1]).toEqual([250, 20]); // sgd: the top category
    expect(lines.map(l => l.missing)).toEqual([false, false, true]);
    expect(lines[2].points[2][1]).toBeCloseTo(axisY(MISSING_AT, FRAME));
    expect(lines[2].points[2][1]).toBeGreaterThan(axisY(0, FRAME));
    expect(pointsAttr([[1.234, 5], [6, 7.891]])).toBe('1.2,5 6,7.9');
  });

  it('colours by the metric: the best end by the goal, the middle for an empty range, none when missing', () => {
    expect(colourFraction(0.2, 0.2, 0.5, 'minimize')).toBe(1);
    expect(colourFraction(0.5, 0.2, 0.5, 'minimize')).toBe(0);
    expect(colourFraction(0.5, 0.2, 0.5, 'maximize')).toBe(1);
    expect(colourFraction(0.35, 0.2, 0.5, 'maximize')).toBeCloseTo(0.5);
    expect(colourFraction(3, 3, 3, 'minimize')).toBe(0.5);
    expect(colourFraction(null, 0.2, 0.5, 'minimize')).toBeNull();
    expect(colourFraction(1, null, null, 'minimize')).toBeNull();
    expect(colourFraction(9, 0.2, 0.5, 'maximize')).toBe(1); // clamped
  });

  it('mixes the line colour from two theme colours (CSS color-mix), a neutral one when missing', () => {
    expect(lineColour(THEME_SCALE, 1)).toBe('color-mix(in srgb, var(--jp-brand-color1) 100%, var(--jp-warn-color1))');
    expect(lineColour(THEME_SCALE, 0.254)).toBe('color-mix(in srgb, var(--jp-brand-color1) 25%, var(--jp-warn-color1))');
    expect(lineColour(THEME_SCALE, 7)).toContain(' 100%,');
    expect(lineColour(THEME_SCALE, null)).toBe('var(--jp-border-color1)');
    expect(lineColour({ worst: '#000', best: '#fff', neutral: 'grey' }, 0)).toBe('color-mix(in srgb, #fff 0%, #000)');
  });

  it('hover names the trial and every drawn value', () => {
    expect(hoverLines(VIEW, VIEW.trials[1])).toEqual(['#2 trial-2 (finished)', 'lr = 0.01', 'opt = sgd', 'loss = 0.2']);
    expect(hoverLines(VIEW, VIEW.trials[2])[3]).toBe('loss = —');
    expect(valueLabel(0.123456)).toBe('0.1235');
    expect(valueLabel(32)).toBe('32');
    expect(valueLabel({ a: 1 })).toBe('{"a":1}');
    expect(metricAxis(VIEW)!.name).toBe('loss');
    expect(metricAxis({ ...VIEW, axes: VIEW.axes.slice(0, 2) })).toBeNull();
  });

  it('"metric by trial": every trial on the x axis, the best so far by the goal', () => {
    const { points, best, count } = byTrial(VIEW);
    expect(points.map(p => [p.number, p.value])).toEqual([[1, 0.5], [2, 0.2]]);
    expect(best).toEqual([[1, 0.5], [2, 0.2]]);
    expect(count).toBe(3); // the running trial still has its place
    const max = byTrial({ ...VIEW, metric: { name: 'loss', goal: 'maximize' } });
    expect(max.best).toEqual([[1, 0.5], [2, 0.5]]);
    expect(trialTicks(9)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(trialTicks(45)).toEqual([1, 6, 11, 16, 21, 26, 31, 36, 41, 45]);
    expect(trialX(1, 4, FRAME)).toBe(50 + 400 / 8);
    expect(trialX(4, 4, FRAME)).toBe(450 - 400 / 8);
    expect(valueY(0.5, 0.2, 0.5, FRAME)).toBe(20);
    expect(valueY(3, 3, 3, FRAME)).toBe(120);
  });

  it('correlation sign, and a stamp that changes only with what is drawn', () => {
    expect([0.3, -0.2, 0, null].map(correlationSign)).toEqual(['positive', 'negative', 'none', 'none']);
    const a = viewStamp(VIEW, 'running');
    expect(viewStamp(JSON.parse(JSON.stringify(VIEW)), 'running')).toBe(a);
    expect(viewStamp(VIEW, 'finished')).not.toBe(a);
    const ended = { ...VIEW, trials: VIEW.trials.map(t => ({ ...t, metric: t.metric ?? 0.3 })) };
    expect(viewStamp(ended, 'running')).not.toBe(a);
  });

  it('lays out the server\u2019s real answer (fixtures/sweep.json)', () => {
    const detail = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'sweep.json'), 'utf8')) as ISweepDetail;
    const { view } = detail;
    expect(view.axes.map(a => [a.name, a.role, a.kind])).toEqual([['lr', 'parameter', 'numeric'], ['loss', 'metric', 'numeric']]);
    const lines = trialLines(view, FRAME);
    expect(lines).toHaveLength(detail.trials.length);
    expect(lines.every(l => !l.missing && l.points.length === 2)).toBe(true);
    expect(view.axes[0].ticks.map(t => t.label)).toEqual(['0.1', '0.2', '0.3', '0.4', '0.5']);
    const { points, best } = byTrial(view);
    expect(points).toHaveLength(2);
    expect(best[best.length - 1][1]).toBeCloseTo(detail.sweep.best!.value);
    expect(view.importance.rows.map(r => r.name)).toEqual(['lr']);
  });
});
