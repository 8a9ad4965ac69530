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
from .base import Source, SourceRun, StagedRun, map_file, merge_points, missing_reader

EVENTS = "events.out.tfevents."


def _crc_value() -> Callable[[bytes], int]:
    """Plain (unmasked) CRC32C: google_crc32c's C code when installed, else tensorboard's."""
    try:
        import google_crc32c
        return google_crc32c.value
    except ImportError:
        from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import crc32c
        return crc32c


class RecordReader:
    """Yields the records (bytes) of one TFRecord file; `problems` says what was unreadable."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[str] = []

    def __iter__(self) -> Iterator[bytes]:
        data = map_file(self.path)
        value = _crc_value()
        pos, end = 0, len(data)
        head = struct.Struct("<QI").unpack_from
        word = struct.Struct("<I").unpack_from
        while pos < end:
            if pos + 12 > end:
                self.problems.append(f"{self.path.name}: torn record at byte {pos} ({end - pos} bytes unreadable)")
                return
            length, stored = head(data, pos)
            start, stop = pos + 12, pos + 12 + length
            if stop + 4 > end:
                # a torn end, or a damaged length: which one, the length's own CRC says
                x = value(data[pos:pos + 8])
                torn = (((x >> 15) | (x << 17)) + 0xA282EAD8) & 0xFFFFFFFF == stored
                self.problems.append(f"{self.path.name}: {'torn record' if torn else 'damaged record header'} "
                                     f"at byte {pos} ({end - pos} bytes unreadable)")
                return
            # The length's CRC is not checked on this path: a damaged length makes the data
            # CRC below fail (it is read at the wrong place), which stops the file just the same.
            chunk = data[start:stop]
            x = value(chunk)  # masked CRC32C, inlined: this loop runs once per event
            if (((x >> 15) | (x << 17)) + 0xA282EAD8) & 0xFFFFFFFF != word(data, stop)[0]:
                self.problems.append(f"{self.path.name}: record at byte {pos} fails its checksum "
                                     f"({end - pos} bytes unreadable)")
                return
            pos = stop + 4
            yield chunk


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
        scalars: dict[str, list[tuple[int, float, float]]] = {}  # tag -> [(step, wall time, value)]
        media: dict[str, list[tuple[int, float, Any]]] = {}
        config: dict[str, Any] = {}
        first_wall: float | None = None
        last_wall: float | None = None
        bad = 0
        for f in sorted(item.location.glob(f"{EVENTS}*")):
            if not f.is_file() or f.is_symlink():
                continue
            reader = RecordReader(f)
            ev = event_pb2.Event()
            parse = ev.ParseFromString
            last_tag, points = None, None
            for raw in reader:  # the hot loop: one pass per event, as few protobuf accesses as can be
                try:
                    parse(raw)
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
                            points = scalars.get(tag)
                            if points is None:
                                points = scalars[tag] = []
                            last_tag = tag
                        points.append((step, wall, v.simple_value))
                        continue
                    self._value(data_compat.migrate_value(v), step, wall, scalars, media, config,
                                tensor_util, run)
                    last_tag = None
            for text in reader.problems:
                run.problem(text)
        if bad:
            run.problem(f"{bad} event(s) could not be decoded")
        series: dict[str, tuple[Any, Any, Any]] = {}
        for k, pts in scalars.items():
            arr = np.array(pts, dtype=float).reshape(-1, 3)
            series[k] = (arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2])
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

