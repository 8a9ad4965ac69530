"""Histograms stored inline in the history row (counts and bin edges, as W&B writes them)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from .base import Media
from .image import _is_torch_tensor, _torch_to_numpy

MAX_BINS = 512


def _as_flat_array(sequence: Any, what: str) -> np.ndarray:
    """A flat float64 copy of a list, numpy array or torch tensor; UsageError if not numeric."""
    if _is_torch_tensor(sequence):
        if sequence.is_sparse:
            sequence = sequence.coalesce().values()
        arr = _torch_to_numpy(sequence)
    else:
        try:
            arr = np.array(sequence, copy=True)
        except (TypeError, ValueError) as exc:  # ragged nested lists
            raise UsageError(f"Histogram {what} must be a flat sequence of numbers: {exc}") from exc
    if arr.dtype == np.bool_:
        arr = arr.astype(np.float64)
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise UsageError(f"Histogram {what} must hold real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False).ravel()


class Histogram(Media):
    """A histogram of values: ``log({"w": Histogram(weights)})`` or ``Histogram(np_histogram=np.histogram(x))``.

    `sequence` is copied at construction (cheap) and binned lazily, off the hot path;
    non-finite values (NaN, inf) are left out of the counts. At most 512 bins.
    `histogram` (counts) and `bins` (edges, one more than the counts) are lists, as in W&B.
    """

    _type = "histogram"
    MAX_LENGTH = MAX_BINS

    def __init__(self, sequence: Any = None, np_histogram: Any = None, num_bins: int = 64):
        if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)) or num_bins < 1:
            raise UsageError(f"Histogram num_bins must be a positive integer, got {num_bins!r}")
        if num_bins > MAX_BINS:
            raise UsageError(f"Histogram num_bins={num_bins} is above the maximum of {MAX_BINS} bins")
        self.num_bins = int(num_bins)
        self._data: np.ndarray | None = None
        self._counts: list[float] | None = None
        self._edges: list[float] | None = None
        if np_histogram is not None:
            if sequence is not None:
                raise UsageError("Histogram takes either sequence or np_histogram, not both")
            self._set_np_histogram(np_histogram)
        elif sequence is not None:
            self._data = _as_flat_array(sequence, "sequence")
        else:
            raise UsageError("Histogram needs a sequence of values or np_histogram=(counts, bin_edges)")

    def _set_np_histogram(self, np_histogram: Any) -> None:
        try:
            counts, edges = np_histogram
        except (TypeError, ValueError) as exc:
            raise UsageError("np_histogram must be a pair (counts, bin_edges), as np.histogram returns") from exc
        counts_a = _as_flat_array(counts, "np_histogram counts")
        edges_a = _as_flat_array(edges, "np_histogram bin_edges")
        if len(counts_a) > MAX_BINS:
            raise UsageError(f"np_histogram has {len(counts_a)} bins; the maximum is {MAX_BINS}")
        if len(edges_a) != len(counts_a) + 1:
            raise UsageError(
                f"np_histogram needs len(bin_edges) == len(counts) + 1, got {len(edges_a)} edges "
                f"for {len(counts_a)} counts"
            )
        self._counts = [int(c) if float(c).is_integer() else float(c) for c in counts_a]
        self._edges = edges_a.tolist()

    def _compute(self) -> None:
        # May race with the flusher thread: work on a local, publish edges before counts.
        raw = self._data
        if self._counts is not None or raw is None:
            return
        counts, edges = np.histogram(raw[np.isfinite(raw)], bins=self.num_bins)
        self._edges = edges.tolist()
        self._counts = counts.tolist()
        self._data = None  # the raw copy is no longer needed

    @property
    def histogram(self) -> list[float]:
        """Counts per bin."""
        self._compute()
        assert self._counts is not None
        return self._counts

    @property
    def bins(self) -> list[float]:
        """Bin edges (len(histogram) + 1)."""
        self._compute()
        assert self._edges is not None
        return self._edges

    def to_json(self, files_dir: Path | None = None, key: str = "", step: int = 0) -> dict[str, Any]:
        return {"_type": self._type, "values": self.histogram, "bins": self.bins}

    @classmethod
    def from_json(cls, d: dict[str, Any], files_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(d["values"]), np.asarray(d["bins"], dtype=np.float64)
