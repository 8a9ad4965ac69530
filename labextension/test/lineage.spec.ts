import { TrackerClient } from '../src/api/client';
import type { ILineage } from '../src/api/client';
import {
  GAP_X, GAP_Y, NODE_H, NODE_W, PAD, SKIP_ROOM, drawLineage, layoutLineage, lineageColumns, shorten, subtitle
} from '../src/widgets/lineage';
import { fakeServer } from './request.spec';

const EVIL = '<img src=x onerror=alert(1)>';

/** dataset → train → model → eval, plus a sibling run that used the dataset and the model directly. */
function pipeline(): ILineage {
  return {
    nodes: [
      { id: 'run:prep', kind: 'run', label: EVIL, job_type: 'prep' },
      { id: 'artifact:p/digits:v0', kind: 'artifact', label: 'digits:v0', type: 'dataset', aliases: ['latest'] },
      { id: 'run:train', kind: 'run', label: 'train-1', job_type: 'train' },
      { id: 'artifact:p/clf:v0', kind: 'artifact', label: 'clf:v0', type: 'model', aliases: ['best', 'latest'] },
      { id: 'run:eval', kind: 'run', label: 'eval-1', job_type: 'eval' }
    ],
    edges: [
      { source: 'run:prep', target: 'artifact:p/digits:v0', kind: 'output' },
      { source: 'artifact:p/digits:v0', target: 'run:train', kind: 'input' },
      { source: 'run:train', target: 'artifact:p/clf:v0', kind: 'output' },
      { source: 'artifact:p/clf:v0', target: 'run:eval', kind: 'input' },
      { source: 'artifact:p/digits:v0', target: 'run:eval', kind: 'input' }
    ]
  };
}

describe('layoutLineage', () => {
  it('puts each node in the column of its longest path, rows in order', () => {
    const g = pipeline();
    const cols = lineageColumns(g);
    expect([...cols.entries()]).toEqual([
      ['run:prep', 0], ['artifact:p/digits:v0', 1], ['run:train', 2], ['artifact:p/clf:v0', 3], ['run:eval', 4]
    ]);
    const layout = layoutLineage(g);
    const at = Object.fromEntries(layout.nodes.map(b => [b.node.id, b]));
    expect(at['run:train']).toMatchObject({ col: 2, row: 0, x: PAD + 2 * (NODE_W + GAP_X), y: PAD });
    expect(layout.width).toBe(PAD * 2 + 5 * (NODE_W + GAP_X) - GAP_X);
    // one row, plus room for the edge that jumps from the dataset to the eval run
    expect(layout.height).toBe(PAD * 2 + NODE_H + SKIP_ROOM);
  });

  it('joins boxes edge to edge, and curves a column-jumping edge below them', () => {
    const layout = layoutLineage(pipeline());
    const train = layout.edges.find(e => e.edge.target === 'run:train')!;
    expect(train).toMatchObject({ skip: false, x1: PAD + NODE_W + NODE_W + GAP_X, y1: PAD + NODE_H / 2 });
    expect(train.x2).toBe(PAD + 2 * (NODE_W + GAP_X));
    const jump = layout.edges.find(e => e.edge.source === 'artifact:p/digits:v0' && e.edge.target === 'run:eval')!;
    expect(jump.skip).toBe(true);
    expect(jump.y1).toBe(PAD + NODE_H);
    expect(jump.cy).toBeGreaterThan(PAD + NODE_H); // below every box
    expect(jump.cy).toBeLessThan(layout.height);
  });

  it('stacks siblings in rows, ignores edges to unknown nodes, never loops on a cycle', () => {
    const layout = layoutLineage({
      nodes: [
        { id: 'a', kind: 'artifact', label: 'a' },
        { id: 'r1', kind: 'run', label: 'r1' },
        { id: 'r2', kind: 'run', label: 'r2' }
      ],
      edges: [
        { source: 'a', target: 'r1', kind: 'input' },
        { source: 'a', target: 'r2', kind: 'input' },
        { source: 'ghost', target: 'a', kind: 'output' }
      ]
    });
    expect(layout.nodes.map(b => [b.col, b.row])).toEqual([[0, 0], [1, 0], [1, 1]]);
    expect(layout.edges).toHaveLength(2);
    expect(layout.height).toBe(PAD * 2 + 2 * NODE_H + GAP_Y);
    const cyc = lineageColumns({
      nodes: [{ id: 'x', kind: 'run', label: 'x' }, { id: 'y', kind: 'run', label: 'y' }],
      edges: [{ source: 'x', target: 'y', kind: 'output' }, { source: 'y', target: 'x', kind: 'input' }]
    });
    expect(cyc.size).toBe(2);
    expect(layoutLineage({ nodes: [], edges: [] })).toEqual({ width: 0, height: 0, nodes: [], edges: [] });
  });

  it('labels: shortened with an ellipsis; subtitles by kind', () => {
    expect(shorten('abc', 5)).toBe('abc');
    expect(shorten('abcdefgh', 5)).toBe('abcd…');
    expect(subtitle({ id: 'r', kind: 'run', label: 'r', job_type: null })).toBe('run');
    expect(subtitle({ id: 'a', kind: 'artifact', label: 'a', type: 'model', aliases: ['best'] })).toBe('model best');
  });
});

