"""`ApiRun`: a run as read back from the store (any process, any time, even while it runs)."""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import orjson

from ..storage import history as hist
from ..storage.downsample import union_indices
from ..storage.paths import safe_join
from ..storage.records import effective_state

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
    """Read access to one run; `update()`, `delete()` and `request_stop()` write."""

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
    config = property(lambda self: dict(self._f("config") or {}))
    summary = property(lambda self: dict(self._f("summary") or {}))
    summary_metrics = summary
    created_at = property(lambda self: self._f("created_at"))
    updated_at = property(lambda self: self._f("updated_at"))
    heartbeat_at = property(lambda self: self._f("heartbeat_at"))
    finished_at = property(lambda self: self._f("finished_at"))
    sweep_id = property(lambda self: self._f("sweep_id"))
    last_step = property(lambda self: self._f("last_step", -1))
    metrics = property(lambda self: list(self._f("metrics") or []))

    @property
    def path(self) -> str:
        return f"{self.project}/{self.id}"

    @property
    def run_dir(self) -> Path:
        return self._api.layout.run_dir(self.id)

    @property
    def dir(self) -> Path:
        return self.run_dir / "files"

    @property
    def state(self) -> str:
        state = self._record.get("state", "running")
        if state != "running":  # only a running run needs its heartbeat looked at
            return state
        return effective_state(self._record, self._api.layout.heartbeat(self.id))

    @property
    def runtime(self) -> float:
        if self.state == "running":
            return float(self._f("runtime") or 0) + max(0.0, time.time() - (self._f("updated_at") or time.time()))
        return float(self._f("runtime") or 0)

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
        """Re-read the record from the catalog."""
        rec = self._api.catalog.get("runs", self.id)
        if rec is not None:
            self._record = rec
        return self

    # --- history ------------------------------------------------------------
    def _file(self, stream: str) -> Path:
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
                mask &= steps <= max_step
            cols = {k: v[mask] for k, v in cols.items()}
            n = int(mask.sum())
        if samples is not None and n > samples:
            metric_cols = {k: v for k, v in cols.items()
                           if not k.startswith("_") and getattr(v, "dtype", None) is not None and v.dtype.kind in "fiub"}
            idx = union_indices(metric_cols, samples) if metric_cols else np.linspace(0, n - 1, samples).astype(int)
            cols = {k: v[idx] for k, v in cols.items()}
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
            if max_step is not None and s is not None and s > max_step:
                continue
            if keys is not None and not any(k in row for k in keys):
                continue
            yield row

    # --- files -------------------------------------------------------------
    def files(self) -> list[ApiFile]:
        out = []
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

    def lineage(self) -> dict:
        """Artifacts this run used and logged, and their other runs: {"nodes", "edges"}."""
        from ..artifacts import lineage
        return lineage(self._api.root, run_id=self.id)

    # --- writes --------------------------------------------------------------
    def update(self, name: str | None = None, tags: list[str] | None = None, notes: str | None = None,
               group: str | None = None) -> "ApiRun":
        """Rename / retag a run (also works on a finished run)."""
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
        rec = self._api.writable_catalog().patch("runs", self.id, fields)
        if rec is None:
            raise KeyError(f"run {self.id} no longer exists")
        self._record = rec
        return self

    def request_stop(self) -> None:
        """Ask the run's process to stop it: its next `log()` raises RunStopped (within ~1 s)."""
        flag = self._api.layout.stop_flag(self.id)
        flag.parent.mkdir(parents=True, exist_ok=True)
        flag.write_text(str(time.time()))

    stop = request_stop

    def delete(self, delete_artifacts: bool = False) -> None:
        """Remove the run from the catalog and its folder from disk."""
        if self.state == "running":
            raise RuntimeError(f"run {self.path} is running; stop or finish it before deleting it")
        self._api.writable_catalog().delete("runs", self.id)
        shutil.rmtree(self.run_dir, ignore_errors=True)


def _isnull(v: Any, np: Any) -> Any:
    if v.dtype.kind == "f":
        return np.isnan(v)
    if v.dtype == object:
        return np.array([x is None for x in v], dtype=bool)
    return np.zeros(len(v), dtype=bool)
