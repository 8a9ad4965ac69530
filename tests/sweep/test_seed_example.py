"""The seed note's sweep example (shared/seed, Chinese) runs unchanged after
`import py_tracker as wandb`. The snippet below is copied verbatim from the note; when the
note is present, the test checks that it still matches."""
from __future__ import annotations

import re
from pathlib import Path

SEED_NOTE = Path("/work/shared/seed/000_b22f8196d6edecb8.txt")

SWEEP_CONFIG = """sweep_config = {
'method': 'random',
'metric': {'goal': 'minimize', 'name': 'loss'},
'parameters': 
{
  'batch_size': {'distribution': 'q_log_uniform_values', 'max': 256, 'min': 32, 'q': 8},
  'dropout': {'values': [0.3, 0.4, 0.5]},
  'epochs': {'value': 1},
  'fc_layer_size': {'values': [128, 256, 512]},
  'learning_rate': {'distribution': 'uniform', 'max': 0.1, 'min': 0},
  'optimizer': {'values': ['adam', 'sgd']}
}
}"""

LAUNCH = """sweep_id = wandb.sweep(sweep_config, project='project_name')
wandb.agent(sweep_id, function=train, count=8)"""

TRAIN = """
def train():
    # the note: inside a sweep, init's arguments do not matter; config comes from the sweep
    wandb.init(project='other_project', group='group_name', job_type='job_type',
               config=dict(epochs=10, batch_size=1))
    cfg = wandb.config
    for epoch in range(cfg.epochs):
        train_loss = cfg.learning_rate * cfg.dropout + 1.0 / cfg.fc_layer_size
        wandb.log({'accuracy': 1 - train_loss, 'loss': train_loss})
"""


def test_snippet_matches_the_note():
    if not SEED_NOTE.exists():
        return
    blocks = re.findall(r"```python\n(.*?)```", SEED_NOTE.read_text(encoding="utf-8"), re.S)
    assert SWEEP_CONFIG in [b.strip() for b in blocks]
    assert LAUNCH in [b.strip() for b in blocks]


def test_seed_sweep_example_runs(store):
    ns: dict = {}
    exec("import py_tracker as wandb", ns)
    exec(TRAIN, ns)
    exec(SWEEP_CONFIG, ns)
    exec(LAUNCH, ns)
    wandb = ns["wandb"]
    sweep = wandb.Api().sweep("project_name/" + ns["sweep_id"])
    runs = sweep.runs
    assert len(runs) == 8 and {r.state for r in runs} == {"finished"}
    for r in runs:
        c = r.config
        assert r.project == "project_name" and r.group == "group_name"
        assert c["epochs"] == 1 and isinstance(c["batch_size"], int) and c["batch_size"] % 8 == 0
        assert 32 <= c["batch_size"] <= 256 and c["dropout"] in (0.3, 0.4, 0.5)
        assert c["optimizer"] in ("adam", "sgd") and 0 <= c["learning_rate"] <= 0.1
        assert len(r.history(pandas=False)) == 1
    assert sweep.best_run().summary["loss"] == min(r.summary["loss"] for r in runs)


def test_wandb_sweep_stays_the_function_after_the_package_is_imported(store):
    import py_tracker as wandb
    import py_tracker.sweeps.config  # noqa: F401 - binds the package's own name, not `sweep`
    from py_tracker.sweeps.api import sweep
    assert wandb.sweep is sweep  # the function itself: no callable module stands in for it
    sid = wandb.sweep({"method": "grid", "parameters": {"x": {"values": [1]}}}, project="p")
    assert wandb.agent(sid, function=lambda: None) == 1
    assert len(wandb.Api().sweep(sid).runs) == 1
