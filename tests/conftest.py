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


_BUILTINS_OF_THE_TEST_SHELL = ("_ip", "ip", "get_ipython")  # what globalipapp.start_ipython sets


@pytest.fixture(scope="module")
def ipython_shell():
    """IPython's global test shell (a real TerminalInteractiveShell) as the current shell of
    this module's tests, and of no later module.

    `globalipapp.start_ipython()` creates it once per process and leaves it current for
    good (`get_ipython()` returns it, builtins `get_ipython`/`_ip`/`ip` name it), so every
    module after one that used it ran as if inside IPython (OutputCapture then wraps
    sys.stdout instead of patching it, and tests/test_output.py failed). Here it is made
    current for the module, and afterwards the singleton slots and those builtins are put
    back as they were: a later module sees a plain Python process again."""
    import builtins

    from IPython.core.interactiveshell import InteractiveShell
    from IPython.testing import globalipapp
    from traitlets.config.configurable import SingletonConfigurable

    missing = object()
    slots = [c for c in globalipapp.TerminalInteractiveShell.mro()
             if issubclass(c, SingletonConfigurable) and c is not SingletonConfigurable]
    saved_slots = {c: c.__dict__.get("_instance", missing) for c in slots}
    saved_builtins = {k: builtins.__dict__.get(k, missing) for k in _BUILTINS_OF_THE_TEST_SHELL}
    shell = globalipapp.start_ipython() or globalipapp.get_ipython()  # None once it was started
    for c in slots:
        c._instance = shell
    builtins._ip = builtins.ip = shell
    builtins.get_ipython = shell.get_ipython
    assert InteractiveShell.instance() is shell
    yield shell
    for c, value in saved_slots.items():
        if value is missing:
            if "_instance" in c.__dict__:
                delattr(c, "_instance")
        else:
            c._instance = value
    for k, value in saved_builtins.items():
        if value is missing:
            builtins.__dict__.pop(k, None)
        else:
            builtins.__dict__[k] = value
