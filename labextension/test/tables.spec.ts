/**
 * The Tables tab: filter and sort rules (model/tablemodel.ts), and the drawn table
 * (widgets/tables.ts) on a small fake DOM that has no innerHTML, so a user string can only
 * ever arrive as text; image cells fetched through the authed files endpoint.
 */
import { TrackerClient } from '../src/api/client';
import type { IRunTable } from '../src/api/client';
import { cellText, selectRows, sortKey, tableNote, tablesStamp } from '../src/model/tablemodel';
import { ImageUrls, MAX_SHOWN, renderTables, runImages, TableView } from '../src/widgets/tables';
import { fakeServer } from './request.spec';

const EVIL = '<img src=x onerror=alert(1)>';
const PNG = 'media/images/preds_r0_c0_1_abc.png';

/** The DOM calls the widget makes (jest runs in node here). Setting innerHTML throws. */
class FakeNode {
  constructor(readonly tagName: string) {}
  children: FakeNode[] = [];
  parent: FakeNode | null = null;
  attrs: Record<string, string> = {};
  className = '';
  title = '';
  hidden = false;
  value = '';
  src = '';
  private _text = '';
  private _listeners: Record<string, ((e: unknown) => void)[]> = {};

  set innerHTML(_: string) {
    throw new Error('innerHTML used');
  }
  get textContent(): string {
    return this._text + this.children.map(c => c.textContent).join('');
  }
  set textContent(text: string) {
    this.children.forEach(c => (c.parent = null));
    this.children = [];
    this._text = text;
  }
  get firstChild(): FakeNode | null {
    return this.children[0] ?? null;
  }
  setAttribute(k: string, v: string) {
    this.attrs[k] = v;
  }
  addEventListener(type: string, fn: (e: unknown) => void) {
    (this._listeners[type] ??= []).push(fn);
  }
  fire(type: string) {
    (this._listeners[type] ?? []).forEach(fn => fn({}));
  }
  appendChild(c: FakeNode) {
    c.parent?.removeChild(c);
    c.parent = this;
    this.children.push(c);
    return c;
  }
  append(...cs: FakeNode[]) {
    cs.forEach(c => this.appendChild(c));
  }
  insertBefore(c: FakeNode, ref: FakeNode | null) {
    c.parent = this;
    const i = ref ? this.children.indexOf(ref) : -1;
    this.children.splice(i < 0 ? this.children.length : i, 0, c);
    return c;
  }
  removeChild(c: FakeNode) {
    this.children = this.children.filter(x => x !== c);
    c.parent = null;
  }
  remove() {
    this.parent?.removeChild(this);
  }
  all(tag: string): FakeNode[] {
    return this.children.flatMap(c => [...(c.tagName === tag ? [c] : []), ...c.all(tag)]);
  }
  find(cls: string): FakeNode[] {
    return this.children.flatMap(c => [...(c.className.split(' ').includes(cls) ? [c] : []), ...c.find(cls)]);
  }
}

/** Runs a describe block's tests with the fake DOM as `document`. */
function withFakeDocument(): void {
  beforeAll(() => {
    (globalThis as { document?: unknown }).document = { createElement: (tag: string) => new FakeNode(tag) };
  });
  afterAll(() => {
    delete (globalThis as { document?: unknown }).document;
  });
}

function preds(): IRunTable {
  return {
    key: 'preds',
    columns: ['image', 'score', 'label'],
    data: [
      [{ _type: 'image-file', path: PNG, caption: 'red' }, 10, EVIL],
      [null, 9, 'Beta'],
      [null, 100, 'alpha'],
      [null, null, 'gamma']
    ],
    rows: 4,
    truncated: false,
    error: null
  };
}

const texts = (view: TableView, col: number) =>
  (view.node as unknown as FakeNode).all('tbody')[0].all('tr').map(tr => tr.children[col].textContent);

