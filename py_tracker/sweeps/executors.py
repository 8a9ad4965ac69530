"""Where parallel sweep trials run: pick or make a Dask client, and check what must travel.

`make_executor(kind, n)` is what a front end's executor picker calls (see `KINDS`);
`resolve_executor(executor, parallel)` turns whatever `agent(executor=...)` received into a
`distributed.Client`; `check_function(function)` fails early, naming what cannot be
pickled, instead of letting every trial fail on the workers.
"""
from __future__ import annotations

import types
from typing import Any, Callable

from ..errors import UsageError

INSTALL_HINT = "pip install 'py_tracker[dask]'   (or: pip install 'dask[distributed]')"

#: The executor kinds a picker can offer: kind -> what it means.
KINDS = {
    "local": "this kernel, one trial at a time (no Dask)",
    "processes": "n local Dask worker processes (a LocalCluster on 127.0.0.1)",
    "dask": "an existing Dask scheduler (pass address='tcp://host:8786')",
}


def require_dask() -> Any:
    """The `distributed` module, or an ImportError saying how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(f"running sweep trials on Dask (agent(executor=..., parallel=...)) needs "
                          f"dask.distributed, which is not installed ({exc}). Install it with: "
                          f"{INSTALL_HINT}") from None
    return distributed


def make_executor(kind: str, n: int = 2, address: str | None = None) -> Any:
    """An executor for `agent(executor=...)`: None for "local", a `distributed.Client` for
    "processes" (n single-threaded worker processes on loopback, closed with the client)
    or "dask" (a client of the scheduler at `address`). Close the client when done."""
    if kind not in KINDS:
        if kind == "threads":
            raise UsageError("make_executor('threads'): trials cannot share one process (a run's "
                             "state is process-wide); use 'processes' for parallel local trials")
        raise UsageError(f"make_executor({kind!r}): kind must be one of {sorted(KINDS)}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise UsageError(f"make_executor(n={n!r}): give the number of workers, a positive integer")
    if kind == "local":
        return None
    distributed = require_dask()
    if kind == "processes":
        return distributed.Client(n_workers=n, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None)
    if not address:
        raise UsageError("make_executor('dask', address=...): give the scheduler address, "
                         "e.g. 'tcp://scheduler:8786'")
    return distributed.Client(address)


def resolve_executor(executor: Any, parallel: int) -> tuple[Any, bool]:
    """(client, owned): owned clients were made here and are closed after the sweep."""
    distributed = require_dask()
    if executor is None:
        return make_executor("processes", parallel), True
    if isinstance(executor, distributed.Client):
        if executor.status not in ("running", "connecting", "newly-created"):
            raise UsageError(f"agent(executor=...): the Dask client is {executor.status}; "
                             f"create a new Client")
        return executor, False
    if isinstance(executor, str):
        if executor in KINDS:
            if executor == "local":
                raise UsageError("agent(executor='local') runs trials in this kernel one at a time: "
                                 "leave executor out (and parallel=1)")
            if executor == "dask":
                raise UsageError("agent(executor='dask'): pass the scheduler address instead, "
                                 "e.g. executor='tcp://scheduler:8786', or a distributed.Client")
            return make_executor(executor, parallel), True
        if "://" in executor:
            return distributed.Client(executor), True
        return make_executor(executor, parallel), True  # raises with the list of kinds
    if hasattr(executor, "scheduler_address"):  # a Cluster object (LocalCluster, ...)
        return distributed.Client(executor), True
    raise UsageError(f"agent(executor={executor!r}): pass a dask.distributed Client, a Dask cluster, "
                     f"a scheduler address ('tcp://host:8786') or one of {sorted(set(KINDS) - {'local', 'dask'})}")


def check_function(function: Callable[[], Any]) -> None:
    """Raise UsageError naming the part of `function` that Dask cannot serialize."""
    from distributed.protocol import pickle as dpickle
    try:
        dpickle.dumps(function)
    except Exception as exc:
        name = getattr(function, "__qualname__", None) or repr(function)
        what = _culprit(function, dpickle.dumps)
        raise UsageError(
            f"agent(executor=...): the training function {name!r} cannot be sent to the Dask workers: "
            f"{what + ' cannot be pickled' if what else 'it cannot be pickled'} "
            f"({type(exc).__name__}: {exc}). Create that object inside the function (each worker then "
            f"makes its own), or pass something picklable (a path, a config) instead.") from None


def _culprit(function: Any, dumps: Callable[[Any], Any], depth: int = 0) -> str | None:
    """The closure variable, global or default argument of `function` that fails to pickle."""
    code = getattr(function, "__code__", None)
    if code is None or depth > 3:
        return None
    found: list[tuple[str, Any]] = []
    for name, cell in zip(code.co_freevars, getattr(function, "__closure__", None) or ()):
        try:
            found.append((f"closure variable {name!r}", cell.cell_contents))
        except ValueError:
            pass
    globs = getattr(function, "__globals__", {})
    for name in _names(code):
        if name in globs and not isinstance(globs[name], types.ModuleType):
            found.append((f"global {name!r}", globs[name]))
    for i, val in enumerate(getattr(function, "__defaults__", None) or ()):
        found.append((f"default argument #{i + 1}", val))
    for label, value in found:
        try:
            dumps(value)
        except Exception:
            if isinstance(value, types.FunctionType):
                inner = _culprit(value, dumps, depth + 1)
                if inner:
                    return f"{inner} (used by {label})"
            return f"{label} (a {type(value).__module__}.{type(value).__qualname__})"
    return None


def _names(code: types.CodeType) -> list[str]:
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_names(const))
    return names
