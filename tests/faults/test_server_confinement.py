"""The server never reads, stats or writes a file outside the store, whatever symlinks a run
folder holds (real symlinks, a real Jupyter server through pytest-jupyter), and a huge
integer query parameter is a 400, not a 500."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F401,F403  (jp_fetch, jp_serverapp, hooks)

import py_tracker as pt

QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}
PREFIX = "py-tracker/api/v1/"
SECRET = b"TOPSECRET-outside-the-store"


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    root.mkdir()
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret.txt").write_bytes(SECRET * 100)
    return out


@pytest.fixture
def jp_server_config(store_root: Path) -> dict:  # overrides pytest-jupyter's
    return {"ServerApp": {"jpserver_extensions": {"py_tracker": True}},
            "PyTracker": {"root_dir": str(store_root)}}


@pytest.fixture
def new_run(store_root: Path):
    """new_run(name, finish=True) -> a real run written by the tracker."""
    made = []

    def make(name: str, finish: bool = True) -> Any:
        run = pt.init(dir=store_root, project="p", name=name, settings=QUIET, reinit="create_new")
        for i in range(5):
            run.log({"loss": 1.0 / (i + 1)})
        if finish:
            run.finish()
        made.append(run)
        return run
    yield make
    for run in made:
        if not run._finished:
            run.finish()


@pytest.fixture
def fetch(jp_asyncio_loop, http_server_client, jp_base_url, jp_auth_header):
    """fetch(path, method="GET", body=None) -> response of an authenticated request.

    Plain functions driving pytest-jupyter's loop (tests here are sync: async tests need
    pytest-jupyter's collection hooks, which only a conftest can install)."""
    def go(path: str, method: str = "GET", body: str | None = None) -> Any:
        return jp_asyncio_loop.run_until_complete(http_server_client.fetch(
            jp_base_url + PREFIX + path, headers=dict(jp_auth_header), method=method, body=body,
            raise_error=False, request_timeout=20))
    return go


def _move_out(run: Any, outside: Path) -> Path:
    """Move the run's folder to `outside` and leave a symlink in its place (another disk)."""
    src = run.dir.parent
    dest = outside / src.name
    shutil.move(str(src), dest)
    os.symlink(dest, src)
    return dest


def test_logs_do_not_follow_a_symlinked_output_log_out_of_the_store(fetch, new_run, outside):
    run = new_run("r")
    log = run.dir / "output.log"
    log.unlink(missing_ok=True)
    os.symlink(outside / "secret.txt", log)
    r = fetch(f"runs/{run.id}/logs")
    assert r.code == 403, r.code
    assert SECRET not in (r.body or b"")
    r = fetch(f"runs/{run.id}/logs?offset=0")
    assert r.code == 403 and SECRET not in (r.body or b"")


def test_logs_inside_the_store_are_still_served(fetch, new_run):
    run = new_run("r")
    (run.dir / "output.log").write_text("hello\nworld\n")
    r = fetch(f"runs/{run.id}/logs?offset=0")
    assert r.code == 200 and json.loads(r.body)["text"] == "hello\nworld\n"


def test_stop_does_not_write_through_a_symlinked_flag(fetch, new_run, outside):
    run = new_run("live", finish=False)
    victim = outside / "victim"  # dangling: writing through the link would create it
    flag = run.dir.parent / "stop"
    os.symlink(victim, flag)
    r = fetch(f"runs/{run.id}/stop", method="POST", body="{}")
    assert r.code == 202, (r.code, r.body)
    assert not victim.exists()
    assert flag.is_file() and not flag.is_symlink()  # the link was replaced by the flag itself
    with pytest.raises(pt.errors.RunStopped):
        for i in range(200):
            run.log({"x": i})
            import time
            time.sleep(0.02)


def test_the_local_api_does_not_write_through_a_symlinked_flag(new_run, outside, store_root):
    run = new_run("live", finish=False)
    victim = outside / "victim"
    os.symlink(victim, run.dir.parent / "stop")
    pt.Api(store_root).run(run.id).request_stop()
    assert not victim.exists() and (run.dir.parent / "stop").is_file()


def test_run_detail_does_not_list_sizes_of_files_outside(fetch, new_run, outside):
    run = new_run("r")
    (run.dir / "inside.txt").write_text("12345")
    os.symlink(outside / "secret.txt", run.dir / "big.bin")
    os.symlink(outside, run.dir / "linked-dir")
    r = fetch(f"runs/{run.id}")
    assert r.code == 200
    files = {f["name"]: f["size"] for f in json.loads(r.body)["files"]}
    assert files["inside.txt"] == 5
    assert "big.bin" not in files and not any(n.startswith("linked-dir") for n in files)
    assert len(SECRET) * 100 not in files.values()


def test_a_run_folder_moved_out_of_the_store_is_listed_but_never_read_or_written(
        fetch, new_run, outside, store_root):
    kept = new_run("kept")
    moved = new_run("moved")
    (moved.dir / "notes.txt").write_text("outside now")
    (moved.dir / "output.log").write_text("moved log")
    dest = _move_out(moved, outside)
    listed = json.loads((fetch("runs")).body)
    assert {r["id"] for r in listed["runs"]} == {kept.id, moved.id}
    for path in (f"runs/{moved.id}/files/notes.txt", f"runs/{moved.id}/logs", f"runs/{moved.id}/history"):
        r = fetch(path)
        assert r.code == 403, (path, r.code)
        assert b"outside now" not in r.body and b"moved log" not in r.body
    detail = json.loads((fetch(f"runs/{moved.id}")).body)
    assert detail["files"] == [] and detail["run"]["state"] == "finished"
    r = fetch(f"runs/{moved.id}", method="DELETE")
    assert r.code == 403 and (dest / "files" / "notes.txt").exists()
    # the run that stayed is served as before
    assert (fetch(f"runs/{kept.id}/history")).code == 200


