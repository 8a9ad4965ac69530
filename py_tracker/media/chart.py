"""`CustomChart`: a Table plus the chart spec that says which columns are drawn how (W&B's
`wandb.plot.*` / `wandb.plot_table` objects).

As in W&B, `log({"acc_curve": chart})` stores the chart's table in the history row under
``"acc_curve_table"`` (``"Custom Chart Tables/acc_curve_table"`` with split_table=True),
a ``"table-file"`` like any Table, so `Api().run().history()` and `Artifact.get` readers see
an ordinary table. The spec rides along inside that row value as ``"chart"``:
``{"spec": "wandb/line/v0", "fields": {"x": "step", ...}, "string_fields": {"title": ...},
"key": "acc_curve"}``. The run panel and reports draw it from there (`py_tracker.notebook.
custom_charts`, `py_tracker.reporting.charts`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .base import Media
from .table import Table

#: The W&B preset specs py_tracker draws (others are stored and listed, not drawn).
PRESETS = ("wandb/line/v0", "wandb/scatter/v0", "wandb/bar/v0", "wandb/histogram/v0",
           "wandb/lineseries/v0", "wandb/confusion_matrix/v1", "wandb/area-under-curve/v0")


@dataclass
class CustomChartSpec:
    """Which preset (`spec_name`) draws which table columns (`fields`), with its strings."""

    spec_name: str
    fields: dict[str, Any]
    string_fields: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    split_table: bool = False

    @property
    def table_key(self) -> str:
        """The history key the table is stored under (W&B's)."""
        if not self.key:
            raise UsageError("the chart's key is not set yet; log it first: run.log({'my_chart': chart})")
        return f"Custom Chart Tables/{self.key}_table" if self.split_table else f"{self.key}_table"

    def to_dict(self) -> dict[str, Any]:
        return {"spec": self.spec_name, "fields": dict(self.fields), "string_fields": dict(self.string_fields),
                "key": self.key}


class CustomChart(Media):
    """A chart to `log()`: its `table` is stored, its `spec` names the fields."""

    _type = ""  # stored as the table's "table-file"; not a type of its own

    def __init__(self, table: Table, spec: CustomChartSpec):
        if not isinstance(table, Table):
            raise UsageError(f"a chart needs a py_tracker.Table, got {type(table).__name__}; "
                             f"build one with Table(columns=[...], data=[...])")
        for name, column in spec.fields.items():
            if column is not None and str(column) not in table.columns:
                raise UsageError(f"chart field {name!r} names column {column!r}, which the table does not "
                                 f"have; its columns are {table.columns}")
        self.table = table
        self.spec = spec

    def set_key(self, key: str) -> None:
        self.spec.key = key

    def row_key(self, key: str) -> str:
        """The key `log()` stores this chart's table under when logged as `key`."""
        self.set_key(key)
        return self.spec.table_key

    def snapshot(self) -> CustomChart:
        snap = CustomChart.__new__(CustomChart)
        snap.table = self.table.snapshot()
        snap.spec = CustomChartSpec(**vars(self.spec))
        return snap

    def to_json(self, files_dir: Path, key: str, step: int) -> dict[str, Any]:
        d = self.table.to_json(files_dir, key, step)
        d["chart"] = self.spec.to_dict()
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any], files_dir: Path) -> Any:
        return Table.from_json(d, files_dir)


def plot_table(vega_spec_name: str, data_table: Table, fields: dict[str, Any],
               string_fields: dict[str, Any] | None = None, split_table: bool = False) -> CustomChart:
    """W&B's `wandb.plot_table`: a custom chart of `data_table` drawn by spec `vega_spec_name`."""
    if not isinstance(data_table, Table):
        raise UsageError(f"plot_table(data_table=...) takes a py_tracker.Table, got {type(data_table).__name__}")
    return CustomChart(data_table, CustomChartSpec(str(vega_spec_name), dict(fields), dict(string_fields or {}),
                                                   split_table=bool(split_table)))


def chart_of(value: Any) -> dict[str, Any] | None:
    """The chart spec of a stored history value (a table-file with "chart"), else None."""
    if isinstance(value, dict) and value.get("_type") == Table._type and isinstance(value.get("chart"), dict):
        return value["chart"]
    return None
