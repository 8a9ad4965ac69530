"""Shared fixtures: every test gets its own store root, and no run leaks between tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _default_store(tmp_path_factory):
    """No test writes to the user's ~/.py_tracker: the default store is a session temp dir
    (module-scoped fixtures run before `store` sets its own)."""
    import os
    old = os.environ.get("PY_TRACKER_DIR")
    os.environ["PY_TRACKER_DIR"] = str(tmp_path_factory.mktemp("default-store"))
    yield
    if old is None:
        os.environ.pop("PY_TRACKER_DIR", None)
    else:
        os.environ["PY_TRACKER_DIR"] = old


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh store root, also set as PY_TRACKER_DIR (so subprocesses and the API see it)."""
    root = tmp_path / "store"
    monkeypatch.setenv("PY_TRACKER_DIR", str(root))
    monkeypatch.setenv("PY_TRACKER_MONITOR_INTERVAL", "0")
    monkeypatch.setenv("PY_TRACKER_DISPLAY", "0")
    yield root
    import py_tracker
    py_tracker.finish()


@pytest.fixture(autouse=True)
def _no_leftover_run():
    yield
    from py_tracker.core import session
    run = session.active_run()
    if run is not None:
        try:
            run.finish()
        except Exception:
            pass


QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}


@pytest.fixture
def root(tmp_path):
    """A store root for tests that pass `dir=` explicitly."""
    return tmp_path / "store"


@pytest.fixture
def new_run(root):
    """new_run(**init_kwargs) -> a live Run in the temporary store; all finished at teardown."""
    import py_tracker as pt
    from py_tracker.core import session
    runs = []

    def make(**kw):
        kw.setdefault("project", "p")
        run = pt.init(dir=root, settings=QUIET, reinit="create_new", **kw)
        runs.append(run)
        return run
    yield make
    for r in runs:
        r.finish()
    session._active = None


@pytest.fixture(scope="module")
def local_dask_client(request):
    """A real Dask `LocalCluster` (2 single-threaded worker processes, loopback) and its
    client, one per test module. The requesting module is pickled by value, so its
    module-level trial functions reach the workers (which cannot import tests/)."""
    distributed = pytest.importorskip("distributed")
    import cloudpickle
    cloudpickle.register_pickle_by_value(request.module)
    cluster = distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                       host="127.0.0.1", dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
    cloudpickle.unregister_pickle_by_value(request.module)
