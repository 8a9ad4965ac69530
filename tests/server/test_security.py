"""Auth on every verb, path confinement of the file end point, and stop requests."""
from __future__ import annotations

import asyncio
import json
import os
import time

import pytest

import py_tracker as pt
from py_tracker.errors import RunStopped


PREFIX = "py-tracker/api/v1/"


async def raw(http_server_client, jp_base_url, path, headers=None, method="GET", body=None):
    """Fetch an exact URL path (no re-escaping, unlike jp_fetch)."""
    return await http_server_client.fetch(jp_base_url + PREFIX + path, headers=headers or {}, method=method,
                                          body=body, raise_error=False, request_timeout=10)


async def test_every_verb_needs_auth(jp_serverapp, http_server_client, jp_base_url, runs):
    rid = runs["a1"].id
    (runs["a1"].dir / "ok.txt").write_text("ok")
    gets = ["projects", "runs", f"runs/{rid}", f"runs/{rid}/history", f"runs/{rid}/system", f"runs/{rid}/logs",
            f"runs/{rid}/files/ok.txt", f"runs/{rid}/lineage", f"runs/{rid}/charts", f"runs/{rid}/tables",
            f"runs/{rid}/media", "sweeps", "sweeps/x", "artifacts"]
    for path in gets:
        r = await raw(http_server_client, jp_base_url, path)
        assert r.code == 403, path
    for method, path, body in [("POST", f"runs/{rid}/stop", "{}"), ("POST", "sweeps/x/stop", "{}"),
                               ("PATCH", f"runs/{rid}", '{"name": "hacked"}'), ("DELETE", f"runs/{rid}", None)]:
        r = await raw(http_server_client, jp_base_url, path, method=method, body=body)
        assert r.code == 403, (method, path)
    assert pt.Api(runs["a1"].root).run(rid).name == "a1"  # nothing changed


async def test_file_endpoint_is_confined(http_server_client, jp_base_url, jp_auth_header, runs, store_root, tmp_path):
    run = runs["a1"]
    (run.dir / "ok.txt").write_text("fine")
    (run.dir / "page.html").write_text("<script>alert(1)</script>")
    (run.dir / "blob.bin").write_bytes(bytes(range(256)))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOPSECRET")
    (store_root / "secret.txt").write_text("TOPSECRET")
    os.symlink(outside, run.dir / "link")
    os.symlink(outside / "secret.txt", run.dir / "file-link.txt")
    base = f"runs/{run.id}/files/"
    ok = await raw(http_server_client, jp_base_url, base + "ok.txt", jp_auth_header)
    assert ok.code == 200 and ok.body == b"fine" and ok.headers["Content-Type"].startswith("text/plain")
    page = await raw(http_server_client, jp_base_url, base + "page.html", jp_auth_header)
    assert page.code == 200 and page.headers["Content-Type"].startswith("text/plain")  # never rendered as HTML
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    blob = await raw(http_server_client, jp_base_url, base + "blob.bin", jp_auth_header)
    assert blob.body == bytes(range(256)) and blob.headers["Content-Type"] == "application/octet-stream"
    attempts = [
        base + "../../secret.txt", base + "../../../outside/secret.txt",
        base + "%2e%2e/%2e%2e/secret.txt", base + "%2e%2e%2f%2e%2e%2fsecret.txt", base + "%2E%2E%2F%2E%2E%2Fsecret.txt",
        base + "%2Fetc%2Fpasswd", base + "/etc/passwd", base + "//etc/passwd",
        base + "link/secret.txt", base + "file-link.txt", base + "..%5c..%5csecret.txt",
        f"runs/%2e%2e/files/secret.txt", f"runs/..%2F..%2F/files/secret.txt",
        base + "ok.txt%00.png",
    ]
    codes = {}
    for path in attempts:
        r = await raw(http_server_client, jp_base_url, path, jp_auth_header)
        codes[path] = r.code
        assert r.code in (403, 404), (path, r.code)
        assert b"TOPSECRET" not in (r.body or b"") and b"root:" not in (r.body or b""), path
    # the escapes reached safe_join (403), not just a missing route
    assert codes[base + "%2e%2e%2f%2e%2e%2fsecret.txt"] == 403
    assert codes[base + "link/secret.txt"] == 403 and codes[base + "file-link.txt"] == 403
    assert codes[base + "%2Fetc%2Fpasswd"] == 403


async def test_stop_ends_a_blocking_log_loop_within_a_second(jp_fetch, store_root, make_run):
    run = make_run(store_root, "live", "live", steps=1, exit_code=None)
    listed = json.loads((await jp_fetch("py-tracker", "api", "v1", "runs", params={"state": "running"})).body)
    assert [r["id"] for r in listed["runs"]] == [run.id]
    r = await jp_fetch("py-tracker", "api", "v1", "runs", run.id, "stop", method="POST", body="{}")
    assert r.code == 202
    asked = time.monotonic()

    def blocking_loop() -> float:
        # what a busy notebook cell does: log in a tight loop, no awaits
        try:
            for i in range(1_000_000):
                run.log({"x": i})
                time.sleep(0.001)
        except RunStopped:
            return time.monotonic() - asked
        return -1.0

    took = await asyncio.get_running_loop().run_in_executor(None, blocking_loop)
    assert 0 <= took < 1.5
    assert run.state == "stopped"
    from tornado.httpclient import HTTPClientError
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("py-tracker", "api", "v1", "runs", run.id, "stop", method="POST", body="{}")
    assert err.value.code == 409


async def test_delete_refuses_a_running_run(jp_fetch, store_root, make_run):
    from tornado.httpclient import HTTPClientError
    run = make_run(store_root, "live", "busy", steps=1, exit_code=None)
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("py-tracker", "api", "v1", "runs", run.id, method="DELETE")
    assert err.value.code == 409
    run.finish()
