"""wandb.alert(): the server returns a run's alerts (the sidebar shows them)."""
from __future__ import annotations

import json

import py_tracker as pt

from .conftest import QUIET


async def test_runs_list_and_detail_return_alerts(jp_fetch, store_root):
    run = pt.init(dir=store_root, project="a", settings=QUIET, reinit="create_new")
    run.alert("Diverged <x>", "nan loss", level=pt.AlertLevel.ERROR)
    run.finish()
    quiet = pt.init(dir=store_root, project="a", settings=QUIET, reinit="create_new")
    quiet.finish()
    listing = json.loads((await jp_fetch("py-tracker", "api", "v1", "runs", params={"project": "a"})).body)
    docs = {r["id"]: r for r in listing["runs"]}
    assert docs[run.id]["alert_count"] == 1 and docs[run.id]["last_alert"]["title"] == "Diverged <x>"
    assert docs[run.id]["last_alert"]["level"] == "ERROR"
    assert docs[quiet.id]["alert_count"] == 0 and docs[quiet.id]["last_alert"] is None
    detail = json.loads((await jp_fetch("py-tracker", "api", "v1", "runs", run.id)).body)
    assert detail["run"]["alerts"][0]["text"] == "nan loss"
