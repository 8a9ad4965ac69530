"""Media stored as one file each, in W&B's formats and folders: Audio, Video, Html, Object3D, Molecule.

Each keeps the bytes it will write (read or encoded in the user's call, so a file the
caller deletes afterwards is not lost; heavy encodes are cheap enough at these sizes) and
writes ``media/<folder>/<key>_<step>_<hash>.<ext>``; the history row holds W&B's dict
(``"_type": "audio-file"``, ``"video-file"``, ``"html-file"``, ``"object3D-file"``,
``"molecule-file"``, with path, sha256, size and the type's extras). `from_json` gives the
file's path. The run panel plays audio and video, shows HTML in a sandboxed frame, and
lists 3-D objects and molecules with a download link.
"""
from __future__ import annotations

import io
import os
import wave
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import orjson

from ..errors import UsageError
from .base import Media, media_path, resolve, sha256, write_bytes_atomic


class FileMedia(Media):
    """Base of one-file media. Subclasses set `_type`, `_folder` and fill `_bytes`, `_ext`."""

    _folder: ClassVar[str] = ""
    _bytes: bytes
    _ext: str
    caption: str | None = None

    def _extras(self) -> dict[str, Any]:
        return {}

    def _read_path(self, path: Any, allowed: set[str] | tuple[str, ...], what: str) -> None:
        p = Path(path)
        ext = "pts.json" if p.name.endswith(".pts.json") else p.suffix.lstrip(".").lower()
        if ext not in allowed:
            raise UsageError(f"{what} file {str(p)!r} has type {ext!r}; supported: {', '.join(sorted(allowed))}")
        if not p.is_file():
            raise UsageError(f"{what} file {str(p)!r} does not exist (or is not a file)")
        self._bytes, self._ext = p.read_bytes(), ext

    def to_json(self, files_dir: Path, key: str, step: int) -> dict[str, Any]:
        digest = sha256(self._bytes)
        path, rel = media_path(files_dir, self._folder, key, step, digest, f".{self._ext}")
        write_bytes_atomic(path, self._bytes)
        d: dict[str, Any] = {"_type": self._type, "path": rel, "sha256": digest, "size": len(self._bytes)}
        if self.caption is not None:
            d["caption"] = self.caption
        d.update(self._extras())
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any], files_dir: Path) -> Path:
        """The stored file's path."""
        return resolve(files_dir, d)


