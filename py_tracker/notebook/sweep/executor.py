"""Where the sweep widget's trials run: `ExecutorChoice` (checked settings) and
`ExecutorPicker` (the widget's Executor / Parallel / Dask client controls).

Three kinds, as the picker offers them:

- "thread": the widget's background thread runs one trial at a time in this kernel (the
  default, and the only kind for a training *cell*, whose code runs in the notebook's
  namespace — that namespace cannot be shipped to another process);
- "processes": a LocalCluster of `parallel` worker processes on 127.0.0.1, made at Start
  and closed when the sweep ends;
- "dask": an existing Dask scheduler — a `tcp://host:8786` address, or the name of a
  `distributed.Client` (or cluster) variable in the notebook.

`ExecutorChoice.make(...)` turns `sweep_widget(executor=..., parallel=...)` into a choice or a
UsageError saying how to fix it; `ExecutorPicker.read()` does the same for the controls at
Start. `split_magic(line)` takes `--executor KIND --parallel N` out of a `%track sweep` line.
"""
from __future__ import annotations

import html
import shlex
from dataclasses import dataclass
from typing import Any

from ...errors import UsageError

#: picker label -> kind
OPTIONS = {"local thread": "thread", "local processes": "processes", "Dask client": "dask"}
MAX_PARALLEL = 256
_THREAD_NAMES = {"thread", "threads", "local", "local thread"}
CELL_ONLY_THREAD = ("a training cell (cell=...) runs in this notebook's namespace, which cannot be shipped to "
                    "other processes, so its trials run only on the local thread (one at a time). To run trials "
                    "on {what}, define the training code as a function with no arguments and pass function=train "
                    "(%track sweep CONFIG --function train --executor processes --parallel 2).")


def check_parallel(parallel: Any) -> int:
    if isinstance(parallel, bool) or not isinstance(parallel, int) or not 1 <= parallel <= MAX_PARALLEL:
        raise UsageError(f"sweep_widget(parallel={parallel!r}): give the number of trials to run at once, "
                         f"an integer from 1 to {MAX_PARALLEL}")
    return parallel


def _is_dask_object(value: Any) -> bool:
    """A distributed.Client or a Dask cluster (anything with a scheduler address)."""
    return hasattr(value, "scheduler_address") or (type(value).__name__ == "Client" and hasattr(value, "submit"))


def _address(value: Any) -> str:
    """What the Dask field shows for a Client/cluster object: its scheduler's address."""
    addr = getattr(value, "scheduler_address", None) or getattr(getattr(value, "scheduler", None), "address", None)
    return str(addr or "client")


