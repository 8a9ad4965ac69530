"""Table.get_index / add_computed_columns, JoinedTable, PartitionedTable, Artifact.get -> Table, data_types."""
from __future__ import annotations

import pytest

import py_tracker as wandb
from py_tracker.errors import UsageError

QUIET = {"monitor_interval": None, "capture_output": False, "save_code": False, "display": False}


def test_get_index_and_computed_columns_as_wandb():
    t = wandb.Table(columns=["x", "label"], data=[[1, "a"], [2, "b"], [3, "a"]])
    t.add_column("id", t.get_index())
    t.add_computed_columns(lambda ndx, row: {"x2": row["x"] * 2, "is_a": row["label"] == "a", "ndx": ndx})
    assert t.columns == ["x", "label", "id", "x2", "is_a", "ndx"]
    assert t.data == [[1, "a", 0, 2, True, 0], [2, "b", 1, 4, False, 1], [3, "a", 2, 6, True, 2]]
    with pytest.raises(UsageError, match="must return a dict.*row 0"):
        t.add_computed_columns(lambda ndx, row: row["x"])
    assert t.columns[-1] == "ndx"  # nothing half-added


def test_the_same_table_calls_give_what_real_wandb_gives():
    import importlib
    real = importlib.import_module("wandb")
    if not hasattr(real, "sdk"):
        pytest.skip("the `wandb` importable here is not W&B's own SDK")
    for mod in (real, wandb):
        t = mod.Table(columns=["x"], data=[[5], [6]])
        t.add_column("i", [int(i) for i in t.get_index()])
        t.add_computed_columns(lambda ndx, row: {"y": row["x"] + int(ndx)})
        if mod is real:
            expected = (list(t.columns), [list(r) for r in t.data])
        else:
            assert (t.columns, t.data) == expected


def test_artifact_get_returns_tables_joined_and_partitioned(store):
    run = wandb.init(project="t", settings=QUIET)
    art = wandb.Artifact("ds", "dataset")
    left = wandb.Table(columns=["id", "img"], data=[[1, "a.png"], [2, "b.png"], [3, "c.png"]])
    right = wandb.Table(columns=["id", "pred"], data=[[2, "dog"], [3, "cat"], [4, "cow"]])
    art.add(left, "left")
    art.add(wandb.JoinedTable(left, right, "id"), "joined")
    art.add(wandb.JoinedTable("left", "left", "id"), "self_join")  # by name of a table in the artifact
    for i in range(3):
        art.add(wandb.Table(columns=["k", "v"], data=[[i, i * 10], [i, i * 10 + 1]]), f"parts/{i}")
    art.add(wandb.PartitionedTable("parts"), "all_parts")
    run.log_artifact(art)
    wandb.finish()
    got = wandb.Api().artifact("t/ds:latest")
    back = got.get("left")
    assert isinstance(back, wandb.Table) and (back.columns, back.data) == (left.columns, left.data)
    jt = got.get("joined")
    assert isinstance(jt, wandb.JoinedTable) and jt.table2.data == right.data
    joined = jt.join()
    assert joined.columns == ["0.id", "0.img", "1.id", "1.pred"]
    assert joined.data == [[2, "b.png", 2, "dog"], [3, "c.png", 3, "cat"]]
    assert got.get("self_join").join().get_column("0.img") == ["a.png", "b.png", "c.png"]
    pt = got.get("all_parts")
    assert isinstance(pt, wandb.PartitionedTable) and len(pt.parts) == 3
    assert [row for _, row in pt.iterrows()] == [[0, 0], [0, 1], [1, 10], [1, 11], [2, 20], [2, 21]]
    assert pt.table().columns == ["k", "v"]


def test_bad_joins_name_the_problem():
    t = wandb.Table(columns=["a"], data=[[1]])
    with pytest.raises(UsageError, match="join key 'b' is not a column"):
        wandb.JoinedTable(t, t, "b")
    with pytest.raises(UsageError, match="parts_path"):
        wandb.PartitionedTable("")


def test_data_types_module_has_wandbs_names():
    from py_tracker import data_types
    for name in ("Table", "Image", "Histogram", "Audio", "Video", "Html", "Object3D", "Molecule", "Classes",
                 "JoinedTable", "PartitionedTable"):
        assert getattr(wandb.data_types, name) is getattr(wandb, name)
    assert data_types is wandb.data_types


def test_wandbs_table_keywords_are_accepted(store):
    t = wandb.Table(columns=["a", "b"], data=[[1, "x"], ["y", 2.5]], allow_mixed_types=True, optional=True,
                    dtype=None, log_mode="MUTABLE")
    run = wandb.init(project="t", settings={"display": False, "monitor_interval": None, "capture_output": False})
    wandb.log({"t": t})
    wandb.finish()
    d = wandb.Api().run(run.id).summary["t"]
    assert d["_type"] == "table-file" and d["nrows"] == 2
    with pytest.raises(UsageError, match="log_mode='SOMETIMES'"):
        wandb.Table(columns=["a"], log_mode="SOMETIMES")
