/**
 * Typed client of the py_tracker REST API (`<base_url>/py-tracker/api/v1/`).
 * The shapes mirror what `py_tracker/server/handlers.py` answers.
 */
import { ServerConnection } from '@jupyterlab/services';

import { encodePath, requestAPI, requestRaw, withQuery } from './request';

export type RunState =
  | 'running'
  | 'finished'
  | 'failed'
  | 'crashed'
  | 'stopped'
  | string;

export interface IProject {
  name: string;
  run_count: number;
  created_at: number | null;
  last_activity: number | null;
}

/** A `wandb.alert()` of a run (see `py_tracker.core.alerts`); `at` is epoch seconds. */
export interface IAlert {
  title: string;
  text: string;
  level: 'INFO' | 'WARN' | 'ERROR' | string;
  at: number;
}

/**
 * Where an imported run came from (`py-tracker import`): the source ("wandb",
 * "tensorboard", "mlflow"), the run's id and path there. The run list sends
 * `problem_count`; the run detail is the whole record, with `problems` (what of the
 * source could not be read).
 */
export interface IImported {
  source: string;
  id?: string | null;
  path?: string | null;
  at?: number;
  problem_count?: number;
  problems?: string[];
}

export interface IRun {
  id: string;
  name: string;
  project: string;
  group: string | null;
  job_type: string | null;
  tags: string[];
  notes: string | null;
  state: RunState;
  created_at: number | null;
  updated_at: number | null;
  heartbeat_at: number | null;
  runtime: number | null;
  summary: Record<string, unknown>;
  sweep_id: string | null;
  /** How many alerts the run raised, and the newest one (null when none). */
  alert_count?: number;
  last_alert?: IAlert | null;
  /** Set on runs made by `py-tracker import`; null (or absent) for runs recorded here. */
  imported?: IImported | null;
}

export interface IRunDetail extends IRun {
  config: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** Oldest first, as recorded. */
  alerts?: IAlert[];
}

export interface IFileEntry {
  name: string;
  size: number;
}

export interface IRunsQuery {
  project?: string;
  state?: string;
  group?: string;
  tag?: string;
  sweep?: string;
  search?: string;
  sort?: string;
  order?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
}

export interface IRunsPage {
  runs: IRun[];
  total: number;
  offset: number;
  limit: number;
  facets: {
    groups: string[];
    tags: string[];
    states: Record<string, number>;
    /** Numeric summary metrics of the project's runs (the sort-by choices). */
    metrics?: string[];
  };
}

export interface ISeries {
  x: number[];
  y: number[];
  /** Set when this metric is drawn against its own step metric (define_metric). */
  x_axis?: string;
}

export interface IHistory {
  stream: string;
  x_axis: string;
  keys: string[];
  rows: number;
  series: Record<string, ISeries>;
}

export interface IHistoryQuery {
  keys?: string[];
  x_axis?: string;
  min_step?: number;
  max_step?: number;
  points?: number;
}

export interface ILogs {
  text: string;
  offset: number;
  next_offset: number;
  size: number;
}

export interface ISweep {
  id: string;
  name: string | null;
  project: string;
  state: string;
  method: string | null;
  metric: { name?: string; goal?: string } | null;
  trial_count: number;
  run_cap: number | null;
  best: { run_id: string; value: number } | null;
  created_at: number | null;
}

export interface ISweepDetail {
  sweep: ISweep & { config?: Record<string, unknown> };
  trials: IRun[];
  view: ISweepView;
}

/** One trial as the sweep view draws it: its swept parameters' values and the chosen metric. */
export interface ISweepTrial {
  number: number;
  run_id: string;
  name: string;
  state: string;
  params: Record<string, unknown>;
  metric: number | null;
}

/** A tick of a parallel axis: where it sits in [0, 1] and its label (a value or a category). */
export interface IAxisTick {
  position: number;
  label: string;
}

