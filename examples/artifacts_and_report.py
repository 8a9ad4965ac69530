"""Artifacts and a report, end to end on a CPU in well under a minute.

    .venv/bin/python examples/artifacts_and_report.py [--dir STORE]

1. a "prep" run turns scikit-learn's digits into a versioned dataset artifact;
2. four training runs (two learning rates × two seeds, grouped) use that dataset,
   log their curves and each logs a model artifact; the best model so far gets
   the alias "best";
3. an evaluation run uses "model:best" and logs its test accuracy;
4. the lineage dataset → training run → model → evaluation is printed, and a
   self-contained HTML report of all runs is written next to the store.
"""
from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import py_tracker as pt  # noqa: E402
from py_tracker.artifacts import Artifact  # noqa: E402

PROJECT = "digits-artifacts"


def prepare(root: Path, work: Path) -> None:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    run = pt.init(dir=root, project=PROJECT, job_type="prep", name="prepare-digits")
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    path = work / "digits.npz"
    np.savez_compressed(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    data = Artifact("digits", type="dataset", description="sklearn digits, 8×8 images scaled to [0, 1]",
                    metadata={"train": len(y_train), "test": len(y_test), "classes": 10})
    data.add_file(path)
    with data.new_file("README.md") as f:
        f.write("# digits\n75/25 stratified split, random_state=0.\n")
    stored = run.log_artifact(data)
    print(f"dataset {stored.qualified_name}: {stored.file_count} files, {stored.size} bytes")
    run.finish()


def train(root: Path, lr: float, seed: int, epochs: int = 30) -> float:
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import log_loss
    run = pt.init(dir=root, project=PROJECT, job_type="train", group=f"lr={lr}", name=f"sgd-lr{lr}-s{seed}",
                  config={"lr": lr, "seed": seed, "epochs": epochs, "model": "SGDClassifier(log_loss)"})
    dataset = run.use_artifact("digits:latest", type="dataset")
    d = np.load(dataset.download() / "digits.npz")
    clf = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=lr, random_state=seed)
    classes = np.arange(10)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        order = rng.permutation(len(d["y_train"]))
        clf.partial_fit(d["x_train"][order], d["y_train"][order], classes=classes)
        run.log({"epoch": epoch,
                 "train/loss": log_loss(d["y_train"], clf.predict_proba(d["x_train"]), labels=classes),
                 "val/acc": float(clf.score(d["x_test"], d["y_test"]))})
    acc = float(clf.score(d["x_test"], d["y_test"]))
    run.summary["val/acc"] = acc
    model = Artifact("digits-clf", type="model", metadata={"val_acc": acc, "lr": lr, "seed": seed})
    with model.new_file("model.pkl", mode="wb") as f:
        pickle.dump(clf, f)
    try:
        best = pt.Api(root).artifact(f"{PROJECT}/digits-clf:best").metadata.get("val_acc", -1.0)
    except pt.errors.UsageError:
        best = -1.0  # no model yet
    stored = run.log_artifact(model, aliases=["best"] if acc > best else None)
    print(f"train lr={lr} seed={seed}: val acc {acc:.3f} -> {stored.name} {stored.aliases}")
    run.finish()
    return acc


def evaluate(root: Path) -> str:
    run = pt.init(dir=root, project=PROJECT, job_type="eval", name="evaluate-best")
    model_art = run.use_artifact("digits-clf:best", type="model")
    data_art = run.use_artifact("digits:latest")
    model_dir = model_art.download()
    model_art.verify(model_dir).raise_for_errors()  # re-hash before unpickling anything
    with open(model_dir / "model.pkl", "rb") as f:
        clf = pickle.load(f)
    d = np.load(data_art.download() / "digits.npz")
    pred = clf.predict(d["x_test"])
    run.summary["test/acc"] = float((pred == d["y_test"]).mean())
    for digit in range(10):
        mask = d["y_test"] == digit
        run.log({"digit": digit, "test/acc_per_digit": float((pred[mask] == digit).mean())})
    print(f"evaluated {model_art.name}: test acc {run.summary['test/acc']:.3f}")
    run_id = run.id
    run.finish()
    return run_id


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", help="store root (default: a new temporary folder)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    root = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="py_tracker-example-"))
    work = root.parent / f"{root.name}-work"
    work.mkdir(parents=True, exist_ok=True)
    prepare(root, work)
    for lr in (0.01, 0.1):
        for seed in (0, 1):
            train(root, lr, seed)
    eval_id = evaluate(root)

    graph = pt.artifacts.lineage(root, run_id=eval_id)
    names = {n["id"]: n["label"] for n in graph["nodes"]}
    print("lineage of the evaluation run:")
    for e in graph["edges"]:
        arrow = "uses" if e["kind"] == "input" else "logged"
        src, dst = (e["target"], e["source"]) if e["kind"] == "input" else (e["source"], e["target"])
        print(f"  {names[src]} {arrow} {names[dst]}")

    out = pt.report(PROJECT, root=root, path=root.parent / f"{root.name}-report.html",
                    title="Digits: dataset → models → evaluation",
                    description="Four SGD runs in two groups (learning rate), each a mean with a min–max band.",
                    sections=[{"title": "Notes", "markdown":
                               "- The dataset and every model are **versioned artifacts**.\n"
                               "- `digits-clf:best` points at the most accurate model; the evaluation "
                               "run used it."}])
    print(f"report: {out} ({out.stat().st_size / 1e6:.1f} MB)")
    print(f"store: {root}  ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
