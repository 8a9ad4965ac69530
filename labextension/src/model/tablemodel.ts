/**
 * The rows of a logged `wandb.Table` as the run view's Tables tab shows them: filtered by a
 * query that matches any cell's text, sorted by one column (numbers by value, then text; empty
 * cells last either way). The same rules as the run panel and reports
 * (`py_tracker/media/table_grid.py`), so a table reads the same wherever it is shown.
 */

/** An image cell as `Table.to_json` stores it; `path` is relative to the run's files folder. */
export interface IImageCell {
  _type: 'image-file';
  path: string;
  caption?: string;
  width?: number;
  height?: number;
}

/** The view's ordering and filter: `column` is an index into the table's columns (null: as logged). */
export interface ITableOrder {
  column: number | null;
  descending: boolean;
  query: string;
}

export function isImageCell(value: unknown): value is IImageCell {
  return (
    !!value &&
    typeof value === 'object' &&
    (value as Record<string, unknown>)._type === 'image-file' &&
    typeof (value as Record<string, unknown>).path === 'string'
  );
}

/** A cell as text: what the filter matches and what is shown for a non-image cell. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (isImageCell(value)) {
    return value.caption === undefined || value.caption === null ? '' : String(value.caption);
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

/** [0, number] or [1, lower-cased text]; null for an empty cell (NaN included), which sorts last. */
export function sortKey(value: unknown): [0, number] | [1, string] | null {
  if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) {
    return null;
  }
  if (typeof value === 'boolean') {
    return [0, value ? 1 : 0];
  }
  if (typeof value === 'number') {
    return [0, value];
  }
  const text = cellText(value);
  return text ? [1, text.toLowerCase()] : null;
}

function compareKeys(a: [0, number] | [1, string], b: [0, number] | [1, string]): number {
  if (a[0] !== b[0]) {
    return a[0] - b[0];
  }
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** The rows whose text contains `order.query` (any cell, case-insensitive), sorted by `order.column`. */
export function selectRows(rows: unknown[][], order: ITableOrder): unknown[][] {
  const q = order.query.trim().toLowerCase();
  let out = q ? rows.filter(r => r.some(c => cellText(c).toLowerCase().includes(q))) : rows.slice();
  const i = order.column;
  if (i !== null) {
    const keyed = out.map(r => ({ r, k: i < r.length ? sortKey(r[i]) : null }));
    const present = keyed.filter(x => x.k !== null) as { r: unknown[]; k: [0, number] | [1, string] }[];
    const empty = keyed.filter(x => x.k === null).map(x => x.r);
    present.sort((a, b) => (order.descending ? -1 : 1) * compareKeys(a.k, b.k)); // stable: ties keep their order
    out = [...present.map(x => x.r), ...empty];
  }
  return out;
}

/** The line under a table: how many rows, how many match, how many are drawn, what the server left out. */
export function tableNote(total: number, sent: number, matching: number, shown: number, query: string): string {
  const q = query.trim();
  let note = q ? `${matching} of ${sent} rows match ${JSON.stringify(q)}` : `${sent} rows`;
  if (shown < matching) {
    note += `; showing the first ${shown}`;
  }
  if (total > sent) {
    note += ` (the table has ${total} rows; only the first ${sent} are loaded here)`;
  }
  return note;
}

/** Changes when a Table key of the summary gets a new value (a new table file): the tab then reloads. */
export function tablesStamp(summary: Record<string, unknown> | undefined): string {
  return Object.entries(summary ?? {})
    .map(([k, v]) => [k, (v && typeof v === 'object' ? v : {}) as Record<string, unknown>] as const)
    .filter(([, d]) => d._type === 'table-file' && !d.chart)
    .map(([k, d]) => `${k}:${String(d.path)}`)
    .sort()
    .join('|');
}
