/**
 * State of the sidebar: the project list, the chosen project, the run query
 * (search, filters, sort, page), the current page of runs, the sweeps and the
 * selection. `refresh()` loads everything for the current query; views listen
 * with `onChange`. No DOM here, so it is unit-tested with jest.
 */
import type {
  IProject,
  IRun,
  IRunsPage,
  IRunsQuery,
  ISweep,
  TrackerClient
} from '../api/client';

export interface IFilter {
  search: string;
  state: string;
  group: string;
  tag: string;
  sweep: string;
  sort: string;
  order: 'asc' | 'desc';
}

export const DEFAULT_FILTER: IFilter = {
  search: '',
  state: '',
  group: '',
  tag: '',
  sweep: '',
  sort: 'created_at',
  order: 'desc'
};

export const PAGE_SIZE = 50;

export class SidebarModel {
  constructor(readonly client: TrackerClient) {}

  projects: IProject[] = [];
  /** The project whose runs are listed; null lists every project. */
  project: string | null = null;
  filter: IFilter = { ...DEFAULT_FILTER };
  offset = 0;
  page: IRunsPage | null = null;
  sweeps: ISweep[] = [];
  error: string | null = null;
  readonly selected = new Set<string>();

  get runs(): IRun[] {
    return this.page?.runs ?? [];
  }

  get total(): number {
    return this.page?.total ?? 0;
  }

  /** Listen to changes; returns a function that stops listening. */
  onChange(fn: () => void): () => void {
    this._listeners.add(fn);
    return () => this._listeners.delete(fn);
  }

  /** The query sent to `GET runs` for the current state. */
  query(): IRunsQuery {
    const f = this.filter;
    return {
      project: this.project ?? undefined,
      search: f.search.trim() || undefined,
      state: f.state || undefined,
      group: f.group || undefined,
      tag: f.tag || undefined,
      sweep: f.sweep || undefined,
      sort: f.sort,
      order: f.order,
      offset: this.offset,
      limit: PAGE_SIZE
    };
  }

  /** Load projects, the runs page and the sweeps; errors land in `error`. */
  async refresh(): Promise<void> {
    const seq = ++this._seq;
    try {
      const project = this.project ?? undefined;
      const [projects, page, sweeps] = await Promise.all([
        this.client.projects(),
        this.client.runs(this.query()),
        this.client.sweeps(project)
      ]);
      if (seq !== this._seq) {
        return; // a newer refresh started meanwhile: its answer wins
      }
      this.projects = projects.projects;
      this.page = page;
      this.sweeps = sweeps.sweeps;
      this.error = null;
      const ids = new Set(page.runs.map(r => r.id));
      for (const id of [...this.selected]) {
        if (!ids.has(id)) {
          this.selected.delete(id);
        }
      }
    } catch (error) {
      if (seq !== this._seq) {
        return;
      }
      this.error = error instanceof Error ? error.message : String(error);
    }
    this._emit();
  }

  setProject(project: string | null): Promise<void> {
    this.project = project;
    this.filter = { ...this.filter, group: '', tag: '', sweep: '' };
    this.offset = 0;
    this.selected.clear();
    return this.refresh();
  }

  setFilter(change: Partial<IFilter>): Promise<void> {
    this.filter = { ...this.filter, ...change };
    this.offset = 0;
    return this.refresh();
  }

  /** Move by whole pages; stays inside [0, total). */
  setPage(offset: number): Promise<void> {
    const last = Math.max(0, this.total - 1);
    this.offset = Math.max(0, Math.min(offset - (offset % PAGE_SIZE), last - (last % PAGE_SIZE)));
    return this.refresh();
  }

  toggleSelected(id: string): void {
    if (this.selected.has(id)) {
      this.selected.delete(id);
    } else {
      this.selected.add(id);
    }
    this._emit();
  }

  private _emit(): void {
    for (const fn of this._listeners) {
      fn();
    }
  }

  private _seq = 0;
  private _listeners = new Set<() => void>();
}
