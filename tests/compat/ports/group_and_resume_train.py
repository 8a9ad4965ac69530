#!/usr/bin/env python
"""Port of W&B's examples/api-examples/group-and-resume/train.py (a worker of a grouped job).

Only the import line differs from the W&B version's way of using the API: argparse
Namespace into config.update, config attribute assignment, init(group=, job_type=), and
section-prefixed keys. The original sleeps 0.25 s per epoch; the port keeps a short sleep.
"""
import argparse
import random
import time

import py_tracker as wandb

parser = argparse.ArgumentParser()
parser.description = "Train an example model"
parser.add_argument("--group_id", type=str, default=None)
parser.add_argument("--worker_index", type=int, default=0)
parser.add_argument("--learning_rate", type=float, default=0.9)
parser.add_argument("--momentum", type=float, default=0.8)


def loss_curve(step):
    result = 10 / (step + 1)
    return result + (random.random() - 0.5) * 0.5 * result


def accuracy(loss):
    return (100 - loss) / 100.0


def main():
    args = parser.parse_args()
    if args.group_id is None:
        print("Please pass --group_id")
        return
    wandb.init(group=args.group_id, job_type="train")
    wandb.config.update(args)
    wandb.config.job_type = "training"
    print("Training worker #%s" % args.worker_index)
    for i in range(50):
        loss = loss_curve(i)
        # 'train/' keys get their own section; 'loss' is shared with the eval worker
        wandb.log({"epoch": i, "loss": loss, "train/acc": accuracy(loss)})
        time.sleep(0.01)


if __name__ == "__main__":
    main()
