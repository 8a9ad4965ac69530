"""Rich values for `log()`: images, histograms and tables, written off the hot path.

`coerce(value)` turns what the user logged into a `Media` (or None); the run's flusher
later calls `media.to_json(run.dir, key, step)`, which writes files under
``<run files>/media/`` and returns the small dict stored in the history row.
`from_json(row_value, run.dir)` reads such a dict back.
"""
from __future__ import annotations

from .base import MEDIA_DIR, Media, from_json, is_media_json, safe_key
from .coerce import HISTOGRAM_MIN_ELEMENTS, coerce
from .files_media import Audio, Html, Molecule, Object3D, Video
from .histogram import Histogram
from .image import Image, ImageList
from .overlays import Classes
from .table import Table
from .table_views import JoinedTable, PartitionedTable

__all__ = [
    "HISTOGRAM_MIN_ELEMENTS", "MEDIA_DIR", "Audio", "Classes", "Histogram", "Html", "JoinedTable", "Molecule", "Object3D",
    "PartitionedTable", "Video", "Image", "ImageList", "Media", "Table",
    "coerce", "from_json", "is_media_json", "safe_key",
]
