"""How one trial runs: a Python function in this process, or a command in a subprocess.

Both follow `TrialRunner`: `run(ctx) -> outcome` where ctx is the `core.trial.TrialContext`
that the trial's `init()` joins (sweep id, project, config, store root, run id, stop flag)
and outcome is "finished", "failed" or "stopped"; `stop(reason)` asks the running trial to
stop (called from the watcher thread, repeatedly). KeyboardInterrupt propagates after the trial's run
is recorded as failed.
"""
from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import time
import traceback
from typing import Any, Callable

from ..core import session
from ..core.trial import TrialContext, joining
from ..errors import RunStopped, UsageError
from ..settings import child_env
from ..storage.catalog import Catalog
from ..storage.records import RunState, end_run


class TrialRunner:
    """Interface: `run(ctx) -> "finished" | "failed" | "stopped"` runs one trial, `ctx` the
    `TrialContext` its `init()` joins; `stop(reason)` asks the running trial to stop (any
    thread, repeatable); `last_error` holds the traceback text of the last trial that
    raised (or None)."""

    last_error: str | None = None

    def run(self, ctx: TrialContext) -> str:
        raise NotImplementedError

    def stop(self, reason: str) -> None:
        raise NotImplementedError


def _finish_record(catalog: Catalog, ctx: TrialContext, outcome: str) -> None:
    """Make sure the trial has a run record in the right end state.

    A function that never called init() (or a script that never did) still gets its run,
    so that the trial shows up with its config and the sweep counts it."""
    rec = catalog.get("runs", ctx.run_id)
    if rec is None:
        with joining(ctx):
            run = session.init(settings={"monitor_interval": None})
        run.finish(exit_code=1 if outcome == RunState.FAILED else 0,
                   state=RunState.STOPPED if outcome == RunState.STOPPED else None)
        return
    # a run still "running" ends as the trial did; a failed trial's "finished" run is failed
    allowed = (RunState.RUNNING, RunState.FINISHED) if outcome == RunState.FAILED else (RunState.RUNNING,)
    if rec.get("state") in allowed:
        end_run(catalog, ctx.run_id, outcome, only_from=allowed)


class FunctionRunner(TrialRunner):
    """Call `function()` inside the trial context, so its `init()` joins the trial."""

    def __init__(self, function: Callable[[], Any], catalog: Catalog):
        if not callable(function):
            raise TypeError(f"agent(function=...) takes a function with no arguments, got {function!r}")
        try:
            inspect.signature(function).bind()
        except TypeError:
            raise UsageError(f"agent(function={getattr(function, '__name__', function)!r}): the function "
                             f"must be callable with no arguments (read values from "
                             f"py_tracker.config inside it)") from None
        except ValueError:
            pass  # builtins without a signature
        self.function = function
        self.catalog = catalog
        self._ctx: TrialContext | None = None

    def stop(self, reason: str) -> None:
        ctx = self._ctx
        if ctx is not None:
            ctx.request_stop(reason)  # kept until the trial's init() when it has not run yet

    def run(self, ctx: TrialContext) -> str:
        self._ctx = ctx
        self.last_error = None
        interrupted: BaseException | None = None
        try:
            with joining(ctx):
                self.function()
            outcome = RunState.FINISHED
        except RunStopped:
            outcome = RunState.STOPPED
        except KeyboardInterrupt as exc:
            outcome, interrupted = RunState.FAILED, exc
        except SystemExit as exc:  # a script-style train() calling sys.exit()
            outcome = RunState.FINISHED if exc.code in (None, 0) else RunState.FAILED
        except Exception:
            outcome = RunState.FAILED
            self.last_error = traceback.format_exc()
            print(f"py_tracker: trial {ctx.run_id} of sweep {ctx.sweep_id} failed; "
                  f"the agent goes on with the next trial.", file=sys.stderr)
            traceback.print_exc()
        try:
            self._close(ctx, outcome)
        finally:
            self._ctx = None
        if interrupted is not None:
            raise interrupted
        return outcome.value

    def _close(self, ctx: TrialContext, outcome: RunState) -> None:
        run = ctx.run
        if run is not None and not run.finished:
            run.finish(exit_code=1 if outcome is RunState.FAILED else 0,
                       state=RunState.STOPPED if outcome is RunState.STOPPED else None)
        if run is not None and run.finished and (outcome is not RunState.FAILED or run.state != RunState.FINISHED):
            return  # the run recorded its own end (the common case: no catalog read)
        _finish_record(self.catalog, ctx, outcome)


