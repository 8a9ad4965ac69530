"""TensorBoard log dirs: every folder holding `events.out.tfevents.*` files is one run.

Event files are TFRecord files (`length u64 | masked crc32c(length) | data | masked
crc32c(data)`) of `tensorboard.compat.proto.event_pb2.Event` protobufs. tensorboard's
own loader (`EventFileLoader`) computes CRC32C in pure Python without TensorFlow
(about 6,000 events/s), so `RecordReader` reads the same framing with the same checks
using `google_crc32c` (C; part of the `import` extra) when installed, else tensorboard's
own `masked_crc32c`. Values go through tensorboard's `data_compat.migrate_value` (the
step that turns legacy summaries into tensors in TensorBoard itself), so scalars,
histograms and images of old (TF1, torch `SummaryWriter`) and new (TF2) writers read the
same way. A damaged record stops that file there (the rest is reported unreadable).

Mapping: tag → metric key, step → `_step`, wall time → `_timestamp`; histograms →
`Histogram` values, images → `Image` files under files/media; the hparams plugin's
session start info → config; the folder name (relative to the log dir) → run name.
"""
from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import UsageError
from .base import Source, SourceRun, StagedRun, map_file, merge_points, missing_reader, proto_views

EVENTS = "events.out.tfevents."
_BATCH = 50_000  # events read per batch (one protobuf parse for a batch of scalar events)


def _crc_value() -> Callable[[bytes], int]:
    """Plain (unmasked) CRC32C: google_crc32c's C code when installed, else tensorboard's."""
    try:
        import google_crc32c
        return google_crc32c.value
    except ImportError:
        from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import crc32c
        return crc32c