describe('selectRows / cellText / sortKey', () => {
  const rows = preds().data;

  it('sorts numbers numerically, ascending and descending, empty cells last both ways', () => {
    const order = (descending: boolean) => selectRows(rows, { column: 1, descending, query: '' }).map(r => r[1]);
    expect(order(false)).toEqual([9, 10, 100, null]);
    expect(order(true)).toEqual([100, 10, 9, null]);
    expect(rows.map(r => r[1])).toEqual([10, 9, 100, null]); // the table itself is not reordered
  });

  it('sorts text case-insensitively, numbers before text, and keeps ties in logged order', () => {
    expect(selectRows(rows, { column: 2, descending: false, query: '' }).map(r => r[2])).toEqual([
      EVIL, 'alpha', 'Beta', 'gamma'
    ]);
    const mixed = [['b'], [2], ['a'], [1], [true], ['a']];
    expect(selectRows(mixed, { column: 0, descending: false, query: '' })).toEqual([[1], [true], [2], ['a'], ['a'], ['b']]);
    expect(sortKey(NaN)).toBeNull();
    expect(sortKey('')).toBeNull();
  });

  it('filters on any cell text, case-insensitively, image captions included', () => {
    const q = (query: string) => selectRows(rows, { column: null, descending: false, query }).map(r => r[2]);
    expect(q('ALPHA')).toEqual(['alpha']);
    expect(q('100')).toEqual(['alpha']);
    expect(q('red')).toEqual([EVIL]);
    expect(q('onerror')).toEqual([EVIL]);
    expect(q('  ')).toHaveLength(4);
    expect(q('nothing')).toEqual([]);
  });

  it('shows cells as text: floats to 6 significant digits, objects as JSON, images by caption', () => {
    expect(cellText(0.1 + 0.2)).toBe('0.3');
    expect(cellText(1234567.891)).toBe('1234570');
    expect(cellText(3)).toBe('3');
    expect(cellText({ a: 1 })).toBe('{"a":1}');
    expect(cellText({ _type: 'image-file', path: PNG })).toBe('');
    expect(cellText(null)).toBe('');
  });

  it('notes the matches, the drawn cap and what the server left out', () => {
    expect(tableNote(4, 4, 4, 4, '')).toBe('4 rows');
    expect(tableNote(4, 4, 1, 1, ' a ')).toBe('1 of 4 rows match "a"');
    expect(tableNote(5000, 1000, 1000, 500, '')).toBe(
      '1000 rows; showing the first 500 (the table has 5000 rows; only the first 1000 are loaded here)'
    );
  });

  it('stamps Table values of the summary, not custom charts or scalars', () => {
    const summary = {
      b: { _type: 'table-file', path: 'media/table/b_2.table.json' },
      a: { _type: 'table-file', path: 'media/table/a_1.table.json' },
      c: { _type: 'table-file', path: 'media/table/c.table.json', chart: { spec: 'wandb/line/v0' } },
      loss: 0.5
    };
    expect(tablesStamp(summary)).toBe('a:media/table/a_1.table.json|b:media/table/b_2.table.json');
    expect(tablesStamp(undefined)).toBe('');
  });
});

