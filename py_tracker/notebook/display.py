"""Putting panels into notebook outputs: BokehJS loading, the live panel, the static snapshot.

- BokehJS is loaded once per kernel (`ensure_bokeh`), from our server extension (a 6 KB
  loader in the notebook instead of 8 MB inline; offline too) or inline where no server
  extension is (VS Code, nbclient). The CDN default is unreachable offline: blank charts.
- `show_run(run)` displays the live `RunPanel` and, right under it, an output
  with a display id that receives the static snapshot (`snapshot.run_snapshot`)
  once the run has ended: published after the cell that ended the run (IPython
  `post_run_cell`), or at once for a finished run. JupyterLab applies display updates
  only within the cell that made the display, so a run ended by a later cell gets its
  snapshot as a new output of that cell. So a notebook reopened without
  a kernel, or exported with nbconvert, still shows the final charts.
- `on_init(run)` is the init hook: shows the panel when inside a Jupyter kernel.
"""
from __future__ import annotations

import logging
import sys
import uuid
from typing import Any

log = logging.getLogger("py_tracker")

_bokeh_loaded = False
_pending: dict[str, Any] = {}  # display id -> panel waiting for its run to end
_hook_registered = False


def widget_bundle(widget: Any, text: str, include: Any = None, exclude: Any = None) -> dict:
    """`widget`'s display bundle with a one-line `text/plain`: what nbconvert, a saved notebook
    without widget state and plain front ends show instead of `VBox(children=(...))`."""
    data = dict(widget._repr_mimebundle_(include=include, exclude=exclude) or {})
    if "text/plain" in data or not data:
        data["text/plain"] = text
    return data


def display_with_static(widget: Any, text: str, static_html: Any, live_class: str, static_class: str) -> None:
    """Display `widget` (its bundle with `text` as text/plain) and under it a static view:
    `static_html()` wrapped by `snapshot.static_block`. The static view is hidden while the
    widget is drawn; nbconvert, a notebook reopened without its kernel and plain front ends
    show it instead. A static view that fails is left out (logged), the widget still shows."""
    from IPython.display import display
    from .snapshot import static_block
    display(widget_bundle(widget, text), raw=True)
    try:
        block = static_block(static_html(), live_class, static_class)
    except Exception as exc:  # a static view must never hide the live widget
        log.warning("py_tracker: could not render the static view: %r", exc)
        return
    display({"text/html": block, "text/plain": ""}, raw=True)


def in_notebook() -> bool:
    """True inside a Jupyter kernel (ZMQInteractiveShell), not in a terminal IPython or a script."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


# where the server extension serves BokehJS (py_tracker.server.bokeh_static.BOKEH_PREFIX;
# the two layers never import each other, a test checks they agree)
BOKEH_PREFIX = "py-tracker/bokeh"
_ROOT_PLACEHOLDER = "__py_tracker_bokeh_root__"
# the page's base URL from JupyterLab's (and Notebook 7's) page config, at load time in the page
_ROOT_JS = ("window.__pyTrackerBokehRoot = (function () { var base = '/'; try {"
            " var el = document.getElementById('jupyter-config-data');"
            " if (el) { base = JSON.parse(el.textContent).baseUrl || '/'; } } catch (e) {}"
            " return base.replace(/\\/?$/, '/') + '" + BOKEH_PREFIX + "/'; })();\n")


def bokeh_mode() -> str:
    """Where BokehJS comes from: "server" (our server extension; the notebook stays small) when
    the kernel was started by a Jupyter server (it sets JPY_SESSION_NAME), else "inline" (VS Code,
    nbclient: no server extension to load from). PY_TRACKER_BOKEH=inline|server overrides."""
    from ..settings import env_text, jupyter_session_env
    raw = (env_text("PY_TRACKER_BOKEH") or "").strip().lower()
    if raw in ("inline", "server"):
        return raw
    if raw:
        from ..errors import UsageError
        raise UsageError(f"PY_TRACKER_BOKEH={raw!r}: use 'inline' (BokehJS inside the notebook, ~8 MB) "
                         f"or 'server' (loaded from the py_tracker server extension)")
    return "server" if jupyter_session_env() else "inline"


def server_loader_bundle() -> dict[str, str]:
    """Bokeh's own notebook loader (both mime types, as `output_notebook` publishes them) with
    its file URLs pointing at the server extension under the page's base URL (~6 KB)."""
    import bokeh
    from bokeh.embed.bundle import bundle_for_objs_and_resources
    from bokeh.io import notebook as bnb
    from bokeh.resources import Resources
    res = Resources(mode="server", root_url=f"{_ROOT_PLACEHOLDER}{bokeh.__version__}/")
    bundle = bundle_for_objs_and_resources(None, res)
    out = {}
    for mime, register in ((bnb.JS_MIME_TYPE, True), (bnb.LOAD_MIME_TYPE, False)):
        js = bnb._loading_js(bundle, None, 5000, register_mime=register)
        if _ROOT_PLACEHOLDER not in js:
            raise RuntimeError("bokeh's notebook loader changed: no file URLs to point at the server")
        out[mime] = _ROOT_JS + js.replace(f'"{_ROOT_PLACEHOLDER}', 'window.__pyTrackerBokehRoot + "')
    return out


def ensure_bokeh(force: bool = False) -> None:
    """Load BokehJS into the page once per kernel: from the server extension (see `bokeh_mode`),
    or inline (the CDN default is unreachable offline and the charts would be blank, no error)."""
    global _bokeh_loaded
    if _bokeh_loaded and not force:
        return
    from bokeh.io import output_notebook
    from bokeh.resources import INLINE
    if bokeh_mode() == "server":
        try:
            from bokeh.io.state import curstate
            from IPython.display import publish_display_data
            bundle = server_loader_bundle()
        except Exception as exc:  # a bokeh whose internals moved: inline still works
            log.warning("py_tracker: loading BokehJS inline (%r)", exc)
        else:
            curstate().output_notebook("jupyter")
            publish_display_data(bundle)
            _bokeh_loaded = True
            return
    output_notebook(resources=INLINE, hide_banner=True)
    _bokeh_loaded = True


