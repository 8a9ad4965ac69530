"""`wandb.data_types`: W&B's module of loggable types, under the names scripts import from it."""
from __future__ import annotations

from .media import (Audio, Classes, Histogram, Html, Image, ImageList, JoinedTable, Molecule, Object3D,
                    PartitionedTable, Table, Video)
from .media.base import Media as WBValue
from .plot import CustomChart

__all__ = ["Audio", "Classes", "CustomChart", "Histogram", "Html", "Image", "ImageList", "JoinedTable", "Molecule",
           "Object3D", "PartitionedTable", "Table", "Video", "WBValue"]
