"""Quickstart: train a real (small) model on the CPU, track it, then run a sweep — offline.

    python examples/quickstart.py            # store in $PY_TRACKER_DIR or ~/.py_tracker

It is the seed note's workflow: `import py_tracker as wandb`, `init`, `config`,
`log`, `finish`, then `sweep` + `agent`; afterwards it reads everything back.
"""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

import py_tracker as wandb

warnings.filterwarnings("ignore", category=ConvergenceWarning)
X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
CLASSES = np.unique(y)


def train() -> None:
    """One training run; inside a sweep, `wandb.config` holds the trial's values."""
    wandb.init(project="digits", group="sgd", job_type="train",
               config=dict(learning_rate=0.05, alpha=1e-4, epochs=8, batch_size=64))
    cfg = wandb.config
    model = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=cfg.learning_rate,
                          alpha=cfg.alpha, random_state=0)
    rng = np.random.default_rng(0)
    for epoch in range(cfg.epochs):
        order = rng.permutation(len(X_train))
        for start in range(0, len(order), cfg.batch_size):
            idx = order[start:start + cfg.batch_size]
            model.partial_fit(X_train[idx], y_train[idx], classes=CLASSES)
        val_loss = log_loss(y_val, model.predict_proba(X_val), labels=CLASSES)
        wandb.log({"epoch": epoch, "train/accuracy": model.score(X_train, y_train),
                   "val/accuracy": model.score(X_val, y_val), "val/loss": val_loss})
    wandb.summary["final_val_accuracy"] = model.score(X_val, y_val)
    wandb.finish()


def main() -> None:
    wandb.login()                                   # accepted: nothing to log in to
    train()                                         # one plain run

    sweep_config = {                                # the seed note's format
        "method": "random",
        "metric": {"goal": "minimize", "name": "val/loss"},
        "parameters": {
            "batch_size": {"distribution": "q_log_uniform_values", "max": 256, "min": 32, "q": 8},
            "alpha": {"values": [1e-5, 1e-4, 1e-3]},
            "epochs": {"value": 5},
            "learning_rate": {"distribution": "uniform", "max": 0.1, "min": 0.001},
        },
    }
    sweep_id = wandb.sweep(sweep_config, project="digits")
    wandb.agent(sweep_id, function=train, count=4)

    api = wandb.Api()
    runs = api.runs("digits")
    print(f"\n{len(runs)} runs in project 'digits':")
    for r in runs:
        print(f"  {r.id}  {r.name:<24} {r.state:<9} val/accuracy={r.summary.get('val/accuracy', float('nan')):.3f}"
              f"  lr={r.config['learning_rate']:.4f}")
    sweep = api.sweep(f"digits/{sweep_id}")
    best = sweep.best_run()
    print(f"sweep {sweep_id}: state={sweep.state}, best run {best.id} val/loss={best.summary['val/loss']:.4f}")
    print(f"history of the best run:\n{best.history(keys=['val/loss', 'val/accuracy']).tail(3)}")
    print(how_to_open())


def how_to_open() -> str:
    """The commands that open what this example made, as this interpreter would run them
    (JupyterLab refuses to start as root without --allow-root, so it is added for root)."""
    bindir = Path(sys.executable).parent
    try:
        bindir = bindir.relative_to(Path.cwd())
    except ValueError:
        pass
    examples = Path(__file__).resolve().parent
    try:
        examples = examples.relative_to(Path.cwd())
    except ValueError:
        pass
    root = " --allow-root" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    return ("\nOpen what this made:\n"
            f"  {bindir / 'py-tracker'} runs digits          # the runs, in the terminal\n"
            f"  {bindir / 'jupyter'} lab{root} {examples}/   # JupyterLab: the py_tracker sidebar "
            "(left bar) lists every run and sweep;\n"
            "      open quickstart.ipynb there to train, chart and sweep inside the notebook")


if __name__ == "__main__":
    main()