def show_run(run: Any = None, *, snapshot: bool = True, interval: float = 0.25,
             height: int | None = None) -> Any:
    """Display the panel of `run` (a Run, an ApiRun, "project/id" or "id"; default: the active
    run) under the current cell, and return the `RunPanel`. `height` (pixels, as W&B's
    `run.display(height=)`) bounds the panel, which then scrolls."""
    from IPython.display import display
    from .live.panel import RunPanel
    run = resolve_run(run)
    ensure_bokeh()
    panel = RunPanel(run, interval=interval)
    if height is not None:
        if not isinstance(height, int) or isinstance(height, bool) or height <= 0:
            from ..errors import UsageError
            raise UsageError(f"display(height={height!r}): give the panel's height in pixels, e.g. height=420")
        panel.widget.layout.height = f"{height}px"
        panel.widget.layout.overflow = "auto"
    display(panel)
    if snapshot:
        did = f"py-tracker-snapshot-{uuid.uuid4().hex}"
        panel.snapshot_display_id = did
        panel.origin_request = current_request()
        if not panel.source.running:
            display({"text/html": _snapshot_html(panel)}, raw=True, display_id=did)
        else:
            from .snapshot import pending_html
            display({"text/html": pending_html(panel.source.name, panel.source.id), "text/plain": ""},
                    raw=True, display_id=did)
            _pending[did] = panel
            _register_hook()
    return panel


def resolve_run(run: Any) -> Any:
    """A Run/ApiRun as given, the active run for None, or an ApiRun for a "project/id" string."""
    if run is None:
        from ..core import session
        run = session.active_run()
        if run is None:
            from ..errors import UsageError
            raise UsageError("no active run to show; call py_tracker.init() first or give a run id: "
                             "%track show <project/run_id>")
        return run
    if isinstance(run, str):
        from ..api import Api
        from ..core import session
        active = session.active_run()
        if active is not None and run in (active.id, active.path):
            return active
        root = active.root if active is not None else None
        return Api(root).run(run)
    return run


def _snapshot_html(panel: Any) -> str:
    from .snapshot import run_snapshot
    return run_snapshot(panel.source.api_run)


def publish_snapshots(force: bool = False) -> int:
    """Send the snapshot of every displayed panel whose run has ended (or all with force)."""
    from IPython.display import display, update_display
    sent = 0
    here = current_request()
    for did, panel in list(_pending.items()):
        if not force and panel.source.running:
            continue
        _pending.pop(did, None)
        try:
            bundle = {"text/html": _snapshot_html(panel)}
            origin = getattr(panel, "origin_request", None)
            if origin is not None and here is not None and origin != here:
                # JupyterLab applies a display update only within the cell that made the display
                # (while it runs): a run ended by a later cell gets its snapshot there
                display(bundle, raw=True)
            else:
                update_display(bundle, raw=True, display_id=did)
            sent += 1
        except Exception as exc:  # a snapshot must never break the user's cell
            log.warning("py_tracker: could not render the static snapshot: %r", exc)
    return sent


def current_request() -> str | None:
    """The msg_id of the execute request the kernel is handling now (None outside a kernel)."""
    try:
        from IPython import get_ipython
        kernel = getattr(get_ipython(), "kernel", None)
        if kernel is None:
            return None
        return ((kernel.get_parent("shell") or {}).get("header") or {}).get("msg_id")
    except Exception:
        return None


def _post_run_cell(*_args: Any) -> None:
    if _pending:
        publish_snapshots()


def _register_hook() -> None:
    global _hook_registered
    if _hook_registered:
        return
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        shell.events.register("post_run_cell", _post_run_cell)
        _hook_registered = True


def _on_run_stopped(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> list:
    """IPython's handler for RunStopped: W&B-like, one line instead of a traceback through
    our code (the run is already finished as "stopped" by the log() that raised)."""
    print(f"py_tracker: {value}", file=sys.stderr)
    return []


def install_stop_handler(shell: Any = None) -> bool:
    """Make a cell ended by Stop print one line (`RunStopped` is a BaseException, so it
    would print a long traceback). Leaves a user's own custom exception handler alone."""
    from ..errors import RunStopped
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    current = tuple(getattr(shell, "custom_exceptions", ()) or ())
    if current == (RunStopped,):
        return True
    if current:
        return False
    shell.set_custom_exc((RunStopped,), _on_run_stopped)
    return True


def on_init(run: Any) -> None:
    """Init hook: inside a Jupyter kernel, with `settings.display` on, show the run's panel
    (unless `%%track` shows it itself)."""
    if in_notebook():
        install_stop_handler()
    if not getattr(run.settings, "display", True) or not in_notebook():
        return
    if getattr(run, "_py_tracker_panel_shown", False) or _suppress:
        return
    try:
        run._py_tracker_panel = show_run(run)
        run._py_tracker_panel_shown = True
    except Exception as exc:  # a display problem must never break init()
        log.warning("py_tracker: could not show the run panel: %r", exc)


_suppress = False


class suppress_auto_display:
    """Context manager: `init()` inside it shows no panel (the caller shows it)."""

    def __enter__(self) -> None:
        global _suppress
        self._old = _suppress
        _suppress = True

    def __exit__(self, *exc: Any) -> None:
        global _suppress
        _suppress = self._old