class Audio(FileMedia):
    """``Audio(samples, sample_rate=16000, caption=...)`` or ``Audio("clip.wav")``: a WAV (arrays:
    16-bit PCM, floats in -1..1, mono or samples x channels) under media/audio."""

    _type = "audio-file"
    _folder = "audio"
    EXTS = ("wav", "mp3", "ogg", "flac", "m4a", "webm")

    def __init__(self, data_or_path: Any, sample_rate: int | None = None, caption: str | None = None):
        self.caption = None if caption is None else str(caption)
        self.sample_rate = sample_rate
        self.duration: float | None = None
        if isinstance(data_or_path, (str, os.PathLike)):
            self._read_path(data_or_path, self.EXTS, "Audio")
            return
        if sample_rate is None:
            raise UsageError("Audio(array) needs sample_rate=..., e.g. Audio(samples, sample_rate=16000)")
        if not isinstance(sample_rate, int) or isinstance(sample_rate, bool) or sample_rate <= 0:
            raise UsageError(f"Audio sample_rate must be a positive int (samples per second); got {sample_rate!r}")
        arr = np.asarray(data_or_path.detach().cpu().numpy() if hasattr(data_or_path, "detach") else data_or_path)
        if arr.ndim not in (1, 2) or arr.size == 0 or not np.issubdtype(arr.dtype, np.number):
            raise UsageError(f"Audio needs a non-empty 1-D (mono) or 2-D (samples x channels) numeric array; "
                             f"got shape {arr.shape}, dtype {arr.dtype}")
        frames = arr if arr.ndim == 2 else arr[:, None]
        if np.issubdtype(frames.dtype, np.floating):
            pcm = (np.clip(np.nan_to_num(frames), -1.0, 1.0) * 32767).astype("<i2")
        else:
            pcm = frames.astype("<i2")
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(pcm.shape[1])
            w.setsampwidth(2)
            w.setframerate(sample_rate)
            w.writeframes(pcm.tobytes())
        self._bytes, self._ext = buf.getvalue(), "wav"
        self.duration = len(pcm) / sample_rate

    def _extras(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.sample_rate is not None:
            d["sample_rate"] = self.sample_rate
        if self.duration is not None:
            d["duration"] = self.duration
        return d


def _video_frames(video: np.ndarray) -> np.ndarray:
    """W&B's `_prepare_video`: (T, C, H, W) or (B, T, C, H, W) uint8 -> (T, H, W, C), batches tiled."""
    if video.ndim < 4:
        raise UsageError(f"Video needs at least 4 dimensions (time, channels, height, width); got shape {video.shape}")
    if video.ndim == 4:
        video = video.reshape(1, *video.shape)
    b, t, c, h, w = video.shape
    if c not in (1, 3, 4):
        raise UsageError(f"Video frames need 1, 3 or 4 channels as (time, channels, height, width); got shape "
                         f"{video.shape}")
    video = video.astype(np.uint8)
    if b & (b - 1):  # pad the batch to a power of 2, as W&B
        video = np.concatenate((video, np.zeros((2 ** b.bit_length() - b, t, c, h, w), dtype=np.uint8)), axis=0)
    n_rows = 2 ** ((b.bit_length() - 1) // 2)
    n_cols = video.shape[0] // n_rows
    video = video.reshape(n_rows, n_cols, t, c, h, w).transpose(2, 0, 4, 1, 5, 3)
    return video.reshape(t, n_rows * h, n_cols * w, c)


class Video(FileMedia):
    """``Video(frames, fps=4, format="gif")`` (frames: (T, C, H, W) or (B, T, C, H, W) uint8) or
    ``Video("clip.mp4")``: stored under media/videos. Arrays encode as GIF (W&B's default format);
    mp4/webm/ogg from arrays need imageio with ffmpeg."""

    _type = "video-file"
    _folder = "videos"
    EXTS = ("gif", "mp4", "webm", "ogg")

    def __init__(self, data_or_path: Any, caption: str | None = None, fps: int | None = None,
                 format: str | None = None):
        self.caption = None if caption is None else str(caption)
        self.width: int | None = None
        self.height: int | None = None
        if format is not None and format not in self.EXTS:
            raise UsageError(f"Video(format={format!r}): use one of {', '.join(self.EXTS)}")
        if isinstance(data_or_path, (str, os.PathLike)):
            self._read_path(data_or_path, self.EXTS, "Video")
            return
        arr = np.asarray(data_or_path.detach().cpu().numpy() if hasattr(data_or_path, "detach") else data_or_path)
        frames = _video_frames(arr)
        self.height, self.width = int(frames.shape[1]), int(frames.shape[2])
        fps = int(fps or 4)
        fmt = format or "gif"
        if fmt == "gif":
            from PIL import Image as PILImage
            imgs = [PILImage.fromarray(f[..., 0] if f.shape[-1] == 1 else f) for f in frames]
            buf = io.BytesIO()
            imgs[0].save(buf, format="GIF", save_all=True, append_images=imgs[1:], duration=int(1000 / fps), loop=0)
            self._bytes = buf.getvalue()
        else:
            try:
                import imageio.v3 as iio
                self._bytes = iio.imwrite("<bytes>", frames, extension=f".{fmt}", fps=fps)
            except Exception as exc:
                raise UsageError(f"Video(format={fmt!r}) from frames needs imageio with ffmpeg ({exc}); "
                                 f"install imageio[ffmpeg] or use format='gif'") from None
        self._ext = fmt

    def _extras(self) -> dict[str, Any]:
        return {k: v for k, v in (("width", self.width), ("height", self.height)) if v is not None}


class Html(FileMedia):
    """``Html("<h1>hi</h1>")``, a file object, or ``Html("page.html")``: stored under media/html.
    W&B's `inject` adds a stylesheet link to its cloud app; offline nothing is injected."""

    _type = "html-file"
    _folder = "html"

    def __init__(self, data: Any, inject: bool = True, data_is_not_path: bool = False):
        if isinstance(data, os.PathLike) or (isinstance(data, str) and not data_is_not_path
                                             and data.endswith(".html") and os.path.isfile(data)):
            self.html = Path(data).read_text(encoding="utf-8")
        elif isinstance(data, str):
            self.html = data
        elif hasattr(data, "read"):
            if hasattr(data, "seek"):
                data.seek(0)
            self.html = data.read()
        else:
            raise UsageError(f"Html takes a string of HTML, a file object or an .html path; got {type(data).__name__}")
        self._bytes, self._ext = str(self.html).encode("utf-8"), "html"


class Object3D(FileMedia):
    """A point cloud (numpy N x 3 xyz, N x 4 xyz+category, N x 6 xyz+rgb; or W&B's "lidar/beta"
    dict) stored as ``.pts.json``, or a 3-D file (obj, gltf, glb, babylon, stl, pts.json)."""

    _type = "object3D-file"
    _folder = "object3D"
    SUPPORTED_TYPES = {"obj", "gltf", "glb", "babylon", "stl", "pts.json"}

    def __init__(self, data_or_path: Any, caption: str | None = None, **kwargs: Any):
        self.caption = None if caption is None else str(caption)
        if isinstance(data_or_path, (str, os.PathLike)):
            self._read_path(data_or_path, self.SUPPORTED_TYPES, "Object3D")
            return
        if isinstance(data_or_path, dict):
            if data_or_path.get("type") != "lidar/beta":
                raise UsageError("Object3D(dict) takes W&B's scene format: {'type': 'lidar/beta', 'points': ...}")
            body = data_or_path
        else:
            pts = np.asarray(data_or_path)
            if pts.ndim != 2 or pts.shape[1] not in (3, 4, 6):
                raise UsageError(f"Object3D points must be an N x 3, N x 4 or N x 6 array; got shape {pts.shape}")
            body = pts.tolist()
        self._bytes = orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
        self._ext = "pts.json"

    @classmethod
    def from_numpy(cls, data: Any) -> "Object3D":
        return cls(data)

    @classmethod
    def from_file(cls, data_or_path: Any, file_type: str | None = None) -> "Object3D":
        return cls(data_or_path)


class Molecule(FileMedia):
    """A molecule file (pdb, pqr, mmcif, mcif, cif, sdf, sd, gro, mol2, mmtf) under media/molecule."""

    _type = "molecule-file"
    _folder = "molecule"
    SUPPORTED_TYPES = {"pdb", "pqr", "mmcif", "mcif", "cif", "sdf", "sd", "gro", "mol2", "mmtf"}

    def __init__(self, data_or_path: Any, caption: str | None = None, file_type: str | None = None, **kwargs: Any):
        self.caption = None if caption is None else str(caption)
        if isinstance(data_or_path, (str, os.PathLike)):
            self._read_path(data_or_path, self.SUPPORTED_TYPES, "Molecule")
        elif hasattr(data_or_path, "read"):
            if file_type not in self.SUPPORTED_TYPES:
                raise UsageError(f"Molecule(file object) needs file_type=, one of {', '.join(sorted(self.SUPPORTED_TYPES))}")
            text = data_or_path.read()
            self._bytes, self._ext = text.encode() if isinstance(text, str) else bytes(text), str(file_type)
        else:
            raise UsageError(f"Molecule takes a file path or a file object; got {type(data_or_path).__name__}")

    @classmethod
    def from_rdkit(cls, *args: Any, **kwargs: Any) -> "Molecule":
        raise UsageError("Molecule.from_rdkit is not available offline in py_tracker; write the molecule to an "
                         ".sdf or .pdb file (rdkit: Chem.MolToMolFile) and pass its path to Molecule(path)")

    from_smiles = from_rdkit
