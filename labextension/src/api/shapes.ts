/**
 * The JSON shapes the UI reads, as data, so one answer can be checked against them at run
 * time (and in jest against the fixtures the Python tests write from the real server,
 * `labextension/test/fixtures/*.json`). `ShapeOf<T>` makes the compiler demand one entry
 * per field of the TS interface, so a field added to `client.ts` without its shape fails the
 * build, and a field the server drops or retypes fails `checkShape` on the fixtures.
 *
 * A spec is a type string (`'string'`, `'number|null'`; a leading `?` marks an optional
 * field; `'object'` a free-form dict such as `summary`), a nested shape, `[spec]` for an
 * array of that spec, or `{ '{}': spec }` for a dict keyed by user data (metric names).
 */
import type {
  IAlert,
  ICustomChart,
  IFileEntry,
  IHistory,
  ILineage,
  ILineageEdge,
  ILineageNode,
  ILogs,
  IProject,
  IRun,
  IRunDetail,
  IRunMedia,
  IRunsPage,
  IRunTable,
  ISeries,
  ISweep,
  ISweepAxis,
  ISweepTrial,
  ISweepView
} from './client';

export type Spec = string | IShape | [Spec] | { '{}': Spec };
export interface IShape {
  [field: string]: Spec;
}
/** One spec for every field of T (optional ones included), no more. */
export type ShapeOf<T> = { [K in keyof Required<T>]: Spec };

const KINDS = new Set(['string', 'number', 'boolean', 'null', 'object', 'array', 'unknown']);

function kindOf(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  return typeof value;
}

function checkKinds(value: unknown, spec: string, path: string): string[] {
  const kinds = spec.replace(/^\?/, '').split('|');
  for (const k of kinds) {
    if (!KINDS.has(k)) {
      throw new Error(`unknown kind ${JSON.stringify(k)} in the shape at ${path}`);
    }
  }
  const kind = kindOf(value);
  if (kinds.includes('unknown') || kinds.includes(kind)) {
    return [];
  }
  return [`${path}: expected ${kinds.join(' or ')}, got ${kind} (${JSON.stringify(value)?.slice(0, 60)})`];
}

/**
 * Every mismatch between `value` and `spec`, as `path: expected ..., got ...` lines; empty
 * when it fits. Fields the spec does not name are allowed (the server may send more).
 */
export function checkShape(value: unknown, spec: Spec, path = '$'): string[] {
  if (typeof spec === 'string') {
    if (spec.startsWith('?') && value === undefined) {
      return [];
    }
    return checkKinds(value, spec, path);
  }
  if (Array.isArray(spec)) {
    if (!Array.isArray(value)) {
      return [`${path}: expected an array, got ${kindOf(value)}`];
    }
    return value.flatMap((item, i) => checkShape(item, spec[0], `${path}[${i}]`));
  }
  if (kindOf(value) !== 'object') {
    return [`${path}: expected an object, got ${kindOf(value)}`];
  }
  const obj = value as Record<string, unknown>;
  if ('{}' in spec && Object.keys(spec).length === 1) {
    const each = (spec as { '{}': Spec })['{}'];
    return Object.entries(obj).flatMap(([k, v]) => checkShape(v, each, `${path}.${k}`));
  }
  return Object.entries(spec as IShape).flatMap(([k, s]) => {
    if (!(k in obj)) {
      return typeof s === 'string' && s.startsWith('?') ? [] : [`${path}.${k}: missing`];
    }
    return checkShape(obj[k], s, `${path}.${k}`);
  });
}

export const ALERT: ShapeOf<IAlert> = { title: 'string', text: 'string', level: 'string', at: 'number' };

export const PROJECT: ShapeOf<IProject> = {
  name: 'string',
  run_count: 'number',
  created_at: 'number|null',
  last_activity: 'number|null'
};

export const RUN: ShapeOf<IRun> = {
  id: 'string',
  name: 'string',
  project: 'string',
  group: 'string|null',
  job_type: 'string|null',
  tags: ['string'],
  notes: 'string|null',
  state: 'string',
  created_at: 'number|null',
  updated_at: 'number|null',
  heartbeat_at: 'number|null',
  runtime: 'number|null',
  summary: 'object',
  sweep_id: 'string|null',
  alert_count: '?number',
  last_alert: '?object|null',
  imported: '?object|null'
};

export const RUN_DETAIL: ShapeOf<IRunDetail> = {
  ...RUN,
  config: 'object',
  metadata: 'object',
  alerts: [ALERT]
};

