"""`run.config`: the run's hyperparameters, with attribute and item access, like W&B's."""
from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping

from .values import config_value


class _View(dict):
    """A nested config dict that also allows attribute access (config.optimizer.lr)."""

    def __getattr__(self, name: str) -> Any:
        try:
            v = self[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None
        return _View(v) if isinstance(v, dict) else v


class Config:
    """Mapping of hyperparameters. Changing values is allowed (notebooks re-run cells).

    Every change calls `on_change()` so the run can persist it (lazily, from
    its flusher thread); values are normalized to plain JSON values first.
    """

    def __init__(self, data: Mapping[str, Any] | None = None,
                 on_change: Callable[[], None] | None = None):
        object.__setattr__(self, "_data", {})
        object.__setattr__(self, "_on_change", on_change)
        object.__setattr__(self, "_locked", {})
        if data:
            self.update(data)

    # --- mutation -----------------------------------------------------
    def update(self, d: Any = None, allow_val_change: bool | None = None, **kwargs: Any) -> None:
        """Merge keys from a dict, an argparse Namespace or keyword arguments."""
        if d is not None and not hasattr(d, "items"):
            if hasattr(d, "__dict__"):
                d = vars(d)
            else:
                raise TypeError(f"config.update() takes a dict or a Namespace, got {type(d).__name__}")
        merged = dict(d or {}, **kwargs)
        for k, v in merged.items():
            if not isinstance(k, str):
                raise TypeError(f"config keys must be str; got {k!r} ({type(k).__name__})")
            value = config_value(v, k)
            if k in self._locked and value != self._data.get(k):
                self._ignored(k)
                continue
            self._data[k] = value
        self._changed()

    def lock(self, keys: Any, by: str = "sweep") -> None:
        """Lock `keys` to their current values (W&B: a sweep's parameters): later updates of
        them are ignored, with one warning per key, so the run trains with what the sweep records."""
        for k in keys:
            if k in self._data:
                self._locked[k] = by

    def _ignored(self, key: str) -> None:
        warned = self.__dict__.setdefault("_warned", set())
        if key not in warned:
            warned.add(key)
            import warnings
            warnings.warn(f"Config item {key!r} was locked by {self._locked[key]!r} (ignored update): the "
                          f"run keeps {self._data.get(key)!r}, the value the sweep records.", UserWarning,
                          stacklevel=4)

    def setdefaults(self, d: Mapping[str, Any]) -> None:
        for k, v in d.items():
            if k not in self._data:
                self._data[k] = config_value(v, k)
        self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("_"):
            object.__setattr__(self, key, value)
        else:
            self.update({key: value})

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._changed()

    # --- reading ------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        v = self._data[key]
        return _View(v) if isinstance(v, dict) else v

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"config has no key {key!r}; keys: {sorted(self._data)}") from None

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._data else default

    def keys(self):
        return self._data.keys()

    def values(self):
        return self._data.values()

    def items(self):
        return self._data.items()

    def as_dict(self) -> dict[str, Any]:
        import copy
        return copy.deepcopy(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Config):
            return self._data == other._data
        return isinstance(other, Mapping) and self._data == dict(other)

    def __repr__(self) -> str:
        return f"Config({self._data!r})"

    def __dir__(self):
        return list(super().__dir__()) + list(self._data)


class NoRunProxy:
    """Stands in for `py_tracker.config`/`summary` before `init()`: any use says to call init."""

    def __init__(self, what: str):
        object.__setattr__(self, "_what", what)

    def _fail(self, *a: Any, **k: Any) -> Any:
        from ..errors import NoActiveRunError
        raise NoActiveRunError(f"py_tracker.{self._what} is used before py_tracker.init(); "
                               f"call py_tracker.init(project=...) first")

    __getitem__ = __setitem__ = __getattr__ = __setattr__ = __iter__ = __len__ = _fail
    __contains__ = keys = items = update = get = as_dict = _fail  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<py_tracker.{self._what}: no active run; call py_tracker.init() first>"

    def __bool__(self) -> bool:
        return False
