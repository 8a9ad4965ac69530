"""Tornado handlers of the REST API. Every verb is `@tornado.web.authenticated` on an
`APIHandler`, so a request without a token/cookie gets 403 and POST/PATCH/DELETE
also need the XSRF token (jupyter_server checks it). Heavy reads run in a small
thread pool so a 1M-step history never stalls the server's event loop.
"""
from __future__ import annotations

import asyncio
import mimetypes
from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePosixPath
from typing import Any, Callable

import orjson
import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from ..errors import PathEscapeError
from . import API_PREFIX
from .bokeh_static import BOKEH_PREFIX, BokehStaticHandler, bokeh_static_dir
from .errors import BadRequest, Conflict, NotFound
from .store import StoreReader

MAX_INT_ARG = 2**53  # integer query parameters beyond this are refused (400), not a 500 later
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="py-tracker-api")
# served with their own type; anything else (html, svg, js...) goes out as text/plain or bytes
_SAFE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/json", "text/plain",
               "text/csv", "text/markdown", "application/x-yaml", "text/yaml", "audio/wav", "audio/mpeg",
               "video/mp4", "application/octet-stream"}
_TEXT_SUFFIXES = {".log", ".txt", ".yaml", ".yml", ".json", ".jsonl", ".csv", ".md", ".py", ".cfg", ".toml",
                  ".ini", ".html", ".htm", ".svg", ".js", ".xml"}


class BaseHandler(APIHandler):
    """Shared plumbing: the store, JSON out, query parsing, error mapping."""

    def initialize(self, store: StoreReader) -> None:
        self.store = store

    def send(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS,
                                 default=str))

    async def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a store call in the pool and map its errors to HTTP statuses."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(_POOL, lambda: fn(*args, **kwargs))
        except NotFound as exc:
            raise tornado.web.HTTPError(404, str(exc)) from None
        except PathEscapeError as exc:
            raise tornado.web.HTTPError(403, str(exc)) from None
        except Conflict as exc:
            raise tornado.web.HTTPError(409, str(exc)) from None
        except (BadRequest, ValueError) as exc:
            raise tornado.web.HTTPError(400, str(exc)) from None

    def arg(self, name: str, default: str | None = None) -> str | None:
        value = self.get_query_argument(name, default)
        return value if value not in ("", None) else default

    def int_arg(self, name: str, default: int | None) -> int | None:
        value = self.arg(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise tornado.web.HTTPError(400, f"query parameter {name} must be an integer, not {value!r}") from None
        if abs(number) > MAX_INT_ARG:
            raise tornado.web.HTTPError(400, f"query parameter {name}={value} is out of range; "
                                             f"it must lie within ±{MAX_INT_ARG}")
        return number

    def float_arg(self, name: str) -> float | None:
        value = self.arg(name)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            raise tornado.web.HTTPError(400, f"query parameter {name} must be a number, not {value!r}") from None

    def json_body(self) -> Any:
        try:
            return orjson.loads(self.request.body or b"{}")
        except orjson.JSONDecodeError:
            raise tornado.web.HTTPError(400, "the request body must be JSON") from None


class ProjectsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.send(await self.call(self.store.projects))


class RunsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.send(await self.call(
            self.store.runs, project=self.arg("project"), state=self.arg("state"), group=self.arg("group"),
            tag=self.arg("tag"), sweep=self.arg("sweep"), search=self.arg("search"),
            sort=self.arg("sort", "created_at"), order=self.arg("order", "desc"),
            offset=self.int_arg("offset", 0), limit=self.int_arg("limit", 50)))


class RunHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.send(await self.call(self.store.run_detail, run_id))

    @tornado.web.authenticated
    async def patch(self, run_id: str) -> None:
        self.send(await self.call(self.store.update_run, run_id, self.json_body()))

    @tornado.web.authenticated
    async def delete(self, run_id: str) -> None:
        await self.call(self.store.delete_run, run_id)
        self.set_status(204)
        self.finish()


class RunStopHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, run_id: str) -> None:
        self.send(await self.call(self.store.stop_run, run_id), status=202)


class SeriesHandler(BaseHandler):
    """GET runs/<id>/history and runs/<id>/system."""

    def initialize(self, store: StoreReader, stream: str = "history") -> None:  # type: ignore[override]
        super().initialize(store)
        self.stream = stream

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        keys = self.arg("keys")
        self.send(await self.call(
            self.store.series.history, run_id, stream=self.stream,
            keys=[k for k in keys.split(",") if k] if keys else None, x_axis=self.arg("x_axis"),
            min_step=self.float_arg("min_step"), max_step=self.float_arg("max_step"),
            points=self.int_arg("points", 2000)))


class LogsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.send(await self.call(self.store.logs, run_id, offset=self.int_arg("offset", None),
                                  max_bytes=self.int_arg("max_bytes", 64 * 1024)))


class FileHandler(BaseHandler):
    """A run's file, confined to its files folder. Active content is never served as such."""

    @tornado.web.authenticated
    async def get(self, run_id: str, path: str) -> None:
        # opened through the store's confinement check; served from that open file (no re-open)
        f, size = await self.call(self.store.open_file, run_id, path)
        with f:
            name = PurePosixPath(path)
            ctype, _ = mimetypes.guess_type(name.name)
            if ctype not in _SAFE_TYPES:
                ctype = ("text/plain; charset=utf-8" if name.suffix.lower() in _TEXT_SUFFIXES
                         else "application/octet-stream")
            elif ctype.startswith("text/") or ctype in ("application/json", "application/x-yaml"):
                ctype += "; charset=utf-8"
            self.set_header("Content-Type", ctype)
            self.set_header("X-Content-Type-Options", "nosniff")
            self.set_header("Content-Security-Policy", "sandbox; default-src 'none'")
            self.set_header("Content-Length", str(size))
            while chunk := f.read(1 << 20):
                self.write(chunk)
                await self.flush()
        self.finish()


class SweepsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.send(await self.call(self.store.sweeps, project=self.arg("project")))


class SweepHandler(BaseHandler):
    """GET sweeps/<id>[?metric=key]: the sweep, its trials and the sweep view's axes and importance."""

    @tornado.web.authenticated
    async def get(self, sweep_id: str) -> None:
        self.send(await self.call(self.store.sweep, sweep_id, metric=self.arg("metric")))


class SweepStopHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, sweep_id: str) -> None:
        self.send(await self.call(self.store.stop_sweep, sweep_id), status=202)


class ArtifactsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.send(await self.call(self.store.artifacts, project=self.arg("project")))


class ChartsHandler(BaseHandler):
    """GET runs/<id>/charts: the custom charts the sidebar's run view draws."""

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.send(await self.call(self.store.charts, run_id))


class TablesHandler(BaseHandler):
    """GET runs/<id>/tables: the logged Tables the sidebar's run view shows in its Tables tab."""

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.send(await self.call(self.store.tables, run_id))


class MediaHandler(BaseHandler):
    """GET runs/<id>/media: the logged images and histograms the run view's Media tab shows."""

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.send(await self.call(self.store.media, run_id))


class LineageHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.send(await self.call(self.store.lineage, run_id))


_ID = r"(?P<{}>[^/]+)"


def routes(base_url: str, store: StoreReader) -> list[tuple[str, type, dict]]:
    """(pattern, handler, kwargs) for every end point, under `<base_url>/py-tracker/api/v1/`."""
    def u(*parts: str) -> str:
        return url_path_join(base_url, API_PREFIX, *parts)

    run, sweep = _ID.format("run_id"), _ID.format("sweep_id")
    kw = {"store": store}
    return [
        (u("projects"), ProjectsHandler, kw),
        (u("runs"), RunsHandler, kw),
        (u("runs", run), RunHandler, kw),
        (u("runs", run, "stop"), RunStopHandler, kw),
        (u("runs", run, "history"), SeriesHandler, {"store": store, "stream": "history"}),
        (u("runs", run, "system"), SeriesHandler, {"store": store, "stream": "system"}),
        (u("runs", run, "logs"), LogsHandler, kw),
        (u("runs", run, "files", r"(?P<path>.+)"), FileHandler, kw),
        (u("runs", run, "lineage"), LineageHandler, kw),
        (u("runs", run, "charts"), ChartsHandler, kw),
        (u("runs", run, "tables"), TablesHandler, kw),
        (u("runs", run, "media"), MediaHandler, kw),
        (u("sweeps"), SweepsHandler, kw),
        (u("sweeps", sweep), SweepHandler, kw),
        (u("sweeps", sweep, "stop"), SweepStopHandler, kw),
        (u("artifacts"), ArtifactsHandler, kw),
    ] + bokeh_routes(base_url)


def bokeh_routes(base_url: str) -> list[tuple[str, type, dict]]:
    """The BokehJS files of the installed bokeh (see `bokeh_static`); none without bokeh."""
    found = bokeh_static_dir()
    if found is None:
        return []
    static, version = found
    return [(url_path_join(base_url, BOKEH_PREFIX, r"([^/]+)", "static", r"(.*)"), BokehStaticHandler,
             {"path": str(static), "version": version})]


def setup_handlers(web_app: Any, store: StoreReader) -> None:
    """Add the routes to a running jupyter_server web app."""
    base_url = web_app.settings.get("base_url", "/")
    web_app.add_handlers(".*$", routes(base_url, store))
