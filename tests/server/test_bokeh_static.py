"""BokehJS from the server extension (issue 16: no 8 MB of inline JS per notebook): the
installed bokeh's files behind Jupyter auth, for the kernel's bokeh version only, and
nothing outside bokeh's static directory (`..`, symlinks)."""
from __future__ import annotations

import importlib.metadata
import os

import pytest

from py_tracker.notebook import display
from py_tracker.server import bokeh_static, handlers

VERSION = importlib.metadata.version("bokeh")


async def _get(http_server_client, jp_base_url, path, headers=None):
    return await http_server_client.fetch(jp_base_url + bokeh_static.BOKEH_PREFIX + "/" + path, headers=headers or {},
                                          raise_error=False, request_timeout=10, follow_redirects=False)


def test_kernel_and_server_agree_on_the_url():
    assert display.BOKEH_PREFIX == bokeh_static.BOKEH_PREFIX
    bundle = display.server_loader_bundle()
    for js in bundle.values():
        assert f'window.__pyTrackerBokehRoot + "{VERSION}/static/js/bokeh.min.js"' in js
        assert len(js) < 20_000  # vs ~4 MB each inline


async def test_serves_installed_bokehjs_with_auth_only(http_server_client, jp_base_url, jp_auth_header):
    r = await _get(http_server_client, jp_base_url, f"{VERSION}/static/js/bokeh.min.js", jp_auth_header)
    assert r.code == 200 and len(r.body) > 500_000 and b"Bokeh" in r.body[:5000]
    assert "javascript" in r.headers["Content-Type"]
    r = await _get(http_server_client, jp_base_url, f"{VERSION}/static/js/bokeh.min.js")  # no token/cookie
    assert r.code in (302, 403)
    r = await _get(http_server_client, jp_base_url, "0.0.1/static/js/bokeh.min.js", jp_auth_header)
    assert r.code == 404 and b"PY_TRACKER_BOKEH=inline" in r.body


@pytest.fixture
def fake_static(tmp_path, monkeypatch):
    """A static dir with one file and a symlink out of it (bokeh's own dir must not be touched)."""
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    (static / "js" / "ok.js").write_text("ok")
    (tmp_path / "secret.txt").write_text("TOPSECRET-42")
    os.symlink(tmp_path / "secret.txt", static / "js" / "link.js")
    monkeypatch.setattr(handlers, "bokeh_static_dir", lambda: (static, VERSION))
    return static


async def test_confined_to_the_static_dir(fake_static, http_server_client, jp_base_url, jp_auth_header):
    r = await _get(http_server_client, jp_base_url, f"{VERSION}/static/js/ok.js", jp_auth_header)
    assert r.code == 200 and r.body == b"ok"
    r = await _get(http_server_client, jp_base_url, f"{VERSION}/static/js/link.js", jp_auth_header)
    assert r.code == 403 and b"TOPSECRET-42" not in r.body
    for path in ("static/../../secret.txt", "static/%2e%2e/%2e%2e/secret.txt", "static/js/%2e%2e/%2e%2e/secret.txt"):
        r = await _get(http_server_client, jp_base_url, f"{VERSION}/{path}", jp_auth_header)
        assert r.code in (403, 404) and b"TOPSECRET-42" not in r.body, path