@dataclass(frozen=True)
class ExecutorChoice:
    """Checked executor settings: `kind` ("thread" | "processes" | "dask"), `parallel`
    (trials at once; 1 for "thread"), and for "dask" the `target` (an address string or
    a Client/cluster object) with `label` (what the Dask text field shows)."""

    kind: str = "thread"
    parallel: int = 1
    target: Any = None
    label: str = ""

    @property
    def remote(self) -> bool:
        """True when trials run on Dask workers (not on the widget's thread)."""
        return self.kind != "thread"

    @classmethod
    def make(cls, executor: Any = None, parallel: Any = 1, *, cell: bool = False) -> "ExecutorChoice":
        """`sweep_widget(executor=..., parallel=...)` -> a choice. executor: None (local thread;
        with parallel > 1, local processes, as `agent()` does), "thread(s)", "processes", a
        scheduler address, or a Client/cluster object."""
        parallel = check_parallel(parallel)
        if executor is None:
            kind = "thread" if parallel == 1 else "processes"
        elif isinstance(executor, str):
            if executor in _THREAD_NAMES:
                kind = "thread"
            elif executor == "processes":
                kind = "processes"
            elif "://" in executor:
                kind = "dask"
            elif executor == "dask":
                raise UsageError("sweep_widget(executor='dask'): pass the scheduler address "
                                 "('tcp://host:8786') or the distributed.Client itself")
            else:
                raise UsageError(f"sweep_widget(executor={executor!r}): give None or 'threads' (local thread), "
                                 f"'processes' (local worker processes), a scheduler address "
                                 f"('tcp://host:8786'), or a dask.distributed Client")
        elif _is_dask_object(executor):
            kind = "dask"
        else:
            raise UsageError(f"sweep_widget(executor={executor!r}): give None, 'threads', 'processes', a scheduler "
                             f"address ('tcp://host:8786') or a dask.distributed Client")
        if kind == "dask":
            label = executor if isinstance(executor, str) else _address(executor)
            return cls.checked("dask", parallel, executor, label, cell=cell)
        return cls.checked(kind, parallel, cell=cell)

    @classmethod
    def checked(cls, kind: str, parallel: int, target: Any = None, label: str = "", *,
                cell: bool = False) -> "ExecutorChoice":
        if kind not in OPTIONS.values():
            raise UsageError(f"executor kind {kind!r}: choose one of {sorted(OPTIONS.values())}")
        parallel = check_parallel(parallel)
        if kind == "thread" and parallel != 1:
            raise UsageError(f"the local thread runs one trial at a time (a run's state is process-wide), so "
                             f"parallel={parallel} needs executor 'processes' or a Dask client")
        if cell and kind != "thread":
            raise UsageError(CELL_ONLY_THREAD.format(what="local processes" if kind == "processes" else "Dask"))
        if kind == "dask" and target is None:
            raise UsageError("executor 'Dask client' needs a scheduler address (tcp://host:8786) or the name "
                             "of a dask.distributed Client variable in the notebook")
        return cls(kind, parallel, target, label)

    def describe(self) -> str:
        if self.kind == "thread":
            return "local thread"
        if self.kind == "processes":
            return f"{self.parallel} local processes"
        return f"Dask {self.label or 'client'} · {self.parallel} at a time"


def lookup_dask(text: str, namespace: dict) -> Any:
    """The Dask field's text -> an address string, or the Client/cluster variable it names."""
    text = (text or "").strip()
    if "://" in text:
        return text
    if not text:
        raise UsageError("executor 'Dask client': type a scheduler address (tcp://host:8786) or the name of a "
                         "dask.distributed Client variable (e.g. client = Client(LocalCluster(n_workers=4)))")
    if not text.isidentifier():
        raise UsageError(f"executor 'Dask client': {text!r} is neither a scheduler address (tcp://host:8786) nor "
                         f"a variable name")
    if text not in namespace:
        raise UsageError(f"executor 'Dask client': no variable {text!r} in the notebook; create it first "
                         f"({text} = Client(...)) or type the scheduler address (tcp://host:8786)")
    value = namespace[text]
    if not _is_dask_object(value):
        raise UsageError(f"executor 'Dask client': {text} is a {type(value).__name__}, not a dask.distributed "
                         f"Client or cluster")
    return value


