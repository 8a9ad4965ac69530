"""The run panel's Artifacts tab draws the run's lineage graph (a static SVG) with every name escaped."""
from __future__ import annotations

import html

import pytest

import py_tracker as pt
from py_tracker.notebook.live.panel import RunPanel

from .conftest import QUIET

EVIL = "<script>alert(1)</script>&prep"


def _two_runs(tmp_path):
    """prep (an evil name) logs the dataset 'digits'; train uses it."""
    data = tmp_path / "data.txt"
    data.write_text("1,2,3")
    prep = pt.init(project="p", name=EVIL, job_type="prep", settings=QUIET, reinit="create_new")
    art = pt.Artifact("digits", type="dataset")
    art.add_file(str(data))
    prep.log_artifact(art)
    prep.finish()
    train = pt.init(project="p", name="train-1", job_type="train", settings=QUIET, reinit="create_new")
    train.use_artifact("digits:latest")
    train.finish()
    return prep, train


@pytest.mark.parametrize("which", ["train", "prep"])
def test_artifacts_tab_draws_lineage_escaped(store, tmp_path, which):
    prep, train = _two_runs(tmp_path)
    run = train if which == "train" else prep
    panel = RunPanel(pt.Api(store).run(run.id))
    try:
        assert panel.tabs.titles[-1] == "Artifacts"
        panel.tabs.selected_index = len(panel.tabs.titles) - 1
        value = panel.artifacts.value
        assert "<svg" in value and "</svg>" in value and "Lineage" in value
        svg = value[value.index("<svg"): value.index("</svg>")]
        # both runs and the artifact are nodes of the graph
        assert ">train-1<" in svg and ">digits:v0<" in svg
        assert html.escape("<script>alert(1)") in svg  # the evil name, escaped (shortened to fit a box)
        assert "<script" not in value and "alert(1)</script>" not in value
        assert svg.count("<rect") == 3 and svg.count("<line") == 2  # prep -> digits:v0 -> train-1
        # the panel's own run is drawn with the thick border
        own = f"<title>run:{run.id}</title>"
        assert own in svg and 'stroke-width="3"' in svg[svg.index(own):].split("</g>")[0]
    finally:
        panel.close()
