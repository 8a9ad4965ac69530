"""Tables stored as JSON files (orjson) in the run's folder, read back as pandas DataFrames."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import orjson

from ..errors import UsageError
from .base import Media, media_path, resolve, sha256, write_bytes_atomic
from .image import Image

DEFAULT_COLUMNS = ["Input", "Output", "Expected"]


def _default(obj: Any) -> Any:
    """orjson fallback for cell values it cannot write natively."""
    if hasattr(obj, "item") and getattr(obj, "ndim", 1) == 0:  # numpy/torch scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)


class Table(Media):
    """A table of rows: ``Table(columns=["x", "y"], data=[[1, 2]])`` or ``Table(dataframe=df)``.

    Cells may be numbers, strings, bools, None, lists, dicts, numpy values or `Image`s
    (an image cell is written as its own PNG and read back as a PIL image).
    Stored as ``media/table/<key>_<step>_<hash>.table.json`` holding
    ``{"columns": [...], "data": [[...], ...]}``; the row gets ``"_type": "table-file"``.
    A Table is mutable; `log()` stores a snapshot, so rows added afterwards do not leak
    into an already-logged value.
    """

    _type = "table-file"
    MAX_ROWS = 10_000  # W&B's limits, which scripts read (py_tracker itself stores any size)
    MAX_ARTIFACT_ROWS = 200_000

    def __init__(
        self,
        columns: Sequence[Any] | None = None,
        data: Any = None,
        rows: Any = None,
        dataframe: Any = None,
        dtype: Any = None,
        optional: Any = True,
        allow_mixed_types: bool = False,
        log_mode: str | None = "IMMUTABLE",
    ):
        # W&B's typing knobs (dtype, optional, allow_mixed_types) and log_mode are accepted: cells
        # are stored as given; every log() stores a snapshot (W&B's "IMMUTABLE"/"MUTABLE" alike).
        if log_mode not in (None, "IMMUTABLE", "MUTABLE", "INCREMENTAL"):
            raise UsageError(f"Table(log_mode={log_mode!r}): use 'IMMUTABLE', 'MUTABLE' or 'INCREMENTAL'")
        if rows is not None:
            if data is not None:
                raise UsageError("Table takes data or rows (its old name), not both")
            data = rows
        if dataframe is not None:
            if data is not None:
                raise UsageError("Table takes data or dataframe, not both")
            self._init_from_dataframe(dataframe, columns)
            return
        rows_list = self._rows_from(data) if data is not None else []
        if columns is None:
            # W&B's defaults without data; numbered names when only data is given
            columns = [f"Column_{i + 1}" for i in range(len(rows_list[0]))] if rows_list else DEFAULT_COLUMNS
        self.columns = self._check_columns(columns)
        self.data: list[list[Any]] = []
        for row in rows_list:
            self.add_data(*row)

    def _init_from_dataframe(self, df: Any, columns: Sequence[Any] | None) -> None:
        import pandas as pd

        if not isinstance(df, pd.DataFrame):
            raise UsageError(f"Table dataframe= must be a pandas DataFrame, got {type(df).__name__}")
        self.columns = self._check_columns(list(columns) if columns is not None else [str(c) for c in df.columns])
        if len(self.columns) != df.shape[1]:
            raise UsageError(f"Table got {len(self.columns)} column names for a DataFrame with {df.shape[1]} columns")
        self.data = [list(r) for r in df.itertuples(index=False, name=None)]

    @staticmethod
    def _rows_from(data: Any) -> list[Sequence[Any]]:
        if isinstance(data, np.ndarray):
            if data.ndim != 2:
                raise UsageError(f"Table data as a numpy array must be 2-D (rows x columns), got shape {data.shape}")
            return data.tolist()
        if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
            raise UsageError(f"Table data must be a list of rows (lists), got {type(data).__name__}")
        rows = list(data)
        for i, row in enumerate(rows):
            if isinstance(row, (str, bytes, dict)) or not isinstance(row, Iterable):
                raise UsageError(f"Table data row {i} must be a list of cell values, got {type(row).__name__}")
        return rows

    @staticmethod
    def _check_columns(columns: Sequence[Any]) -> list[str]:
        if isinstance(columns, (str, bytes)):
            raise UsageError(f"Table columns must be a list of names, got the string {columns!r}")
        cols = [str(c) for c in columns]
        dupes = sorted({c for c in cols if cols.count(c) > 1})
        if dupes:
            raise UsageError(f"Table column names must be unique; repeated: {dupes}")
        return cols

    def add_data(self, *row: Any) -> None:
        """Append one row; it must have exactly one value per column."""
        if len(row) != len(self.columns):
            raise UsageError(
                f"Table has {len(self.columns)} columns {self.columns}, but add_data got {len(row)} values"
            )
        self.data.append(list(row))

    def add_column(self, name: str, data: Sequence[Any]) -> None:
        """Append a column; `data` must have one value per existing row."""
        name = str(name)
        if name in self.columns:
            raise UsageError(f"Table already has a column named {name!r}")
        values = list(data.tolist() if isinstance(data, np.ndarray) else data)
        if self.data and len(values) != len(self.data):
            raise UsageError(f"Table has {len(self.data)} rows, but add_column({name!r}) got {len(values)} values")
        if not self.data:
            self.data = [[] for _ in values] if not self.columns else [[None] * len(self.columns) for _ in values]
        self.columns.append(name)
        for row, v in zip(self.data, values):
            row.append(v)

    def get_column(self, name: str) -> list[Any]:
        """The values of one column."""
        if name not in self.columns:
            raise UsageError(f"Table has no column {name!r}; columns are {self.columns}")
        i = self.columns.index(name)
        return [row[i] for row in self.data]

    def get_index(self) -> list[int]:
        """The row indices (W&B's, for an index column: `table.add_column("id", table.get_index())`)."""
        return list(range(len(self.data)))

    def iterrows(self) -> Any:
        """(index, row) for every row, as W&B's `Table.iterrows`."""
        for i, row in enumerate(self.data):
            yield i, list(row)

    def add_computed_columns(self, fn: Any) -> None:
        """Add columns computed per row: `fn(index, {column: value})` returns {new column: value}."""
        new: dict[str, list[Any]] = {}
        for i, row in self.iterrows():
            out = fn(i, dict(zip(self.columns, row)))
            if not isinstance(out, dict):
                raise UsageError(f"add_computed_columns: fn must return a dict of new column values; it "
                                 f"returned {type(out).__name__} for row {i}")
            for k, v in out.items():
                new.setdefault(str(k), []).append(v)
        for k, values in new.items():
            if len(values) != len(self.data):
                raise UsageError(f"add_computed_columns: column {k!r} was returned for {len(values)} of "
                                 f"{len(self.data)} rows; return it for every row")
        for k, values in new.items():
            self.add_column(k, values)

    def get_dataframe(self) -> Any:
        """The table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.data, columns=self.columns)

    def __len__(self) -> int:
        return len(self.data)

    def snapshot(self) -> Table:
        snap = Table.__new__(Table)
        snap.columns = list(self.columns)
        snap.data = [list(r) for r in self.data]
        return snap

    def to_json(self, files_dir: Path, key: str, step: int) -> dict[str, Any]:
        rows: list[list[Any]] = []
        for r, row in enumerate(self.data):
            out = []
            for c, cell in enumerate(row):
                out.append(cell.to_json(files_dir, f"{key}_r{r}_c{c}", step) if isinstance(cell, Image) else cell)
            rows.append(out)
        body = orjson.dumps(
            {"columns": self.columns, "data": rows},
            default=_default,
            option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS,
        )
        digest = sha256(body)
        path, rel = media_path(files_dir, "table", key, step, digest, ".table.json")
        write_bytes_atomic(path, body)
        return {
            "_type": self._type, "path": rel, "sha256": digest, "size": len(body),
            "ncols": len(self.columns), "nrows": len(rows),
        }

    @classmethod
    def load(cls, d: dict[str, Any], files_dir: Path) -> Table:
        """The stored table as a `Table` again (what W&B's `artifact.get(name)` returns)."""
        df = cls.from_json(d, files_dir)
        return cls(columns=list(df.columns), data=[list(r) for r in df.itertuples(index=False, name=None)])

    @classmethod
    def from_json(cls, d: dict[str, Any], files_dir: Path) -> Any:
        """The stored table as a DataFrame (image cells become PIL images)."""
        import pandas as pd

        body = orjson.loads(resolve(files_dir, d).read_bytes())
        rows = [
            [Image.from_json(v, files_dir) if isinstance(v, dict) and v.get("_type") == Image._type else v for v in row]
            for row in body["data"]
        ]
        return pd.DataFrame(rows, columns=body["columns"])