class ExecutorPicker:
    """The controls: Dropdown "Executor", BoundedIntText "Parallel", Text "Dask" (shown for
    "Dask client"). `read(namespace)` -> ExecutorChoice; `set_enabled()` greys them out
    while a sweep runs or for a training cell; `lock(choice)` undoes edits made meanwhile."""

    def __init__(self, choice: ExecutorChoice, *, cell: bool = False):
        import ipywidgets as w
        self.cell = cell
        self.given = choice.target if choice.kind == "dask" else None  # a Client object passed in
        self.given_label = choice.label
        label = {v: k for k, v in OPTIONS.items()}[choice.kind]
        self.kind = w.Dropdown(options=list(OPTIONS), value=label, description="Executor",
                               layout=w.Layout(width="250px"))
        self.parallel = w.BoundedIntText(value=choice.parallel, min=1, max=MAX_PARALLEL, description="Parallel",
                                         layout=w.Layout(width="160px"))
        self.dask = w.Text(value=choice.label, placeholder="tcp://host:8786 or client variable",
                           description="Dask", layout=w.Layout(width="320px"))
        tip = ("A training cell runs in this notebook, one trial at a time; pass function=train to run trials "
               "on processes or Dask." if cell else "Where trials run, and how many at once")
        self.kind.tooltip = self.parallel.tooltip = tip
        self.widget = w.HBox([self.kind, self.parallel, self.dask])
        self._locked: ExecutorChoice | None = None
        self._reverting = False
        self.refused = ""  # why the last edit was undone
        for ctl in (self.kind, self.parallel, self.dask):
            ctl.observe(self._changed, "value")
        self.set_enabled(True)

    def read(self, namespace: dict | None = None) -> ExecutorChoice:
        """The settings shown, checked (UsageError with the fix otherwise)."""
        kind = OPTIONS[self.kind.value]
        parallel = 1 if kind == "thread" else self.parallel.value
        if kind != "dask":
            return ExecutorChoice.checked(kind, parallel, cell=self.cell)
        text = self.dask.value.strip()
        if self.given is not None and text == self.given_label:
            target = self.given
        else:
            target = lookup_dask(text, namespace or {})
        return ExecutorChoice.checked("dask", parallel, target, text, cell=self.cell)

    def set_enabled(self, enabled: bool) -> None:
        kind = OPTIONS[self.kind.value]
        self.kind.disabled = not enabled or self.cell
        self.parallel.disabled = not enabled or kind == "thread"
        self.dask.disabled = not enabled
        self.dask.layout.display = None if kind == "dask" else "none"

    def lock(self, choice: ExecutorChoice | None) -> None:
        """While a sweep runs (choice given), edits are undone; None allows them again.
        (The drawing thread greys the controls out: `set_enabled`.)"""
        self._locked = choice

    def _changed(self, change: dict) -> None:
        if self._reverting:
            return
        if self._locked is not None:
            self._reverting = True
            try:
                change["owner"].value = change["old"]
            finally:
                self._reverting = False
            self.refused = "Settings cannot change while a sweep runs; Stop it first."
            return
        if change["owner"] is self.kind and OPTIONS[change["new"]] == "thread":
            self._reverting = True
            self.parallel.value = 1
            self._reverting = False
        self.set_enabled(True)

    def close(self) -> None:
        for ctl in (self.kind, self.parallel, self.dask, self.widget):
            ctl.close()


def running_html(rows: list, describe: str) -> str:
    """The "Current trial" tab of a parallel sweep: the trials running now (escaped)."""
    from .view import compact
    live = [r for r in rows if r.state == "running"]
    head = f"<b>{len(live)} trial{'s' if len(live) != 1 else ''} running</b> on {html.escape(describe)}"
    items = "".join(f"<li>trial {r.number} <code>{html.escape(r.run_id)}</code> {html.escape(compact(r.flat))}</li>"
                    for r in live)
    return head + (f"<ul>{items}</ul>" if items else "")


def split_magic(line: str, namespace: dict) -> tuple[str, Any, int]:
    """`%track sweep ... --executor KIND --parallel N` -> (the rest of the line, executor, N).
    KIND: thread, processes, a scheduler address, or the name of a Client variable."""
    try:
        argv = shlex.split(line)
    except ValueError:
        return line, None, 1  # parse_magic reports the bad quotes
    rest: list[str] = []
    found: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        if name in ("--executor", "--parallel"):
            if not eq:
                if i + 1 >= len(argv) or argv[i + 1].startswith("--"):
                    raise UsageError(f"%track sweep {name} needs a value ({name} processes / {name} 2)")
                value, i = argv[i + 1], i + 1
            found[name] = value
        else:
            rest.append(arg)
        i += 1
    parallel, executor = 1, found.get("--executor")
    if executor is not None and executor.isidentifier() and executor not in _THREAD_NAMES | {"processes", "dask"}:
        try:
            executor = lookup_dask(executor, namespace)  # the name of a Client variable
        except UsageError as exc:
            raise UsageError(f"--executor {executor}: {exc}") from None
    if "--parallel" in found:
        try:
            parallel = int(found["--parallel"])
        except ValueError:
            raise UsageError(f"%track sweep --parallel {found['--parallel']}: give a whole number of trials "
                             f"to run at once, 1 to {MAX_PARALLEL}") from None
    return shlex.join(rest), executor, parallel