/**
 * One vertical axis of the parallel coordinates (`py_tracker.sweeps.axes.axis_values`):
 * `positions[i]` places trial i in [0, 1] (null: the trial has no metric value yet).
 * The metric axis comes last (`role: 'metric'`) with the metric's range `lo`..`hi`.
 */
export interface ISweepAxis {
  name: string;
  role: 'parameter' | 'metric' | string;
  kind: 'numeric' | 'categorical' | string;
  positions: (number | null)[];
  ticks: IAxisTick[];
  lo?: number | null;
  hi?: number | null;
}

/** A parameter's row of W&B's "parameter importance" panel (`py_tracker.sweeps.importance`). */
export interface IImportanceRow {
  name: string;
  correlation: number | null;
  forest: number | null;
}

/** What the sidebar's sweep view draws (GET sweeps/<id>?metric=, `py_tracker.server.sweepview`). */
export interface ISweepView {
  metric: { name: string; goal: string } | null;
  metrics: string[];
  params: string[];
  trials: ISweepTrial[];
  /** Every trial of the sweep; `trials` holds at most the newest 1,000. */
  trial_count: number;
  axes: ISweepAxis[];
  constant: { name: string; value: unknown }[];
  importance: { metric: string | null; trials: number; note: string; rows: IImportanceRow[] };
}

/** A node of a run's lineage: a run or an artifact version (see `py_tracker.artifacts.lineage`). */
export interface ILineageNode {
  id: string;
  kind: 'run' | 'artifact' | string;
  label: string;
  type?: string;
  job_type?: string | null;
  aliases?: string[];
  [key: string]: unknown;
}

/** "output": run → artifact it logged; "input": artifact → run that used it. */
export interface ILineageEdge {
  source: string;
  target: string;
  kind: 'input' | 'output' | string;
}

export interface ILineage {
  nodes: ILineageNode[];
  edges: ILineageEdge[];
}

/**
 * A custom chart (`wandb.plot.*`) of a run: the newest value logged under `key`, its W&B
 * preset `spec` (e.g. "wandb/line/v0"), the `fields` naming which table columns it draws,
 * and that table. `error` is set (and the table empty) when its file could not be read.
 */
export interface ICustomChart {
  key: string;
  table_key: string;
  spec: string;
  title: string;
  fields: Record<string, string | null>;
  string_fields: Record<string, string>;
  columns: string[];
  data: unknown[][];
  truncated: boolean;
  error: string | null;
}

/**
 * A logged `wandb.Table` of a run (GET runs/<id>/tables): the newest value under `key`, its
 * `columns` and up to the server's row cap of `data` (`truncated` says more were left out;
 * `rows` is the full count). Cells are as stored: an image cell is its image-file dict, whose
 * `path` is fetched through `file()`. `error` is set (and the table empty) when its file could
 * not be read or led out of the store.
 */
export interface IRunTable {
  key: string;
  columns: string[];
  data: unknown[][];
  rows: number;
  truncated: boolean;
  error: string | null;
}

/** One image of a logged step (GET runs/<id>/media); `path` is fetched through `file()`. */
export interface IMediaImage {
  path: string;
  caption: string | null;
  width: number | null;
  height: number | null;
}

/** A logged histogram: `bins` are the edges (one more than `values`, the counts). */
export interface IMediaHistogram {
  bins: number[];
  values: number[];
}

/**
 * The logged images or histograms of one key of a run over its steps (GET runs/<id>/media):
 * `images[i]` (kind "images") or `histograms[i]` (kind "histogram") belongs to `steps[i]`.
 * `logged` counts every logged value (more than `steps.length` when the server sent an evenly
 * spaced subset); `error` says what could not be read.
 */
export interface IRunMedia {
  key: string;
  kind: 'images' | 'histogram' | string;
  steps: number[];
  images: IMediaImage[][];
  histograms: IMediaHistogram[];
  logged: number;
  error: string | null;
}

