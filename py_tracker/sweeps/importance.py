"""Parameter importance of a sweep, as W&B's "Parameter importance" panel shows it.

For each swept parameter, against the sweep metric over the trials that reported it:

- correlation: Pearson's r between the parameter and the metric (numeric parameters
  only; a categorical one has none, as in W&B);
- importance: a random forest (scikit-learn's `RandomForestRegressor`) fitted to predict
  the metric from every parameter at once (categorical ones one-hot encoded, their
  columns' importances summed back to the parameter); its impurity-based
  `feature_importances_`, which sum to 1.

Pure: lists in, a list out; every view (sweep widget, report) calls `parameter_importance`.
scikit-learn is optional (the `plots` extra): without it `Importance.forest` is None for
every row and `ImportanceTable.note` says how to install it; correlations still come.
Constant parameters (one value over the scored trials) are left out: nothing to learn.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

MIN_TRIALS = 3  # fewer scored trials than this: no forest (it would only memorise them)
INSTALL_HINT = "install scikit-learn for the forest-based importance: pip install 'py_tracker[plots]'"


@dataclass
class Importance:
    """One parameter's row: `correlation` in [-1, 1] (None: categorical or no variation),
    `forest` in [0, 1] (None: no forest, see ImportanceTable.note)."""

    name: str
    correlation: float | None
    forest: float | None


@dataclass
class ImportanceTable:
    """The rows, most important first (by forest importance, else |correlation|); `trials`
    is how many scored trials they come from; `note` says why something is missing."""

    rows: list[Importance] = field(default_factory=list)
    trials: int = 0
    note: str = ""


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None when either side does not vary."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def parameter_importance(configs: Sequence[dict], scores: Sequence[float | None], params: Sequence[str],
                         seed: int = 0) -> ImportanceTable:
    """Importance of each of `params` (keys of the flat `configs`) for `scores` (one per
    config; None or non-finite: that trial is left out). See the module docstring."""
    scored = [(c, float(s)) for c, s in zip(configs, scores) if _num(s) is not None]
    table = ImportanceTable(trials=len(scored))
    if len(scored) < 2:
        table.note = f"{len(scored)} trial(s) reported the metric; importance needs at least 2"
        return table
    ys = [s for _, s in scored]
    varying: list[tuple[str, bool]] = []  # (name, numeric)
    for p in params:
        col = [c.get(p) for c, _ in scored]
        if len({repr(v) for v in col}) < 2:
            continue  # constant: left out
        varying.append((p, all(_num(v) is not None for v in col)))
    corr: dict[str, float | None] = {}
    for p, numeric in varying:
        corr[p] = pearson([float(c[p]) for c, _ in scored], ys) if numeric else None
    forest = _forest(scored, varying, seed, table) if varying else {}
    rows = [Importance(p, corr[p], forest.get(p)) for p, _ in varying]
    rows.sort(key=lambda r: -(r.forest if r.forest is not None else abs(r.correlation or 0.0)))
    table.rows = rows
    return table


def _forest(scored: list[tuple[dict, float]], varying: list[tuple[str, bool]], seed: int,
            table: ImportanceTable) -> dict[str, float]:
    if len(scored) < MIN_TRIALS:
        table.note = f"{len(scored)} scored trials; the forest-based importance needs at least {MIN_TRIALS}"
        return {}
    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError:
        table.note = INSTALL_HINT
        return {}
    owner: list[str] = []  # the parameter of each feature column
    columns: list[list[float]] = []
    for p, numeric in varying:
        col = [c.get(p) for c, _ in scored]
        if numeric:
            owner.append(p)
            columns.append([float(v) for v in col])  # type: ignore[arg-type]
        else:
            for cat in sorted({repr(v) for v in col}):
                owner.append(p)
                columns.append([1.0 if repr(v) == cat else 0.0 for v in col])
    X = [list(row) for row in zip(*columns)]
    model = RandomForestRegressor(n_estimators=100, random_state=seed)
    model.fit(X, [s for _, s in scored])
    out: dict[str, float] = {}
    for p, imp in zip(owner, model.feature_importances_):
        out[p] = out.get(p, 0.0) + float(imp)
    return out


def importance_html(table: ImportanceTable, metric: str | None) -> str:
    """The table as HTML (widget and report): parameter · importance bar · correlation."""
    import html
    if not table.rows:
        why = table.note or "no parameter varies over the scored trials"
        return f"<div class='py-tracker-importance'><i>Parameter importance: {html.escape(why)}.</i></div>"
    body = []
    for r in table.rows:
        imp = "—" if r.forest is None else (
            f"<span style='display:inline-block;width:{100 * r.forest:.0f}px;height:0.8em;"
            f"background:var(--jp-brand-color1,#1976d2)'></span> {r.forest:.3f}")
        if r.correlation is None:
            cor = "—"
        else:
            colour = "var(--jp-success-color1,#2f9e44)" if r.correlation >= 0 else "var(--jp-error-color1,#d32f2f)"
            cor = f"<span style='color:{colour}'>{r.correlation:+.3f}</span>"
        body.append(f"<tr><td><code>{html.escape(r.name)}</code></td><td>{imp}</td><td>{cor}</td></tr>")
    note = f"<div class='py-tracker-importance-note'><i>{html.escape(table.note)}</i></div>" if table.note else ""
    return (f"<div class='py-tracker-importance'><b>Parameter importance</b> with respect to "
            f"<code>{html.escape(metric or 'metric')}</code> ({table.trials} trials)"
            f"<table><tr><th>parameter</th><th>importance</th><th>correlation</th></tr>{''.join(body)}</table>"
            f"{note}</div>")
