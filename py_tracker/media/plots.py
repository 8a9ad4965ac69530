"""W&B's preset charts (`wandb.plot.*`): each builds a Table and a `CustomChart` naming its
columns, with W&B's signatures, column names, spec names and string fields, so the stored
data is what W&B stores. pr_curve/roc_curve use scikit-learn as W&B does (the `plots` extra).
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import UsageError
from .chart import CustomChart, plot_table
from .table import Table

MAX_ROWS = 10_000  # W&B's Table.MAX_ROWS: pr/roc tables are resampled to it, as W&B does


def line(table: Table, x: str, y: str, stroke: str | None = None, title: str = "",
         split_table: bool = False) -> CustomChart:
    """A line of column `y` over column `x` (one line per value of `stroke`)."""
    return plot_table("wandb/line/v0", table, {"x": x, "y": y, "stroke": stroke}, {"title": title},
                      split_table=split_table)


def scatter(table: Table, x: str, y: str, title: str = "", split_table: bool = False) -> CustomChart:
    """Points of columns `x` and `y`."""
    return plot_table("wandb/scatter/v0", table, {"x": x, "y": y}, {"title": title}, split_table=split_table)


def bar(table: Table, label: str, value: str, title: str = "", split_table: bool = False) -> CustomChart:
    """One bar per row: `label` column names it, `value` column is its length."""
    return plot_table("wandb/bar/v0", table, {"label": label, "value": value}, {"title": title},
                      split_table=split_table)


def histogram(table: Table, value: str, title: str = "", split_table: bool = False) -> CustomChart:
    """The distribution of column `value`."""
    return plot_table("wandb/histogram/v0", table, {"value": value}, {"title": title}, split_table=split_table)


def line_series(xs: Any, ys: Sequence[Iterable[Any]], keys: Sequence[str] | None = None, title: str = "",
                xname: str = "x", split_table: bool = False) -> CustomChart:
    """Several lines: `ys[i]` over `xs` (one shared x list, or one per line), named by `keys`."""
    xs = list(xs)
    ys = [list(y) for y in ys]
    if not xs:
        raise UsageError("line_series(xs=...) is empty; give the x values (one list, or one per line)")
    if not isinstance(xs[0], Iterable) or isinstance(xs[0], (str, bytes)):
        xs = [xs] * len(ys)
    if len(xs) != len(ys):
        raise UsageError(f"line_series: number of x-series ({len(xs)}) must match y-series ({len(ys)})")
    keys = [f"line_{i}" for i in range(len(ys))] if keys is None else list(keys)
    if len(keys) != len(ys):
        raise UsageError(f"line_series: number of keys ({len(keys)}) must match y-series ({len(ys)})")
    data = [[x, keys[i], y] for i, (xx, yy) in enumerate(zip(xs, ys)) for x, y in zip(xx, yy)]
    return plot_table("wandb/lineseries/v0", Table(columns=["step", "lineKey", "lineVal"], data=data),
                      {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"},
                      {"title": title, "xname": xname}, split_table=split_table)


def confusion_matrix(probs: Sequence[Sequence[float]] | None = None, y_true: Sequence[Any] | None = None,
                     preds: Sequence[Any] | None = None, class_names: Sequence[str] | None = None,
                     title: str = "Confusion Matrix Curve", split_table: bool = False) -> CustomChart:
    """Counts of (actual, predicted) pairs; from `preds` or the argmax of `probs`."""
    if probs is not None and preds is not None:
        raise UsageError("confusion_matrix: give probs or preds, not both")
    if y_true is None or (probs is None and preds is None):
        raise UsageError("confusion_matrix needs y_true and one of preds= or probs=")
    if probs is not None:
        preds = np.argmax(np.asarray(probs), axis=1).tolist()
    preds = _plain(preds)
    y_true = _plain(y_true)
    if len(preds) != len(y_true):
        raise UsageError(f"confusion_matrix: {len(preds)} predictions but {len(y_true)} true labels; "
                         f"they must be equal")
    if class_names is not None:
        n = len(class_names)
        class_idx: Iterable[Any] = range(n)
        if len(set(preds)) > n or len(set(y_true)) > n:
            raise UsageError(f"confusion_matrix: more distinct classes than the {n} class_names given")
    else:
        class_idx = set(preds) | set(y_true)
        n = len(class_idx)
        class_names = [f"Class_{i + 1}" for i in range(n)]
    mapping = {v: i for i, v in enumerate(sorted(class_idx))}
    counts = np.zeros((n, n))
    for t, p in zip(y_true, preds):
        if t not in mapping or p not in mapping:
            raise UsageError(f"confusion_matrix: label {t if t not in mapping else p!r} is not a class index "
                             f"0..{n - 1} of class_names")
        counts[mapping[t], mapping[p]] += 1
    data = [[class_names[i], class_names[j], counts[i, j]] for i in range(n) for j in range(n)]
    return plot_table("wandb/confusion_matrix/v1", Table(columns=["Actual", "Predicted", "nPredictions"], data=data),
                      {"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"},
                      {"title": title}, split_table=split_table)


def pr_curve(y_true: Any = None, y_probas: Any = None, labels: list[str] | None = None,
             classes_to_plot: list[Any] | None = None, interp_size: int = 21,
             title: str = "Precision-Recall Curve", split_table: bool = False) -> CustomChart:
    """Precision over recall per class (one-vs-rest), interpolated at `interp_size` recalls."""
    metrics = _sklearn("pr_curve")
    import pandas as pd
    y_true, y_probas, classes, plot = _checked(y_true, y_probas, classes_to_plot, "pr_curve")
    interp_recall = np.linspace(0, 1, interp_size)[::-1]
    precision: dict[Any, np.ndarray] = {}
    for i in plot:
        cur_p, cur_r, _ = metrics.precision_recall_curve(y_true, y_probas[:, i], pos_label=classes[i])
        cur_p = np.maximum.accumulate(cur_p)[::-1]  # W&B's monotone smoothing, recall ascending
        cur_r = cur_r[::-1]
        precision[_label(classes, i, labels)] = cur_p[np.searchsorted(cur_r, interp_recall, side="left")]
    df = pd.DataFrame({"class": np.hstack([[k] * len(v) for k, v in precision.items()]),
                       "precision": np.hstack(list(precision.values())),
                       "recall": np.tile(interp_recall, len(precision))}).round(3)
    df = _fit(df, ["precision", "recall", "class"])
    return plot_table("wandb/area-under-curve/v0", Table(dataframe=df),
                      {"x": "recall", "y": "precision", "class": "class"},
                      {"title": title, "x-axis-title": "Recall", "y-axis-title": "Precision"},
                      split_table=split_table)


def roc_curve(y_true: Any, y_probas: Any = None, labels: list[str] | None = None,
              classes_to_plot: list[Any] | None = None, title: str = "ROC Curve",
              split_table: bool = False) -> CustomChart:
    """True positive rate over false positive rate per class (one-vs-rest)."""
    metrics = _sklearn("roc_curve")
    import pandas as pd
    y_true, y_probas, classes, plot = _checked(y_true, y_probas, classes_to_plot, "roc_curve")
    fpr: dict[Any, np.ndarray] = {}
    tpr: dict[Any, np.ndarray] = {}
    for i in plot:
        k = _label(classes, i, labels)
        fpr[k], tpr[k], _ = metrics.roc_curve(y_true, y_probas[..., i], pos_label=classes[i])
    df = pd.DataFrame({"class": np.hstack([[k] * len(v) for k, v in fpr.items()]),
                       "fpr": np.hstack(list(fpr.values())), "tpr": np.hstack(list(tpr.values()))}).round(3)
    df = _fit(df, ["fpr", "tpr", "class"])
    return plot_table("wandb/area-under-curve/v0", Table(dataframe=df), {"x": "fpr", "y": "tpr", "class": "class"},
                      {"title": title, "x-axis-title": "False positive rate", "y-axis-title": "True positive rate"},
                      split_table=split_table)


def _plain(values: Any) -> list[Any]:
    return np.asarray(values).tolist() if hasattr(values, "tolist") else list(values)


def _sklearn(what: str) -> Any:
    try:
        import sklearn.metrics
    except ImportError:
        raise ImportError(f"py_tracker.plot.{what} needs scikit-learn (as W&B's does); install it with "
                          f"`pip install scikit-learn` or `pip install py_tracker[plots]`") from None
    return sklearn.metrics


def _checked(y_true: Any, y_probas: Any, classes_to_plot: Any, what: str) -> tuple[Any, Any, Any, Any]:
    if y_true is None or y_probas is None:
        raise UsageError(f"{what} needs y_true (labels) and y_probas (one probability column per class)")
    y_true = np.asarray(y_true)
    y_probas = np.asarray(y_probas, dtype=float)
    if y_probas.ndim != 2 or len(y_probas) != len(y_true):
        raise UsageError(f"{what}: y_probas must have shape (n_samples, n_classes) = ({len(y_true)}, ...); "
                         f"got {y_probas.shape}")
    classes = np.unique(y_true)
    if y_probas.shape[1] < len(classes):
        raise UsageError(f"{what}: y_true has {len(classes)} classes but y_probas only {y_probas.shape[1]} columns")
    wanted = classes if classes_to_plot is None else classes_to_plot
    return y_true, y_probas, classes, np.where(np.isin(classes, wanted))[0]


def _label(classes: Any, i: int, labels: list[str] | None) -> Any:
    if labels is not None and isinstance(classes[i], (int, np.integer)):
        return labels[int(classes[i])]
    return classes[i].item() if hasattr(classes[i], "item") else classes[i]


def _fit(df: Any, order: list[str]) -> Any:
    if len(df) <= MAX_ROWS:
        return df
    from sklearn.utils import resample
    return resample(df, replace=False, n_samples=MAX_ROWS, random_state=42,
                    stratify=df["class"]).sort_values(order)
