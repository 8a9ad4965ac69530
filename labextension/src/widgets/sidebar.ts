/**
 * The left-panel tab: projects -> runs (state, name, group, duration, key
 * metric) and sweeps (progress, best value), with search, filters, sort and
 * paging. It polls only while visible. Actions go through JupyterLab commands
 * (see index.ts) so the context menu, the row buttons and the run view share them.
 */
import type { CommandRegistry } from '@lumino/commands';

import type { IRun, ISweep } from '../api/client';
import { el, fillSelect } from '../util/dom';
import { PAGE_SIZE, SidebarModel } from '../model/sidebarmodel';
import { VisiblePoller } from '../model/poller';
import { PollingWidget } from './pollingwidget';
import { CommandIDs, runRow, sweepRow } from './rows';

export { CommandIDs };

const STATES = ['running', 'finished', 'failed', 'crashed', 'stopped'];
const SORTS: [string, string][] = [
  ['created_at', 'Created'],
  ['updated_at', 'Updated'],
  ['name', 'Name'],
  ['state', 'State'],
  ['runtime', 'Duration']
];

/**
 * The sort-by choices: the run fields, then each summary metric as `summary.<key>`
 * (the server sorts by it; runs without the metric come last). A chosen metric that
 * is no longer in the facets stays listed so the select never shows a wrong choice.
 */
export function sortChoices(metrics: string[], current: string): [string, string][] {
  const keys = [...metrics];
  if (current.startsWith('summary.') && !keys.includes(current.slice(8))) {
    keys.push(current.slice(8));
  }
  return [...SORTS, ...keys.map(k => [`summary.${k}`, k] as [string, string])];
}

export class TrackerSidebar extends PollingWidget {
  constructor(
    readonly model: SidebarModel,
    readonly commands: CommandRegistry,
    pollMs = 3000
  ) {
    super();
    this.addClass('jp-PyTracker-sidebar');
    this.poller = new VisiblePoller(() => this.model.refresh(), pollMs);
    this._build();
    this._unlisten = this.model.onChange(() => this.render());
  }

