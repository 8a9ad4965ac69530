/**
 * Out-of-band Stop for the notebook's live panel. A widget click travels to the
 * kernel on its shell channel, so while a cell blocks the kernel it waits until
 * the cell ends. Any element carrying the classes `py-tracker-stop` and
 * `py-tracker-run-<id>` (the panel's Stop button) therefore also makes the
 * front end POST `runs/<id>/stop` to the server extension, which flags the run;
 * the tracker's next `log()` raises RunStopped even in a fully blocking loop.
 */
import { APIError } from './request';
import type { TrackerClient } from './client';

export const STOP_CLASS = 'py-tracker-stop';
const RUN_PREFIX = 'py-tracker-run-';
const SWEEP_PREFIX = 'py-tracker-sweep-';

function idFromClasses(classes: Iterable<string>, prefix: string): string | null {
  for (const name of classes) {
    if (name.startsWith(prefix)) {
      const id = name.slice(prefix.length);
      if (/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
        return id;
      }
    }
  }
  return null;
}

/** The run id named by a `py-tracker-run-<id>` class, or null. */
export function runIdFromClasses(classes: Iterable<string>): string | null {
  return idFromClasses(classes, RUN_PREFIX);
}

/** The sweep id named by a `py-tracker-sweep-<id>` class (the sweep widget's Stop), or null. */
export function sweepIdFromClasses(classes: Iterable<string>): string | null {
  return idFromClasses(classes, SWEEP_PREFIX);
}

/** Listen (capture phase, whole document) for clicks on stop buttons; returns an uninstaller. */
export function installStopListener(client: TrackerClient, root: Document = document): () => void {
  const onClick = (event: Event) => {
    const target = event.target as Element | null;
    const button = target?.closest?.(`.${STOP_CLASS}`);
    if (!button) {
      return;
    }
    const classes = Array.from(button.classList);
    const sweepId = sweepIdFromClasses(classes);
    if (sweepId) {
      // The sweep widget's Stop ends the whole sweep (its current trial included).
      client.stopSweep(sweepId).catch(error => {
        if (!(error instanceof APIError && error.status === 409)) {
          console.warn(`py_tracker: out-of-band stop of sweep ${sweepId} failed`, error);
        }
      });
    }
    const id = runIdFromClasses(classes);
    if (!id) {
      return;
    }
    client.stopRun(id).catch(error => {
      // 409: already ended (e.g. the kernel got the click first); anything else is worth a note
      if (!(error instanceof APIError && error.status === 409)) {
        console.warn(`py_tracker: out-of-band stop of run ${id} failed`, error);
      }
    });
  };
  root.addEventListener('click', onClick, true);
  return () => root.removeEventListener('click', onClick, true);
}