describe('TableView', () => {
  withFakeDocument();
  const noImages = () => new ImageUrls(() => Promise.reject(new Error('no fetch expected')));

  it('draws every user string as text, never as an element', () => {
    const table = { ...preds(), columns: ['image', EVIL, 'label'] };
    const view = new TableView(table, new ImageUrls(async () => new Response('x', { headers: { 'Content-Type': 'image/png' } })));
    const node = view.node as unknown as FakeNode;
    const heads = node.all('th').map(th => th.textContent);
    expect(heads).toEqual(['image', EVIL, 'label']);
    expect(texts(view, 2)).toEqual([EVIL, 'Beta', 'alpha', 'gamma']);
    // the one <img> is the image cell's; the hostile strings made none
    expect(node.all('img')).toHaveLength(1);
    expect(node.all('img')[0].attrs.alt).toBe('red');
  });

  it('sorts on a header click (asc, then desc) and filters as the box is typed in', () => {
    const view = new TableView(preds(), noImages());
    const node = view.node as unknown as FakeNode;
    const score = () => node.all('th')[1];
    score().fire('click');
    expect(texts(view, 1)).toEqual(['9', '10', '100', '']);
    expect(score().textContent).toBe('score ▲');
    score().fire('click');
    expect(texts(view, 1)).toEqual(['100', '10', '9', '']);
    expect(score().textContent).toBe('score ▼');
    const filter = node.find('jp-PyTracker-tableFilter')[0];
    filter.value = 'E';
    filter.fire('input');
    expect(texts(view, 2)).toEqual([EVIL, 'Beta']); // still sorted by score, descending
    expect(node.find('jp-PyTracker-tableNote')[0].textContent).toBe('2 of 4 rows match "E"');
    // a newer value of the same key keeps the sort and the filter
    view.setTable({ ...preds(), data: [...preds().data, [null, 50, 'delta']], rows: 5 });
    expect(texts(view, 2)).toEqual(['delta', EVIL, 'Beta']);
  });

  it(`draws at most ${MAX_SHOWN} rows and says when the server cut the table`, () => {
    const data = Array.from({ length: 1000 }, (_, i) => [i]);
    const view = new TableView({ key: 'long', columns: ['i'], data, rows: 1200, truncated: true, error: null }, noImages());
    expect(texts(view, 0)).toHaveLength(MAX_SHOWN);
    expect((view.node as unknown as FakeNode).find('jp-PyTracker-tableNote')[0].textContent).toBe(
      '1000 rows; showing the first 500 (the table has 1200 rows; only the first 1000 are loaded here)'
    );
  });

  it('puts the reason in an image cell whose file is refused, as text, and no <img>', async () => {
    const images = new ImageUrls(() => Promise.reject(new Error(`403: ${EVIL} leads out of the store`)));
    const view = new TableView(preds(), images);
    const node = view.node as unknown as FakeNode;
    await new Promise(resolve => setTimeout(resolve, 0));
    const cell = node.all('tbody')[0].all('tr')[0].children[0];
    expect(cell.all('img')).toHaveLength(0);
    expect(cell.find('jp-PyTracker-error')[0].textContent).toBe(`image not readable: Error: 403: ${EVIL} leads out of the store`);
    expect(cell.textContent).toContain('red'); // the caption stays
  });

  it('shows the error of a table that could not be read, as text', () => {
    const view = new TableView({ key: 'bad', columns: [], data: [], rows: 0, truncated: false, error: `refused ${EVIL}` }, noImages());
    const node = view.node as unknown as FakeNode;
    expect(node.find('jp-PyTracker-tableError')[0].textContent).toBe(`refused ${EVIL}`);
    expect(node.all('img')).toHaveLength(0);
  });

  it('keeps each key\'s view (and its sort) across renders; says when there are no tables', () => {
    const body = new FakeNode('div') as unknown as HTMLElement;
    const first = renderTables(body, [preds()], noImages(), new Map());
    first.get('preds')!.sortBy(1);
    const again = renderTables(body, [preds()], noImages(), first);
    expect(again.get('preds')).toBe(first.get('preds'));
    expect(again.get('preds')!.order.column).toBe(1);
    renderTables(body, [], noImages(), again);
    expect(body.textContent).toContain('No tables');
  });
});

describe('image cells', () => {
  it('fetch the PNG once through runs/<id>/files/<path> with the token, as a blob URL', async () => {
    const { settings, seen } = fakeServer(() => [200, 'png-bytes']);
    const wrapped = {
      ...settings,
      fetch: async (input: RequestInfo | URL) => {
        const r = await settings.fetch(input as RequestInfo);
        return new Response(await r.blob(), { status: r.status, headers: { 'Content-Type': 'image/png' } });
      }
    };
    const images = runImages(new TrackerClient(wrapped), 'run 1');
    const [a, b] = await Promise.all([images.url(PNG), images.url(PNG)]);
    expect(a).toMatch(/^blob:/);
    expect(b).toBe(a);
    expect(seen).toHaveLength(1);
    expect(new URL(seen[0].url).pathname).toBe(`/lab-base/py-tracker/api/v1/runs/run%201/files/${PNG}`);
    expect(seen[0].headers.get('Authorization')).toBe('token secret-token');
    images.dispose();
  });

  it('refuse an answer that is not an image, and try again next time', async () => {
    let calls = 0;
    const images = new ImageUrls(async () => {
      calls += 1;
      return new Response('<svg/>', { headers: { 'Content-Type': 'image/svg+xml' } });
    });
    await expect(images.url('x.svg')).rejects.toThrow('not an image');
    await expect(images.url('x.svg')).rejects.toThrow('not an image');
    expect(calls).toBe(2);
  });
});
