"""Keras 3 callbacks with W&B's names and arguments (any backend; tested on torch).

`WandbMetricsLogger` logs the `logs` dict Keras hands to callbacks (per epoch,
or every N batches) plus the learning rate; `WandbModelCheckpoint` is Keras'
`ModelCheckpoint` that also records each file it writes as a "model" artifact
`run_<id>_model` with aliases "latest" and "epoch_<n>" (or "epoch_<n>_batch_<b>").
Both need an active run (`init()` first), like W&B's.
"""
from __future__ import annotations

import os
import warnings
from typing import Any, Literal

import keras

from ..artifacts import Artifact
from ..core.session import active_run
from ..errors import NoActiveRunError, UsageError

LogStrategy = Literal["epoch", "batch"]


def _require_run(what: str) -> Any:
    run = active_run()
    if run is None:
        raise NoActiveRunError(f"You must call wandb.init() (py_tracker.init()) before {what}()")
    return run


class WandbMetricsLogger(keras.callbacks.Callback):
    """Log Keras metrics to the active run.

    log_freq: "epoch" (default: `epoch/<metric>` against `epoch/epoch`), "batch"
    or an int N (`batch/<metric>` every N batches against `batch/batch_step`).
    initial_global_step: the step a learning-rate schedule resumes from.
    """

    def __init__(self, log_freq: LogStrategy | int = "epoch", initial_global_step: int = 0,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _require_run("WandbMetricsLogger")
        if log_freq == "batch":
            log_freq = 1
        if log_freq != "epoch" and (isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 1):
            raise UsageError(f"WandbMetricsLogger(log_freq={log_freq!r}): use 'epoch', 'batch' or a positive int")
        self.logging_batch_wise = isinstance(log_freq, int)
        self.log_freq: Any = log_freq if self.logging_batch_wise else None
        self.global_batch = 0
        self.global_step = initial_global_step
        self._lr_warned = False
        if self.logging_batch_wise:
            _require_run("define_metric").define_metric("batch/batch_step")
            _require_run("define_metric").define_metric("batch/*", step_metric="batch/batch_step")
        else:
            _require_run("define_metric").define_metric("epoch/epoch")
            _require_run("define_metric").define_metric("epoch/*", step_metric="epoch/epoch")

    def _get_lr(self) -> float | None:
        try:
            lr = self.model.optimizer.learning_rate
            if callable(lr) and not hasattr(lr, "shape"):  # a schedule object
                lr = lr(self.global_step)
            return float(keras.ops.convert_to_numpy(lr))
        except Exception as exc:  # the metrics are still logged without it
            if not self._lr_warned:
                self._lr_warned = True
                warnings.warn(f"WandbMetricsLogger: unable to log the learning rate: {exc}", RuntimeWarning)
            return None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row = {f"epoch/{k}": _number(v) for k, v in (logs or {}).items()}
        row["epoch/epoch"] = epoch
        lr = self._get_lr()
        if lr is not None:
            row["epoch/learning_rate"] = lr
        _require_run("log").log(row)

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.global_step += 1
        if self.logging_batch_wise and batch % self.log_freq == 0:
            row = {f"batch/{k}": _number(v) for k, v in (logs or {}).items()}
            row["batch/batch_step"] = self.global_batch
            lr = self._get_lr()
            if lr is not None:
                row["batch/learning_rate"] = lr
            _require_run("log").log(row)
            self.global_batch += self.log_freq

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.on_batch_end(batch, logs)


class WandbModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """Keras' ModelCheckpoint (same arguments) that logs every saved file as a model artifact."""

    def __init__(self, filepath: str | os.PathLike[str], monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False, mode: str = "auto",
                 save_freq: Literal["epoch"] | int = "epoch", initial_value_threshold: float | None = None,
                 **kwargs: Any) -> None:
        super().__init__(filepath=filepath, monitor=monitor, verbose=verbose, save_best_only=save_best_only,
                         save_weights_only=save_weights_only, mode=mode, save_freq=save_freq,
                         initial_value_threshold=initial_value_threshold, **kwargs)
        _require_run("WandbModelCheckpoint")

    def _should_save_model(self, epoch: int, batch: int | None, logs: dict | None, filepath: str) -> bool:
        self._saving = bool(super()._should_save_model(epoch, batch, logs, filepath))
        return self._saving

    def _save_model(self, epoch: int, batch: int | None, logs: dict | None) -> None:
        self._saving = False
        super()._save_model(epoch=epoch, batch=batch, logs=logs)
        if not self._saving:  # save_best_only and no improvement: Keras wrote nothing new
            return
        filepath = self._get_file_path(epoch, batch, logs)
        aliases = ["latest", f"epoch_{epoch}" if batch is None else f"epoch_{epoch}_batch_{batch}"]
        self._log_checkpoint(filepath, aliases)

    def _log_checkpoint(self, filepath: str, aliases: list[str]) -> None:
        run = _require_run("WandbModelCheckpoint")
        art = Artifact(f"run_{run.id}_model", type="model")
        if os.path.isdir(filepath):
            art.add_dir(filepath)
        else:
            art.add_file(filepath)
        run.log_artifact(art, aliases=aliases)


def _number(v: Any) -> Any:
    """Keras hands floats, numpy or backend scalars; store plain numbers."""
    if isinstance(v, (int, float, str, bool)):
        return v
    try:
        return float(keras.ops.convert_to_numpy(v))
    except Exception:
        return v
