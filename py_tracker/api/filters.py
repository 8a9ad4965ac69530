"""MongoDB-style run filters and orderings, as W&B's `Api().runs(filters=...)` takes them.

    {"config.lr": {"$gt": 0.01}, "state": "finished", "tags": {"$in": ["best"]},
     "$or": [{"group": "a"}, {"summary_metrics.loss": {"$lt": 0.1}}]}
"""
from __future__ import annotations

import heapq
import re
from typing import Any, Callable, TypeVar

T = TypeVar("T")

_MISSING = object()

ALIASES = {"summary_metrics": "summary", "display_name": "name", "createdAt": "created_at",
           "jobType": "job_type", "displayName": "name", "sweep": "sweep_id", "updatedAt": "updated_at",
           "heartbeatAt": "heartbeat_at"}
TIME_FIELDS = ("created_at", "updated_at", "heartbeat_at", "finished_at")


def _epoch(arg: Any) -> Any:
    """An ISO-8601 date/time (W&B's `createdAt` filters: "2024-05-01", "2024-05-01T12:00:00Z")
    as the epoch seconds the store keeps; other values unchanged. Naive times are UTC, as W&B's."""
    if isinstance(arg, (list, tuple)):
        return [_epoch(a) for a in arg]
    if not isinstance(arg, str):
        return arg
    import datetime as dt
    try:
        t = dt.datetime.fromisoformat(arg.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"filter date {arg!r} is not ISO 8601; use e.g. '2024-05-01' or '2024-05-01T12:00:00Z'") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.timestamp()


def _walk(cur: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return _MISSING
    return cur


def lookup(doc: dict, path: str) -> Any:
    """Value at a dotted path; config/summary keys that contain dots are found too."""
    head, _, rest = path.partition(".")
    head = ALIASES.get(head, head)
    if head in ("config", "summary") and rest:
        d = doc.get(head) or {}
        return d[rest] if rest in d else _walk(d, rest.split("."))
    cur = doc.get(head, _MISSING)
    return _walk(cur, rest.split(".")) if rest else cur


def _cmp(op: str, value: Any, arg: Any) -> bool:
    if op == "$exists":
        return (value is not _MISSING) == bool(arg)
    if value is _MISSING:
        return op in ("$ne", "$nin")
    try:
        if op == "$eq":
            return value == arg or (isinstance(value, list) and arg in value)
        if op == "$ne":
            return value != arg and not (isinstance(value, list) and arg in value)
        if op == "$gt":
            return value > arg
        if op == "$gte":
            return value >= arg
        if op == "$lt":
            return value < arg
        if op == "$lte":
            return value <= arg
        if op == "$in":
            return any(v in arg for v in value) if isinstance(value, list) else value in arg
        if op == "$nin":
            return not (any(v in arg for v in value) if isinstance(value, list) else value in arg)
        if op == "$regex":
            return isinstance(value, str) and re.search(arg, value) is not None
    except TypeError:
        return False
    raise ValueError(f"unknown filter operator {op!r}; use $eq $ne $gt $gte $lt $lte $in $nin $regex $exists")


def compile_filter(spec: dict | None) -> Callable[[dict], bool]:
    """A predicate over run documents (already carrying their effective state)."""
    if not spec:
        return lambda doc: True
    if not isinstance(spec, dict):
        raise ValueError(f"filters must be a dict like {{'config.lr': {{'$gt': 0.1}}}}; got {spec!r}")
    checks: list[Callable[[dict], bool]] = []
    for key, cond in spec.items():
        if key in ("$and", "$or", "$nor"):
            subs = [compile_filter(c) for c in cond]
            if key == "$and":
                checks.append(lambda d, s=subs: all(f(d) for f in s))
            elif key == "$or":
                checks.append(lambda d, s=subs: any(f(d) for f in s))
            else:
                checks.append(lambda d, s=subs: not any(f(d) for f in s))
            continue
        if ALIASES.get(key, key) in TIME_FIELDS:
            cond = {op: _epoch(a) for op, a in cond.items()} if isinstance(cond, dict) else _epoch(cond)
        if isinstance(cond, dict) and cond and all(str(k).startswith("$") for k in cond):
            for op, arg in cond.items():
                if op == "$not":
                    inner = compile_filter({key: arg})
                    checks.append(lambda d, f=inner: not f(d))
                    continue
                _cmp(op, 0, arg) if op not in ("$regex", "$in", "$nin") else None
                checks.append(lambda d, k=key, o=op, a=arg: _cmp(o, lookup(d, k), a))
        else:
            checks.append(lambda d, k=key, a=cond: _cmp("$eq", lookup(d, k), a))
    return lambda doc: all(c(doc) for c in checks)


def _sort_key(pair: tuple[Any, Any]) -> Any:
    v = pair[0]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (0, v, "")
    return (1, 0, str(v))


def _split(items: list[T], field: str, doc: Callable[[T], dict]) -> tuple[list[tuple[Any, T]], list[T]]:
    present, missing = [], []
    for item in items:
        v = lookup(doc(item), field)
        if v is _MISSING or v is None:
            missing.append(item)
        else:
            present.append((v, item))
    return present, missing


def order_by(items: list[T], order: str, doc: Callable[[T], dict] = lambda item: item) -> list[T]:
    """Sort items by a field of their document: "-created_at" (descending), "+summary.loss"
    or "name" (ascending). Numbers before strings; items lacking the field (or None) go
    last whichever the direction."""
    reverse = order.startswith("-")
    present, missing = _split(items, order.lstrip("+-") or "created_at", doc)
    present.sort(key=_sort_key, reverse=reverse)
    return [item for _, item in present] + missing


def order_page(items: list[T], order: str, start: int, stop: int,
               doc: Callable[[T], dict] = lambda item: item) -> list[T]:
    """`order_by(items, order, doc)[start:stop]`, keeping only the top `stop` while sorting
    (a page of a long list costs a pass and a small heap, not a full sort)."""
    if stop <= start:
        return []
    reverse = order.startswith("-")
    present, missing = _split(items, order.lstrip("+-") or "created_at", doc)
    if stop >= len(present):
        present.sort(key=_sort_key, reverse=reverse)
        top = present
    else:
        top = (heapq.nlargest if reverse else heapq.nsmallest)(stop, present, key=_sort_key)
    return ([item for _, item in top] + missing[:max(0, stop - len(present))])[start:stop]
