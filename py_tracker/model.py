"""`watch`/`unwatch` for PyTorch models: the module tree for the Model tab, and histograms.

`watch(model)` writes ``model.json`` (module names, types, parameter shapes and counts,
trainable or not, totals; with ``log_graph`` also each module's output shape from the
first forward pass) into the run's files, and registers torch hooks that log
``gradients/<param>`` and/or ``parameters/<param>`` histograms every `log_freq`
backward/forward passes, with W&B's key names and counting. torch is imported only
when `watch` is called, so py_tracker works without it.
"""
from __future__ import annotations

import logging
import threading
from functools import partial
from typing import Any, Iterable

import orjson

from .errors import NoActiveRunError, UsageError
from .media.base import write_bytes_atomic
from .media.histogram import Histogram
from .storage.records import RunState

log = logging.getLogger("py_tracker")

LOG_CHOICES = ("gradients", "parameters", "all", None)
HIST_BINS = 64
MODEL_FILE = "model.json"


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ImportError(
            "py_tracker.watch() needs PyTorch, which is not installed; install it with `pip install torch`"
        ) from exc
    return torch


def _shapes(x: Any, torch: Any, depth: int = 0) -> Any:
    """Shapes of a module's inputs/outputs: tensors -> [dims], containers -> nested (bounded)."""
    if torch.is_tensor(x):
        return list(x.shape)
    if depth > 3:
        return None
    if isinstance(x, (list, tuple)):
        return [_shapes(v, torch, depth + 1) for v in x[:16]]
    if isinstance(x, dict):
        return {str(k): _shapes(v, torch, depth + 1) for k, v in list(x.items())[:16]}
    return None


def tensor_histogram(t: Any, bins: int = HIST_BINS) -> Histogram | None:
    """A Histogram of a tensor's finite values, computed with torch (no numpy copy of the data).

    None when the tensor holds no finite value.
    """
    import torch

    with torch.no_grad():
        t = t.detach()
        if t.is_sparse:
            t = t.coalesce().values()
        flat = t.reshape(-1)
        if not flat.is_floating_point() or flat.dtype in (torch.float16, torch.bfloat16):
            flat = flat.float()
        flat = flat[torch.isfinite(flat)]
        if flat.numel() == 0:
            return None
        lo, hi = flat.min().item(), flat.max().item()
        if lo == hi:  # one value: a unit-wide range around it, as numpy does
            lo, hi = lo - 0.5, hi + 0.5
        counts = torch.histc(flat, bins=bins, min=lo, max=hi)
        edges = torch.linspace(lo, hi, bins + 1, dtype=torch.float64)
        return Histogram(np_histogram=(counts.cpu().numpy(), edges.numpy()))


def describe(model: Any) -> dict[str, Any]:
    """The module tree of `model` as a JSON-able dict (what the Model tab shows)."""
    modules = []
    for name, mod in model.named_modules():
        own = [
            {"name": pn, "shape": list(p.shape), "numel": p.numel(), "trainable": bool(p.requires_grad),
             "dtype": str(p.dtype).removeprefix("torch.")}
            for pn, p in mod.named_parameters(recurse=False)
        ]
        everything = list(mod.parameters())
        try:
            extra = mod.extra_repr()
        except Exception:  # a user module's extra_repr may fail; the tree must not
            extra = ""
        modules.append({
            "name": name, "type": type(mod).__name__, "module": type(mod).__module__,
            "parent": name.rpartition(".")[0] if name else None, "depth": name.count(".") + 1 if name else 0,
            "children": [f"{name}.{c}" if name else c for c, _ in mod.named_children()],
            "params": own, "num_params": sum(p["numel"] for p in own),
            "total_params": sum(p.numel() for p in everything),
            "trainable": all(p.requires_grad for p in everything) if everything else None,
            "extra_repr": extra[:300],
        })
    params = [
        {"name": n, "shape": list(p.shape), "numel": p.numel(), "trainable": bool(p.requires_grad)}
        for n, p in model.named_parameters()
    ]
    total = sum(p["numel"] for p in params)
    trainable = sum(p["numel"] for p in params if p["trainable"])
    return {
        "type": type(model).__name__, "module": type(model).__module__,
        "total_params": total, "trainable_params": trainable, "non_trainable_params": total - trainable,
        "num_modules": len(modules), "modules": modules, "parameters": params,
    }


