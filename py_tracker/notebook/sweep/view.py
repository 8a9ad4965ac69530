"""What the sweep widget shows, as plain data → HTML functions (testable without a browser).

`TrialRow` is the widget's record of one trial; `trials_table_html` renders the sortable
table (best row highlighted), `progress_html` the progress line. Every user string
(config keys and values, run names, reasons) is HTML-escaped here.
"""
from __future__ import annotations

import copy
import html
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ...sweeps.axes import number
from ...sweeps.best import best_of, metric_value
from ...formats import duration_text, flatten
from ..live.panel import STATE_COLORS
from ..live.tabs import TABLE_CSS, fmt_value

SORT_FIXED = ("#", "state", "metric", "duration")
STATE_COLORS = {**STATE_COLORS, "skipped": "#868e96", "claimed": "#1c7ed6"}


@dataclass
class TrialRow:
    """One trial as the widget knows it; `state` is the run's end state (or "running"),
    `label` what the table shows (a skipped trial is "stopped" with label "skipped")."""

    number: int
    run_id: str
    config: dict
    started: float
    state: str = "running"
    name: str = ""
    metric: float | None = None
    duration: float | None = None
    reason: str | None = None
    flat: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)  # the run's summary once it ended (other metrics to chart)

    def __post_init__(self) -> None:
        self.flat = flatten(self.config)

    def end(self, rec: dict, outcome: str | None, reason: str | None, metric: str | None,
            goal: str = "minimize") -> None:
        """Take the end of the trial from its run record (the agent's outcome if it has none);
        its metric is read as every view reads it (`py_tracker.sweeps.best.metric_value`)."""
        state = rec.get("state") or outcome or "failed"
        self.state = (outcome or "failed") if state == "running" else state
        self.reason = reason if self.state == "stopped" or reason == "skipped" else None
        self.name = self.name or rec.get("name") or ""
        self.summary = dict(rec.get("summary") or {})
        self.metric = metric_value(self.summary, metric, goal) if metric else None
        self.duration = float(rec.get("runtime") or (time.time() - self.started))

    @property
    def label(self) -> str:
        return "skipped" if self.state == "stopped" and self.reason == "skipped" else self.state