def format_arg(value: Any) -> str:
    """A config value on a command line: JSON for lists/dicts, str() otherwise (as W&B)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def expand_command(command: list[str] | None, program: str | None, config: dict) -> list[str]:
    """W&B's command macros: ${env} ${interpreter} ${program} ${args} ${args_no_hyphens}
    ${args_json}. Without a command: `python program --k=v ...`."""
    args = [f"--{k}={format_arg(v)}" for k, v in config.items()]
    if not command:
        if not program:
            raise ValueError("no command: give one after `--`, or `program:` in the sweep config")
        command = ["${env}", "${interpreter}", "${program}", "${args}"]
    out: list[str] = []
    for part in command:
        if part == "${args}":
            out.extend(args)
        elif part == "${args_no_hyphens}":
            out.extend(a[2:] for a in args)
        elif part == "${args_json}":
            out.append(json.dumps(config))
        elif part == "${env}":
            if os.name != "nt":
                out.append("/usr/bin/env")
        elif part == "${interpreter}":
            out.append(sys.executable)
        elif part == "${program}":
            if not program:
                raise ValueError("the command uses ${program} but the sweep config has no `program:`")
            out.append(program)
        else:
            out.append(part)
    return out


class CommandRunner(TrialRunner):
    """Run a command per trial: config as `--key=value` args and, for `init()`, as JSON in
    env PY_TRACKER_SWEEP_CONTEXT (`TrialContext.to_env`). Stop = the run's stop flag file;
    killed if it lingers."""

    KILL_AFTER = 30.0

    def __init__(self, command: list[str], catalog: Catalog, append_args: bool = True,
                 program: str | None = None):
        self.command = list(command)
        self.program = program
        self.catalog = catalog
        self.append_args = append_args
        self._run_id: str | None = None
        self._stop_at: float | None = None

    def stop(self, reason: str) -> None:
        if self._run_id is None:
            return
        if self._stop_at is None:
            self._stop_at = time.monotonic()
        flag = self.catalog.layout.stop_flag(self._run_id)
        flag.parent.mkdir(parents=True, exist_ok=True)
        flag.write_text(reason)

    def argv(self, config: dict) -> list[str]:
        if any("${" in c for c in self.command):
            return expand_command(self.command, self.program, config)
        extra = [f"--{k}={format_arg(v)}" for k, v in config.items()] if self.append_args else []
        return self.command + extra

    def run(self, ctx: TrialContext) -> str:
        self._run_id, self._stop_at = ctx.run_id, None
        env = child_env(**ctx.to_env())
        try:
            proc = subprocess.Popen(self.argv(ctx.config), env=env)
        except OSError as exc:
            _finish_record(self.catalog, ctx, RunState.FAILED)
            self._run_id = None
            raise UsageError(f"could not start the trial command {self.command!r}: {exc}") from None
        try:
            while True:
                try:
                    rc = proc.wait(timeout=0.2)
                    break
                except subprocess.TimeoutExpired:
                    if self._stop_at is not None and time.monotonic() - self._stop_at > self.KILL_AFTER:
                        proc.terminate()
        except KeyboardInterrupt:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
            _finish_record(self.catalog, ctx, RunState.FAILED)
            self._run_id = None
            raise
        rec = self.catalog.get("runs", ctx.run_id)
        if rec is not None and rec.get("state") == RunState.STOPPED:
            outcome = RunState.STOPPED
        elif self._stop_at is not None and rc != 0 and (rec is None or rec.get("state") == RunState.RUNNING):
            outcome = RunState.STOPPED
        else:
            outcome = RunState.FINISHED if rc == 0 else RunState.FAILED
        _finish_record(self.catalog, ctx, outcome)
        self._run_id = None
        return outcome.value