class _Watcher:
    """The hooks of one watched model in one run; `remove()` takes them all off."""

    def __init__(self, model: Any, run: Any, idx: int, log_what: str | None, log_freq: int,
                 log_graph: bool, record: dict[str, Any], on_graph: Any):
        self.model, self.run, self.idx, self.log_freq = model, run, idx, log_freq
        self.prefix = f"graph_{idx}" if idx > 0 else ""  # W&B's (separator-less) naming
        self.record = record
        self.handles: list[Any] = []
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._warned = False
        if log_what in ("parameters", "all"):
            self.handles.append(model.register_forward_hook(self._on_forward))
        if log_what in ("gradients", "all"):
            for name, p in model.named_parameters():
                if p.requires_grad:
                    self.handles.append(p.register_hook(partial(self._on_grad, name)))
        if log_graph:
            self._add_graph_hooks(on_graph)

    def _tick(self, counter: str) -> bool:
        """W&B's log_track: True on every `log_freq`-th call of this counter."""
        with self._lock:
            n = self._counts.get(counter, 0) + 1
            if n >= self.log_freq:
                self._counts[counter] = 0
                return True
            self._counts[counter] = n
            return False

    def _emit(self, data: dict[str, Any]) -> None:
        if not data or getattr(self.run, "state", RunState.RUNNING) != RunState.RUNNING:
            return
        try:
            self.run.log(data, commit=False)
        except Exception as exc:  # a histogram must never break the user's training step
            if not self._warned:
                self._warned = True
                log.warning("py_tracker.watch: could not log %s: %s", sorted(data), exc)

    def _on_grad(self, name: str, grad: Any) -> None:
        if self._tick(f"g:{name}"):
            hist = tensor_histogram(grad)
            if hist is not None:
                self._emit({f"gradients/{self.prefix}{name}": hist})

    def _on_forward(self, module: Any, inputs: Any, output: Any) -> None:
        if self._tick("forward"):
            data = {}
            for name, p in module.named_parameters():
                hist = tensor_histogram(p)
                if hist is not None:
                    data[f"parameters/{self.prefix}{name}"] = hist
            self._emit(data)

    def _add_graph_hooks(self, on_graph: Any) -> None:
        """Record each module's output shape on the first forward pass, then drop these hooks."""
        torch = _torch()
        shapes: dict[str, Any] = {}
        graph_handles: list[Any] = []

        def seen(name: str, module: Any, inputs: Any, output: Any) -> None:
            if name not in shapes:
                shapes[name] = {"input": _shapes(inputs, torch), "output": _shapes(output, torch)}
            if name == "":  # the root finishes last: the pass is complete
                for h in graph_handles:
                    h.remove()
                for m in self.record["modules"]:
                    if m["name"] in shapes:
                        m["input_shape"] = shapes[m["name"]]["input"]
                        m["output_shape"] = shapes[m["name"]]["output"]
                self.record["graph"] = True
                on_graph()

        for name, mod in self.model.named_modules():
            graph_handles.append(mod.register_forward_hook(partial(seen, name)))
        self.handles.extend(graph_handles)

    def remove(self) -> None:
        for h in self.handles:
            h.remove()
        self.handles = []
        self.record["watch"]["active"] = False


class _RunModels:
    """Everything watched in one run; owns the run's model.json."""

    def __init__(self, run: Any):
        self.run = run
        self.watchers: list[_Watcher] = []
        self.records: list[dict[str, Any]] = []
        self.next_idx = 0
        self.lock = threading.Lock()
        run.add_finish_hook(self.close)

    def write(self) -> None:
        with self.lock:
            body = orjson.dumps({"format": 1, "models": self.records}, option=orjson.OPT_INDENT_2)
            write_bytes_atomic(self.run.dir / MODEL_FILE, body)
        try:
            self.run.summary["model/parameters"] = sum(r["total_params"] for r in self.records)
        except Exception as exc:  # summary is a nicety; model.json is what matters
            log.warning("py_tracker.watch: could not set summary model/parameters: %s", exc)

    def close(self) -> None:
        for w in self.watchers:
            w.remove()
        self.watchers = []
        _RUNS.pop(id(self.run), None)