class RecordReader:
    """The records (bytes) of one TFRecord file, in batches; `problems` says what was unreadable."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[str] = []

    def batches(self, size: int | None = None, first: int = 64) -> Iterator[list[bytes]]:
        """The records in lists of up to `size`, the first list only `first` long (a file
        begins with events of other kinds, read one by one: a short first list keeps that
        to a few). The framing loop runs once per event, so it is written out here, with the
        masked CRC32C inlined."""
        data = map_file(self.path)
        value = _crc_value()
        pos, end = 0, len(data)
        head = struct.Struct("<QI").unpack_from
        word = struct.Struct("<I").unpack_from
        limit, size = first, size or _BATCH
        batch: list[bytes] = []
        add = batch.append
        while pos < end:
            if pos + 12 > end:
                self.problems.append(f"{self.path.name}: torn record at byte {pos} ({end - pos} bytes unreadable)")
                break
            length, stored = head(data, pos)
            stop = pos + 12 + length
            if stop + 4 > end:
                # a torn end, or a damaged length: which one, the length's own CRC says
                x = value(data[pos:pos + 8])
                torn = (((x >> 15) | (x << 17)) + 0xA282EAD8) & 0xFFFFFFFF == stored
                self.problems.append(f"{self.path.name}: {'torn record' if torn else 'damaged record header'} "
                                     f"at byte {pos} ({end - pos} bytes unreadable)")
                break
            # The length's CRC is not checked on this path: a damaged length makes the data
            # CRC below fail (it is read at the wrong place), which stops the file just the same.
            chunk = data[pos + 12:stop]
            x = value(chunk)
            if (((x >> 15) | (x << 17)) + 0xA282EAD8) & 0xFFFFFFFF != word(data, stop)[0]:
                self.problems.append(f"{self.path.name}: record at byte {pos} fails its checksum "
                                     f"({end - pos} bytes unreadable)")
                break
            pos = stop + 4
            add(chunk)
            if len(batch) >= limit:
                yield batch
                batch = []
                add = batch.append
                limit = size
        if batch:
            yield batch


def _column_views() -> tuple[Any, Any, Any]:
    """Structural views of `Event` that read a whole batch of scalar events in one parse.

    Event files of torch's `SummaryWriter` and TF1 are nearly all events of one
    `simple_value` each; reading each through protobuf objects costs microseconds per
    event. Parsing the batch's events joined as ONE message merges them: in the view
    `Columns` the singular fields wall_time (1) and step (2) are declared repeated, and
    `summary` (5) and its `value` (1) stay singular messages whose fields (tag 1,
    simple_value 2, ...) are declared repeated, so the C parser hands over every event's
    wall time, step, tag and value as four lists. `Summaries` (summary 5 as bytes) and
    `Values` (value 1 as bytes) count summaries per event and values per summary, which is
    what tells whether the lists line up (see `_scalar_columns`). Field numbers are those of
    tensorboard/compat/proto/event.proto and summary.proto.
    """
    from google.protobuf.descriptor_pb2 import FieldDescriptorProto as F
    B, M = F.TYPE_BYTES, F.TYPE_MESSAGE
    return proto_views("py_tracker_tb_view", {  # type: ignore[return-value]
        "ValueColumns": [("tag", 1, B, True, None), ("simple_value", 2, F.TYPE_FLOAT, True, None),
                         *((f"other{n}", n, B, True, None) for n in (3, 4, 5, 6, 8))],  # the other kinds of value
        "SummaryColumns": [("value", 1, M, False, "ValueColumns")],
        "Columns": [("wall_time", 1, F.TYPE_DOUBLE, True, None), ("step", 2, F.TYPE_INT64, True, None),
                    ("summary", 5, M, False, "SummaryColumns"),
                    *((f"other{n}", n, B, True, None) for n in (3, 4, 6, 7, 8, 9))],  # events that are not summaries
        "Summaries": [("summary", 5, B, True, None)],
        "Values": [("value", 1, B, True, None)],
    }, "Columns", "Summaries", "Values")


def _scalar_columns(views: tuple[Any, Any, Any], batch: list[bytes]) -> dict[str, tuple[Any, Any, Any]] | None:
    """The batch's points as {tag: (steps, wall times, values)} arrays in file order, when every
    event of it is a summary of exactly one `simple_value` with a tag, a step and a wall time;
    else None (the batch is read event by event).

    Why the lists line up: each event has a summary (n summaries), none empty, and n values
    in all, so each has exactly one value; n tags, n simple values, n steps and n wall times,
    with no other kind of event or value present, give each event one of each.
    """
    columns_cls, summaries_cls, values_cls = views
    n = len(batch)
    joined = b"".join(batch)
    cols, summaries = columns_cls(), summaries_cls()
    try:
        cols.ParseFromString(joined)
        summaries.ParseFromString(joined)
    except Exception:
        return None
    each = summaries.summary
    if len(each) != n or not min(map(len, each)):
        return None
    values = values_cls()
    try:
        values.ParseFromString(b"".join(each))
    except Exception:
        return None
    v = cols.summary.value
    if (len(values.value) != n or len(v.tag) != n or len(v.simple_value) != n or len(cols.step) != n
            or len(cols.wall_time) != n or any(len(getattr(v, f"other{k}")) for k in (3, 4, 5, 6, 8))
            or any(len(getattr(cols, f"other{k}")) for k in (3, 4, 6, 7, 8, 9))):
        return None
    tags = v.tag
    try:
        names = {t: t.decode() for t in set(tags)}
    except UnicodeDecodeError:
        return None  # the event-by-event read reports it
    steps = np.array(cols.step, dtype=np.int64)
    walls = np.array(cols.wall_time, dtype=float)
    vals = np.array(v.simple_value, dtype=float)
    if len(names) == 1:
        return {next(iter(names.values())): (steps, walls, vals)}
    index = {t: i for i, t in enumerate(names)}
    codes = np.fromiter(map(index.__getitem__, tags), dtype=np.int32, count=n)
    out = {}
    for t, i in index.items():
        where = codes == i
        out[names[t]] = (steps[where], walls[where], vals[where])
    return out


class TensorBoardSource(Source):
    """A TensorBoard log dir (or one run folder): each folder with event files is a run."""

    kind = "tensorboard"

    def __init__(self) -> None:
        try:
            from tensorboard import data_compat
            from tensorboard.compat.proto import event_pb2
        except ImportError as exc:
            raise missing_reader("TensorBoard logs", "tensorboard", exc) from None

    def find(self, path: Path) -> Iterator[SourceRun | tuple[str, str]]:
        logdir = path.resolve()
        dirs = sorted({p.parent for p in logdir.rglob(f"{EVENTS}*") if p.is_file() and not p.is_symlink()})
        if not dirs:
            raise UsageError(f"py-tracker import tensorboard: no event files ({EVENTS}*) under {str(path)!r}; "
                             f"give the log dir you pass to `tensorboard --logdir`")
        for d in dirs:
            rel = d.relative_to(logdir).as_posix()
            name = rel if rel != "." else d.name
            yield SourceRun(source_id=str(d), label=name, location=d, project=logdir.name,
                            extra={"name": name})

    def read(self, item: SourceRun, run: StagedRun) -> None:
        from tensorboard import data_compat
        from tensorboard.compat.proto import event_pb2
        from tensorboard.util import tensor_util
        rec = run.record
        rec["name"] = item.extra["name"]
        # tag -> the points of each batch as (steps, wall times, values) arrays, in file order
        scalars: dict[str, list[tuple[Any, Any, Any]]] = {}
        media: dict[str, list[tuple[int, float, Any]]] = {}
        config: dict[str, Any] = {}
        first_wall: float | None = None
        last_wall: float | None = None
        bad = 0
        views = _column_views()
        for f in sorted(item.location.glob(f"{EVENTS}*")):
            if not f.is_file() or f.is_symlink():
                continue
            reader = RecordReader(f)
            parse = event_pb2.Event.FromString  # a new message per event: upb re-parses a reused one ~4x slower
            for batch in reader.batches():
                fast = _scalar_columns(views, batch)
                if fast is not None:  # the common case: one parse for the whole batch
                    for tag, points in fast.items():
                        scalars.setdefault(tag, []).append(points)
                    continue
                batch_scalars: dict[str, list[tuple[int, float, float]]] = {}
                last_tag, points = None, None
                for raw in batch:  # event by event, as few protobuf accesses as can be
                    try:
                        ev = parse(raw)
                    except Exception:
                        bad += 1
                        continue
                    values = ev.summary.value
                    if not values:  # file version, graph, session log...
                        wall = ev.wall_time
                        first_wall = wall if first_wall is None else min(first_wall, wall)
                        last_wall = wall if last_wall is None else max(last_wall, wall)
                        continue
                    step, wall = ev.step, ev.wall_time
                    for v in values:
                        if v.WhichOneof("value") == "simple_value":  # torch/TF1 scalars: the common case
                            tag = v.tag
                            if tag != last_tag:
                                points = batch_scalars.get(tag)
                                if points is None:
                                    points = batch_scalars[tag] = []
                                last_tag = tag
                            points.append((step, wall, v.simple_value))
                            continue
                        self._value(data_compat.migrate_value(v), step, wall, batch_scalars, media, config,
                                    tensor_util, run)
                        last_tag = None
                for tag, pts in batch_scalars.items():
                    scalars.setdefault(tag, []).append((np.array([p[0] for p in pts], dtype=np.int64),
                                                        np.array([p[1] for p in pts], dtype=float),
                                                        np.array([p[2] for p in pts], dtype=float)))
            for text in reader.problems:
                run.problem(text)
        if bad:
            run.problem(f"{bad} event(s) could not be decoded")
        series: dict[str, tuple[Any, Any, Any]] = {}
        for k, parts in scalars.items():
            series[k] = tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore[assignment]
        for k, pts in media.items():
            objs = np.empty(len(pts), dtype=object)
            objs[:] = [p[2] for p in pts]
            series[k] = (np.array([p[0] for p in pts], dtype=np.int64), np.array([p[1] for p in pts], dtype=float),
                         objs)
        for _, t, _ in series.values():  # the run's span: every event's wall time counts
            if len(t):
                lo, hi = float(t.min()), float(t.max())
                first_wall = lo if first_wall is None else min(first_wall, lo)
                last_wall = hi if last_wall is None else max(last_wall, hi)
        for n, columns in merge_points(series, first_wall):
            run.add_columns(n, columns)
        rec["config"] = config
        if first_wall is not None:
            rec["created_at"] = first_wall
            rec["finished_at"] = rec["updated_at"] = last_wall
            rec["runtime"] = (last_wall or first_wall) - first_wall
        rec["state"] = "finished"
        rec["exit_code"] = 0

    def _value(self, v: Any, step: int, wall: float, scalars: dict, media: dict, config: dict,
               tensor_util: Any, run: StagedRun) -> None:
        plugin = v.metadata.plugin_data.plugin_name
        if plugin == "hparams":
            self._hparams(v, config, run)
            return
        if not v.HasField("tensor"):
            return
        try:
            arr = tensor_util.make_ndarray(v.tensor)
        except Exception as exc:
            run.problem(f"tag {v.tag!r} at step {step}: unreadable tensor ({exc})")
            return
        if plugin == "scalars" or (not plugin and arr.size == 1 and arr.dtype.kind in "fiub"):
            target = scalars.setdefault(v.tag, [])
            value: Any = float(arr.reshape(-1)[0])
        elif plugin == "histograms":
            from ..media.histogram import Histogram
            if arr.ndim != 2 or arr.shape[1] != 3 or not len(arr):
                return
            edges = list(arr[:, 0]) + [arr[-1, 1]]
            try:
                value = Histogram(np_histogram=(arr[:, 2], np.asarray(edges))).to_json()
            except Exception as exc:
                run.problem(f"histogram {v.tag!r} at step {step}: {exc}")
                return
            target = media.setdefault(v.tag, [])
        elif plugin == "images":
            from PIL import Image as PILImage

            from ..media.image import Image
            pics = arr.reshape(-1)[2:]
            out = []
            for i, png in enumerate(pics):
                try:
                    img = Image(PILImage.open(io.BytesIO(bytes(png))))
                    out.append(img.to_json(run.files_dir, v.tag if len(pics) == 1 else f"{v.tag}_{i}", step))
                    run.files += 1
                except Exception as exc:
                    run.problem(f"image {v.tag!r} at step {step}: {exc}")
            if not out:
                return
            value = out[0]
            for i, extra in enumerate(out[1:], 1):
                media.setdefault(f"{v.tag}/{i}", []).append((step, wall, extra))
            target = media.setdefault(v.tag, [])
        else:
            return  # text, audio, PR curves, graphs: not imported
        target.append((step, wall, value))

    @staticmethod
    def _hparams(v: Any, config: dict, run: StagedRun) -> None:
        from tensorboard.plugins.hparams import plugin_data_pb2
        data = plugin_data_pb2.HParamsPluginData()
        try:
            data.ParseFromString(v.metadata.plugin_data.content)
        except Exception as exc:
            run.problem(f"unreadable hparams ({exc})")
            return
        if not data.HasField("session_start_info"):
            return
        for name, val in data.session_start_info.hparams.items():
            kind = val.WhichOneof("kind")
            if kind == "number_value":
                x = val.number_value
                config[name] = int(x) if x.is_integer() and abs(x) < 2 ** 53 else x
            elif kind == "string_value":
                config[name] = val.string_value
            elif kind == "bool_value":
                config[name] = val.bool_value

