"""Logged `wandb.Table`s in the Charts tab: the newest value of a key as a table (images in
cells), a step slider for earlier values, a filter box and a sort-by column with a direction.

Widget HTML cannot run scripts, so sorting and filtering happen in the kernel: each change
re-renders the table (`py_tracker.media.table_grid`, at most `MAX_SHOWN` rows). The file of
a step is read only when that step is shown.
"""
from __future__ import annotations

import html
from pathlib import Path

from ...media.table_grid import MAX_SHOWN, TableGrid
from .stepped import SteppedView

TABLE_TYPES = ("table-file",)
NO_SORT = "(logged order)"


class TableView(SteppedView):
    """Tables logged under one key (e.g. "predictions")."""

    hide_single_step = True  # a table logged once needs no slider

    def __init__(self, key: str, files_dir: Path):
        import ipywidgets as w
        super().__init__()
        self.key = key
        self.files_dir = Path(files_dir)
        self.grid: TableGrid | None = None  # the table of the shown step (tests read it)
        self.slider = w.IntSlider(value=0, min=0, max=0, description="step", continuous_update=False,
                                  layout=w.Layout(width="340px"))
        self.query = w.Text(placeholder="filter rows", layout=w.Layout(width="180px"))
        self.sort = w.Dropdown(options=[NO_SORT], value=NO_SORT, description="sort",
                               layout=w.Layout(width="220px"))
        self.descending = w.ToggleButton(value=False, description="descending", layout=w.Layout(width="110px"))
        self.table = w.HTML(layout=w.Layout(max_height="420px", overflow="auto"))
        self.note = w.HTML()
        self.widget = w.VBox([w.HTML(f"<b>{html.escape(key)}</b>"), self.slider,
                              w.HBox([self.query, self.sort, self.descending]), self.table, self.note],
                             layout=w.Layout(border="1px solid #ddd", padding="4px", margin="2px",
                                             grid_column="1 / -1"))
        self.widget.add_class("py-tracker-table-view")
        self._watch_slider()
        for control in (self.query, self.sort, self.descending):
            control.observe(lambda _c: self._draw(), "value")

    def _render(self, i: int) -> None:
        d = self.values[i]
        step = f"step {self.steps[i]}" if i < len(self.steps) else ""
        try:
            self.grid = TableGrid.read(d, self.files_dir)
        except (OSError, ValueError) as exc:  # a missing or damaged file must not break the panel
            self.grid = None
            self.table.value = ""
            self.note.value = html.escape(f"{self.key} · {step} · cannot read the table: {exc}")
            return
        options = [NO_SORT] + self.grid.columns
        if list(self.sort.options) != options:
            keep = self.sort.value if self.sort.value in options else NO_SORT
            self.sort.options = options
            self.sort.value = keep
        self.note.value = html.escape(f"{self.key} · {step}")
        self._draw()

    def _draw(self) -> None:
        if self.grid is None:
            return
        sort = None if self.sort.value == NO_SORT else self.sort.value
        self.table.value = self.grid.html(sort=sort, descending=self.descending.value,
                                          query=self.query.value, max_rows=MAX_SHOWN)
