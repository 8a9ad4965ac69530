"""`ApiRun`: a run as read back from the store (any process, any time, even while it runs)."""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import orjson

from ..errors import StorageError
from ..core.links import entity_of, run_path, run_url
from ..storage import history as hist
from ..storage.atomic import atomic_write
from ..storage.paths import safe_join
from ..storage.records import RunState, delete_run, effective_state, run_runtime, save_run

if TYPE_CHECKING:
    from . import Api


@dataclass
class ApiFile:
    """One file of a run (`run.files()`)."""

    name: str
    size: int
    path: Path
    mtime: float = 0.0

    def download(self, root: str = ".", replace: bool = False, exist_ok: bool = False) -> Path:
        """Copy the file to `root/name`; refuses to overwrite unless replace=True."""
        dest = safe_join(root, self.name)
        if dest.exists() and not replace:
            if exist_ok:
                return dest
            raise FileExistsError(f"{dest} exists; pass replace=True to overwrite it")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.path, dest)
        return dest

    def read_text(self) -> str:
        return self.path.read_text(errors="replace")


class ApiRun:
    """Read access to one run; `update()`, `delete()` and `request_stop()` write.

    A view over the record as the catalog holds it (a listing of 100k runs copies nothing):
    the record is never changed in place — `config`/`summary` are copies, a save replaces
    `_record` — so the catalog's copy stays what is on disk.
    """

    __slots__ = ("_api", "_record", "id", "_config", "_summary", "__dict__", "__weakref__")

    def __init__(self, api: "Api", record: dict):
        self._api = api
        self._record = record
        self.id: str = record["id"]

    # --- fields -----------------------------------------------------------
    def _f(self, key: str, default: Any = None) -> Any:
        return self._record.get(key, default)

    name = property(lambda self: self._f("name"))
    display_name = name
    project = property(lambda self: self._f("project"))
    group = property(lambda self: self._f("group"))
    job_type = property(lambda self: self._f("job_type"))
    tags = property(lambda self: list(self._f("tags") or []))
    notes = property(lambda self: self._f("notes"))
    @property
    def config(self) -> dict:
        """The run's config; change it and call `update()` to save it (W&B's public API)."""
        if getattr(self, "_config", None) is None:
            self._config = dict(self._f("config") or {})
        return self._config

    @property
    def summary(self) -> "ApiSummary":
        """The run's summary; `summary[k] = v; summary.update()` (or `run.update()`) saves it."""
        if getattr(self, "_summary", None) is None:
            self._summary = ApiSummary(self, self._f("summary") or {})
        return self._summary

    summary_metrics = summary
    created_at = property(lambda self: self._f("created_at"))
    updated_at = property(lambda self: self._f("updated_at"))
    heartbeat_at = property(lambda self: self._f("heartbeat_at"))
    finished_at = property(lambda self: self._f("finished_at"))
    sweep_id = property(lambda self: self._f("sweep_id"))
    last_step = property(lambda self: self._f("last_step", -1))
    metrics = property(lambda self: list(self._f("metrics") or []))
    alerts = property(lambda self: list(self._f("alerts") or []))

    @property
    def entity(self) -> str:
        """The entity given at `init(entity=...)`/WANDB_ENTITY, else "local"."""
        return entity_of(self._record)

    @property
    def path(self) -> str:
        """W&B's run path, "entity/project/id"."""
        return run_path(self._record)

    @property
    def url(self) -> str:
        """Opens the run's view in JupyterLab when a server here serves its store (see `core.links.run_url`)."""
        return run_url(self.run_dir, self.id)

    @property
    def run_dir(self) -> Path:
        return self._api.layout.run_dir(self.id)

    @property
    def dir(self) -> Path:
        return self.run_dir / "files"

    @property
    def state(self) -> str:
        return effective_state(self._record, lambda: self._api.layout.heartbeat(self.id))

    @property
    def runtime(self) -> float:
        return run_runtime(self._record, self.state)

    @property
    def metadata(self) -> dict:
        try:
            return orjson.loads((self.dir / "metadata.json").read_bytes())
        except (OSError, ValueError):
            return {}

    def to_dict(self) -> dict:
        d = dict(self._record)
        d["state"] = self.state
        d["runtime"] = self.runtime
        return d

    def __repr__(self) -> str:
        return f"<ApiRun {self.path} name={self.name!r} state={self.state}>"

    def load(self) -> "ApiRun":
        """Re-read the record from the catalog (unsaved config/summary edits are kept)."""
        rec = self._api.catalog.get("runs", self.id)
        if rec is not None:
            self._record = rec
            if getattr(self, "_config", None) is not None and self._config == dict(rec.get("config") or {}):
                self._config = None
            if getattr(self, "_summary", None) is not None and dict(self._summary) == dict(rec.get("summary") or {}):
                self._summary = None
        return self

    def _save(self, fields: dict[str, Any]) -> None:
        from ..core.values import config_value
        from ..storage.atomic import atomic_write
        for k in ("config", "summary"):
            if k in fields:
                fields[k] = {str(key): config_value(v, str(key)) for key, v in fields[k].items()}
        rec = save_run(self._api.writable_catalog(), self.id, fields)
        if rec is None:
            raise KeyError(f"run {self.id} no longer exists")
        self._record = rec
        if "summary" in fields:  # the run folder mirrors the catalog (it can rebuild the record)
            atomic_write(self.dir / "summary.json", orjson.dumps(fields["summary"], option=orjson.OPT_INDENT_2))

    # --- history ------------------------------------------------------------
    def _reachable(self) -> Path:
        """The run folder; StorageError when it is a symlink (a run moved to another disk)
        whose target cannot be reached, so a missing disk never reads as an empty run."""
        d = self.run_dir
        if d.is_symlink() and not d.exists():
            raise StorageError(f"run {self.path}: its folder {d} is a symlink to {os.readlink(d)}, "
                               f"which cannot be reached (a disk not mounted?); mount it or fix the link")
        return d

    def _file(self, stream: str) -> Path:
        self._reachable()
        return self._api.layout.history(self.id, stream)

    def history_columns(self, keys: Iterable[str] | None = None, stream: str = "history") -> tuple[int, dict]:
        """(row count, {key: numpy array}) — the fast path the UI and server use."""
        want = None
        if keys is not None:
            want = set(keys) | ({"_step", "_runtime", "_timestamp"} if stream == "history" else {"_timestamp", "_runtime"})
        return hist.read_columns(self._file(stream), want)

    def history(self, keys: Iterable[str] | None = None, samples: int | None = None, pandas: bool = True,
                stream: str = "history", x_axis: str = "_step", min_step: int | None = None,
                max_step: int | None = None) -> Any:
        """All rows (or `samples` rows that keep each key's min and max) as a DataFrame.

        stream="system" reads the system-load samples instead of the metrics.
        """
        import numpy as np
        if isinstance(keys, str):
            keys = [keys]
        n, cols = self.history_columns(keys, stream)
        if keys is not None:
            cols = {k: v for k, v in cols.items() if k in set(keys) or k in (x_axis, "_step", "_runtime", "_timestamp")}
        if n and (min_step is not None or max_step is not None) and "_step" in cols:
            steps = np.asarray(cols["_step"], dtype=float)
            mask = np.ones(n, dtype=bool)
            if min_step is not None:
                mask &= steps >= min_step
            if max_step is not None:
                mask &= steps < max_step  # W&B: max_step is exclusive
            cols = {k: v[mask] for k, v in cols.items()}
            n = int(mask.sum())
        if keys is not None and n:
            # as W&B: only rows where one of the asked keys was logged
            present = None
            for k in keys:
                v = cols.get(k)
                if v is None:
                    continue
                m = ~_isnull(v, np)
                present = m if present is None else present | m
            if present is not None:
                cols = {k: v[present] for k, v in cols.items()}
                n = int(present.sum())
        if samples is not None and n > samples:
            from ..storage.downsample import union_indices  # numpy: imported by histories, not listings
            metric_cols = {k: v for k, v in cols.items()
                           if not k.startswith("_") and getattr(v, "dtype", None) is not None and v.dtype.kind in "fiub"}
            idx = union_indices(metric_cols, samples) if metric_cols else np.linspace(0, n - 1, samples).astype(int)
            must = _extremes(metric_cols, np)
            idx = _exactly(np.asarray(idx, dtype=int), n, samples, np, must)
            cols = {k: v[idx] for k, v in cols.items()}
        if pandas:
            import pandas as pd
            df = pd.DataFrame(cols)
            front = [c for c in ("_step", "_runtime", "_timestamp") if c in df.columns]
            return df[front + [c for c in df.columns if c not in front]]
        rows = []
        names = list(cols)
        m = len(next(iter(cols.values()))) if cols else 0
        for i in range(m):
            row = {}
            for k in names:
                v = cols[k][i]
                if v is None or (isinstance(v, float) and v != v and k.startswith("_")):
                    continue
                row[k] = v.item() if hasattr(v, "item") else v
            rows.append(row)
        return rows

    def scan_history(self, keys: Iterable[str] | None = None, page_size: int = 1000,
                     min_step: int | None = None, max_step: int | None = None,
                     stream: str = "history") -> Iterator[dict]:
        """Every row as a dict (only the keys logged in that row), streamed chunk by chunk."""
        for row in hist.iter_rows(self._file(stream), keys):
            s = row.get("_step")
            if min_step is not None and s is not None and s < min_step:
                continue
            if max_step is not None and s is not None and s >= max_step:
                continue  # W&B: max_step is exclusive
            if keys is not None and not all(k in row for k in keys):
                continue  # W&B: only rows that hold every asked key
            yield row

    # --- files -------------------------------------------------------------
    def files(self) -> list[ApiFile]:
        out = []
        self._reachable()
        base = self.dir
        if not base.exists():
            return out
        for p in sorted(base.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                st = p.stat()
                out.append(ApiFile(p.relative_to(base).as_posix(), st.st_size, p, st.st_mtime))
        return out

    def file(self, name: str) -> ApiFile:
        p = safe_join(self.dir, name)
        if not p.is_file():
            raise FileNotFoundError(f"run {self.path} has no file {name!r}; see run.files()")
        st = p.stat()
        return ApiFile(name, st.st_size, p, st.st_mtime)

    def logs(self, offset: int = 0, limit: int = 1 << 20) -> tuple[str, int]:
        """Captured output from byte `offset`: (text, next offset)."""
        p = self.dir / "output.log"
        try:
            with open(p, "rb") as f:
                f.seek(offset)
                data = f.read(limit)
        except FileNotFoundError:
            return "", offset
        return data.decode("utf-8", "replace"), offset + len(data)

    # --- writes --------------------------------------------------------------
    def update(self, name: str | None = None, tags: list[str] | None = None, notes: str | None = None,
               group: str | None = None) -> "ApiRun":
        """Rename / retag a run, and save edits made to `run.config` / `run.summary` (W&B's
        `run.config[k] = v; run.update()`). Meant for finished runs: a run still recording
        writes its own config and summary over these."""
        fields: dict[str, Any] = {}
        if name is not None:
            fields["name"] = str(name)
        if tags is not None:
            if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
                raise ValueError(f"tags must be a list of strings; got {tags!r}")
            fields["tags"] = list(tags)
        if notes is not None:
            fields["notes"] = str(notes)
        if group is not None:
            fields["group"] = str(group)
        if getattr(self, "_config", None) is not None and self._config != dict(self._f("config") or {}):
            fields["config"] = dict(self._config)
        if getattr(self, "_summary", None) is not None and dict(self._summary) != dict(self._f("summary") or {}):
            fields["summary"] = dict(self._summary)
        if fields:
            self._save(fields)
        return self

    def request_stop(self) -> None:
        """Ask the run's process to stop it: its next `log()` raises RunStopped (within ~1 s)."""
        # by rename: a symlink left at the flag's place is replaced, never written through
        atomic_write(self._api.layout.stop_flag(self.id), str(time.time()))

    stop = request_stop

    def delete(self, delete_artifacts: bool = False) -> None:
        """Remove the run from the catalog and its folder from disk."""
        if self.state == RunState.RUNNING:
            raise RuntimeError(f"run {self.path} is running; stop or finish it before deleting it")
        delete_run(self._api.writable_catalog(), self.id)
        shutil.rmtree(self.run_dir, ignore_errors=True)


class ApiSummary(dict):
    """A run's summary as read back: a dict whose `update()` also saves it (W&B's HTTPSummary)."""

    def __init__(self, run: ApiRun, data: dict):
        super().__init__(data)
        self._run = run

    def update(self, d: Any = None, **kw: Any) -> None:  # type: ignore[override]
        super().update(dict(d or {}, **kw))
        self._run._save({"summary": dict(self)})

    @property
    def _json_dict(self) -> dict:
        return dict(self)


def _extremes(cols: dict, np: Any) -> Any:
    """Row indices of each metric's overall min and max (a sample never loses them)."""
    out = []
    for v in cols.values():
        f = np.asarray(v, dtype=float)
        if np.isfinite(f).any():
            out += [int(np.nanargmin(np.where(np.isfinite(f), f, np.nan))),
                    int(np.nanargmax(np.where(np.isfinite(f), f, np.nan)))]
    return np.unique(np.asarray(out, dtype=int))


def _exactly(idx: Any, n: int, samples: int, np: Any, must: Any = None) -> Any:
    """`samples` sorted row indices out of `n`: the extremes-keeping pick `idx`, thinned evenly
    (the overall extremes `must` kept) or topped up with evenly spread rows (W&B returns
    `samples` rows)."""
    idx = np.unique(idx[(idx >= 0) & (idx < n)])
    must = np.asarray(must if must is not None else [], dtype=int)[: samples]
    if len(idx) > samples:
        rest = np.setdiff1d(idx, must)
        keep = samples - len(must)
        picked = rest[np.unique(np.linspace(0, len(rest) - 1, keep).round().astype(int))] if keep > 0 else rest[:0]
        idx = np.union1d(must, picked)
    if len(idx) < samples:
        spare = np.setdiff1d(np.arange(n), idx)
        take = spare[np.linspace(0, len(spare) - 1, samples - len(idx)).round().astype(int)]
        idx = np.union1d(idx, take)
    while len(idx) < samples:  # rounding collisions: add the first unused rows
        idx = np.union1d(idx, np.setdiff1d(np.arange(n), idx)[: samples - len(idx)])
    return idx


def _isnull(v: Any, np: Any) -> Any:
    if v.dtype.kind == "f":
        return np.isnan(v)
    if v.dtype == object:
        return np.array([x is None for x in v], dtype=bool)
    return np.zeros(len(v), dtype=bool)
