"""`py-tracker`: list, show, export and delete runs; check and repair the store; sweep agents."""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from .errors import TrackerError, UsageError
from .formats import duration_text
from .settings import store_dir_env
from .storage.access import check_root
from .storage.paths import default_root


def _fmt_time(t: float | None) -> str:
    return _dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t else "-"


def _fmt_val(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        return ",".join(f"{k}={_fmt_val(x)}" for k, x in v.items())
    return str(v)


def _table(rows: list[list[str]], out: Any) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")


def _api(args: argparse.Namespace) -> Any:
    from .api import Api
    return Api(args.dir)


def cmd_runs(args: argparse.Namespace) -> int:
    api = _api(args)
    filters = json.loads(args.filter) if args.filter else None
    if args.limit < 0 or args.offset < 0:
        raise UsageError(f"--limit and --offset must be >= 0; got --limit {args.limit} --offset {args.offset}")
    # only the page's records are read (a fresh process reads the runs index, not the catalog)
    runs, total = api.runs_page(args.project, order=args.order, offset=args.offset, limit=args.limit,
                                filters=filters)
    if args.json:
        json.dump([r.to_dict() for r in runs], sys.stdout, default=str, indent=1)
        sys.stdout.write("\n")
        return 0
    if not runs:
        print(f"no runs{' in project ' + repr(args.project) if args.project else ''} under {api.root}"
              + (f" at offset {args.offset} (of {total})" if total else ""))
        return 0
    rows = [["ID", "PROJECT", "NAME", "STATE", "GROUP", "CREATED", "RUNTIME", "STEPS", "SUMMARY"]]
    for r in runs:
        summ = ", ".join(f"{k}={_fmt_val(v)}" for k, v in list(r.summary.items())[:3] if not k.startswith("_"))
        rows.append([r.id, r.project, r.name or "", r.state, r.group or "", _fmt_time(r.created_at),
                     duration_text(r.runtime), str(r.last_step + 1), summ])
    _table(rows, sys.stdout)
    if len(runs) < total:
        print(f"runs {args.offset + 1}-{args.offset + len(runs)} of {total}; "
              f"--offset {args.offset + len(runs)} for the next page, --limit 0 for all")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    r = _api(args).run(args.run)
    d = r.to_dict()
    if args.json:
        json.dump(d, sys.stdout, default=str, indent=1)
        sys.stdout.write("\n")
        return 0
    for key in ("id", "project", "name", "state", "group", "job_type", "tags", "notes", "sweep_id"):
        if d.get(key) not in (None, "", []):
            print(f"{key:>9}: {d[key]}")
    print(f"  created: {_fmt_time(d.get('created_at'))}   runtime: {duration_text(d.get('runtime'))}   "
          f"steps: {int(d.get('last_step', -1)) + 1}")
    print("   config:")
    for k, v in (d.get("config") or {}).items():
        print(f"     {k}: {_fmt_val(v)}")
    print("  summary:")
    for k, v in (d.get("summary") or {}).items():
        print(f"     {k}: {_fmt_val(v)}")
    files = r.files()
    if files:
        print("    files:")
        for f in files:
            print(f"     {f.name} ({f.size} bytes)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    r = _api(args).run(args.run)
    df = r.history(stream=args.stream)
    out = args.output or f"{r.id}-{args.stream}.{args.format}"
    if args.format == "csv":
        if out == "-":
            df.to_csv(sys.stdout, index=False)
        else:
            df.to_csv(out, index=False)
    elif args.format == "json":
        text = df.to_json(orient="records", lines=True)
        if out == "-":
            sys.stdout.write(text)
        else:
            Path(out).write_text(text)
    else:
        try:
            df.to_parquet(out, index=False)
        except ImportError:
            print("error: parquet export needs pyarrow: pip install 'py_tracker[parquet]'", file=sys.stderr)
            return 2
    if out != "-":
        print(f"wrote {len(df)} rows of run {r.id} to {out}")
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    api = _api(args)
    for path in args.runs:
        r = api.run(path)
        if not args.yes:
            if not sys.stdin.isatty():
                print("error: refusing to delete without confirmation; pass --yes", file=sys.stderr)
                return 2
            answer = input(f"delete run {r.path} ({r.name}, {r.state})? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                continue
        r.delete()
        print(f"deleted {r.path}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .storage.doctor import doctor
    report = doctor(args.dir or default_root(), repair=not args.check)
    for line in report.lines:
        print(line)
    return 1 if report.problems and args.check else 0


def cmd_wandb(args: argparse.Namespace) -> int:
    from .compat import installer
    if args.action == "install":
        pkg = installer.install(args.target, force=args.force)
        print(f"installed py_tracker's wandb shim in {pkg.parent}: `import wandb` now records into py_tracker "
              f"(undo with `py-tracker wandb uninstall{' --target ' + args.target if args.target else ''}`)")
    else:
        removed = installer.uninstall(args.target)
        where = args.target or installer.default_target()
        print(f"removed py_tracker's wandb shim from {where}" if removed else f"no py_tracker wandb shim in {where}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .importers import run_import
    report = run_import(args.source, args.paths, project=args.project, root=args.dir,
                        progress=None if not args.no_progress else False)
    print(report.summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="py-tracker", description="Local experiment tracking: inspect the store.")
    p.add_argument("--dir", default=None, help="store root (default: $PY_TRACKER_DIR or ~/.py_tracker)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("runs", help="list runs as a table")
    s.add_argument("project", nargs="?")
    s.add_argument("--filter", help='MongoDB-style JSON, e.g. \'{"config.lr": {"$gt": 0.01}}\'')
    s.add_argument("--order", default="-created_at", help="e.g. -created_at, +summary.loss")
    s.add_argument("--limit", type=int, default=50, help="runs per page (default 50; 0 for all)")
    s.add_argument("--offset", type=int, default=0, help="skip this many runs first")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_runs)
    s = sub.add_parser("show", help="show one run (PROJECT/ID or ID)")
    s.add_argument("run")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_show)
    s = sub.add_parser("export", help="export a run's history")
    s.add_argument("run")
    s.add_argument("--format", choices=("csv", "json", "parquet"), default="csv")
    s.add_argument("--stream", choices=("history", "system"), default="history")
    s.add_argument("-o", "--output", help="output file ('-' for stdout with csv/json)")
    s.set_defaults(fn=cmd_export)
    s = sub.add_parser("rm", help="delete runs")
    s.add_argument("runs", nargs="+")
    s.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    s.set_defaults(fn=cmd_rm)
    s = sub.add_parser("doctor", help="check and repair the store (never deletes data)")
    s.add_argument("--check", action="store_true", help="only report; exit 1 if something is wrong")
    s.set_defaults(fn=cmd_doctor)
    s = sub.add_parser("wandb", help="make `import wandb` record into py_tracker in this environment (opt-in)")
    s.add_argument("action", choices=("install", "uninstall"))
    s.add_argument("--target", default=None, help="folder to install into (default: this interpreter's site-packages)")
    s.add_argument("--force", action="store_true",
                   help="install even when the real wandb is there (it is moved aside; uninstall restores it)")
    s.set_defaults(fn=cmd_wandb)
    s = sub.add_parser("import", help="import runs from W&B offline folders, TensorBoard logs or MLflow stores")
    s.add_argument("source", choices=("wandb", "tensorboard", "mlflow"))
    s.add_argument("paths", nargs="+", metavar="PATH",
                   help="wandb: wandb/ or offline-run-* folders; tensorboard: log dir; "
                        "mlflow: mlruns/ folder, SQLite file or tracking URI")
    s.add_argument("--project", help="put every imported run into this project (default: the source's)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.set_defaults(fn=cmd_import)
    from .sweeps.cli import add_parser as add_agent
    add_agent(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.dir is None:
        args.dir = store_dir_env()
    try:
        check_root(args.dir or default_root())  # a file where the store should be: one line, below
        return int(args.fn(args) or 0)
    except (TrackerError, ValueError, KeyError, OSError) as exc:
        # one clear line, never a traceback: a bad argument, a store that is a file,
        # read-only or unreadable (StorageError), a missing or existing output file
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
