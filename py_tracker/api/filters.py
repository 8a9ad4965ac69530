"""MongoDB-style run filters and orderings, as W&B's `Api().runs(filters=...)` takes them.

    {"config.lr": {"$gt": 0.01}, "state": "finished", "tags": {"$in": ["best"]},
     "$or": [{"group": "a"}, {"summary_metrics.loss": {"$lt": 0.1}}]}
"""
from __future__ import annotations

import heapq
import operator
import re
from typing import Any, Callable, TypeVar

T = TypeVar("T")

_MISSING = object()
MISSING = _MISSING  # what `getter` returns for a field a document lacks

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
    return getter(path)(doc)


def _test(op: str, arg: Any) -> Callable[[Any], bool]:
    """The check of one operator against one argument, as a function of the field's value
    (chosen once when the filter is compiled, not per document and operator)."""
    if op == "$exists":
        want = bool(arg)
        return lambda v: (v is not _MISSING) == want
    if op in ("$eq", "$ne", "$in", "$nin"):
        if op in ("$eq", "$ne"):
            def match(v: Any) -> bool:
                return v == arg or (isinstance(v, list) and arg in v)
        else:
            def match(v: Any) -> bool:
                return any(x in arg for x in v) if isinstance(v, list) else v in arg
        hit = op in ("$eq", "$in")

        def member(v: Any) -> bool:
            if v is _MISSING:
                return not hit  # a missing field is "not equal", "not in"
            try:
                return match(v) == hit
            except TypeError:
                return False
        return member
    if op in _ORDER_OPS:
        compare = _ORDER_OPS[op]

        def ordered(v: Any) -> bool:
            if v is _MISSING:
                return False
            try:
                return compare(v, arg)
            except TypeError:
                return False
        return ordered
    if op == "$regex":
        if not isinstance(arg, str):
            raise ValueError(f"$regex needs a pattern string, not {arg!r}")
        pattern = re.compile(arg)
        return lambda v: isinstance(v, str) and pattern.search(v) is not None
    raise ValueError(f"unknown filter operator {op!r}; use $eq $ne $gt $gte $lt $lte $in $nin $regex $exists")


_ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le}


def getter(path: str) -> Callable[[dict], Any]:
    """`lookup(doc, path)` as a function compiled for one path (a filter or sort field is
    read from every run: the path is split once, not per document)."""
    head, _, rest = path.partition(".")
    head = ALIASES.get(head, head)
    if head in ("config", "summary") and rest:
        parts = rest.split(".")

        def nested(doc: dict) -> Any:
            d = doc.get(head)
            if not isinstance(d, dict):
                return _MISSING
            v = d.get(rest, _MISSING)
            return _walk(d, parts) if v is _MISSING and len(parts) > 1 else v
        return nested
    if rest:
        parts = rest.split(".")
        return lambda doc: _walk(doc.get(head, _MISSING), parts)
    return lambda doc: doc.get(head, _MISSING)


def _all(checks: list[Callable[[dict], bool]]) -> Callable[[dict], bool]:
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        a, b = checks
        return lambda doc: a(doc) and b(doc)
    return lambda doc: all(c(doc) for c in checks)


def compile_filter(spec: dict | None) -> Callable[[dict], bool]:
    """A predicate over run documents (already carrying their effective state), compiled
    once: each condition is a field getter and an operator's check chosen up front."""
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
        get = getter(key)
        if isinstance(cond, dict) and cond and all(str(k).startswith("$") for k in cond):
            for op, arg in cond.items():
                if op == "$not":
                    inner = compile_filter({key: arg})
                    checks.append(lambda d, f=inner: not f(d))
                    continue
                test = _test(op, arg)
                checks.append(lambda d, g=get, t=test: t(g(d)))
        else:
            test = _test("$eq", cond)
            checks.append(lambda d, g=get, t=test: t(g(d)))
    return _all(checks)


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def _split(items: list[T], field: str, doc: Callable[[T], dict] | None, value: Callable[[T], Any] | None = None
           ) -> tuple[list[tuple[Any, T]], list[tuple[Any, T]], list[T]]:
    """(number, item) pairs, (text, item) pairs and the items lacking `field` (or holding None):
    numbers sort before text, and each kind sorts by a plain value (no key tuple per item).
    `value(item)`, when given, is the field's value itself (no document is looked into)."""
    get = getter(field)
    nums: list[tuple[Any, T]] = []
    texts: list[tuple[Any, T]] = []
    missing: list[T] = []
    for item in items:
        v = value(item) if value is not None else get(item if doc is None else doc(item))
        if v is _MISSING or v is None:
            missing.append(item)
        elif type(v) is float or type(v) is int or (isinstance(v, (int, float)) and not isinstance(v, bool)):
            nums.append((v, item))
        else:
            texts.append((str(v), item))
    return nums, texts, missing


def _ordered(nums: list, texts: list, reverse: bool, top: int | None = None) -> list:
    """The (value, item) pairs in order (numbers first ascending, text first descending),
    only the first `top` when given (a heap, not a full sort)."""
    if top is None or top >= len(nums) + len(texts):
        nums.sort(key=_first, reverse=reverse)
        texts.sort(key=_first, reverse=reverse)
        return texts + nums if reverse else nums + texts
    pick = heapq.nlargest if reverse else heapq.nsmallest
    first, second = (texts, nums) if reverse else (nums, texts)
    out = pick(top, first, key=_first)
    if len(out) < top:
        out += pick(top - len(out), second, key=_first)
    return out


def order_by(items: list[T], order: str, doc: Callable[[T], dict] | None = None,
             value: Callable[[T], Any] | None = None) -> list[T]:
    """Sort items by a field of their document (`doc(item)`, or the item itself):
    "-created_at" (descending), "+summary.loss" or "name" (ascending). Numbers before
    strings; items lacking the field (or None) go last whichever the direction; ties keep
    the items' order."""
    nums, texts, missing = _split(items, order.lstrip("+-") or "created_at", doc, value)
    return [item for _, item in _ordered(nums, texts, order.startswith("-"))] + missing


def order_page(items: list[T], order: str, start: int, stop: int,
               doc: Callable[[T], dict] | None = None, value: Callable[[T], Any] | None = None) -> list[T]:
    """`order_by(items, order, doc)[start:stop]`, keeping only the top `stop` while sorting
    (a page of a long list costs a pass and a small heap, not a full sort)."""
    if stop <= start:
        return []
    nums, texts, missing = _split(items, order.lstrip("+-") or "created_at", doc, value)
    top = _ordered(nums, texts, order.startswith("-"), stop)
    return ([item for _, item in top] + missing[:max(0, stop - len(top))])[start:stop]