class TrialBook:
    """The trials of one sweep as the widget knows them. The sweep thread writes (`start`,
    `end`), the drawing thread reads (`snapshot`); `version` grows with every change."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[TrialRow] = []
        self.current: TrialRow | None = None
        self.version = 0

    def reset(self) -> None:
        with self.lock:
            self.rows, self.current = [], None
            self.version += 1

    def start(self, run_id: str, config: dict) -> TrialRow:
        with self.lock:
            row = TrialRow(len(self.rows) + 1, run_id, config, time.time())
            self.rows.append(row)
            self.current = row
            self.version += 1
        return row

    def end(self, run_id: str, rec: dict, outcome: str | None, reason: str | None,
            metric: str | None, goal: str = "minimize") -> TrialRow | None:
        with self.lock:
            row = next((r for r in self.rows if r.run_id == run_id), None)
            if row is not None:
                row.end(rec, outcome, reason, metric, goal)
                if self.current is row:
                    self.current = None
                self.version += 1
        return row

    def snapshot(self) -> tuple[int, list[TrialRow]]:
        with self.lock:
            return self.version, list(self.rows)

    def copies(self) -> tuple[int, list[TrialRow], TrialRow | None]:
        """The version, a copy of every row and the current row's copy, taken together under
        the lock: what a reader keeps cannot change when the sweep thread ends a trial."""
        with self.lock:
            rows = [copy.copy(r) for r in self.rows]
            current = next((c for c, r in zip(rows, self.rows) if r is self.current), None)
            return self.version, rows, current


def best_row(rows: list[TrialRow], goal: str) -> TrialRow | None:
    """The trial with the best metric so far, by the rule every view shares
    (`py_tracker.sweeps.best`: any ended trial with a value counts, ties to the earlier)."""
    best = best_of(sorted(rows, key=lambda r: r.number), lambda r: r.metric, goal)
    return best[0] if best else None


def sort_rows(rows: list[TrialRow], key: str, descending: bool) -> list[TrialRow]:
    """Rows sorted by "#", "state", "metric", "duration" or a parameter; missing values last."""
    def value(r: TrialRow) -> Any:
        if key == "#":
            return r.number
        if key == "state":
            return r.label
        if key == "metric":
            return r.metric
        if key == "duration":
            return r.duration
        return r.flat.get(key)

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    nums = all(number(value(r)) is not None for r in present)
    present.sort(key=lambda r: (number(value(r)) if nums else str(value(r)), r.number), reverse=descending)
    return present + missing


def trials_table_html(rows: list[TrialRow], params: list[str], metric: str | None, goal: str,
                      sort_key: str = "#", descending: bool = False, now: float | None = None) -> str:
    """The trials table: #, run, state, one column per swept parameter, metric, duration."""
    if not rows:
        return "<i>No trials yet. Press Start.</i>"
    best = best_row(rows, goal)
    head = ["#", "run", "state", *params, metric or "metric", "duration"]
    out = [TABLE_CSS, "<table class='pyt-t py-tracker-sweep-trials'><tr>"]
    for h in head:
        arrow = (" ▼" if descending else " ▲") if h == sort_key or (h == metric and sort_key == "metric") else ""
        out.append(f"<th>{html.escape(str(h))}{arrow}</th>")
    out.append("</tr>")
    for r in sort_rows(rows, sort_key, descending):
        is_best = best is not None and r is best
        cls = "py-tracker-trial py-tracker-best pyt-best" if is_best else "py-tracker-trial"
        color = STATE_COLORS.get(r.label, "#666")
        dur = r.duration if r.duration is not None else (max(0.0, now - r.started) if now else None)
        cells = [str(r.number), f"{html.escape(r.name or '')} <span class='pyt-muted'>{html.escape(r.run_id)}</span>",
                 f"<span style='color:{color}'>●</span> <span>{html.escape(r.label)}</span>"
                 + (f" <span class='pyt-muted' style='font-size:90%'>({html.escape(r.reason)})</span>"
                    if r.reason and r.label != "skipped" else "")]
        cells += [fmt_value(r.flat[p]) if p in r.flat else "" for p in params]
        cells.append(html.escape(f"{r.metric:.6g}") if r.metric is not None else "—")
        cells.append(duration_text(dur, decimals_under_a_minute=True) if dur is not None else "")
        out.append(f"<tr class='{cls}'>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    if best is not None:
        out.append(f"<div class='py-tracker-best-line'>best so far: trial {best.number} "
                   f"({html.escape(best.name or best.run_id)}), {html.escape(metric or 'metric')} = "
                   f"{html.escape(f'{best.metric:.6g}')}</div>")
    return "".join(out)


def progress_html(done: int, total: int | None, elapsed: float, remaining: float | None,
                  phase: str, sweep_id: str | None, note: str = "") -> str:
    """The progress line: a bar (when the total is known), counts, elapsed and ETA."""
    frac = min(1.0, done / total) if total else None
    bar = ""
    if frac is not None:
        bar = (f"<div style='display:inline-block;width:160px;height:10px;background:var(--jp-layout-color3,#e9ecef);"
               f"border-radius:5px;vertical-align:middle;margin-right:8px'><div class='py-tracker-sweep-bar' "
               f"style='width:{frac * 100:.1f}%;height:10px;background:var(--jp-brand-color1,#1c7ed6);"
               f"border-radius:5px'></div></div>")
    count = f"{done} of {total}" if total else f"{done}"
    eta = f" · about <b>{duration_text(remaining, True)}</b> left" if remaining is not None and phase == "running" else ""
    sid = f" · sweep <code>{html.escape(sweep_id)}</code>" if sweep_id else ""
    color = {"running": "#1c7ed6", "paused": "#f08c00", "pausing": "#f08c00", "stopping": "#e03131",
             "stopped": "#f08c00", "finished": "#2f9e44"}.get(phase, "#666")
    extra = f"<div class='pyt-muted'>{html.escape(note)}</div>" if note else ""
    # the phase's colour on a dot; its word in the theme's text colour (an orange word on white
    # or a blue one on black would not be readable)
    return (f"<div class='py-tracker-sweep-progress'>{bar}<b class='py-tracker-sweep-count'>{count}</b> trials · "
            f"<span class='py-tracker-sweep-dot' style='color:{color}'>●</span> "
            f"<span class='py-tracker-sweep-phase'>{html.escape(phase)}</span> · elapsed "
            f"<b>{duration_text(elapsed, True)}</b>{eta}{sid}</div>{extra}")


def config_html(number: int, name: str, run_id: str, config: dict) -> str:
    """The current trial's heading and config."""
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{fmt_value(v)}</td></tr>" for k, v in flatten(config).items())
    return (f"{TABLE_CSS}<div><b>trial {number}</b> {html.escape(name)} <span class='pyt-muted'>"
            f"{html.escape(run_id)}</span></div><table class='pyt-t'><tr><th>parameter</th><th>value</th></tr>"
            f"{rows}</table>")


def estimate_remaining(rows: list[TrialRow], total: int | None, now: float) -> float | None:
    """Mean duration of ended trials × trials left (the running one counted by what is left of it)."""
    ended = [r.duration for r in rows if r.duration is not None and r.state != "running"]
    if total is None or not ended:
        return None
    mean = sum(ended) / len(ended)
    running = [r for r in rows if r.state == "running"]
    left = max(0, total - len(rows)) * mean
    for r in running:
        left += max(0.0, mean - (now - r.started))
    return left


def compact(flat: dict, limit: int = 160) -> str:
    """A config on one line for the output's trial headers."""
    text = ", ".join(f"{k}={v!r}" for k, v in flat.items())
    return text if len(text) <= limit else text[:limit] + "…"


