"""%track system: a live system panel fed by a real SystemMonitor."""
from __future__ import annotations

from py_tracker.notebook.live.system_panel import SystemPanel

from .conftest import wait_for


def test_system_panel_charts_live_samples():
    panel = SystemPanel(interval=0.05, refresh=0.1)
    try:
        assert wait_for(lambda: "system.cpu" in panel.board.charts and panel.board.charts["system.cpu"].n >= 3)
        sections = {c.children[0].value for c in panel.board.widget.children}
        assert "<b>CPU</b>" in sections and "<b>Memory</b>" in sections
    finally:
        panel.stop()
    assert wait_for(lambda: not panel.updater.alive)
    assert panel.stop_button.disabled
