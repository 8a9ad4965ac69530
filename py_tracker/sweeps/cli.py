"""The terminal agent: `py-tracker agent SWEEP_ID [--count N] -- python train.py`.

Runs the command once per trial, the trial's config appended as `--key=value` args and
given as JSON in env PY_TRACKER_SWEEP_CONTEXT, which the script's `py_tracker.init()`
(or `wandb.init()` after `import py_tracker as wandb`) picks up: scripts written for W&B
sweeps work unchanged. Without a command, the sweep config's `program`/`command` is used.
Also: `py-tracker sweep CONFIG.yaml [--project P]` creates a sweep and prints its id.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import UsageError

# The sweep machinery (strategies pull in numpy/scipy: seconds) is imported by the two
# handlers only: registering them must not slow `py-tracker runs` and the other commands.


def add_parser(subparsers: Any) -> None:
    """Register `agent` and `sweep` on the py-tracker command's subparsers."""
    s = subparsers.add_parser("agent", help="run trials of a sweep, one command per trial",
                              description=__doc__.splitlines()[0])
    s.add_argument("sweep_id", help="the id sweep() printed (or PROJECT/ID)")
    s.add_argument("--count", type=int, default=None, help="most trials to run (default: until done)")
    s.add_argument("--project", default=None)
    s.add_argument("cmd", nargs=argparse.REMAINDER,
                   help="-- then the command, e.g. `-- python train.py` (default: the config's program)")
    s.set_defaults(fn=cmd_agent)
    s = subparsers.add_parser("sweep", help="create a sweep from a YAML config; prints its id")
    s.add_argument("config", help="the sweep config YAML file")
    s.add_argument("--project", default=None)
    s.set_defaults(fn=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from .api import sweep
    try:
        sid = sweep(args.config, project=args.project, root=getattr(args, "dir", None))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(sid)
    return 0


def _split_options(args: argparse.Namespace) -> list[str]:
    """argparse hands everything after SWEEP_ID to `cmd` (REMAINDER), options included:
    read `--count`/`--project` up to `--`, and return the command after it."""
    rest = list(args.cmd or [])
    if "--" in rest:
        i = rest.index("--")
        opts, cmd = rest[:i], rest[i + 1:]
    elif rest and rest[0].startswith("--") and rest[0].split("=")[0] in ("--count", "--project"):
        opts, cmd = rest, []
    else:
        opts, cmd = [], rest
    if opts:
        p = argparse.ArgumentParser(prog="py-tracker agent", add_help=False)
        p.add_argument("--count", type=int, default=args.count)
        p.add_argument("--project", default=args.project)
        try:
            known = p.parse_args(opts)
        except SystemExit:
            raise UsageError(f"cannot read options {' '.join(opts)!r}; use "
                             f"`py-tracker agent SWEEP_ID [--count N] -- python train.py`") from None
        args.count, args.project = known.count, known.project
    return cmd


def cmd_agent(args: argparse.Namespace) -> int:
    """Handler of `py-tracker agent`; returns the exit status (0, or 2 on bad input, 130 on ^C)."""
    from .api import Agent
    from .runners import CommandRunner
    from .store import SweepStore
    try:
        cmd = _split_options(args)
        if args.count is not None and args.count < 1:
            raise UsageError(f"--count {args.count}: give a positive number")
        store = SweepStore(getattr(args, "dir", None))
        rec = store.find(args.sweep_id, args.project)
        cfg = rec["config"]
        if cmd:
            runner = CommandRunner(cmd, store.catalog, program=cfg.get("program"))
        elif cfg.get("program") or cfg.get("command"):
            template = cfg.get("command") or ["${env}", "${interpreter}", "${program}", "${args}"]
            runner = CommandRunner(template, store.catalog, program=cfg.get("program"))
        else:
            raise UsageError("no command to run: `py-tracker agent SWEEP_ID -- python train.py`, "
                             "or put `program: train.py` in the sweep config")
        n = Agent(store, rec["id"], runner).run(args.count)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("py-tracker agent: interrupted; the current trial is marked failed.", file=sys.stderr)
        return 130
    state = store.get(rec["id"]).get("state")
    print(f"py-tracker agent: ran {n} trial(s) of sweep {rec['id']}; sweep is {state}.", file=sys.stderr)
    return 0