_RUNS: dict[int, _RunModels] = {}


def _active_run(run: Any) -> Any:
    if run is not None:
        return run
    from .core.session import active_run

    current = active_run()
    if current is None:
        raise NoActiveRunError("watch() needs an active run: call py_tracker.init(...) first")
    return current


def _as_list(models: Any, torch: Any) -> list[Any]:
    items = list(models) if isinstance(models, (list, tuple)) else [models]
    if not items:
        raise UsageError("watch() got an empty list of models")
    for m in items:
        if not isinstance(m, torch.nn.Module):
            raise UsageError(f"watch() expects a torch.nn.Module (or a list of them), got {type(m).__name__}")
    return items


def watch(models: Any, criterion: Any = None, log: str | None = "gradients", log_freq: int = 1000,
          idx: int | None = None, log_graph: bool = True, *, run: Any = None) -> None:
    """Record `models`' structure into the run and log histograms every `log_freq` passes.

    log="gradients" (a histogram per trainable parameter's gradient, every `log_freq`
    backward passes), "parameters" (every `log_freq` forward passes), "all" or None (the
    tree only). Keys: ``gradients/<name>``, ``parameters/<name>``; a model watched with
    idx > 0 gets W&B's ``graph_<idx>`` prefix. Histograms go into the next committed row.
    Raises NoActiveRunError before `init()`, ImportError without torch.
    """
    torch = _torch()
    if log not in LOG_CHOICES:
        raise UsageError(f"watch(log={log!r}) must be one of 'gradients', 'parameters', 'all' or None")
    if isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 1:
        raise UsageError(f"watch(log_freq={log_freq!r}) must be a positive int (passes between histograms)")
    if idx is not None and (not isinstance(idx, int) or idx < 0):
        raise UsageError(f"watch(idx={idx!r}) must be a non-negative int")
    items = _as_list(models, torch)
    run = _active_run(run)
    state = _RUNS.get(id(run))
    if state is None or state.run is not run:
        state = _RUNS[id(run)] = _RunModels(run)
    next_free = state.next_idx
    for offset, model in enumerate(items):
        again = next((w.idx for w in state.watchers if w.model is model), None)
        if idx is not None:
            i = idx + offset
        elif again is not None:  # watching the same model again replaces its hooks, keeps its keys
            i = again
        else:
            i, next_free = next_free, next_free + 1
        _unwatch_in(state, [model])
        record = describe(model)
        record.update(idx=i, graph=False, watch={
            "log": log, "log_freq": log_freq, "log_graph": bool(log_graph), "active": True,
            "criterion": type(criterion).__name__ if criterion is not None else None,
        })
        state.records = [r for r in state.records if r["idx"] != record["idx"]] + [record]
        state.watchers.append(_Watcher(model, run, i, log, log_freq, bool(log_graph), record, state.write))
        next_free = max(next_free, i + 1)
    state.next_idx = next_free
    state.write()


def _unwatch_in(state: _RunModels, models: Iterable[Any] | None) -> None:
    wanted = None if models is None else {id(m) for m in models}
    keep = []
    for w in state.watchers:
        if wanted is None or id(w.model) in wanted:
            w.remove()
        else:
            keep.append(w)
    state.watchers = keep


def unwatch(models: Any = None, *, run: Any = None) -> None:
    """Remove the hooks `watch` added: for `models` (one or a list), or all when None.

    Acts on the active run (or `run`); with no active run, on every watched model.
    model.json keeps the tree, marked ``"active": false``.
    """
    if models is not None and not isinstance(models, (list, tuple)):
        models = [models]
    if run is None:
        from .core.session import active_run

        run = active_run()
    if run is None:
        states = list(_RUNS.values())
    else:
        state = _RUNS.get(id(run))
        states = [state] if state is not None and state.run is run else []
    for state in states:
        _unwatch_in(state, models)
        if getattr(state.run, "state", RunState.RUNNING) == RunState.RUNNING:
            state.write()
