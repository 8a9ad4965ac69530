"""Run attributes that libraries calling W&B touch: `_label`, `url`, `entity`.

Kept apart from `Run` so the minimum integrations need (transformers' Trainer
calls `run._label(code=...)` and reads `run.url`) is one small mixin.
"""
from __future__ import annotations

from typing import Any


class WandbRunNames:
    """Mixin for `Run`: needs `_record`, `_mark_dirty`, `root` and `id`."""

    _record: dict
    root: Any
    id: str

    def _label(self, code: str | None = None, repo: str | None = None, code_version: str | None = None,
               **kwargs: Any) -> None:
        """Record which integration drives the run (W&B's telemetry label), under record["labels"]."""
        labels = {k: v for k, v in {"code": code, "repo": repo, "code_version": code_version, **kwargs}.items()
                  if v is not None}
        if labels:
            self._record.setdefault("labels", {}).update({k: str(v) for k, v in labels.items()})
            self._mark_dirty()  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        """Where the run lives: a file URL of its folder in the store (there is no W&B server)."""
        return (self.root / "runs" / self.id).resolve().as_uri()

    @property
    def entity(self) -> str:
        """W&B's team/user: a local store has one, "local"."""
        return "local"
