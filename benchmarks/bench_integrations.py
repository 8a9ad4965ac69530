"""Overhead of transformers' Trainer(report_to="wandb") through py_tracker (issue 11).

    python benchmarks/bench_integrations.py [--quick]

One process, `py_tracker.as_wandb()` first (so transformers' `import wandb` gets
py_tracker), a tiny GPT-2 built from a config (no downloads), CPU. Trainers with
report_to="none" (the baseline) and report_to="wandb" alternate, R rounds of S steps
each; the step time is the process CPU time (all threads: py_tracker's flusher and
monitor count) between consecutive `on_step_end` callbacks (it includes the logging
that follows a step); the first 40 steps of each train() are left out (one-time work:
init, the first config/summary save, the monitor's first sample). CPU time, not wall time: on
a shared small machine other processes' load swamps a 2 % difference in wall time.
Two settings: TrainingArguments' default logging_steps (500) and the worst case,
logging_steps=1 (a W&B row every step). py_tracker settings are the defaults
(system monitor on, output capture on). Target: overhead <= 2 % of the step time.

Two figures per setting:
- A/B: mean step CPU time with report_to="wandb" vs "none" (the median over rounds of
  each round's difference, and the spread of the rounds). On a busy shared machine this
  carries a few % of noise either way.
- attributed: what py_tracker and the W&B callback themselves cost, measured directly
  in the report_to="wandb" rounds: CPU time of the main thread inside WandbCallback's
  hooks (transformers' side + py_tracker's log/config/summary) plus the CPU time of
  py_tracker's own threads (flusher, monitor), over the CPU time of the steps. Output
  capture of the console lines happens in print() and is only in the A/B figure.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="2 rounds of 120 steps (default 4 of 240)")
    args = ap.parse_args()
    rounds, steps = (2, 120) if args.quick else (4, 240)
    store = tempfile.mkdtemp(prefix="bench-integrations-")
    os.environ["PY_TRACKER_DIR"] = store
    os.environ["PY_TRACKER_DISPLAY"] = "0"
    os.environ.pop("WANDB_LOG_MODEL", None)
    os.environ.pop("WANDB_WATCH", None)
    import py_tracker
    wandb = py_tracker.as_wandb()

    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainerCallback, TrainingArguments
    from transformers.utils import logging as hf_logging
    hf_logging.set_verbosity_error()
    torch.set_num_threads(1)  # both sides alike; less noise from the other processes on a small machine
    torch.manual_seed(0)

    class Tokens(torch.utils.data.Dataset):
        def __init__(self, n: int):
            self.ids = torch.randint(0, 64, (n, 32))

        def __len__(self) -> int:
            return len(self.ids)

        def __getitem__(self, i: int) -> dict:
            return {"input_ids": self.ids[i], "labels": self.ids[i]}

    class Clock(TrainerCallback):
        """Process CPU time at each step end; after the warm-up steps, also the hooks' and
        py_tracker threads' CPU so far (their per-step share is the difference to the end)."""

        def __init__(self) -> None:
            self.marks: list[float] = []
            self.attributed_at_warm: dict = {}

        def on_step_end(self, args, state, control, **kw):  # type: ignore[no-untyped-def]
            if len(self.marks) == WARMUP:
                self.attributed_at_warm = attributed_now()
            self.marks.append(time.process_time())

    data = Tokens(256)
    from transformers.integrations import WandbCallback
    hook_cpu: dict[str, float] = {}
    for name in ("on_train_begin", "on_log", "on_save", "on_train_end", "on_step_end", "on_evaluate"):
        fn = getattr(WandbCallback, name, None)
        if fn is None:
            continue

        def timed(*a, __fn=fn, __name=name, **k):  # type: ignore[no-untyped-def]
            t = time.thread_time()
            try:
                return __fn(*a, **k)
            finally:
                hook_cpu[__name] = hook_cpu.get(__name, 0.0) + time.thread_time() - t
        setattr(WandbCallback, name, timed)

    WARMUP = 40  # past init's one-time work: the first summary/config save, the monitor's first sample

    def attributed_now() -> dict:
        """CPU so far: {"hooks": s, <thread name>: s, ...} (per-step hooks only, not init/end)."""
        out = {"hooks": sum(v for k, v in hook_cpu.items() if k not in ("on_train_begin", "on_train_end"))}
        import threading
        for t in threading.enumerate():
            if t.name.startswith("py_tracker") and t.ident is not None:
                try:
                    out[t.name] = time.clock_gettime(time.pthread_getcpuclockid(t.ident))
                except (OSError, ProcessLookupError):
                    pass
        return out

    def attributed_since(before: dict) -> dict:
        """Per-source CPU since `before`, grouped as hooks / flusher / monitor / other threads.
        (A thread that ended meanwhile is not counted: py_tracker's threads live as long as the run.)"""
        now = attributed_now()
        groups: dict[str, float] = {}
        for name, v in now.items():
            g = "hooks" if name == "hooks" else "flusher" if "flush" in name else \
                "monitor" if "monitor" in name else "other threads"
            groups[g] = groups.get(g, 0.0) + v - before.get(name, 0.0)
        return groups

    def one(report_to: str, logging_steps: int | None) -> tuple[list[float], dict, float]:
        """Step CPU times of one train() after the warm-up; on the wandb side also the CPU
        attributed to py_tracker over those steps, and init's (on_train_begin) CPU."""
        model = GPT2LMHeadModel(GPT2Config(vocab_size=64, n_positions=32, n_embd=32, n_layer=2, n_head=2))
        kw = {} if logging_steps is None else {"logging_steps": logging_steps}
        targs = TrainingArguments(output_dir=str(Path(store) / "out"), report_to=report_to, max_steps=steps,
                                  per_device_train_batch_size=8, save_strategy="no", use_cpu=True,
                                  disable_tqdm=True, seed=0, **kw)
        clock = Clock()
        hook_cpu.clear()
        Trainer(model=model, args=targs, train_dataset=data, callbacks=[clock]).train()
        extra = attributed_since(clock.attributed_at_warm) if report_to == "wandb" else {}
        setup = hook_cpu.get("on_train_begin", 0.0)
        if report_to == "wandb":
            wandb.finish()
        m = clock.marks[WARMUP:]
        return [b - a for a, b in zip(m, m[1:])], extra, setup

    print(f"{rounds} rounds x {steps} steps per side, tiny GPT-2 (2 layers, 32 wide), CPU, 1 torch thread")
    for label, logging_steps in (("default logging_steps (500)", None), ("logging_steps=1 (a row per step)", 1)):
        per_round: list[float] = []
        means: dict[str, list[float]] = {"none": [], "wandb": []}
        attributed: dict[str, float] = {}
        steps_total, setups = 0.0, []
        for r in range(rounds):
            order = ("none", "wandb") if r % 2 == 0 else ("wandb", "none")
            got = {}
            for side in order:
                steps_cpu, extra, setup = one(side, logging_steps)
                got[side] = statistics.mean(steps_cpu)
                means[side].append(got[side])
                if side == "wandb":
                    for k, v in extra.items():
                        attributed[k] = attributed.get(k, 0.0) + v
                    steps_total += sum(steps_cpu)
                    setups.append(setup)
            per_round.append((got["wandb"] - got["none"]) / got["none"] * 100)
        base, ours = statistics.mean(means["none"]), statistics.mean(means["wandb"])
        q = statistics.quantiles(per_round, n=4) if len(per_round) >= 2 else [per_round[0]] * 3
        print(f"{label}: step {base * 1e3:.2f} ms CPU (report_to='none') vs {ours * 1e3:.2f} ms (report_to='wandb' "
              f"via py_tracker); A/B overhead {statistics.median(per_round):+.2f} % (rounds: {q[0]:+.1f} .. "
              f"{q[2]:+.1f} %)")
        share = sum(attributed.values()) / steps_total * 100
        parts = ", ".join(f"{k} {v / steps_total * 100:.2f} %" for k, v in sorted(attributed.items()))
        print(f"    attributed to py_tracker + the callback: {share:.2f} % of the step CPU ({parts}) "
              f"(target <= 2 %); once per train(): init {statistics.median(setups) * 1e3:.0f} ms CPU")
    runs = py_tracker.Api(store).runs()
    print(f"{len(runs)} runs recorded in {store}, all finished: {all(r.state == 'finished' for r in runs)}")


if __name__ == "__main__":
    main()
