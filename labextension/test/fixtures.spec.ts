/**
 * The server's real JSON (written by tests/server/test_ts_fixtures.py from the real handlers on a
 * real store) through the TS shapes, parsers and models: a field the server drops or retypes
 * fails here, where the UI would read it.
 */
import * as fs from 'fs';
import * as path from 'path';

import { TrackerClient } from '../src/api/client';
import type { ICustomChart, IHistory, ILineage, IRunDetail, IRunsPage, ISweepDetail } from '../src/api/client';
import { ANSWERS, checkShape, RUN } from '../src/api/shapes';
import { planChart } from '../src/charts/customchart';
import { SidebarModel } from '../src/model/sidebarmodel';
import { keyMetric, runDuration } from '../src/util/format';
import { layoutLineage } from '../src/widgets/lineage';
import { chartsByKey } from '../src/charts/series';
import type { IRunMedia, IRunTable } from '../src/api/client';
import { binRange, captionText, frameAt, heatCells, heatColumns, stepLabel } from '../src/model/mediamodel';
import { cellText, isImageCell, selectRows } from '../src/model/tablemodel';
import { fakeServer } from './request.spec';

const DIR = path.join(__dirname, 'fixtures');

function fixture<T = unknown>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as T;
}

describe('server fixtures', () => {
  it('has one fixture per end point the client reads, and a shape for each', () => {
    const files = fs.readdirSync(DIR).filter(f => f.endsWith('.json')).map(f => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual(Object.keys(ANSWERS).sort());
  });

  it.each(Object.keys(ANSWERS))('%s.json fits the shape the UI reads', name => {
    expect(checkShape(fixture(name), ANSWERS[name])).toEqual([]);
  });

  it('checkShape names a dropped or retyped field', () => {
    const page = fixture<IRunsPage>('runs');
    const broken = JSON.parse(JSON.stringify(page));
    delete broken.runs[0].state;
    broken.runs[1].tags = 'base';
    broken.facets.states.finished = '4';
    expect(checkShape(broken, ANSWERS.runs)).toEqual([
      '$.runs[0].state: missing',
      '$.runs[1].tags: expected an array, got string',
      '$.facets.states.finished: expected number, got string ("4")'
    ]);
    expect(checkShape({ ...page.runs[0], last_alert: undefined }, RUN)).toEqual([]);
  });

  it('feeds the sidebar model and the row text', async () => {
    const { settings } = fakeServer(url => {
      const name = url.pathname.split('/').pop()!;
      return [200, fixture(name)];
    });
    const model = new SidebarModel(new TrackerClient(settings));
    await model.setProject('digits');
    const page = fixture<IRunsPage>('runs');
    expect(model.projects.map(p => p.name)).toEqual(['digits']);
    expect(model.runs.map(r => r.id)).toEqual(page.runs.map(r => r.id));
    expect(model.sweeps.map(s => s.id)).toEqual(['sweep-1']);
    const cnn = model.runs.find(r => r.name === 'cnn')!;
    expect(keyMetric(cnn.summary)).toEqual({ key: 'train/loss', value: expect.any(Number) });
    expect(runDuration(cnn)).toEqual(expect.any(Number));
    expect(page.facets.metrics).toContain('train/loss');
  });

  it('feeds the run view: charts by key with their step metric, custom charts, lineage', () => {
    const history = fixture<IHistory>('history');
    const charts = chartsByKey([{ label: 'cnn', history }]);
    expect([...charts.keys()]).toEqual(expect.arrayContaining(['train/loss', 'val/loss']));
    expect(charts.get('val/loss')![0].xAxis).toBe('epoch');
    expect(charts.get('train/loss')![0].x.length).toBe(charts.get('train/loss')![0].y.length);

    const { charts: custom } = fixture<{ charts: ICustomChart[] }>('charts');
    expect(custom.map(c => planChart(c)?.kind)).toEqual(['line']);

    const { tables } = fixture<{ tables: IRunTable[] }>('tables');
    const [image, label] = tables[0].data[0];
    expect(isImageCell(image) && image.path.startsWith('media/images/')).toBe(true);
    expect(cellText(image)).toBe('3');
    expect(selectRows(tables[0].data, { column: 2, descending: true, query: String(label) })).toHaveLength(1);

    const { media } = fixture<{ media: IRunMedia[] }>('media');
    const [digits, weights] = media;
    expect(frameAt(digits, 0)[0].path.startsWith('media/images/')).toBe(true);
    expect([stepLabel(digits, 0), captionText(frameAt(digits, 0))]).toEqual([String(digits.steps[0]), 'a 3']);
    expect(heatColumns(weights.steps, 400)).toEqual([{ step: weights.steps[0], x0: 0, x1: 400 }]);
    expect(heatCells(weights.histograms[0], binRange(weights.histograms)!, 100)).toHaveLength(4);

    const layout = layoutLineage(fixture<ILineage>('lineage'));
    expect(layout.nodes.map(n => n.node.label).sort()).toEqual(['cnn', 'digits:v0', 'prep']);
    expect(layout.edges).toHaveLength(2);

    const { run } = fixture<{ run: IRunDetail }>('run');
    expect(run.alerts![0]).toEqual(expect.objectContaining({ level: 'WARN', title: 'loss low' }));
    const { sweep, trials } = fixture<ISweepDetail>('sweep');
    expect(trials.map(t => t.id)).toContain(sweep.best!.run_id);
  });
});
