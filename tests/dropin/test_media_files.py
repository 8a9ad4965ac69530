"""Audio, Video, Html, Object3D, Molecule: stored as files in W&B's formats, shown in the panel."""
from __future__ import annotations

import base64
import html as _html
import io
import wave

import numpy as np
import orjson
import pytest

import py_tracker as wandb
from py_tracker.errors import UsageError
from py_tracker.notebook.live.media_files import MediaFileStrip
from py_tracker.notebook.live.panel import RunPanel

QUIET = {"monitor_interval": None, "capture_output": False, "save_code": False, "display": False}
PDB = "ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N\nEND\n"


def _log_all(tmp_path):
    tone = np.sin(np.linspace(0, 2 * np.pi * 440, 8000)).astype(np.float32)
    frames = np.zeros((6, 3, 8, 10), dtype=np.uint8)
    for t in range(6):
        frames[t, 0, :, t] = 255  # a red column moving right
    mol = tmp_path / "ala.pdb"
    mol.write_text(PDB)
    page = "<h1>report</h1><script>parent.document.title='pwned'</script>"
    wandb.log({"audio": wandb.Audio(tone, sample_rate=8000, caption="A4"),
               "video": wandb.Video(frames, fps=3, caption="moving"),
               "page": wandb.Html(page),
               "cloud": wandb.Object3D(np.array([[0, 0, 0], [1, 2, 3.5]])),
               "mol": wandb.Molecule(str(mol))})
    mol.unlink()  # read at log time: deleting the source loses nothing
    return tone, frames, page


def test_files_are_stored_in_wandb_formats(store, tmp_path):
    run = wandb.init(project="media", settings=QUIET)
    tone, frames, page = _log_all(tmp_path)
    wandb.finish()
    api_run = wandb.Api().run(run.id)
    row = api_run.history(pandas=False)[0]
    files = api_run.dir
    a = row["audio"]
    assert a["_type"] == "audio-file" and a["path"].startswith("media/audio/") and a["path"].endswith(".wav")
    assert (a["caption"], a["sample_rate"], a["duration"]) == ("A4", 8000, 1.0)
    with wave.open(str(files / a["path"])) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        assert (w.getframerate(), w.getnchannels(), len(pcm)) == (8000, 1, 8000)
    assert np.allclose(pcm / 32767, tone, atol=1e-4)
    v = row["video"]
    assert v["_type"] == "video-file" and v["path"].startswith("media/videos/") and v["path"].endswith(".gif")
    assert (v["width"], v["height"], v["caption"]) == (10, 8, "moving")
    from PIL import Image as PILImage, ImageSequence
    with PILImage.open(files / v["path"]) as gif:
        got = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]
        assert abs(gif.info["duration"] - 1000 / 3) < 10  # GIF keeps centiseconds
    assert len(got) == 6 and all(got[t][4, t].tolist() == [255, 0, 0] for t in range(6))
    h = row["page"]
    assert h["_type"] == "html-file" and (files / h["path"]).read_text() == page
    o = row["cloud"]
    assert o["_type"] == "object3D-file" and o["path"].endswith(".pts.json")
    assert orjson.loads((files / o["path"]).read_bytes()) == [[0, 0, 0], [1, 2, 3.5]]
    m = row["mol"]
    assert m["_type"] == "molecule-file" and m["path"].startswith("media/molecule/") and m["path"].endswith(".pdb")
    assert (files / m["path"]).read_text() == PDB
    assert wandb.media.from_json(m, files) == files / m["path"]


def test_panel_plays_shows_and_offers_downloads(store, tmp_path):
    run = wandb.init(project="media", settings=QUIET)
    _, _, page = _log_all(tmp_path)
    wandb.finish()
    panel = RunPanel(wandb.Api().run(run.id))
    strips = {k: c for k, c in panel.charts.charts.items() if isinstance(c, MediaFileStrip)}
    assert set(strips) == {"audio", "video", "page", "cloud", "mol"}
    audio = strips["audio"].box.children[0]
    assert type(audio).__name__ == "Audio" and audio.format == "wav" and audio.value[:4] == b"RIFF"
    video = strips["video"].box.children[0]
    assert type(video).__name__ == "Image" and video.format == "gif" and video.value[:3] == b"GIF"
    frame = strips["page"].box.children[0].value
    assert 'sandbox="allow-scripts"' in frame and "allow-same-origin" not in frame
    assert "<script>" not in frame and _html.escape(page, quote=True) in frame  # only inside srcdoc
    mol = strips["mol"].box.children[0].value
    link = mol.split('href="data:application/octet-stream;base64,')[1].split('"')[0]
    assert base64.b64decode(link).decode() == PDB and "molecule:" in mol
    assert "3-D object:" in strips["cloud"].box.children[0].value


@pytest.mark.parametrize("make, match", [
    (lambda: wandb.Audio(np.zeros(10)), "sample_rate"),
    (lambda: wandb.Audio(np.zeros((2, 2, 2)), sample_rate=8000), "1-D .* 2-D"),
    (lambda: wandb.Video(np.zeros((3, 8, 8))), "at least 4 dimensions"),
    (lambda: wandb.Video(np.zeros((3, 2, 8, 8))), "1, 3 or 4 channels"),
    (lambda: wandb.Video(np.zeros((3, 3, 8, 8)), format="avi"), "gif, mp4"),
    (lambda: wandb.Object3D(np.zeros((4, 5))), "N x 3"),
    (lambda: wandb.Molecule("x.xyz"), "'xyz'; supported"),
    (lambda: wandb.Molecule("missing.pdb"), "does not exist"),
])
def test_bad_media_are_clear_errors(store, make, match):
    run = wandb.init(project="media", settings=QUIET)
    wandb.log({"loss": 2.0})
    with pytest.raises(UsageError, match=match):
        make()
    wandb.finish()
    assert wandb.Api().run(run.id).summary["loss"] == 2.0
