"""`Run`: one tracked execution. `log()` only touches memory; a flusher thread writes.

Data flow: log() → an in-memory queue (a deque, safe between threads) →
Flusher → append-only history file (durable within `flush_interval`); the
Bookkeeper thread saves summary/config to the catalog every few seconds, so
history never waits on the catalog lock. The queue is bounded: past
`_MAX_PENDING_CELLS` values log() waits for the flusher (never dropping a row;
not while the disk refuses writes). `finish()` drains everything and records
the final state, or raises and leaves the run going.
"""
from __future__ import annotations

import collections
import errno
import logging
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import orjson

from ..errors import RunFinishedError, RunStopped, StorageError
from ..settings import Settings
from ..storage.atomic import atomic_write
from ..storage.catalog import Catalog
from ..formats import flatten
from ..storage.history import HistoryWriter
from ..storage.paths import StoreLayout
from ..storage.records import RunState, end_fields, save_run
from .config import Config
from .conveniences import RunConveniences
from .flusher import Bookkeeper, Flusher, touch
from .links import StrPath, entity_of, run_path, run_url
from .summary import MetricDef, Summary
from .values import json_safe, log_values, scalar

log = logging.getLogger("py_tracker")

_BASIC = frozenset({int, float, bool, str})
_WIDE = 16  # rows with more keys are checked with set operations (C loops) once their keys are known
_CHUNK_ROWS = 50_000  # rows per history chunk: bounds the time finish() waits for a flush
_CHUNK_CELLS = 500_000  # ... and values per chunk, so wide rows make smaller chunks (bounded memory)
# Past this many pending values (rows x keys) log() waits for the flusher (never drops a row);
# ~35 MB of 2-key rows (5 values with _step, _runtime, _timestamp; ~70 B a value as dicts).
# While the disk refuses writes rows are kept in memory instead.
_MAX_PENDING_CELLS = 500_000


