"""The registry of `%%track --id NAME` training cells: one object, one owner, a public API.

`%%track --id NAME` registers the cell's source (`TRAINING_CELLS.register`) each time the
cell runs; the sweep widget's `CellTrial` is handed the registry and reads the newest
source per trial (`source(name)`), so an edited and re-run training cell is what the next
trial executes. The kernel has one registry, `TRAINING_CELLS`, made here and passed to
whoever needs it; tests make their own `TrainingCells()`.
"""
from __future__ import annotations

import threading
from typing import Iterator

from ...errors import UsageError


class TrainingCells:
    """Cell name -> the source it last ran with. Thread-safe (trials read it on the sweep thread)."""

    def __init__(self) -> None:
        self._cells: dict[str, str] = {}
        self._lock = threading.Lock()

    def register(self, name: str, source: str) -> None:
        """Remember `source` as training cell `name` (replacing what it was)."""
        if not isinstance(name, str) or not name.strip():
            raise UsageError(f"a training cell needs a name: %%track --id NAME (got {name!r})")
        with self._lock:
            self._cells[name] = source

    def source(self, name: str) -> str:
        """The source registered as `name`, or a UsageError saying how to register it and
        listing the cells there are."""
        with self._lock:
            found = self._cells.get(name)
            known = ", ".join(repr(k) for k in self._cells) or "none yet"
        if found is None:
            raise UsageError(f"no training cell {name!r}: mark one with `%%track --id {name}` as its first line and "
                             f"run it once (registered cells: {known})")
        return found

    def names(self) -> list[str]:
        with self._lock:
            return list(self._cells)

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._cells

    def __getitem__(self, name: str) -> str:
        return self.source(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        with self._lock:
            return len(self._cells)


TRAINING_CELLS = TrainingCells()  # this kernel's training cells (`%%track --id` writes, the sweep widget reads)
