/**
 * The Tables tab of a run view: each logged `wandb.Table` (GET runs/<id>/tables) as an HTML
 * table with a filter box (matches any cell's text) and sortable headers (click: ascending,
 * again: descending). Image cells are drawn as <img> from a blob fetched through the files
 * endpoint (`TrackerClient.file`, so Jupyter's auth applies, as in the Files tab). Every user
 * string (column names, cells, captions, errors) goes in as text through `el`, never as HTML.
 */
import type { IRunTable, TrackerClient } from '../api/client';
import { cellText, isImageCell, ITableOrder, selectRows, sortKey, tableNote } from '../model/tablemodel';
import type { IImageCell } from '../model/tablemodel';
import { el, renderKeyed } from '../util/dom';

/** Rows drawn at most per table (as the run panel); the note says how many more match. */
export const MAX_SHOWN = 500;

/**
 * Object URLs of a run's image files, fetched once each through `fetch` (the authed files
 * endpoint) and revoked on `dispose()`.
 */
export class ImageUrls {
  constructor(private readonly fetch: (path: string) => Promise<Response>) {}

  /** The object URL of the PNG at `path` (relative to the run's files folder). */
  url(path: string): Promise<string> {
    let found = this._urls.get(path);
    if (!found) {
      found = this.fetch(path).then(async response => {
        const type = response.headers.get('Content-Type') ?? '';
        if (!type.startsWith('image/') || type.includes('svg')) {
          throw new Error(`${path} is not an image (${type || 'no type'})`);
        }
        const url = URL.createObjectURL(await response.blob());
        this._made.push(url);
        return url;
      });
      found.catch(() => this._urls.delete(path)); // a failed fetch is tried again on the next draw
      this._urls.set(path, found);
    }
    return found;
  }

  dispose(): void {
    this._made.forEach(u => URL.revokeObjectURL(u));
    this._made = [];
    this._urls.clear();
  }

  private _urls = new Map<string, Promise<string>>();
  private _made: string[] = [];
}

/** The image-file fetcher of run `id`. */
export function runImages(client: TrackerClient, id: string): ImageUrls {
  return new ImageUrls(path => client.file(id, path));
}

/** One logged table: its DOM node (data-key), kept sort/filter across `setTable` refreshes. */
export class TableView {
  constructor(
    table: IRunTable,
    private readonly images: ImageUrls
  ) {
    this._table = table;
    this.node = el('div', { className: 'jp-PyTracker-tableView', attrs: { 'data-key': table.key } });
    this._filter = el('input', {
      className: 'jp-PyTracker-tableFilter',
      attrs: { type: 'search', placeholder: 'Filter rows…', 'aria-label': `Filter ${table.key}` }
    });
    this._filter.addEventListener('input', () => {
      this.order = { ...this.order, query: this._filter.value };
      this._drawBody();
    });
    this.node.append(
      el('div', { className: 'jp-PyTracker-tableTitle', text: table.key }),
      this._filter,
      this._box
    );
    this._draw();
  }

  readonly node: HTMLDivElement;
  order: ITableOrder = { column: null, descending: false, query: '' };

  /** New rows for the same key (a newer value was logged); the sort and filter stay. */
  setTable(table: IRunTable): void {
    if (table.columns.join('\u0000') !== this._table.columns.join('\u0000')) {
      this.order = { ...this.order, column: null, descending: false };
    }
    this._table = table;
    this._draw();
  }

  /** Sort by column `i`: ascending first, descending when it already is ascending. */
  sortBy(i: number): void {
    const again = this.order.column === i && !this.order.descending;
    this.order = { ...this.order, column: i, descending: again };
    this._draw();
  }

  private _draw(): void {
    const t = this._table;
    this._box.textContent = '';
    this._filter.hidden = !!t.error;
    if (t.error) {
      this._box.appendChild(el('div', { className: 'jp-PyTracker-error jp-PyTracker-tableError', text: t.error }));
      return;
    }
    const arrow = (i: number) => (this.order.column === i ? (this.order.descending ? ' ▼' : ' ▲') : '');
    const head = el(
      'tr',
      {},
      t.columns.map((c, i) =>
        el('th', {
          text: `${c}${arrow(i)}`,
          title: `Sort by ${c}`,
          attrs: { 'data-col': String(i) },
          onClick: () => this.sortBy(i)
        })
      )
    );
    this._tbody = el('tbody');
    this._note = el('div', { className: 'jp-PyTracker-tableNote' });
    this._box.append(
      el('table', { className: 'jp-PyTracker-kv jp-PyTracker-dataTable' }, [el('thead', {}, [head]), this._tbody]),
      this._note
    );
    this._drawBody();
  }

  private _drawBody(): void {
    const t = this._table;
    if (!this._tbody || !this._note) {
      return;
    }
    const rows = selectRows(t.data, this.order);
    const shown = rows.slice(0, MAX_SHOWN);
    this._tbody.textContent = '';
    for (const row of shown) {
      this._tbody.appendChild(el('tr', {}, row.map(c => this._cell(c))));
    }
    this._note.textContent = tableNote(t.rows, t.data.length, rows.length, shown.length, this.order.query);
  }

  private _cell(value: unknown): HTMLTableCellElement {
    if (isImageCell(value)) {
      return this._imageCell(value);
    }
    const key = sortKey(value);
    return el('td', { text: cellText(value), className: key && key[0] === 0 ? 'jp-PyTracker-num' : '' });
  }

  private _imageCell(value: IImageCell): HTMLTableCellElement {
    const caption = cellText(value);
    const img = el('img', { className: 'jp-PyTracker-tableImage', attrs: { alt: caption || 'image' } });
    const td = el('td', {}, [img, caption ? el('div', { className: 'jp-PyTracker-caption', text: caption }) : null]);
    this.images.url(value.path).then(
      url => {
        img.src = url;
      },
      error => {
        img.remove();
        td.insertBefore(
          el('div', { className: 'jp-PyTracker-error', text: `image not readable: ${String(error)}` }),
          td.firstChild
        );
      }
    );
    return td;
  }

  private _table: IRunTable;
  private _filter: HTMLInputElement;
  private _box = el('div', { className: 'jp-PyTracker-tableBox' });
  private _tbody: HTMLTableSectionElement | null = null;
  private _note: HTMLDivElement | null = null;
}

/**
 * Fills `body` with one TableView per table, reusing `views` (by key) so a refresh keeps each
 * table's sort and filter; returns the views now shown.
 */
export function renderTables(
  body: HTMLElement,
  tables: IRunTable[],
  images: ImageUrls,
  views: Map<string, TableView>
): Map<string, TableView> {
  return renderKeyed(body, tables, views, {
    listClass: 'jp-PyTracker-tables',
    emptyText: 'No tables: log one with run.log({"name": wandb.Table(columns=[...], data=[...])}).',
    idOf: table => table.key,
    make: table => new TableView(table, images),
    update: (view, table) => view.setTable(table)
  });
}
