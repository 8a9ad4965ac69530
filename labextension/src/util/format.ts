/** Pure display helpers (no DOM): durations, numbers, the key metric of a run. */
import type { IImported, IRun } from '../api/client';

/** `12s`, `3m 05s`, `2h 03m`, `1d 02h`; `—` for unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '—';
  }
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) {
    return `${s}s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  }
  if (s < 86400) {
    return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  }
  return `${Math.floor(s / 86400)}d ${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** How long a run has lasted: its runtime, or now - start while it runs. */
export function runDuration(run: IRun, nowSeconds = Date.now() / 1000): number | null {
  if (run.state === 'running' && run.created_at) {
    return Math.max(run.runtime ?? 0, nowSeconds - run.created_at);
  }
  if (run.runtime !== null && run.runtime !== undefined) {
    return run.runtime;
  }
  if (run.created_at && run.updated_at) {
    return run.updated_at - run.created_at;
  }
  return null;
}

/** A compact number: integers as is, others with 4 significant digits. */
export function formatNumber(value: unknown): string {
  if (typeof value !== 'number') {
    return value === null || value === undefined ? '—' : String(value);
  }
  if (!isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e9) {
    return String(value);
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) {
    return value.toExponential(3);
  }
  return String(Number(value.toPrecision(4)));
}

const PREFERRED = ['loss', 'val_loss', 'accuracy', 'acc', 'val_acc', 'score'];

/** The numeric summary entry to show beside a run (a loss if there is one). */
export function keyMetric(
  summary: Record<string, unknown> | null | undefined,
  preferred?: string | null
): { key: string; value: number } | null {
  if (!summary) {
    return null;
  }
  const numeric = Object.entries(summary).filter(
    ([k, v]) =>
      typeof v === 'number' && !k.startsWith('_') && !k.startsWith('system.')
  ) as [string, number][];
  if (numeric.length === 0) {
    return null;
  }
  const wanted = preferred ? [preferred, ...PREFERRED] : PREFERRED;
  for (const name of wanted) {
    const hit = numeric.find(([k]) => k === name);
    if (hit) {
      return { key: hit[0], value: hit[1] };
    }
  }
  const loss = numeric.find(([k]) => k.toLowerCase().includes('loss'));
  const [key, value] = loss ?? numeric[0];
  return { key, value };
}

/** Every state gets a CSS modifier; unknown ones fall back to `other`. */
export function stateClass(state: string): string {
  const known = ['running', 'finished', 'failed', 'crashed', 'stopped'];
  return `jp-PyTracker-state-${known.includes(state) ? state : 'other'}`;
}

/** Local date and time of an epoch in seconds. */
export function formatTime(epoch: number | null | undefined): string {
  if (!epoch) {
    return '—';
  }
  return new Date(epoch * 1000).toLocaleString();
}

/** CSS modifier of an alert level (INFO, WARN, ERROR); unknown levels read as INFO. */
export function alertClass(level: string | null | undefined): string {
  const known = ['INFO', 'WARN', 'ERROR'];
  const l = String(level ?? '').toUpperCase();
  return `jp-PyTracker-alert-${known.includes(l) ? l.toLowerCase() : 'info'}`;
}

/** "LEVEL title: text", the one-line form of an alert. */
export function alertText(alert: { level: string; title: string; text: string }): string {
  return `${alert.level} ${alert.title}: ${alert.text}`;
}

/**
 * "imported from <source>: <path>" for a run made by `py-tracker import`, with
 * " (N parts unreadable)" when the source was damaged; '' for a run recorded here.
 */
export function importedText(imported: IImported | null | undefined): string {
  if (!imported || !imported.source) {
    return '';
  }
  const where = imported.path || imported.id || '';
  const bad = imported.problems?.length ?? imported.problem_count ?? 0;
  return (
    `imported from ${imported.source}` +
    (where ? `: ${where}` : '') +
    (bad ? ` (${bad} part${bad === 1 ? '' : 's'} unreadable)` : '')
  );
}

/** Local wall-clock time "hh:mm:ss" of an epoch in seconds. */
export function clockTime(epoch: number): string {
  const d = new Date(epoch * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