/** The few DOM calls drawLineage may use (jest runs in node here): no innerHTML on purpose. */
class FakeElement {
  constructor(readonly ns: string, readonly tag: string) {}
  attrs: Record<string, string> = {};
  children: FakeElement[] = [];
  textContent: string | null = null;
  setAttribute(k: string, v: string) {
    this.attrs[k] = v;
  }
  appendChild(c: FakeElement) {
    this.children.push(c);
    return c;
  }
  all(tag: string): FakeElement[] {
    return this.children.flatMap(c => [...(c.tag === tag ? [c] : []), ...c.all(tag)]);
  }
}

const fakeDoc = { createElementNS: (ns: string, tag: string) => new FakeElement(ns, tag) } as unknown as Document;

describe('drawLineage', () => {
  it('builds SVG elements with names as text, themed by --jp-* variables', () => {
    const svg = drawLineage(pipeline(), 'run:train', fakeDoc) as unknown as FakeElement;
    expect(svg.tag).toBe('svg');
    expect(svg.ns).toBe('http://www.w3.org/2000/svg');
    expect(svg.all('rect')).toHaveLength(5);
    expect(svg.all('line')).toHaveLength(4);
    expect(svg.all('path').filter(p => p.attrs.class === 'jp-PyTracker-lineageEdge')).toHaveLength(1);
    const texts = svg.all('text').map(t => t.textContent);
    expect(texts).toEqual(expect.arrayContaining([shorten(EVIL), 'train-1', 'digits:v0', 'clf:v0', 'eval-1']));
    // the evil name is only ever text, never an attribute or element
    expect(svg.all('img')).toHaveLength(0);
    const rects = svg.all('rect');
    expect(rects.every(r => /var\(--jp-/.test(r.attrs.style))).toBe(true);
    const thick = svg.all('g').filter(g => g.children.find(c => c.tag === 'rect')!.attrs.style.includes('stroke-width: 3'));
    expect(thick.map(g => g.attrs['data-id'])).toEqual(['run:train']);
    const marker = svg.all('marker')[0].attrs.id;
    expect(svg.all('line')[0].attrs['marker-end']).toBe(`url(#${marker})`);
  });
});

describe('TrackerClient.lineage', () => {
  it('GETs runs/<id>/lineage', async () => {
    const { settings, seen } = fakeServer(() => [200, pipeline()]);
    const got = await new TrackerClient(settings).lineage('a b');
    expect(got.nodes).toHaveLength(5);
    expect(new URL(seen[0].url).pathname).toBe('/lab-base/py-tracker/api/v1/runs/a%20b/lineage');
  });
});
