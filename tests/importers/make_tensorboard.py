"""Writes TensorBoard logs with torch's SummaryWriter and the values to expected.json.
Usage: make_tensorboard.py LOGDIR [N]."""
import json
import os
import sys

import numpy as np
from torch.utils.tensorboard import SummaryWriter

logdir = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
expected = {"train": {"loss": [], "acc/top1": []}, "eval": {"score": []}}
w = SummaryWriter(os.path.join(logdir, "train"))
for i in range(n):
    w.add_scalar("loss", 1.0 / (i + 1), i)
    expected["train"]["loss"].append([i, 1.0 / (i + 1)])
    if i % 3 == 0:
        w.add_scalar("acc/top1", i / n, i)
        expected["train"]["acc/top1"].append([i, i / n])
w.add_histogram("weights", np.arange(10, dtype=float), 5)
img = (np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5)
w.add_image("sample", img, 5, dataformats="HWC")
w.close()
w = SummaryWriter(os.path.join(logdir, "eval"))
for i in range(0, n, 10):
    w.add_scalar("score", i * 2.5, i)
    expected["eval"]["score"].append([i, i * 2.5])
w.add_hparams({"lr": 0.5, "batch": 16, "opt": "sgd"}, {"hp/final": 1.5}, run_name="hp")
w.close()
np.save(os.path.join(logdir, "..", "image.npy"), img)
with open(os.path.join(logdir, "..", "expected.json"), "w") as f:
    json.dump(expected, f)
