"""Artifacts: versioned datasets and models with lineage, stored content-addressed offline.

    art = py_tracker.Artifact("digits", type="dataset")
    art.add_file("train.npz")
    run.log_artifact(art, aliases=["best"])          # v0, then v1 when content changes
    data = run.use_artifact("digits:latest")          # records the lineage input edge
    path = data.download()                            # a folder under the store
    py_tracker.Api().artifact("proj/digits:v0").verify(path)

See `artifact` (the Artifact class), `transfer` (store/download/verify),
`registry` (catalog records), `blobs` (content-addressed files), `lineage`,
`drawing` (lineage as SVG or text).
"""
from __future__ import annotations

from .artifact import Artifact, ArtifactFile
from .drawing import lineage_svg, lineage_text
from .lineage import lineage
from .models import run_artifacts, run_link_artifact, run_link_model, run_log_model, run_use_model
from .transfer import VerifyError, VerifyReport
from .usage import (list_artifacts, load_artifact, log_artifact, run_log_artifact, run_use_artifact,
                    use_artifact)

__all__ = ["Artifact", "ArtifactFile", "VerifyReport", "VerifyError", "lineage", "lineage_svg", "lineage_text", "log_artifact",
           "use_artifact", "run_log_artifact", "run_use_artifact", "load_artifact", "list_artifacts",
           "run_artifacts", "run_link_artifact", "run_link_model", "run_log_model", "run_use_model"]
