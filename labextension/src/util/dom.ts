/** Tiny DOM builder. Text goes in through textContent only: never innerHTML. */
export interface IElementOptions {
  className?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string>;
  onClick?: (event: MouseEvent) => void;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: IElementOptions = {},
  children: (Node | null | undefined)[] = []
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className) {
    node.className = options.className;
  }
  if (options.text !== undefined) {
    node.textContent = options.text;
  }
  if (options.title !== undefined) {
    node.title = options.title;
  }
  for (const [key, value] of Object.entries(options.attrs ?? {})) {
    node.setAttribute(key, value);
  }
  if (options.onClick) {
    const handler = options.onClick;
    node.addEventListener('click', e => handler(e as MouseEvent));
  }
  for (const child of children) {
    if (child) {
      node.appendChild(child);
    }
  }
  return node;
}

/** A <select> with (value, label) options; keeps `value` selected. */
export function fillSelect(
  select: HTMLSelectElement,
  options: [string, string][],
  value: string
): void {
  const same =
    select.options.length === options.length &&
    options.every(([v, l], i) => select.options[i].value === v && select.options[i].text === l);
  if (!same) {
    select.textContent = '';
    for (const [v, label] of options) {
      const option = document.createElement('option');
      option.value = v;
      option.textContent = label;
      select.appendChild(option);
    }
  }
  select.value = options.some(([v]) => v === value) ? value : options[0]?.[0] ?? '';
}

/** A key/value table of a (possibly nested) object; values shown as JSON text. */
export function kvTable(data: Record<string, unknown>, flat = true): HTMLTableElement {
  const table = el('table', { className: 'jp-PyTracker-kv' });
  const rows = flat ? flatten(data) : Object.entries(data);
  for (const [key, value] of rows) {
    table.appendChild(
      el('tr', {}, [el('th', { text: key }), el('td', { text: valueText(value) })])
    );
  }
  if (rows.length === 0) {
    table.appendChild(el('tr', {}, [el('td', { text: '(empty)' })]));
  }
  return table;
}

export function valueText(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return String(value);
  }
  return JSON.stringify(value);
}

/** {"a": {"b": 1}} -> [["a.b", 1]] */
export function flatten(data: Record<string, unknown>, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(data ?? {})) {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) {
      out.push(...flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    } else {
      out.push([`${prefix}${k}`, v]);
    }
  }
  return out;
}

/** How `renderKeyed` names, makes and refreshes the views of one kind of doc. */
export interface IKeyedSpec<D, V extends { readonly node: HTMLElement }> {
  listClass: string;
  emptyText: string;
  idOf: (doc: D) => string;
  make: (doc: D) => V;
  update: (view: V, doc: D) => void;
}

/**
 * Replace `body`'s content with one view per doc, in order, inside a `<div class=listClass>`,
 * or the `emptyText` note when there are none. A doc whose `idOf` matches a view of the last
 * render reuses that view (`update`), so its state (sort order, slider position, loaded images)
 * survives a poll; others get `make`. Returns the views of this render, for the next one.
 */
export function renderKeyed<D, V extends { readonly node: HTMLElement }>(
  body: HTMLElement,
  docs: D[],
  views: Map<string, V>,
  spec: IKeyedSpec<D, V>
): Map<string, V> {
  const next = new Map<string, V>();
  const list = el('div', { className: spec.listClass });
  for (const doc of docs) {
    const id = spec.idOf(doc);
    let view = views.get(id);
    if (view) {
      spec.update(view, doc);
    } else {
      view = spec.make(doc);
    }
    next.set(id, view);
    list.appendChild(view.node);
  }
  if (!docs.length) {
    list.appendChild(el('div', { className: 'jp-PyTracker-empty', text: spec.emptyText }));
  }
  body.textContent = '';
  body.appendChild(list);
  return next;
}