def test_huge_integer_query_parameters_are_a_400(fetch, new_run):
    run = new_run("r")
    for path in ("runs?offset=" + "9" * 30, "runs?offset=18446744073709551616",
                 f"runs/{run.id}/logs?offset=" + "9" * 30, f"runs/{run.id}/logs?max_bytes=" + "9" * 30,
                 f"runs/{run.id}/history?points=" + "9" * 30):
        r = fetch(path)
        assert r.code == 400, (path, r.code)
        assert b"out of range" in r.body or b"must be between" in r.body
    ok = json.loads((fetch("runs?offset=1000000")).body)
    assert ok["runs"] == [] and ok["total"] == 1


# --- every end point: cookie sessions need XSRF on writes, errors never come back as HTML ----------

@pytest.fixture
def cookie_fetch(jp_asyncio_loop, http_server_client, jp_base_url, jp_auth_header):
    """cookie_fetch(path, method, body, xsrf) -> response authenticated by the login cookie a
    browser holds (not the token), with or without the XSRF token a browser page would send."""
    first = jp_asyncio_loop.run_until_complete(http_server_client.fetch(
        jp_base_url + PREFIX + "projects", headers=dict(jp_auth_header), request_timeout=20))
    login = [c.split(";", 1)[0] for c in first.headers.get_list("Set-Cookie") if c.startswith("username-")]
    assert login, "the server set no login cookie"

    def go(path: str, method: str = "GET", body: str | None = None, xsrf: bool = False) -> Any:
        cookies = list(login)
        headers = {}
        if xsrf:
            cookies.append("_xsrf=py-tracker-test-xsrf")
            headers["X-XSRFToken"] = "py-tracker-test-xsrf"
        headers["Cookie"] = "; ".join(cookies)
        return jp_asyncio_loop.run_until_complete(http_server_client.fetch(
            jp_base_url + PREFIX + path, headers=headers, method=method, body=body, raise_error=False,
            request_timeout=20))
    return go


def test_writes_from_a_cookie_session_need_the_xsrf_token(cookie_fetch, new_run, store_root):
    done = new_run("done")
    live = new_run("live", finish=False)
    writes = [("POST", f"runs/{live.id}/stop", "{}"), ("POST", "sweeps/none/stop", "{}"),
              ("PATCH", f"runs/{done.id}", '{"name": "hacked"}'), ("DELETE", f"runs/{done.id}", None)]
    for method, path, body in writes:
        r = cookie_fetch(path, method, body)
        assert r.code == 403, (method, path, r.code)
    api = pt.Api(store_root)
    assert api.run(done.id).name == "done" and not (live.dir.parent / "stop").exists()
    # the same session with the token a page sends: reads and writes go through
    assert cookie_fetch("runs").code == 200
    assert cookie_fetch(f"runs/{live.id}/stop", "POST", "{}", xsrf=True).code == 202
    assert cookie_fetch(f"runs/{done.id}", "PATCH", '{"name": "renamed"}', xsrf=True).code == 200
    assert cookie_fetch("sweeps/none/stop", "POST", "{}", xsrf=True).code == 404
    assert cookie_fetch(f"runs/{done.id}", "DELETE", None, xsrf=True).code == 204
    assert pt.Api(store_root).runs() and done.id not in {r.id for r in pt.Api(store_root).runs()}


XSS = "<img src=x onerror=alert(1)>"


def test_user_strings_never_come_back_as_html(fetch, new_run):
    run = new_run("r")
    r = fetch(f"runs/{run.id}", "PATCH", json.dumps({"name": XSS, "tags": [XSS], "notes": XSS}))
    assert r.code == 200 and r.headers["Content-Type"].startswith("application/json")
    q = "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
    answers = {path: fetch(path) for path in [
        "projects", "runs", f"runs?search={q}", f"runs?sort={q}", f"runs?order={q}", f"runs?project={q}",
        f"runs/{run.id}", f"runs/{q}", f"runs/{run.id}/history?keys={q}", f"runs/{run.id}/history?x_axis={q}",
        f"runs/{run.id}/system", f"runs/{run.id}/logs", f"runs/{q}/logs", f"runs/{run.id}/files/{q}",
        f"runs/{run.id}/lineage", f"runs/{q}/lineage", "sweeps", f"sweeps/{q}", f"sweeps?project={q}",
        "artifacts", f"artifacts?project={q}"]}
    answers[f"runs/{q}/stop"] = fetch(f"runs/{q}/stop", "POST", "{}")
    answers[f"sweeps/{q}/stop"] = fetch(f"sweeps/{q}/stop", "POST", "{}")
    answers[f"runs/{q} PATCH"] = fetch(f"runs/{run.id}", "PATCH", json.dumps({XSS: 1}))
    for path, r in answers.items():
        ctype = r.headers.get("Content-Type", "")
        assert ctype.startswith("application/json"), (path, r.code, ctype)
        assert "html" not in ctype, path
        if XSS.encode() in (r.body or b""):
            json.loads(r.body)  # only ever inside JSON, which the sidebar renders as text
    assert {answers[f"runs?sort={q}"].code, answers[f"runs/{q}"].code, answers[f"sweeps/{q}"].code} <= {400, 404}
