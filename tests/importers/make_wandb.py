"""Writes W&B offline runs with the real wandb (run in a subprocess with WANDB_MODE=offline)
and the values it logged to expected.json beside them. Usage: make_wandb.py OUT_DIR [ENCODING]
(ENCODING: wandb's `x_history_value_encoding`, default its own, "json"; "json,typed" also
writes each history value in the typed fields)."""
import json
import math
import os
import sys
import time

out = sys.argv[1]
os.environ["WANDB_MODE"] = "offline"
os.environ["WANDB_SILENT"] = "true"
import wandb  # noqa: E402

encoding = {"x_history_value_encoding": sys.argv[2]} if len(sys.argv) > 2 else {}
expected = []
run = wandb.init(project="imported-proj", name="first", config={"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam"}},
                 tags=["a", "b"], group="grp", job_type="train", notes="some notes", dir=out,
                 settings=wandb.Settings(x_stats_sampling_interval=0.2, **encoding))
rows = []
for i in range(300):
    row = {"loss": 1.0 / (i + 1), "acc": i / 300, "nested": {"x": i * 2}, "label": f"s{i}"}
    if i == 7:
        row["maybe"] = math.nan
    if i == 8:
        row["maybe"] = math.inf
    if i == 10:  # shapes that take the reader's slow paths: long keys and values, odd bytes in keys
        row["k" * 130] = 1.5
        row["long_text"] = "x" * 200
        row["huge_text"] = "y" * 20000
        row["we\u0082\u0001ird"] = 2
        row["unicode_é"] = "ü"
    run.log(row)
    rows.append(row)
run.config.update({"late": "added"})
run.summary["best"] = 0.25
time.sleep(1.5)  # a few system samples
print("hello stdout")
print("to stderr", file=sys.stderr)
with open(os.path.join(out, "notes.txt"), "w") as f:
    f.write("a saved file")
run.save(os.path.join(out, "notes.txt"), base_path=out)
expected.append({"id": run.id, "dir": os.path.basename(os.path.dirname(run.dir)), "rows": rows,
                 "config": {"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam"}, "late": "added"},
                 "tags": ["a", "b"], "group": "grp", "job_type": "train", "notes": "some notes",
                 "name": "first", "project": "imported-proj", "exit_code": 0, "summary_best": 0.25})
run.finish()

run = wandb.init(project="imported-proj", name="second", dir=out, config={"seed": 3},
                 settings=wandb.Settings(**encoding))
rows = []
for i in range(0, 50, 5):
    run.log({"val": i * 0.5}, step=i)
    rows.append({"val": i * 0.5, "_step": i})
expected.append({"id": run.id, "dir": os.path.basename(os.path.dirname(run.dir)), "rows": rows,
                 "config": {"seed": 3}, "tags": [], "group": None, "job_type": None, "notes": None,
                 "name": "second", "project": "imported-proj", "exit_code": 1})
run.finish(exit_code=1)
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, allow_nan=True)
