import { TrackerClient } from '../src/api/client';
import { formatDuration, formatNumber, keyMetric, stateClass } from '../src/util/format';
import { PAGE_SIZE, SidebarModel } from '../src/model/sidebarmodel';
import { VisiblePoller } from '../src/model/poller';
import { runIdFromClasses, sweepIdFromClasses } from '../src/api/oob';
import { extent, nearestIndex, niceTicks } from '../src/charts/scale';
import { fakeServer } from './request.spec';

function run(id: string, state = 'finished') {
  return {
    id, name: id, project: 'p', group: null, job_type: null, tags: [], notes: null, state,
    created_at: 1, updated_at: 2, heartbeat_at: 2, runtime: 1, summary: {}, sweep_id: null
  };
}

describe('SidebarModel', () => {
  it('loads projects, runs and sweeps for the current query, and drops stale selections', async () => {
    let runs = [run('a', 'running'), run('b')];
    const { settings, seen } = fakeServer(url => {
      if (url.pathname.endsWith('/projects')) {
        return [200, { projects: [{ name: 'p', run_count: 2 }] }];
      }
      if (url.pathname.endsWith('/sweeps')) {
        return [200, { sweeps: [] }];
      }
      return [200, { runs, total: 120, offset: Number(url.searchParams.get('offset')), limit: PAGE_SIZE,
        facets: { groups: [], tags: [], states: {} } }];
    });
    const model = new SidebarModel(new TrackerClient(settings));
    let changes = 0;
    model.onChange(() => changes++);
    await model.setProject('p');
    expect(model.runs.map(r => r.id)).toEqual(['a', 'b']);
    model.toggleSelected('a');
    model.toggleSelected('b');
    expect([...model.selected]).toEqual(['a', 'b']);
    runs = [run('a', 'finished')];
    await model.setFilter({ search: ' lr ', state: 'finished' });
    expect(model.runs[0].state).toBe('finished');
    expect([...model.selected]).toEqual(['a']);
    const last = new URL(seen.filter(r => r.url.includes('/runs?'))!.pop()!.url);
    expect(last.searchParams.get('search')).toBe('lr');
    expect(last.searchParams.get('state')).toBe('finished');
    expect(last.searchParams.get('project')).toBe('p');
    await model.setPage(1000);
    expect(model.offset).toBe(100);
    await model.setPage(-5);
    expect(model.offset).toBe(0);
    expect(changes).toBeGreaterThanOrEqual(5);
    expect(model.error).toBeNull();
  });

  it('keeps the error text when the server fails', async () => {
    const { settings } = fakeServer(() => [500, { message: 'catalog damaged' }]);
    const model = new SidebarModel(new TrackerClient(settings));
    await model.refresh();
    expect(model.error).toContain('catalog damaged');
  });
});

describe('VisiblePoller', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('polls only while visible and never twice at once', async () => {
    let calls = 0;
    const poller = new VisiblePoller(async () => {
      calls++;
    }, 3000);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(0);
    poller.setVisible(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    await jest.advanceTimersByTimeAsync(9_000);
    expect(calls).toBe(4);
    poller.setVisible(false);
    await jest.advanceTimersByTimeAsync(30_000);
    expect(calls).toBe(4);
    poller.dispose();
  });

  it('reports errors and keeps polling', async () => {
    const errors: unknown[] = [];
    const poller = new VisiblePoller(async () => {
      throw new Error('down');
    }, 1000, e => errors.push(e));
    poller.setVisible(true);
    await jest.advanceTimersByTimeAsync(2_500);
    expect(errors.length).toBe(3);
    poller.dispose();
  });
});

describe('format and chart helpers', () => {
  it('formats durations, numbers and states', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(125)).toBe('2m 05s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h 02m');
    expect(formatDuration(null)).toBe('—');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1e-7)).toBe('1.000e-7');
    expect(formatNumber(42)).toBe('42');
    expect(stateClass('crashed')).toBe('jp-PyTracker-state-crashed');
    expect(stateClass('<img>')).toBe('jp-PyTracker-state-other');
  });

  it('picks a loss as the key metric, skipping internal keys', () => {
    expect(keyMetric({ _step: 3, acc: 0.9, val_loss: 0.2 })).toEqual({ key: 'val_loss', value: 0.2 });
    expect(keyMetric({ _runtime: 3, 'system.cpu': 1, score2: 7 })).toEqual({ key: 'score2', value: 7 });
    expect(keyMetric({ note: 'x' })).toBeNull();
  });

  it('makes round ticks, extents and nearest points', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 1000, 4)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(extent([{ label: 'a', x: [0, 1], y: [NaN, 3] }, { label: 'b', x: [5], y: [-1] }], 'y')).toEqual([-1, 3]);
    expect(nearestIndex([0, 10, 20, 30], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20, 30], 99)).toBe(3);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});

describe('out-of-band stop', () => {
  it('reads the run id from the panel button classes', () => {
    expect(runIdFromClasses(['widget-button', 'py-tracker-stop', 'py-tracker-run-ab12cd34'])).toBe('ab12cd34');
    expect(runIdFromClasses(['py-tracker-stop'])).toBeNull();
    expect(runIdFromClasses(['py-tracker-run-../x'])).toBeNull();
    expect(sweepIdFromClasses(['py-tracker-stop', 'py-tracker-sweep-sw12ab34', 'py-tracker-run-ab12cd34'])).toBe('sw12ab34');
    expect(sweepIdFromClasses(['py-tracker-stop', 'py-tracker-run-ab12cd34'])).toBeNull();
  });
});
