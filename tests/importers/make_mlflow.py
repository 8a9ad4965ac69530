"""Writes an MLflow store (file store or SQLite) with the real mlflow and expected.json.
Usage: make_mlflow.py TRACKING_URI ARTIFACT_ROOT OUT_JSON."""
import json
import os
import sys

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
import mlflow  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

uri, art, out = sys.argv[1:4]
mlflow.set_tracking_uri(uri)
client = MlflowClient(uri)
exp = client.create_experiment("vision exp", artifact_location=art)
expected = []
for name, status in (("good", "FINISHED"), ("bad", "FAILED")):
    run = client.create_run(exp, run_name=name, tags={"team": "core"})
    rid = run.info.run_id
    client.log_param(rid, "lr", 0.1)
    client.log_param(rid, "opt", "adam")
    client.set_tag(rid, "mlflow.note.content", f"note of {name}")
    points = []
    for i in range(25):
        ts = 1_700_000_000_000 + i * 1000
        client.log_metric(rid, "loss", 1.0 / (i + 1), timestamp=ts, step=i)
        points.append(["loss", i, 1.0 / (i + 1), ts])
        if i % 5 == 0:
            client.log_metric(rid, "acc", i / 25, timestamp=ts + 500, step=i)
            points.append(["acc", i, i / 25, ts + 500])
    src = os.path.join(os.path.dirname(out), f"{name}.txt")
    with open(src, "w") as f:
        f.write(f"artifact of {name}")
    client.log_artifact(rid, src, "outputs")
    client.set_terminated(rid, status=status)
    expected.append({"id": rid, "name": name, "status": status, "points": points,
                     "artifact": f"outputs/{name}.txt", "artifact_text": f"artifact of {name}"})
with open(out, "w") as f:
    json.dump(expected, f)