  readonly poller: VisiblePoller;

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.poller.dispose();
    this._unlisten();
    super.dispose();
  }

  /** Redraw the parts that depend on data (the controls keep focus). */
  render(): void {
    const m = this.model;
    const projects: [string, string][] = [
      ['', `All projects`],
      ...m.projects.map(p => [p.name, `${p.name} (${p.run_count})`] as [string, string])
    ];
    fillSelect(this._project, projects, m.project ?? '');
    const facets = m.page?.facets ?? { groups: [], tags: [], states: {} };
    fillSelect(this._sort, sortChoices(facets.metrics ?? [], m.filter.sort), m.filter.sort);
    fillSelect(
      this._group,
      [['', 'Any group'], ...facets.groups.map(g => [g, g] as [string, string])],
      m.filter.group
    );
    fillSelect(
      this._tag,
      [['', 'Any tag'], ...facets.tags.map(t => [t, t] as [string, string])],
      m.filter.tag
    );
    this._error.textContent = m.error ?? '';
    this._error.hidden = !m.error;
    this._renderSweeps(m.sweeps);
    this._renderRuns(m.runs);
    const n = m.selected.size;
    this._compare.disabled = n < 2;
    this._compare.textContent = n >= 2 ? `Compare ${n}` : 'Compare';
    this._clear.hidden = n === 0;
    const first = m.total === 0 ? 0 : m.offset + 1;
    const last = Math.min(m.offset + PAGE_SIZE, m.total);
    this._pageInfo.textContent = `${first}–${last} of ${m.total}`;
    this._prev.disabled = m.offset === 0;
    this._next.disabled = m.offset + PAGE_SIZE >= m.total;
    this._sweepChip.hidden = !m.filter.sweep;
    this._sweepChip.textContent = m.filter.sweep ? `sweep ${m.filter.sweep} ✕` : '';
  }

  private _build(): void {
    const m = this.model;
    const header = el('div', { className: 'jp-PyTracker-header' }, [
      el('span', { className: 'jp-PyTracker-title', text: 'py_tracker' }),
      el('button', {
        className: 'jp-PyTracker-button',
        text: '⟳',
        title: 'Refresh now',
        onClick: () => void this.poller.refresh()
      })
    ]);
    this._project.className = 'jp-PyTracker-select jp-PyTracker-project';
    this._project.title = 'Project';
    this._project.addEventListener('change', () => void m.setProject(this._project.value || null));
    this._search.className = 'jp-PyTracker-search';
    this._search.type = 'search';
    this._search.placeholder = 'Search runs (name, id, tag, config)';
    this._search.addEventListener('input', () => {
      clearTimeout(this._searchTimer);
      this._searchTimer = setTimeout(() => void m.setFilter({ search: this._search.value }), 250);
    });
    const state = el('select', { className: 'jp-PyTracker-select', title: 'State' });
    fillSelect(state, [['', 'Any state'], ...STATES.map(s => [s, s] as [string, string])], '');
    state.addEventListener('change', () => void m.setFilter({ state: state.value }));
    this._group.className = 'jp-PyTracker-select';
    this._group.title = 'Group';
    this._group.addEventListener('change', () => void m.setFilter({ group: this._group.value }));
    this._tag.className = 'jp-PyTracker-select';
    this._tag.title = 'Tag';
    this._tag.addEventListener('change', () => void m.setFilter({ tag: this._tag.value }));
    const sort = this._sort;
    sort.className = 'jp-PyTracker-select jp-PyTracker-sort';
    sort.title = 'Sort by';
    fillSelect(sort, SORTS, m.filter.sort);
    sort.addEventListener('change', () => void m.setFilter({ sort: sort.value }));
    const order = el('button', {
      className: 'jp-PyTracker-button jp-PyTracker-order',
      text: '↓',
      title: 'Descending (click to flip)'
    });
    order.addEventListener('click', () => {
      const next = m.filter.order === 'desc' ? 'asc' : 'desc';
      order.textContent = next === 'desc' ? '↓' : '↑';
      order.title = next === 'desc' ? 'Descending (click to flip)' : 'Ascending (click to flip)';
      void m.setFilter({ order: next });
    });
    this._sweepChip.className = 'jp-PyTracker-chip';
    this._sweepChip.title = 'Show all runs again';
    this._sweepChip.addEventListener('click', () => void m.setFilter({ sweep: '' }));
    this._compare.className = 'jp-PyTracker-button';
    this._compare.addEventListener('click', () => {
      void this.commands.execute(CommandIDs.compare, { ids: [...m.selected] });
    });
    this._clear.className = 'jp-PyTracker-button';
    this._clear.textContent = 'Clear';
    this._clear.addEventListener('click', () => {
      m.selected.clear();
      this.render();
    });
    this._prev.className = this._next.className = 'jp-PyTracker-button';
    this._prev.textContent = '‹';
    this._next.textContent = '›';
    this._prev.addEventListener('click', () => void m.setPage(m.offset - PAGE_SIZE));
    this._next.addEventListener('click', () => void m.setPage(m.offset + PAGE_SIZE));
    this._error.className = 'jp-PyTracker-error';
    this._error.hidden = true;
    this._sweeps.className = 'jp-PyTracker-sweeps';
    this._runs.className = 'jp-PyTracker-runs';
    this.node.append(
      header,
      this._project,
      this._search,
      el('div', { className: 'jp-PyTracker-filters' }, [state, this._group, this._tag]),
      el('div', { className: 'jp-PyTracker-filters' }, [sort, order, this._sweepChip]),
      this._error,
      this._sweeps,
      el('div', { className: 'jp-PyTracker-toolbar' }, [
        this._compare,
        this._clear,
        el('span', { className: 'jp-PyTracker-spacer' }),
        this._prev,
        this._pageInfo,
        this._next
      ]),
      this._runs
    );
    this.render();
  }

  private _renderRuns(runs: IRun[]): void {
    const list = this._runs;
    list.textContent = '';
    if (runs.length === 0) {
      list.appendChild(
        el('div', {
          className: 'jp-PyTracker-empty',
          text: this.model.error ? '' : 'No runs yet. Call py_tracker.init() in a notebook.'
        })
      );
      return;
    }
    const now = Date.now() / 1000;
    for (const run of runs) {
      list.appendChild(runRow(run, now, this));
    }
  }

  private _renderSweeps(sweeps: ISweep[]): void {
    const box = this._sweeps;
    box.textContent = '';
    box.hidden = sweeps.length === 0;
    if (sweeps.length > 0) {
      box.appendChild(el('div', { className: 'jp-PyTracker-sectionTitle', text: 'Sweeps' }));
      for (const sweep of sweeps) {
        box.appendChild(sweepRow(sweep, this));
      }
    }
  }

  private _project = document.createElement('select');
  private _sort = document.createElement('select');
  private _search = document.createElement('input');
  private _group = document.createElement('select');
  private _tag = document.createElement('select');
  private _sweepChip = document.createElement('button');
  private _compare = document.createElement('button');
  private _clear = document.createElement('button');
  private _prev = document.createElement('button');
  private _next = document.createElement('button');
  private _pageInfo = document.createElement('span');
  private _error = document.createElement('div');
  private _sweeps = document.createElement('div');
  private _runs = document.createElement('div');
  private _searchTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _unlisten: () => void;
}
