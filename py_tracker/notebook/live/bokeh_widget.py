"""`LiveBokehModel`: a `jupyter_bokeh.BokehModel` whose widget state stays current.

`BokehModel` serializes its figure once, into the synced `render_bundle` trait, and
later sends every change (a `stream()`, a new range) as a patch message. A page that
reloads asks the kernel for every widget's state (ipywidgets 8's `request_states` on
the control comm) and renders from `render_bundle`: the figure as it was when the
widget was made, so the chart showed stale, partial data and then applied new patches
on top (points missing in between). Here `get_state()` serializes the document as it
is now, without touching the trait (re-sending it to a page that already shows the
chart would render its views twice), and notes when (`state_sent_at`): a live chart
then re-sends its whole data a few times over the next seconds, which heals the new
view once it exists (`LiveChart.flush`).

The document may be changing on a panel's updater thread while the kernel's shell
thread answers `request_states`: both hold `DOC_LOCK` (the updater around each tick
and command) so a serialized document is never half-streamed (columns of one source
of different lengths).
"""
from __future__ import annotations

import time
from typing import Any

from jupyter_bokeh import BokehModel

from .updater import DOC_LOCK

LOCK_TIMEOUT = 5.0


class LiveBokehModel(BokehModel):
    """A BokehModel widget whose full state (what a reloaded page renders) is the figure now."""

    _live_state = False
    state_sent_at: float | None = None  # time.monotonic() of the last full state sent (a page loaded it)

    def __init__(self, model: Any, **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        self._live_state = True  # the comm is open: from now on the trait value is stale

    def get_state(self, key: Any = None, drop_defaults: bool = False) -> dict:
        state = super().get_state(key, drop_defaults)
        if self._live_state and "render_bundle" in state:
            to_json = self.trait_metadata("render_bundle", "to_json")
            if not DOC_LOCK.acquire(timeout=LOCK_TIMEOUT):
                return state  # the owner is stuck: the creation-time figure beats no reply
            try:
                state["render_bundle"] = to_json(self._model_to_traits(self._model), self)
                self.state_sent_at = time.monotonic()
            finally:
                DOC_LOCK.release()
        return state