export const FILE_ENTRY: ShapeOf<IFileEntry> = { name: 'string', size: 'number' };

export const RUNS_PAGE: ShapeOf<IRunsPage> = {
  runs: [RUN],
  total: 'number',
  offset: 'number',
  limit: 'number',
  facets: { groups: ['string'], tags: ['string'], states: { '{}': 'number' }, metrics: ['string'] }
};

export const SERIES: ShapeOf<ISeries> = { x: ['number'], y: ['number|null'], x_axis: '?string' };

export const HISTORY: ShapeOf<IHistory> = {
  stream: 'string',
  x_axis: 'string',
  keys: ['string'],
  rows: 'number',
  series: { '{}': SERIES }
};

export const LOGS: ShapeOf<ILogs> = {
  text: 'string',
  offset: 'number',
  next_offset: 'number',
  size: 'number'
};

export const SWEEP: ShapeOf<ISweep> = {
  id: 'string',
  name: 'string|null',
  project: 'string',
  state: 'string',
  method: 'string|null',
  metric: 'object|null',
  trial_count: 'number',
  run_cap: 'number|null',
  best: 'object|null',
  created_at: 'number|null'
};

export const SWEEP_TRIAL: ShapeOf<ISweepTrial> = {
  number: 'number',
  run_id: 'string',
  name: 'string',
  state: 'string',
  params: 'object',
  metric: 'number|null'
};

export const SWEEP_AXIS: ShapeOf<ISweepAxis> = {
  name: 'string',
  role: 'string',
  kind: 'string',
  positions: ['number|null'],
  ticks: [{ position: 'number', label: 'string' }],
  lo: '?number|null',
  hi: '?number|null'
};

export const SWEEP_VIEW: ShapeOf<ISweepView> = {
  metric: 'object|null',
  metrics: ['string'],
  params: ['string'],
  trials: [SWEEP_TRIAL],
  trial_count: 'number',
  axes: [SWEEP_AXIS],
  constant: [{ name: 'string', value: 'unknown' }],
  importance: {
    metric: 'string|null',
    trials: 'number',
    note: 'string',
    rows: [{ name: 'string', correlation: 'number|null', forest: 'number|null' }]
  }
};

export const LINEAGE_NODE: ShapeOf<ILineageNode> = {
  id: 'string',
  kind: 'string',
  label: 'string',
  type: '?string',
  job_type: '?string|null',
  aliases: '?array'
};

export const LINEAGE_EDGE: ShapeOf<ILineageEdge> = { source: 'string', target: 'string', kind: 'string' };

export const LINEAGE: ShapeOf<ILineage> = { nodes: [LINEAGE_NODE], edges: [LINEAGE_EDGE] };

export const CUSTOM_CHART: ShapeOf<ICustomChart> = {
  key: 'string',
  table_key: 'string',
  spec: 'string',
  title: 'string',
  fields: 'object',
  string_fields: 'object',
  columns: ['string'],
  data: ['array'],
  truncated: 'boolean',
  error: 'string|null'
};

export const RUN_TABLE: ShapeOf<IRunTable> = {
  key: 'string',
  columns: ['string'],
  data: ['array'],
  rows: 'number',
  truncated: 'boolean',
  error: 'string|null'
};

export const RUN_MEDIA: ShapeOf<IRunMedia> = {
  key: 'string',
  kind: 'string',
  steps: ['number'],
  images: [[{ path: 'string', caption: 'string|null', width: 'number|null', height: 'number|null' }]],
  histograms: [{ bins: ['number'], values: ['number'] }],
  logged: 'number',
  error: 'string|null'
};

/** The answer of each end point the sidebar calls, by fixture name. */
export const ANSWERS: Record<string, IShape> = {
  projects: { projects: [PROJECT] },
  runs: RUNS_PAGE,
  run: { run: RUN_DETAIL, files: [FILE_ENTRY] },
  history: HISTORY,
  system: HISTORY,
  logs: LOGS,
  charts: { charts: [CUSTOM_CHART] },
  tables: { tables: [RUN_TABLE] },
  media: { media: [RUN_MEDIA] },
  lineage: LINEAGE,
  sweeps: { sweeps: [SWEEP] },
  sweep: { sweep: { ...SWEEP, config: '?object' }, trials: [RUN], view: SWEEP_VIEW },
  artifacts: { artifacts: ['object'] },
  patch: { run: RUN_DETAIL },
  stop: { ok: 'boolean', state: 'string' }
};