class Run(RunConveniences):
    """A run being recorded in this process. Create it with `py_tracker.init()`."""

    def __init__(self, catalog: Catalog, record: dict, settings: Settings, *,
                 start_step: int = 0, runtime_offset: float = 0.0, resumed: bool = False):
        self._catalog = catalog
        self._layout: StoreLayout = catalog.layout
        self.settings = settings
        self._record = record
        self.id: str = record["id"]
        self.resumed = resumed
        # wall clock for `_timestamp` and start_time; durations (`_runtime`, the record's runtime)
        # from the monotonic clock, so a clock stepped back (NTP, suspend, a user) never makes
        # them shrink or go negative
        self._start = time.time()
        self._mono_start = time.monotonic()
        self._runtime_offset = runtime_offset
        self._step = start_step
        self._partial: dict[str, Any] = {}
        self._partial_lock = threading.RLock()
        self._queue: collections.deque = collections.deque()
        self._sys_queue: collections.deque = collections.deque()
        self._retry: list[dict] = []
        self._sys_retry: list[dict] = []
        self._flush_lock = threading.Lock()
        self._meta_lock = threading.Lock()
        self._wide_keys: frozenset[str] = frozenset()  # keys of the last wide row, all str
        self._notes: collections.deque[str] = collections.deque()  # warnings for the user's thread
        self._noted: set[str] = set()
        self._meta_dirty = True
        self._config_written: bytes | None = None  # config last written to config.yaml (see _save_meta)
        self._alert = False
        self._stop_requested = False
        self._error: BaseException | None = None
        self._error_reported = False
        self._finished = False
        self._media = False  # set once a media value was logged: rows then need _prepare
        self._state: str = RunState.RUNNING.value
        self._finish_hooks: list[Callable[[], None]] = []
        self._end_listeners: list[Callable[["Run"], None]] = []
        self._poll_hooks: list[Callable[[], None]] = []
        self._row_listeners: list[Callable[[str, list[dict]], None]] = []
        self.config = Config(record.get("config") or {}, on_change=self._mark_dirty)
        self.summary = Summary(on_change=self._mark_dirty)
        if resumed:
            self.summary._last.update(record.get("summary") or {})
        for d in record.get("metrics") or []:
            self.summary.define(MetricDef(**d))
        run_dir = self._layout.run_dir(self.id)
        self._files: Path = run_dir / "files"
        self._files.mkdir(parents=True, exist_ok=True)
        self._history = HistoryWriter(self._layout.history(self.id, "history"))
        self._system = HistoryWriter(self._layout.history(self.id, "system"))
        self._heartbeat = self._layout.heartbeat(self.id)
        self._stop_flag = self._layout.stop_flag(self.id)
        try:
            self._stop_flag.unlink()
        except FileNotFoundError:
            pass
        touch(self._heartbeat)
        self._start_threads()

    # --- identity -----------------------------------------------------
    @property
    def name(self) -> str:
        return self._record["name"]

    @name.setter
    def name(self, value: str) -> None:
        self._record["name"] = str(value)
        self._mark_dirty()

    display_name = name

    @property
    def project(self) -> str:
        return self._record["project"]

    @property
    def group(self) -> str | None:
        return self._record.get("group")

    @property
    def job_type(self) -> str | None:
        return self._record.get("job_type")

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self._record.get("tags") or ())

    @tags.setter
    def tags(self, value: Any) -> None:
        self._record["tags"] = [str(t) for t in value]
        self._mark_dirty()

    @property
    def notes(self) -> str | None:
        return self._record.get("notes")

    @notes.setter
    def notes(self, value: str) -> None:
        self._record["notes"] = str(value)
        self._mark_dirty()

    @property
    def sweep_id(self) -> str | None:
        return self._record.get("sweep_id")

    @property
    def root(self) -> Path:
        return self._layout.root

    @property
    def entity(self) -> str:
        """W&B's entity: `init(entity=...)` or WANDB_ENTITY, else "local" (no account offline)."""
        return entity_of(self._record)

    @property
    def path(self) -> str:
        """W&B's run path, "entity/project/id" (what `Api().run(path)` takes)."""
        return run_path(self._record)

    @property
    def dir(self) -> StrPath:
        """The run's files folder as a `str` (W&B); `run.dir / "x"` still gives a Path."""
        return StrPath(self._files)

    @property
    def url(self) -> str:
        """Opens the run's view in JupyterLab when a server here serves its store (see `core.links.run_url`)."""
        return run_url(self._files.parent, self.id)

    def _label(self, code: str | None = None, repo: str | None = None, code_version: str | None = None,
               **kwargs: Any) -> None:
        """W&B's integrations tag their telemetry with `run._label(code=...)`: kept under
        record["labels"], so the store says which library drove the run."""
        labels = {k: v for k, v in {"code": code, "repo": repo, "code_version": code_version, **kwargs}.items()
                  if v is not None}
        if labels:
            self._record.setdefault("labels", {}).update({k: str(v) for k, v in labels.items()})
            self._mark_dirty()

    def get_url(self) -> str:
        return self.url

    def get_project_url(self) -> str:
        return str(self._layout.root)

    @property
    def step(self) -> int:
        return self._step

    @property
    def start_time(self) -> float:
        return self._start

    @property
    def runtime(self) -> float:
        """Seconds the run has run (plus what a resumed run ran before), by the monotonic clock."""
        return time.monotonic() - self._mono_start + self._runtime_offset

    @property
    def state(self) -> str:
        return self._state

    @property
    def finished(self) -> bool:
        return self._finished

    def __repr__(self) -> str:
        return f"<Run {self.path} name={self.name!r} state={self._state}>"

    # --- logging (hot path) ----------------------------------------------
    def log(self, data: dict[str, Any] | None = None, step: int | None = None, commit: bool | None = None) -> None:
        """Record metrics for a step. Only memory is touched; the flusher writes.

        Keys must be str. Values: numbers, bools, strings, numpy/torch scalars,
        nested dicts (shown as `a.b`), media objects. Anything else raises
        TypeError naming the key; nothing of that call is recorded and the run
        goes on.
        """
        if self._alert:
            self._on_alert()
        if self._finished:
            raise RunFinishedError(f"run {self.path} has finished; call py_tracker.init() to start a new run")
        if data is None:
            data = {}  # W&B: log() alone commits the pending row (or advances the step)
        if data.__class__ is not dict:
            if not hasattr(data, "items"):
                raise TypeError(f"log() takes a dict of metrics, e.g. log({{'loss': 0.1}}); got {type(data).__name__}")
            data = dict(data.items())
        same = False
        if len(data) > _WIDE and data.keys() == self._wide_keys and set(map(type, data.values())) <= _BASIC:
            same = True  # a wide row with the keys of the last one and plain values: checked at C speed
        else:
            for k, v in data.items():
                if k.__class__ is not str:
                    raise TypeError(f"log() keys must be str; got key {k!r} of type {type(k).__name__}. "
                                    f"Use str(key) or an f-string.")
                if v.__class__ not in _BASIC:
                    data, has_media = log_values(data)
                    data = flatten(data)
                    self._media = self._media or has_media
                    break
            else:
                if len(data) > _WIDE:
                    self._wide_keys = frozenset(data)
            if self._wide_keys and data.keys() != self._wide_keys:
                self._wide_keys = frozenset()  # the next wide row takes the slow path again
        summary = self.summary
        if summary._defs:
            data = summary.sync_steps(data)
        if summary._explicit:
            summary.replaced_by_log(data)
        if step is None and commit is None and not self._partial:
            row = dict(data)
            row["_step"] = self._step
            row["_runtime"] = time.monotonic() - self._mono_start + self._runtime_offset
            row["_timestamp"] = time.time()
            self._step += 1
            q = self._queue
            q.append(row)
            summary = self.summary
            if same:
                summary.set_tail(row)  # replaces the last row's values, which had these keys
            else:
                if summary._tail is not None:
                    summary.fold()
                summary._last.update(data)
            if summary._defs:
                self.summary.observe(data)
            self._meta_dirty = True  # the catalog's summary is saved every catalog_interval
            if len(q) * len(row) > _MAX_PENDING_CELLS:
                self._back_pressure()
            return
        self._log_slow(data, step, commit)

    def _log_slow(self, data: dict, step: int | None, commit: bool | None) -> None:
        # Other threads (e.g. autograd hooks of `watch`) may log(commit=False) concurrently.
        with self._partial_lock:
            self._log_locked(data, step, commit)

    def _log_locked(self, data: dict, step: int | None, commit: bool | None) -> None:
        if step is not None:
            step = scalar(step)
            if not isinstance(step, int) or isinstance(step, bool) or step < 0:
                raise TypeError(f"log(step=...) must be a non-negative int; got {step!r}")
            if step < self._step:
                msg = (f"log(step={step}) is lower than the run's current step {self._step}; "
                       f"the data of this call was not recorded ({sorted(data)}). Steps must not go back; "
                       f"omit step= to auto-increment, or log the value under another key.")
                if self.settings.strict_steps:
                    raise ValueError(msg)
                warnings.warn(msg, UserWarning, stacklevel=3)
                return
            if step > self._step:
                if self._partial:
                    self._commit()
                self._step = step
        self._partial.update(data)
        self.summary.fold()
        self.summary._last.update(data)
        if self.summary._defs:
            self.summary.observe(data)
        self._meta_dirty = True
        if commit or (commit is None and step is None):
            self._commit()

    def _commit(self) -> None:
        row = self._partial
        self._partial = {}
        row["_step"] = self._step
        row["_runtime"] = time.monotonic() - self._mono_start + self._runtime_offset
        row["_timestamp"] = time.time()
        self._step += 1
        self._queue.append(row)
        if len(self._queue) * len(row) > _MAX_PENDING_CELLS:
            self._back_pressure()

    def _back_pressure(self) -> None:
        """Logging outruns the flusher: wait (GIL released) until it has written half the
        backlog. Never while writes fail (the rows then wait in memory, with a warning)
        or when the flusher is not running."""
        q = self._queue
        flusher = self._flusher
        if threading.current_thread() is flusher:
            return  # a row listener logging: the flusher cannot wait for itself
        while (self._error is None and flusher.is_alive() and q
               and len(q) * len(q[-1]) > _MAX_PENDING_CELLS // 2):
            flusher.wake()
            time.sleep(0.001)

    def _on_alert(self) -> None:
        if self._stop_requested and not self._finished:
            self.finish(state=RunState.STOPPED)
            raise RunStopped(f"run {self.path} was asked to stop (Stop button, sidebar or sweep); "
                             f"what it logged is kept")
        if self._error is not None and not self._error_reported:
            self._error_reported = True
            warnings.warn(f"py_tracker could not write run {self.path} to disk: {self._error}. "
                          f"Rows are kept in memory and written once this is fixed.",
                          RuntimeWarning, stacklevel=3)
        self._warn_notes(stacklevel=4)
        self._alert = self._stop_requested or bool(self._notes)

    def _warn_notes(self, stacklevel: int) -> None:
        while self._notes:
            warnings.warn(self._notes.popleft(), UserWarning, stacklevel=stacklevel)

    def _note(self, notes: list[str]) -> None:
        """Queue sentences about stored-but-changed values; `log()`/`finish()` warn with them
        on the user's thread (once per sentence and run)."""
        for msg in notes:
            if msg not in self._noted:
                self._noted.add(msg)
                log.warning("py_tracker: run %s: %s", self.id, msg)
                self._notes.append(f"py_tracker run {self.path}: {msg}")
                self._alert = True

    def alert(self, title: str, text: str, level: Any = None, wait_duration: Any = None) -> None:
        """Raise a notice (W&B's `run.alert`): recorded in the run, shown in its panel and sidebar."""
        from .alerts import add_alert, make_alert
        alert, wait = make_alert(title, text, level, wait_duration)
        if add_alert(self._record, alert, wait):
            log.warning("py_tracker alert [%s] %s: %s", alert["level"], title, text)
            self._mark_dirty()

    @property
    def alerts(self) -> list[dict]:
        return list(self._record.get("alerts") or [])

    def define_metric(self, name: str, step_metric: str | None = None, summary: str | None = None,
                      goal: str | None = None, hidden: bool = False, **kwargs: Any) -> MetricDef:
        """Choose summary statistics (`summary="min,max"`), x-axis and goal of a metric (`*` globs)."""
        m = MetricDef(name, step_metric=step_metric, summary=summary, goal=goal, hidden=hidden,
                      step_sync=kwargs.get("step_sync"))
        self.summary.define(m)
        self._record.setdefault("metrics", []).append(m.to_dict())
        self._mark_dirty()
        return m

    def _log_system(self, row: dict) -> None:
        """Append one system sample (keys `system.*`). Never raises."""
        try:
            row = dict(row)
            row["_timestamp"] = time.time()
            row["_runtime"] = self.runtime
            self._sys_queue.append(row)
        except Exception:  # pragma: no cover - defensive: monitors must never break a run
            pass

    # --- background work -----------------------------------------------
    def _mark_dirty(self) -> None:
        self._meta_dirty = True

    def _set_error(self, exc: BaseException) -> None:
        if self._error is None or str(self._error) != str(exc):
            log.warning("py_tracker: writing run %s failed: %s", self.id, exc)
            self._error_reported = False
        self._error = exc
        self._alert = True

    def _pending_cells(self) -> int:
        """About how many values wait to be written (rows x width of the newest row)."""
        q = self._queue
        try:
            return len(q) * len(q[-1]) + len(self._retry)
        except IndexError:
            return len(self._retry)

    def flush(self) -> None:
        """Write all pending rows now. Raises StorageError if the disk refuses them
        (they stay in memory and are written on a later flush)."""
        with self._flush_lock:
            for queue, retry, writer in ((self._queue, self._retry, self._history),
                                         (self._sys_queue, self._sys_retry, self._system)):
                while queue or retry:
                    # A refused chunk is retried as it was (never grown): the rows behind it wait
                    # in the queue, so each attempt costs one chunk, however long the disk is full.
                    if retry:
                        rows = list(retry)
                    else:
                        per_chunk = max(1, min(_CHUNK_ROWS, _CHUNK_CELLS // max(1, len(queue[0]))))
                        rows = [queue.popleft() for _ in range(min(len(queue), per_chunk))]
                    retry.clear()
                    notes: list[str] = []
                    try:
                        if self._media:
                            rows = [self._prepare(r) for r in rows]
                        writer.write(rows, notes)
                    except Exception as exc:  # OSError (disk full) or anything else: keep the rows
                        retry.extend(rows)
                        self._set_error(exc)
                        raise StorageError(f"could not write history of run {self.path}: {exc}") from exc
                    finally:
                        if notes:
                            self._note(notes)
                    stream = "history" if writer is self._history else "system"
                    for fn in list(self._row_listeners):
                        try:
                            fn(stream, rows)
                        except Exception as exc:  # a display must never break recording
                            log.warning("py_tracker: a row listener failed: %s", exc)
            if self._error is not None:
                self._error = None
                self._alert = self._stop_requested or bool(self._notes)

    def _prepare(self, row: dict) -> dict:
        for v in row.values():
            if hasattr(v, "to_json"):
                break
        else:
            return row
        out = {}
        for k, v in row.items():
            if hasattr(v, "to_json"):
                try:
                    obj, v = v, v.to_json(self._files, k, row.get("_step", 0))
                    if self.summary._last.get(k) is obj:
                        self.summary._last[k] = v  # the summary points at the newest file
                except Exception as exc:
                    log.warning("py_tracker: could not store media %r at step %s: %s", k, row.get("_step"), exc)
                    continue
            out[k] = v
        return out

    def _beat(self) -> None:
        touch(self._heartbeat)
        if not self._stop_requested and self._stop_flag.exists():
            self.request_stop()

    def request_stop(self) -> None:
        """Ask the run to stop: its next `log()` finishes it as "stopped" and raises RunStopped."""
        self._stop_requested = True
        self._alert = True

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def add_finish_hook(self, fn: Callable[[], None]) -> None:
        self._finish_hooks.append(fn)

    def add_end_listener(self, fn: Callable[["Run"], None]) -> None:
        """`fn(run)` runs once finish() has put everything on disk (the session clears the
        active run this way: the run never calls the session)."""
        self._end_listeners.append(fn)

    def add_poll_hook(self, fn: Callable[[], None]) -> None:
        """`fn()` runs about once a second on the flusher thread until finish."""
        self._poll_hooks.append(fn)

    def add_row_listener(self, fn: Callable[[str, list[dict]], None]) -> None:
        """`fn(stream, rows)` gets every batch right after it is written ("history" or
        "system"; flat rows, media already stored as dicts). It runs on the flusher
        thread a few times a second, never on the `log()` path: live panels use it."""
        self._row_listeners.append(fn)

    def remove_row_listener(self, fn: Callable[[str, list[dict]], None]) -> None:
        if fn in self._row_listeners:
            self._row_listeners.remove(fn)

    def _snapshot(self) -> dict:
        rec = self._record
        rec["config"] = self.config.as_dict()
        rec["summary"] = self.summary.as_dict()
        rec["last_step"] = self._step - 1
        rec["runtime"] = self.runtime
        rec["updated_at"] = time.time()
        rec["heartbeat_at"] = time.time()
        notes: list[str] = []
        snap = {k: json_safe(v, k, notes) for k, v in rec.items()}
        if notes:
            self._note(notes)
        return snap

    def _save_meta(self, force: bool = False) -> bool:
        """Save summary/config/state to the catalog and the run folder when they changed. The
        periodic saves (every catalog_interval) are not fsynced; the one at finish (force) is.
        Returns False (and keeps them marked changed, for a retry) when that failed."""
        with self._meta_lock:
            if not (self._meta_dirty or force):
                return True
            self._meta_dirty = False
            snap = self._snapshot()
            try:
                save_run(self._catalog, self.id, {k: v for k, v in snap.items() if k != "id"}, durable=force)
                atomic_write(self._files / "summary.json", orjson.dumps(snap["summary"], option=orjson.OPT_INDENT_2))
                # YAML of a large config (transformers' TrainingArguments: ~150 keys) costs ~15 ms;
                # most saves only carry a new summary, so config.yaml is rewritten only when it changed.
                try:
                    key: bytes | None = orjson.dumps(snap["config"], default=repr, option=orjson.OPT_NON_STR_KEYS)
                except (TypeError, orjson.JSONEncodeError):  # e.g. an int beyond 64 bits: always write
                    key = None
                if key is None or key != self._config_written:
                    atomic_write(self._files / "config.yaml", config_yaml(snap["config"]))
                    self._config_written = key
            except Exception as exc:
                self._meta_dirty = True
                self._set_error(exc)
                return False
            return True

    def _start_threads(self) -> None:
        self._flusher = Flusher(self)
        self._flusher.start()
        self._bookkeeper = Bookkeeper(self)
        self._bookkeeper.start()

    def _stop_threads(self) -> None:
        self._flusher.stop()
        self._bookkeeper.stop()

    # --- ending ------------------------------------------------------------
    def finish(self, exit_code: int | None = None, quiet: bool | None = None, *, state: str | None = None) -> None:
        """End the run: state "finished" (exit_code 0/None) or "failed". Idempotent.

        Everything logged is on disk when it returns. If the disk or the catalog
        refuses the data, StorageError is raised, the run stays open and keeps
        writing in the background (rows logged meanwhile are kept too): call
        finish() again once space is back.
        """
        if self._finished:
            return
        with self._partial_lock:
            if self._partial:
                self._commit()
        for hook in self._finish_hooks:
            try:
                hook()
            except Exception as exc:
                log.warning("py_tracker: a finish hook of run %s failed: %s", self.id, exc)
        self._finish_hooks = [h for h in self._finish_hooks if getattr(h, "_repeat", False)]
        self._stop_threads()
        if state is None:
            state = RunState.FINISHED if not exit_code else RunState.FAILED
        before = {k: self._record[k] for k in ("state", "exit_code", "finished_at") if k in self._record}
        state_before = self._state
        try:
            self.flush()
            for w in (self._history, self._system):
                try:
                    w.fsync()
                except OSError as exc:
                    if exc.errno not in (errno.EINVAL, errno.ENOTSUP):  # file systems without fsync
                        raise StorageError(f"could not write history of run {self.path} to disk: {exc}") from exc
            ended = end_fields(state, exit_code)  # checks the state ("finished", "failed", "stopped"...)
            self._state = ended["state"]
            self._record.update(ended)
            self._finished = True
            if not self._save_meta(force=True):
                err, self._error = self._error, None
                raise StorageError(f"could not record the end of run {self.path}: {err}")
        except BaseException:
            # Not finished: the run goes on as before (state, threads), so nothing logged
            # from now on waits in memory for a finish() that may never come.
            self._finished = False
            self._state = state_before
            for k in ("state", "exit_code", "finished_at"):
                self._record.pop(k, None)
            self._record.update(before)
            self._meta_dirty = True
            self._start_threads()
            self._warn_notes(stacklevel=2)
            raise
        for w in (self._history, self._system):
            w.close()
        self._warn_notes(stacklevel=2)
        for listener in self._end_listeners:
            listener(self)

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc_type is not None and issubclass(exc_type, RunStopped):
            self.finish(state=RunState.STOPPED)
            return True
        self.finish(exit_code=1 if exc_type is not None else 0)
        return False


def config_yaml(config: dict) -> bytes:
    """A run's `files/config.yaml` in W&B's form ({key: {value: v}}); importers write the same.
    libyaml's emitter when PyYAML has it (same text, ~8x faster: 1.4 vs 10 ms for 20 keys, and
    this runs in every run's finish())."""
    import yaml
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump({k: {"value": v} for k, v in config.items()}, Dumper=dumper, sort_keys=False,
                     allow_unicode=True).encode()