export interface IRunPatch {
  name?: string;
  tags?: string[];
  notes?: string;
}

/** Calls to the server extension, one method per end point. */
export class TrackerClient {
  constructor(
    readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  projects(): Promise<{ projects: IProject[] }> {
    return requestAPI('projects', {}, this.settings);
  }

  runs(query: IRunsQuery = {}): Promise<IRunsPage> {
    return requestAPI(withQuery('runs', { ...query }), {}, this.settings);
  }

  run(id: string): Promise<{ run: IRunDetail; files: IFileEntry[] }> {
    return requestAPI(`runs/${encodeURIComponent(id)}`, {}, this.settings);
  }

  history(
    id: string,
    query: IHistoryQuery = {},
    stream: 'history' | 'system' = 'history'
  ): Promise<IHistory> {
    const endPoint = `runs/${encodeURIComponent(id)}/${stream}`;
    return requestAPI(
      withQuery(endPoint, {
        keys: query.keys?.join(','),
        x_axis: query.x_axis,
        min_step: query.min_step,
        max_step: query.max_step,
        points: query.points
      }),
      {},
      this.settings
    );
  }

  logs(id: string, offset?: number, maxBytes?: number): Promise<ILogs> {
    return requestAPI(
      withQuery(`runs/${encodeURIComponent(id)}/logs`, {
        offset,
        max_bytes: maxBytes
      }),
      {},
      this.settings
    );
  }

  file(id: string, path: string): Promise<Response> {
    return requestRaw(
      `runs/${encodeURIComponent(id)}/files/${encodePath(path)}`,
      {},
      this.settings
    );
  }

  sweeps(project?: string): Promise<{ sweeps: ISweep[] }> {
    return requestAPI(withQuery('sweeps', { project }), {}, this.settings);
  }

  /** The sweep with its view by `metric` (default: the sweep's metric). */
  sweep(id: string, metric?: string): Promise<ISweepDetail> {
    return requestAPI(withQuery(`sweeps/${encodeURIComponent(id)}`, { metric }), {}, this.settings);
  }

  artifacts(project?: string): Promise<{ artifacts: Record<string, unknown>[] }> {
    return requestAPI(withQuery('artifacts', { project }), {}, this.settings);
  }

  lineage(id: string): Promise<ILineage> {
    return requestAPI(`runs/${encodeURIComponent(id)}/lineage`, {}, this.settings);
  }

  charts(id: string): Promise<{ charts: ICustomChart[] }> {
    return requestAPI(`runs/${encodeURIComponent(id)}/charts`, {}, this.settings);
  }

  tables(id: string): Promise<{ tables: IRunTable[] }> {
    return requestAPI(`runs/${encodeURIComponent(id)}/tables`, {}, this.settings);
  }

  media(id: string): Promise<{ media: IRunMedia[] }> {
    return requestAPI(`runs/${encodeURIComponent(id)}/media`, {}, this.settings);
  }

  stopRun(id: string): Promise<{ ok: boolean; state: string }> {
    return requestAPI(
      `runs/${encodeURIComponent(id)}/stop`,
      { method: 'POST', body: '{}' },
      this.settings
    );
  }

  stopSweep(id: string): Promise<{ ok: boolean; state: string }> {
    return requestAPI(
      `sweeps/${encodeURIComponent(id)}/stop`,
      { method: 'POST', body: '{}' },
      this.settings
    );
  }

  updateRun(id: string, patch: IRunPatch): Promise<{ run: IRunDetail }> {
    return requestAPI(
      `runs/${encodeURIComponent(id)}`,
      { method: 'PATCH', body: JSON.stringify(patch) },
      this.settings
    );
  }

  deleteRun(id: string): Promise<void> {
    return requestAPI(
      `runs/${encodeURIComponent(id)}`,
      { method: 'DELETE' },
      this.settings
    );
  }
}
